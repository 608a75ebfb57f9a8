import { z } from 'zod';

/** The `{pip: [...]}` entry of a conda file's dependencies. */
const pipSection = z.object({ pip: z.array(z.union([z.string(), z.number()]).transform(String)).default([]) }).loose();

/**
 * A conda environment file (environment.yml), as Azure ML inlines it into an environment's
 * `conda_file`. Only the fields that decide the local build are typed; the rest is kept loose
 * because conda accepts more (prefix, variables) and Azure ML passes it along.
 */
export const condaEnvironmentSchema = z
  .object({
    name: z.string().optional(),
    channels: z.array(z.string()).default([]),
    // YAML turns `- 3.8` into a number; conda reads it as text.
    dependencies: z.array(z.union([z.string(), z.number().transform(String), pipSection])).default([]),
    variables: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export type CondaEnvironment = z.infer<typeof condaEnvironmentSchema>;
