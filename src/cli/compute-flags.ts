import { stringify } from 'yaml';

/**
 * `trellis compute create` without a file, the way `az ml compute create --name cpu-cluster
 * --type AmlCompute --size STANDARD_DS3_v2 --min-instances 0 --max-instances 4` works: the flags
 * become the compute YAML, which is then checked like any file.
 */
export interface ComputeFlags {
  name?: string | undefined;
  type?: string | undefined;
  size?: string | undefined;
  minInstances?: string | undefined;
  maxInstances?: string | undefined;
  idleTimeBeforeScaleDown?: string | undefined;
  tier?: string | undefined;
  description?: string | undefined;
}

/** The YAML the flags describe; a number flag that is not a number is kept as text, so the schema names it. */
export function computeYamlFromFlags(flags: ComputeFlags): string {
  const number = (text: string | undefined) => (text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : text);
  const document = {
    name: flags.name,
    type: flags.type ?? 'amlcompute',
    size: flags.size,
    min_instances: number(flags.minInstances),
    max_instances: number(flags.maxInstances),
    idle_time_before_scale_down: number(flags.idleTimeBeforeScaleDown),
    tier: flags.tier,
    description: flags.description,
  };
  return stringify(Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined)));
}
