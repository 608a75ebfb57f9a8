import { z } from 'zod';
import { applyRequest } from './apply.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';

/**
 * What online and batch endpoints share over HTTP: the fields of an endpoint and of a deployment
 * as the API answers them, the path parameters, the errors, and the bodies that create them.
 * Each kind's routes extend the record schemas with what only that kind has.
 */

/** Azure's provisioning states: an endpoint is Succeeded once created; a deployment until its instances are up is Creating or Updating. */
const provisioningState = z.enum(['Creating', 'Updating', 'Succeeded', 'Failed', 'Deleting']);

/** The fields every endpoint answers, online or batch. */
export const endpointFields = z.object({
  workspace: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  tags: z.record(z.string(), z.string()),
  authMode: z.enum(['key', 'aml_token']),
  defaultDeployment: z.string().nullable(),
  state: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  etag: z.string(),
  // Azure's names for what scripts read with `az ml ... show --query <field> -o tsv`.
  provisioning_state: provisioningState.describe("Azure's name for state"),
  auth_mode: z.enum(['key', 'aml_token']).describe("Azure's name for authMode"),
  scoring_uri: z.string().describe('where requests go: the scoring URL (online), the invoke URL (batch)'),
});

// Exactly the fields of core/endpoints/endpoint.ts DeploymentLineage, which the api hands to this schema.
/** What a deployment serves, resolved to exact versions when it was created or last updated. */
export const deploymentLineageSchema = z.object({
  model: z
    .object({
      name: z.string(),
      version: z.string(),
      type: z.string(),
      registry: z
        .string()
        .optional()
        .describe('the registry the model was deployed from (azureml://registries/...); absent for the workspace'),
    })
    .nullable(),
  environment: z.object({ name: z.string(), version: z.string().nullable(), curated: z.boolean() }).nullable(),
  code: z.object({ name: z.string(), digest: z.string() }).nullable(),
  deployedBy: z.string(),
  deployedAt: z.number(),
});

/** The fields every deployment answers, online or batch. */
export const deploymentFields = z.object({
  workspace: z.string(),
  endpoint: z.string(),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  lineage: deploymentLineageSchema,
  state: z.string(),
  reason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  etag: z.string(),
  provisioning_state: provisioningState.describe("Azure's name for state"),
  endpoint_name: z.string().describe("Azure's name for endpoint"),
});

/** `/.../<kind>-endpoints/:name`. */
export const endpointParams = workspaceParams.extend({ name: z.string() });
/** `/.../<kind>-endpoints/:name/deployments/:deployment`. */
export const deploymentParams = endpointParams.extend({ deployment: z.string() });
/** The errors of endpoint and deployment routes. */
export const endpointErrors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 412: problemSchema, 422: problemSchema };
/** An endpoint's Azure ML YAML. */
export const endpointRequest = z
  .object({ fileName: z.string().default('request'), text: z.string(), name: z.string().optional() })
  .strict();
/** A deployment's Azure ML YAML, with its local files uploaded. */
export const deploymentRequest = applyRequest.omit({ kind: true, dryRun: true }).extend({ name: z.string().optional() });
