import { z } from 'zod';
import { endpointNameField, endpointNameProblem, readOnlyEntries, wholeNumber, type KnownFields } from './endpoint-fields.js';
import { closedObject, freeMapping, isPlainObject, tagsField, whenMapping } from './schema-helpers.js';

/**
 * Fields Azure ML fills in and `az ml online-endpoint show` prints (`kind` is dump_only in
 * azure-ai-ml; `resourceGroup` is added by the CLI). Accepted and dropped, as Azure's loader does.
 */
export const onlineEndpointReadOnlyFields = [
  'id',
  'kind',
  'provisioning_state',
  'scoring_uri',
  'openapi_uri',
  'location',
  'resourceGroup',
  'creation_context',
] as const;

/** Fields that configure Azure and change nothing in Trellis, with the reason shown in a note. */
export const onlineEndpointAzureOnlyFields: Readonly<Record<string, string>> = {
  identity: "the Azure managed identity the endpoint's deployments use to reach Azure resources",
  public_network_access: 'the Azure network switch of the scoring URI; control access with the network Trellis listens on',
};

/** How callers authenticate: a key, or a short-lived token. Azure's aad_token (Microsoft Entra ID) has no counterpart here. */
const authMode = z.string().transform((text, context): 'key' | 'aml_token' => {
  const squashed = text.toLowerCase().replaceAll('_', '');
  if (squashed === 'key') return 'key';
  if (squashed === 'amltoken') return 'aml_token';
  const message =
    squashed === 'aadtoken'
      ? 'aad_token (Microsoft Entra ID tokens) is not available: Trellis has no Entra ID; use key (the default) or aml_token'
      : `must be key or aml_token; got '${text}'`;
  context.addIssue({ code: 'custom', message, input: text });
  return z.NEVER;
});

/**
 * A managed or Kubernetes online endpoint (az ml online-endpoint create), after azure-ai-ml's
 * ManagedOnlineEndpointSchema and KubernetesOnlineEndpointSchema: a file with `compute` is a
 * Kubernetes endpoint, as azure-ai-ml decides. `traffic` splits live requests between the
 * endpoint's deployments; `mirror_traffic` copies a share of them to one deployment whose answers
 * are discarded. Whether the deployments named exist is for the service to check.
 */
export const onlineEndpointSchema = closedObject(
  {
    $schema: z.string().optional(),
    name: endpointNameField('endpoint'),
    description: z.string().optional(),
    tags: tagsField.optional(),
    auth_mode: authMode.default('key'),
    // Deployment names are checked below, where each problem can name its key.
    traffic: z.record(z.string(), wholeNumber(0, 100)).optional(),
    mirror_traffic: z.record(z.string(), wholeNumber(0, 50)).optional(),
    compute: z.string().min(1, 'must not be empty').optional(),
    identity: freeMapping.optional(),
    public_network_access: z
      .string()
      .transform((text, context): 'enabled' | 'disabled' => {
        const lower = text.toLowerCase();
        if (lower === 'enabled' || lower === 'disabled') return lower;
        context.addIssue({ code: 'custom', message: `must be enabled or disabled; got '${text}'`, input: text });
        return z.NEVER;
      })
      .optional(),
    properties: freeMapping.optional(),
    ...readOnlyEntries(onlineEndpointReadOnlyFields),
  },
  onlineEndpointReadOnlyFields,
).superRefine((endpoint, context) => {
  for (const field of ['traffic', 'mirror_traffic'] as const) {
    const shares = endpoint[field];
    if (!isPlainObject(shares)) continue;
    for (const deployment of Object.keys(shares)) {
      const problem = endpointNameProblem(deployment, 'deployment');
      if (problem) context.addIssue({ code: 'custom', path: [field, deployment], message: problem });
    }
  }
  const traffic = endpoint.traffic;
  // Shares that are themselves wrong were reported above; the sum would only repeat them.
  if (isPlainObject(traffic) && allPercentages(traffic)) {
    const total = Object.values(traffic).reduce((sum, percent) => sum + percent, 0);
    if (Object.keys(traffic).length > 0 && total !== 100 && total !== 0) {
      context.addIssue({
        code: 'custom',
        path: ['traffic'],
        message: `traffic must add up to 100 (or be 0 for every deployment, to send none); these add up to ${total}`,
      });
    }
  }
  const mirror = endpoint.mirror_traffic;
  if (isPlainObject(mirror) && Object.keys(mirror).length > 1) {
    context.addIssue({
      code: 'custom',
      path: ['mirror_traffic'],
      message: `mirror_traffic may name one deployment; it names ${Object.keys(mirror).length} (${Object.keys(mirror).join(', ')})`,
    });
  }
  if (isPlainObject(mirror) && isPlainObject(traffic)) {
    for (const [deployment, percent] of Object.entries(mirror)) {
      const live = traffic[deployment];
      if (typeof percent === 'number' && percent > 0 && typeof live === 'number' && live > 0) {
        context.addIssue({
          code: 'custom',
          path: ['mirror_traffic', deployment],
          message: `deployment '${deployment}' takes live traffic (${live}%), so it cannot also receive mirrored traffic; mirror to a deployment with 0 live traffic`,
        });
      }
    }
  }
  if (typeof endpoint.$schema === 'string' && /kubernetesonlineendpoint/i.test(endpoint.$schema) && endpoint.compute === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['compute'],
      message: 'a Kubernetes online endpoint needs compute: the name of the Kubernetes compute that serves it (compute: azureml:<name>)',
    });
  }
}, whenMapping);

type OnlineEndpointFile = z.output<typeof onlineEndpointSchema>;

/** An online endpoint as validated: $schema and read-only fields left out, auth_mode defaulted to key. */
export type OnlineEndpointSpec = Omit<KnownFields<OnlineEndpointFile>, '$schema' | (typeof onlineEndpointReadOnlyFields)[number]>;

function allPercentages(record: Record<string, unknown>): record is Record<string, number> {
  return Object.values(record).every((value) => typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100);
}
