import { z } from 'zod';
import { describeUnknownSize, findSku } from '../compute/sku-catalogue.js';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { azureEnum, closedObject, countField, flagField, isPlainObject, resourceFields, whenMapping } from './schema-helpers.js';

/**
 * The compute types azure-ai-ml can load from YAML (entities/_compute/compute.py, Compute._load),
 * and `slurm`, a Trellis extension.
 */
export const computeTypes = ['amlcompute', 'computeinstance', 'kubernetes', 'virtualmachine', 'synapsespark', 'slurm'] as const;
export type ComputeType = (typeof computeTypes)[number];

/**
 * Azure's defaults for fields it fills in when a file leaves them out: the AmlCompute entity's
 * constructor (min 0, max 4, idle 120 s) and ComputeDefaults.VMSIZE (constants/_compute.py).
 * The docs table for amlCompute says max_instances defaults to 1, but `az ml compute create`
 * sends the entity default, 4.
 */
export const computeDefaults = {
  size: 'STANDARD_DS3_V2',
  min_instances: 0,
  max_instances: 4,
  idle_time_before_scale_down: 120,
  tier: 'dedicated',
  namespace: 'default',
} as const;

const readOnly = readOnlyFields.compute;
const common = { ...resourceFields, ...readOnlyShape('compute'), location: z.string().optional(), resource_id: z.string().optional() };

// The service fills these in; `az ml compute show` prints them.
const assignedIds = ['principal_id', 'client_id', 'tenant_id'] as const;
const assignedIdShape = Object.fromEntries(assignedIds.map((field) => [field, z.unknown().optional()]));

/** Compute identities list user-assigned identities by resource id (unlike workspaces). */
const identity = closedObject(
  {
    type: azureEnum(['system_assigned', 'user_assigned', 'system_assigned,user_assigned', 'none']).optional(),
    user_assigned_identities: z.array(closedObject({ ...assignedIdShape, resource_id: z.string().optional() }, assignedIds)).optional(),
    principal_id: z.unknown().optional(),
    tenant_id: z.unknown().optional(),
  },
  ['principal_id', 'tenant_id'],
);

const networkSettings = closedObject(
  {
    vnet_name: z.string().optional(),
    subnet: z.string().optional(),
    public_ip_address: z.unknown().optional(),
    private_ip_address: z.unknown().optional(),
  },
  ['public_ip_address', 'private_ip_address'],
);

const amlCompute = closedObject(
  {
    ...common,
    type: z.literal('amlcompute'),
    size: z.string().default(computeDefaults.size),
    tier: azureEnum(['dedicated', 'low_priority']).default(computeDefaults.tier),
    min_instances: countField().default(computeDefaults.min_instances),
    max_instances: countField().default(computeDefaults.max_instances),
    idle_time_before_scale_down: countField().default(computeDefaults.idle_time_before_scale_down),
    ssh_public_access_enabled: flagField().optional(),
    ssh_settings: closedObject({
      admin_username: z.string().optional(),
      admin_password: z.string().optional(),
      ssh_key_value: z.string().optional(),
    }).optional(),
    network_settings: networkSettings.optional(),
    identity: identity.optional(),
    enable_node_public_ip: flagField().optional(),
  },
  readOnly,
).superRefine((cluster, context) => {
  const { min_instances: min, max_instances: max } = cluster;
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    context.addIssue({ code: 'custom', path: ['min_instances'], message: `min_instances (${min}) is larger than max_instances (${max})` });
  }
}, whenMapping);

const cronTrigger = closedObject({
  type: z.literal('cron'),
  expression: z.string(),
  start_time: z.string().optional(),
  time_zone: z.string().optional(),
});
const recurrenceTrigger = closedObject({
  type: z.literal('recurrence'),
  frequency: azureEnum(['minute', 'hour', 'day', 'week', 'month']),
  interval: countField().optional(),
  schedule: closedObject({
    week_days: z.array(azureEnum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])).optional(),
    hours: z.array(countField()).optional(),
    minutes: z.array(countField()).optional(),
  }).optional(),
  start_time: z.string().optional(),
  time_zone: z.string().optional(),
});
const startStopSchedule = closedObject(
  {
    action: azureEnum(['start', 'stop']),
    trigger: z
      .discriminatedUnion('type', [cronTrigger, recurrenceTrigger], { error: 'trigger.type must be cron or recurrence' })
      .optional(),
    state: azureEnum(['enabled', 'disabled']).optional(),
    schedule_id: z.unknown().optional(),
    provisioning_state: z.unknown().optional(),
  },
  ['schedule_id', 'provisioning_state'],
);
const scriptReference = closedObject({
  path: z.string().optional(),
  command: z.string().optional(),
  timeout_minutes: countField().optional(),
});
const customApplication = closedObject({
  name: z.string(),
  type: azureEnum(['docker']).optional(),
  image: closedObject({ reference: z.string().optional() }).optional(),
  endpoints: z.array(closedObject({ target: countField().optional(), published: countField().optional() })).optional(),
  environment_variables: z.record(z.string(), z.unknown()).optional(),
  bind_mounts: z.array(closedObject({ source: z.string().optional(), target: z.string().optional() })).optional(),
});

const computeInstance = closedObject(
  {
    ...common,
    type: z.literal('computeinstance'),
    size: z.string().default(computeDefaults.size),
    network_settings: networkSettings.optional(),
    create_on_behalf_of: closedObject({ user_tenant_id: z.string().optional(), user_object_id: z.string().optional() }).optional(),
    ssh_settings: closedObject(
      { ssh_key_value: z.string().optional(), admin_username: z.unknown().optional(), ssh_port: z.unknown().optional() },
      ['admin_username', 'ssh_port'],
    ).optional(),
    ssh_public_access_enabled: flagField().optional(),
    schedules: closedObject({ compute_start_stop: z.array(startStopSchedule).optional() }).optional(),
    identity: identity.optional(),
    idle_time_before_shutdown: z.string().optional(),
    idle_time_before_shutdown_minutes: countField().optional(),
    custom_applications: z.array(customApplication).optional(),
    setup_scripts: closedObject({ creation_script: scriptReference.optional(), startup_script: scriptReference.optional() }).optional(),
    enable_node_public_ip: flagField().optional(),
    enable_sso: flagField().optional(),
    enable_root_access: flagField().optional(),
    release_quota_on_stop: flagField().optional(),
    enable_os_patching: flagField().optional(),
  },
  readOnly,
);

/**
 * A Kubernetes cluster that runs jobs as Kubernetes Jobs (docs/kubernetes-backend.md).
 * `properties` holds how to reach it (kubeconfig, kubeconfig_path, context, transfer_image);
 * `size` (the VM size of its nodes, which pods select by label) and `tier` (low_priority: spot
 * node pools) are Trellis extensions, as Azure ML names instance types inside the cluster instead.
 */
const kubernetesCompute = closedObject(
  {
    ...common,
    type: z.literal('kubernetes'),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name: lower-case letters, digits and -, at most 63')
      .default(computeDefaults.namespace),
    properties: z.record(z.string(), z.unknown()).optional(),
    identity: identity.optional(),
    size: z
      .string()
      .refine((size) => findSku(size) !== undefined, { error: (issue) => describeUnknownSize(String(issue.input)) })
      .optional(),
    tier: azureEnum(['dedicated', 'low_priority']).optional(),
  },
  readOnly,
);

/** What the Kubernetes backend reads from a stored `type: kubernetes` compute. */
export type KubernetesComputeSpec = Pick<z.output<typeof kubernetesCompute>, 'namespace' | 'properties' | 'size' | 'tier'>;

const virtualMachineCompute = closedObject(
  {
    ...common,
    type: z.literal('virtualmachine'),
    resource_id: z.string(),
    ssh_settings: closedObject({
      admin_username: z.string().optional(),
      admin_password: z.string().optional(),
      ssh_port: countField().optional(),
      ssh_private_key_file: z.string().optional(),
    }).optional(),
  },
  readOnly,
);

// Synapse reports its pool settings back; on input Azure ignores them all.
const synapseSparkCompute = closedObject(
  {
    ...common,
    type: z.literal('synapsespark'),
    resource_id: z.string(),
    identity: identity.optional(),
    scale_settings: z.record(z.string(), z.unknown()).optional(),
    auto_pause_settings: z.record(z.string(), z.unknown()).optional(),
  },
  readOnly,
);

// sbatch takes partition and account names as they are written in the #SBATCH line.
const slurmName = z.string().regex(/^[A-Za-z0-9._,-]+$/, 'may hold only letters, digits and . _ , -');

/**
 * A Slurm cluster that Trellis submits jobs to with sbatch (docs/slurm-backend.md). Azure ML has
 * no such type; this is a Trellis extension. `size` is optional: when given, a catalogue VM size
 * whose vCPUs, memory and GPUs are what each node is asked for; when absent, Slurm's defaults.
 */
const slurmCompute = closedObject(
  {
    ...resourceFields,
    ...readOnlyShape('compute'),
    type: z.literal('slurm'),
    partition: slurmName.optional(),
    account: slurmName.optional(),
    nodes_max: countField()
      .refine((count) => count >= 1, 'must be 1 or more')
      .optional(),
    login: z
      .literal('local', {
        error:
          "must be 'local': Trellis runs sbatch on its own machine, which must be a login node of the cluster (a remote login node is not supported yet)",
      })
      .default('local'),
    size: z
      .string()
      .refine((size) => findSku(size) !== undefined, { error: (issue) => describeUnknownSize(String(issue.input)) })
      .optional(),
  },
  readOnly,
);

/** What the Slurm backend reads from a stored `type: slurm` compute. */
export type SlurmComputeSpec = Pick<z.output<typeof slurmCompute>, 'partition' | 'account' | 'nodes_max' | 'login' | 'size'>;

/**
 * A compute (az ml compute create / attach), one schema per `type`. The type is matched
 * ignoring case, as Azure ML does (`AmlCompute` works), and is written lower-case.
 */
export const computeSchema = z.preprocess(
  (value) => (isPlainObject(value) && typeof value.type === 'string' ? { ...value, type: value.type.toLowerCase() } : value),
  z.discriminatedUnion('type', [amlCompute, computeInstance, kubernetesCompute, virtualMachineCompute, synapseSparkCompute, slurmCompute], {
    error: (issue) => (issue.code === 'invalid_union' ? `type must be one of ${computeTypes.join(', ')}` : undefined),
  }),
);

/** The computes of each `type`, as `computeSchema` yields them: what its output and input types are read from. */
export type ComputeVariantsSchema = (typeof computeSchema)['out'];
