import { z } from 'zod';
import { endpointNameField, readOnlyEntries, type KnownFields } from './endpoint-fields.js';
import { closedObject, freeMapping, tagsField } from './schema-helpers.js';

/** Fields Azure ML fills in and `az ml batch-endpoint show` prints; accepted and dropped. */
export const batchEndpointReadOnlyFields = [
  'id',
  'provisioning_state',
  'scoring_uri',
  'openapi_uri',
  'location',
  'resourceGroup',
  'creation_context',
] as const;

/** Fields that configure Azure and change nothing in Trellis, with the reason shown in a note. */
export const batchEndpointAzureOnlyFields: Readonly<Record<string, string>> = {
  identity: "the Azure managed identity of the endpoint's scoring jobs",
};

/**
 * How callers authenticate. Azure's batch endpoints take only aad_token (Microsoft Entra ID), so
 * the Azure examples name it; Trellis has no Entra ID and reads it as aml_token, a Trellis token
 * for the caller (parse-endpoint-file says so in a note).
 */
const batchAuthMode = z.string().transform((text, context): 'key' | 'aml_token' => {
  const squashed = text.toLowerCase().replaceAll('_', '');
  if (squashed === 'key') return 'key';
  if (squashed === 'amltoken' || squashed === 'aadtoken') return 'aml_token';
  context.addIssue({ code: 'custom', message: `must be aad_token, aml_token or key; got '${text}'`, input: text });
  return z.NEVER;
});

/**
 * A batch endpoint (az ml batch-endpoint create), after azure-ai-ml's BatchEndpointSchema: a name
 * to invoke, and the deployment an invocation uses when it names none (`defaults.deployment_name`).
 * auth_mode aad_token (Azure's only mode, and its default) is read as aml_token.
 */
export const batchEndpointSchema = closedObject(
  {
    $schema: z.string().optional(),
    name: endpointNameField('endpoint'),
    description: z.string().optional(),
    tags: tagsField.optional(),
    auth_mode: batchAuthMode.default('aml_token'),
    defaults: closedObject({ deployment_name: endpointNameField('deployment').optional() }).optional(),
    identity: freeMapping.optional(),
    properties: freeMapping.optional(),
    ...readOnlyEntries(batchEndpointReadOnlyFields),
  },
  batchEndpointReadOnlyFields,
);

type BatchEndpointFile = z.output<typeof batchEndpointSchema>;

/** A batch endpoint as validated: $schema and read-only fields left out, auth_mode key or aml_token. */
export type BatchEndpointSpec = Omit<KnownFields<BatchEndpointFile>, '$schema' | (typeof batchEndpointReadOnlyFields)[number]>;
