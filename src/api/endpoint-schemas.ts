import { z } from 'zod';
import type { Deployment, Endpoint } from '../core/endpoints/endpoint.js';
import { problemSchema } from './problem.js';
import { workspaceParams } from './schemas.js';

/**
 * What online and batch endpoints share over HTTP: the fields of an endpoint and of a deployment
 * as the API answers them, the path parameters, the errors, and the body that creates an endpoint.
 * Each route file extends the record schemas with what only its kind has.
 */

/** Azure's provisioning states: an endpoint is Succeeded once created; a deployment until its instances are up is Creating or Updating. */
const provisioningState = z.enum(['Creating', 'Updating', 'Succeeded', 'Failed', 'Deleting']);

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

export const deploymentFields = z.object({
  workspace: z.string(),
  endpoint: z.string(),
  name: z.string(),
  spec: z.record(z.string(), z.unknown()),
  lineage: z.record(z.string(), z.unknown()),
  state: z.string(),
  reason: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  etag: z.string(),
  provisioning_state: provisioningState.describe("Azure's name for state"),
  endpoint_name: z.string().describe("Azure's name for endpoint"),
});

/** Azure's names for an endpoint's fields, beside Trellis's (`az ml online-endpoint show --query provisioning_state`). */
export function azureEndpointNames(endpoint: Endpoint, scoringUri: string) {
  return { provisioning_state: endpoint.state, auth_mode: endpoint.authMode, scoring_uri: scoringUri };
}

/** Azure's names for a deployment's fields, beside Trellis's. */
export function azureDeploymentNames(deployment: Deployment) {
  return { provisioning_state: deployment.state, endpoint_name: deployment.endpoint };
}

export const endpointParams = workspaceParams.extend({ name: z.string() });
export const deploymentParams = workspaceParams.extend({ name: z.string(), deployment: z.string() });
export const endpointErrors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 412: problemSchema, 422: problemSchema };
export const endpointRequest = z
  .object({ fileName: z.string().default('request'), text: z.string(), name: z.string().optional() })
  .strict();
