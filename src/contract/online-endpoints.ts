import { z } from 'zod';
import { workspaceParams } from './common.js';
import {
  deploymentFields,
  deploymentParams,
  deploymentRequest,
  endpointErrors as errors,
  endpointFields,
  endpointParams,
  endpointRequest,
} from './endpoints.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/** An online endpoint as the API answers it: Trellis's fields, its URIs, and Azure's names beside them. */
export const onlineEndpointSchema = endpointFields
  .extend({
    type: z.enum(['online', 'batch']),
    traffic: z.record(z.string(), z.number()),
    mirrorTraffic: z.record(z.string(), z.number()),
    compute: z
      .string()
      .nullable()
      .describe(
        "the Kubernetes compute its instances run on (the file's compute: azureml:<name>); null when they run on the Trellis server",
      ),
    scoringUri: z.string(),
    openInferenceUri: z.string(),
    openapi_uri: z.string().describe("the OpenAPI (swagger) document of the endpoint's scoring API"),
    mirror_traffic: z.record(z.string(), z.number()).describe("Azure's name for mirrorTraffic"),
  })
  .meta({ id: 'Endpoint' });

const instanceSchema = z.object({
  index: z.number(),
  id: z.string(),
  pid: z.number().nullable(),
  state: z.string(),
  inFlight: z.number(),
  restarts: z.number(),
  failure: z.string().nullable(),
});

/** An online deployment as the API answers it, with its instances. */
export const onlineDeploymentSchema = deploymentFields
  .extend({ instanceCount: z.number(), readyInstances: z.number(), instances: z.array(instanceSchema) })
  .meta({ id: 'OnlineDeployment' });

/** A safe rollout: its plan, where it stands, and every decision with the numbers it was made on. */
export const rolloutSchema = z.object({
  endpoint: z.string(),
  to: z.string(),
  steps: z.array(z.number()),
  phase: z.string(),
  stepIndex: z.number(),
  weights: z.record(z.string(), z.number()),
  rollbackReason: z.string().nullable(),
  startedBy: z.string(),
  startedAt: z.number(),
  updatedAt: z.number(),
  audit: z.array(
    z.object({
      at: z.number(),
      step: z.number(),
      weights: z.record(z.string(), z.number()),
      observation: z.object({ requests: z.number(), errorRate: z.number(), p99Ms: z.number().optional() }).nullable(),
      decision: z.string(),
      reason: z.string(),
    }),
  ),
});

const deploymentFieldsRequest = z
  .object({
    set: z.array(z.string()).min(1).describe("field=value, as az's --set: instance_count=2, code_configuration.scoring_script=score.py"),
  })
  .strict()
  .meta({ id: 'DeploymentFieldsUpdate' });
const percentages = z.record(z.string(), z.number().int().min(0).max(100));
const applied = z.object({ action: z.string(), deployment: onlineDeploymentSchema });
const tags = ['online endpoints'];
const base = '/api/v1/workspaces/:workspace/online-endpoints';
const one = `${base}/:name`;
const deployment = `${one}/deployments/:deployment`;

/** Online endpoints and their deployments: the management API (`trellis online-endpoint`, `online-deployment`). */
export const onlineEndpointRoutes = {
  apply: defineRoute('POST', base, {
    tags,
    summary: 'Create or update an online endpoint from Azure ML YAML (managedOnlineEndpoint)',
    params: workspaceParams,
    body: endpointRequest,
    response: { 200: z.object({ action: z.string(), endpoint: onlineEndpointSchema }), ...errors },
  }),
  list: defineRoute('GET', base, {
    tags,
    summary: 'List online endpoints',
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(onlineEndpointSchema) }), ...errors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One online endpoint',
    params: endpointParams,
    response: { 200: onlineEndpointSchema, ...errors },
  }),
  delete: defineRoute('DELETE', one, {
    tags,
    summary: 'Delete an online endpoint and its deployments',
    params: endpointParams,
    response: { 204: z.null(), ...errors },
  }),
  traffic: defineRoute('POST', `${one}/traffic`, {
    tags,
    summary: 'Set the traffic split (and mirror) atomically',
    params: endpointParams,
    body: z.object({ traffic: percentages.optional(), mirrorTraffic: percentages.optional() }).strict(),
    response: { 200: onlineEndpointSchema, ...errors },
  }),
  credentials: defineRoute('POST', `${one}/credentials`, {
    tags,
    summary: 'The keys (key auth) or a fresh token (aml_token auth), as az ml online-endpoint get-credentials',
    params: endpointParams,
    response: {
      200: z.union([
        z.object({ primaryKey: z.string(), secondaryKey: z.string() }),
        z.object({ accessToken: z.string(), tokenType: z.string(), expiryTimeUtc: z.number(), refreshAfterTimeUtc: z.number() }),
      ]),
      ...errors,
    },
  }),
  regenerateKeys: defineRoute('POST', `${one}/regenerate-keys`, {
    tags,
    summary: 'Regenerate the primary or secondary key; the other keeps working',
    params: endpointParams,
    body: z.object({ keyType: z.enum(['primary', 'secondary']).default('primary') }).strict(),
    response: { 204: z.null(), ...errors },
  }),
  applyDeployment: defineRoute('POST', `${one}/deployments`, {
    tags,
    summary: 'Create or update a deployment from Azure ML YAML (managedOnlineDeployment)',
    params: endpointParams,
    body: deploymentRequest,
    response: { 200: applied, ...errors },
  }),
  updateDeployment: defineRoute('PATCH', deployment, {
    tags,
    summary:
      'Change fields of a deployment as it is stored (az ml online-deployment update --set, without a file); what it serves stays unless --set names a new model, code or environment',
    params: deploymentParams,
    body: deploymentFieldsRequest,
    response: { 200: applied, ...errors },
  }),
  listDeployments: defineRoute('GET', `${one}/deployments`, {
    tags,
    summary: "An endpoint's deployments",
    params: endpointParams,
    response: { 200: z.object({ items: z.array(onlineDeploymentSchema) }), ...errors },
  }),
  getDeployment: defineRoute('GET', deployment, {
    tags,
    summary: 'One deployment: what it serves, who deployed it, its instances',
    params: deploymentParams,
    response: { 200: onlineDeploymentSchema, ...errors },
  }),
  deleteDeployment: defineRoute('DELETE', deployment, {
    tags,
    summary: 'Delete a deployment that takes no traffic',
    params: deploymentParams,
    response: { 204: z.null(), ...errors },
  }),
  deploymentLogs: defineRoute('GET', `${deployment}/logs`, {
    tags,
    summary: "The deployment's preparation and instance logs (the last `lines` of each)",
    params: deploymentParams,
    querystring: z.object({ lines: z.coerce.number().int().min(1).max(100_000).default(200) }),
    response: {
      200: {
        description: 'each log file under a `==> <version>/<file> <==` header, as tail writes them',
        content: { 'text/plain': { schema: z.string() } },
      },
      400: problemSchema,
      404: problemSchema,
    },
  }),
  startRollout: defineRoute('POST', `${one}/rollout`, {
    tags,
    summary: 'Start a safe rollout: move live traffic to a deployment step by step, rolling back on its own when it breaks the bounds',
    params: endpointParams,
    body: z
      .object({
        to: z.string(),
        steps: z.array(z.number().int().min(1).max(100)).min(1),
        intervalMs: z.number().int().min(100),
        maxErrorRate: z.number().min(0).max(1),
        maxP99Ms: z.number().positive().optional(),
        minRequests: z.number().int().min(1).optional(),
      })
      .strict(),
    response: { 201: rolloutSchema, ...errors },
  }),
  getRollout: defineRoute('GET', `${one}/rollout`, {
    tags,
    summary: 'The latest rollout of the endpoint: its steps, where it is, and every decision with the numbers it was made on',
    params: endpointParams,
    response: { 200: rolloutSchema, ...errors },
  }),
};
