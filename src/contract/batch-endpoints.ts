import { z } from 'zod';
import { applyRequest } from './apply.js';
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
import { defineRoute } from './route.js';

/** A batch endpoint as the API answers it: an endpoint without traffic; its scoring_uri is its invoke URL. */
export const batchEndpointSchema = endpointFields
  .extend({ defaults: z.object({ deployment_name: z.string().nullable() }).describe("Azure's name for defaultDeployment") })
  .meta({ id: 'BatchEndpoint' });

/** A batch deployment as the API answers it. */
export const batchDeploymentSchema = deploymentFields.meta({ id: 'BatchDeployment' });

/** A batch endpoint's scoring job; its output is the data asset `outputDataAsset` once the job ends. */
export const batchJobSchema = z
  .object({
    name: z.string(),
    displayName: z.string(),
    state: z.string(),
    reason: z.string().nullable(),
    compute: z.string(),
    deployment: z.string().nullable(),
    outputDataAsset: z.string(),
    submittedAt: z.number(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'BatchJob' });

const invokeRequest = z
  .object({
    input: z.string().min(1).describe('azureml:<data>:<version>, an https/wasbs URI, or a local folder sent in uploads'),
    inputType: z.enum(['uri_folder', 'uri_file']).optional(),
    deployment: z.string().optional().describe("default: the endpoint's default deployment"),
    uploads: applyRequest.shape.uploads,
  })
  .strict();
const tags = ['batch endpoints'];
const base = '/api/v1/workspaces/:workspace/batch-endpoints';
const one = `${base}/:name`;
const deployment = `${one}/deployments/:deployment`;

/** Batch endpoints, their deployments and invocations (`trellis batch-endpoint`, `batch-deployment`). */
export const batchEndpointRoutes = {
  apply: defineRoute('POST', base, {
    tags,
    summary: 'Create or update a batch endpoint from Azure ML YAML (batchEndpoint)',
    params: workspaceParams,
    body: endpointRequest,
    response: { 200: z.object({ action: z.string(), endpoint: batchEndpointSchema }), ...errors },
  }),
  list: defineRoute('GET', base, {
    tags,
    summary: 'List batch endpoints',
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(batchEndpointSchema) }), ...errors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One batch endpoint',
    params: endpointParams,
    response: { 200: batchEndpointSchema, ...errors },
  }),
  delete: defineRoute('DELETE', one, {
    tags,
    summary: 'Delete a batch endpoint and its deployments (its jobs stay)',
    params: endpointParams,
    response: { 204: z.null(), ...errors },
  }),
  applyDeployment: defineRoute('POST', `${one}/deployments`, {
    tags,
    summary: 'Create or update a batch deployment from Azure ML YAML (modelBatchDeployment)',
    params: endpointParams,
    body: deploymentRequest,
    response: { 200: z.object({ action: z.string(), deployment: batchDeploymentSchema }), ...errors },
  }),
  listDeployments: defineRoute('GET', `${one}/deployments`, {
    tags,
    summary: "A batch endpoint's deployments",
    params: endpointParams,
    response: { 200: z.object({ items: z.array(batchDeploymentSchema) }), ...errors },
  }),
  getDeployment: defineRoute('GET', deployment, {
    tags,
    summary: 'One batch deployment',
    params: deploymentParams,
    response: { 200: batchDeploymentSchema, ...errors },
  }),
  deleteDeployment: defineRoute('DELETE', deployment, {
    tags,
    summary: 'Delete a batch deployment that is not the default',
    params: deploymentParams,
    response: { 204: z.null(), ...errors },
  }),
  invoke: defineRoute('POST', `${one}/invoke`, {
    tags,
    summary: "Score a data asset or folder: submits a scoring job on the deployment's compute",
    params: endpointParams,
    body: invokeRequest,
    response: { 201: batchJobSchema, ...errors },
  }),
  jobs: defineRoute('GET', `${one}/jobs`, {
    tags,
    summary: "A batch endpoint's scoring jobs, newest first",
    params: endpointParams,
    querystring: z.object({ deployment: z.string().optional() }),
    response: { 200: z.object({ items: z.array(batchJobSchema) }), ...errors },
  }),
};
