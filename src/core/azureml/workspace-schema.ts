import { z } from 'zod';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { azureEnum, closedObject, flagField, resourceFields, whenMapping } from './schema-helpers.js';

const userAssignedIdentity = closedObject({
  resource_id: z.string().optional(),
  principal_id: z.string().optional(),
  client_id: z.string().optional(),
});

/** Workspace identities list user-assigned identities as a mapping keyed by resource id (unlike computes). */
const identity = closedObject({
  type: azureEnum(['system_assigned', 'user_assigned', 'system_assigned,user_assigned', 'none']).optional(),
  principal_id: z.string().optional(),
  tenant_id: z.string().optional(),
  user_assigned_identities: z.record(z.string(), userAssignedIdentity.nullable()).nullable().optional(),
});

const customerManagedKey = closedObject({
  key_vault: z.string().optional(),
  // Azure checks this is a URL; Trellis never calls it, so a placeholder like the examples' passes.
  key_uri: z.string().optional(),
  cosmosdb_id: z.string().optional(),
  storage_id: z.string().optional(),
  search_id: z.string().optional(),
});

const networkAcls = closedObject({
  default_action: azureEnum(['Allow', 'Deny']),
  ip_rules: z
    .array(closedObject({ value: z.string() }))
    .nullable()
    .optional(),
}).superRefine((acls, context) => {
  if (acls.default_action === 'Deny' && !(Array.isArray(acls.ip_rules) && acls.ip_rules.length > 0)) {
    context.addIssue({ code: 'custom', path: ['ip_rules'], message: "ip_rules must list at least one rule when default_action is 'Deny'" });
  }
});

// Outbound rules carry status fields when read back from Azure; accept them on the way in.
const ruleStatus = ['category', 'status', 'parent_rule_names'] as const;
const ruleStatusShape = Object.fromEntries(ruleStatus.map((field) => [field, z.unknown().optional()]));

const outboundRule = z.discriminatedUnion(
  'type',
  [
    closedObject({ ...ruleStatusShape, name: z.string(), type: z.literal('fqdn'), destination: z.string() }, ruleStatus),
    closedObject(
      {
        ...ruleStatusShape,
        name: z.string(),
        type: z.literal('service_tag'),
        destination: closedObject({
          service_tag: z.string(),
          protocol: z.string(),
          port_ranges: z.string(),
          address_prefixes: z.array(z.string()).optional(),
        }),
      },
      ruleStatus,
    ),
    closedObject(
      {
        ...ruleStatusShape,
        name: z.string(),
        type: z.literal('private_endpoint'),
        destination: closedObject({ service_resource_id: z.string(), subresource_target: z.string(), spark_enabled: flagField() }),
        fqdns: z.array(z.string()).optional(),
      },
      ruleStatus,
    ),
  ],
  { error: 'type must be one of fqdn, service_tag, private_endpoint' },
);

const managedNetwork = closedObject(
  {
    isolation_mode: azureEnum(['disabled', 'allow_internet_outbound', 'allow_only_approved_outbound']).optional(),
    outbound_rules: z.array(outboundRule).nullable().optional(),
    firewall_sku: azureEnum(['standard', 'basic']).optional(),
    network_id: z.unknown().optional(),
    status: z.unknown().optional(),
  },
  ['network_id', 'status'],
);

/**
 * A workspace (az ml workspace create), after azure-ai-ml's WorkspaceSchema plus the hub and
 * project variants selected by `kind` (HubSchema: default_resource_group; ProjectSchema:
 * hub_id, required). Nearly everything here configures Azure resources; see azure-only-fields.
 */
export const workspaceSchema = closedObject(
  {
    ...resourceFields,
    ...readOnlyShape('workspace'),
    display_name: z.string().optional(),
    kind: azureEnum(['default', 'hub', 'project']).optional(),
    location: z.string().optional(),
    resource_group: z.string().optional(),
    discovery_url: z.string().optional(),
    hbi_workspace: flagField().optional(),
    storage_account: z.string().optional(),
    container_registry: z.string().optional(),
    key_vault: z.string().optional(),
    application_insights: z.string().optional(),
    customer_managed_key: customerManagedKey.optional(),
    image_build_compute: z.string().optional(),
    public_network_access: azureEnum(['Enabled', 'Disabled']).optional(),
    network_acls: networkAcls.optional(),
    system_datastores_auth_mode: z.string().optional(),
    identity: identity.optional(),
    primary_user_assigned_identity: z.string().optional(),
    workspace_hub: z.string().optional(),
    managed_network: managedNetwork.optional(),
    provision_network_now: flagField().optional(),
    enable_data_isolation: flagField().optional(),
    allow_roleassignment_on_rg: flagField().optional(),
    serverless_compute: closedObject({ custom_subnet: z.string().nullable().optional(), no_public_ip: flagField().optional() }).optional(),
    default_resource_group: z.string().optional(),
    hub_id: z.string().optional(),
  },
  readOnlyFields.workspace,
).superRefine((workspace, context) => {
  if (workspace.kind === 'project' && workspace.hub_id === undefined) {
    context.addIssue({ code: 'custom', path: ['hub_id'], message: 'a workspace of kind project needs hub_id (the ARM id of its hub)' });
  }
}, whenMapping);
