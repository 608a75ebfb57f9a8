import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deployment, Endpoint } from '../../core/endpoints/endpoint.js';
import type { Job } from '../../core/jobs/job.js';
import {
  applyBatchDeployment,
  deleteBatchDeployment,
  getBatchDeployment,
  invokeBatchEndpoint,
  listBatchDeployments,
  listBatchJobs,
} from '../../services/endpoints/batch-service.js';
import { applyEndpoint, deleteEndpoint, getEndpoint, listEndpoints } from '../../services/endpoints/endpoint-service.js';
import { callerOf } from '../caller.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';
import {
  azureDeploymentNames,
  azureEndpointNames,
  deploymentFields,
  deploymentParams,
  endpointErrors as errors,
  endpointFields,
  endpointParams,
  endpointRequest,
} from '../endpoint-schemas.js';
import { applyRequest } from './apply.js';

const batchEndpointSchema = endpointFields
  .extend({ defaults: z.object({ deployment_name: z.string().nullable() }).describe("Azure's name for defaultDeployment") })
  .meta({ id: 'BatchEndpoint' });

const batchDeploymentSchema = deploymentFields.meta({ id: 'BatchDeployment' });

const batchJobSchema = z
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

const deploymentRequest = applyRequest.omit({ kind: true, dryRun: true }).extend({ name: z.string().optional() });
const invokeRequest = z
  .object({
    input: z.string().min(1).describe('azureml:<data>:<version>, an https/wasbs URI, or a local folder sent in uploads'),
    inputType: z.enum(['uri_folder', 'uri_file']).optional(),
    deployment: z.string().optional().describe("default: the endpoint's default deployment"),
    uploads: applyRequest.shape.uploads,
  })
  .strict();

/** `baseUrl`: where this server is reached; a batch endpoint's scoring_uri is its invoke URL. */
const endpointBody = (endpoint: Endpoint, baseUrl: string) => {
  const { type: _type, traffic: _traffic, mirrorTraffic: _mirror, ...rest } = endpoint;
  return {
    ...rest,
    ...azureEndpointNames(
      endpoint,
      `${baseUrl}/api/v1/workspaces/${encodeURIComponent(endpoint.workspace)}/batch-endpoints/${encodeURIComponent(endpoint.name)}/invoke`,
    ),
    defaults: { deployment_name: endpoint.defaultDeployment },
  };
};
const deploymentBody = (deployment: Deployment) => {
  const { instanceCount: _instances, ...rest } = deployment;
  return { ...rest, ...azureDeploymentNames(deployment), lineage: { ...deployment.lineage } };
};
const jobBody = (job: Job) => ({
  name: job.name,
  displayName: job.displayName,
  state: job.state,
  reason: job.reason,
  compute: job.compute,
  deployment: job.tags['trellis.batch-deployment'] ?? null,
  outputDataAsset: `azureml_${job.name}_output_data_score`,
  submittedAt: job.submittedAt,
  endedAt: job.endedAt,
});

/** Batch endpoints, their deployments and invocations (`trellis batch-endpoint`, `batch-deployment`). */
export const batchEndpointRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, jobs }) => {
  const tags = ['batch endpoints'];
  const base = '/api/v1/workspaces/:workspace/batch-endpoints';

  app.post(
    base,
    {
      schema: {
        tags,
        summary: 'Create or update a batch endpoint from Azure ML YAML (batchEndpoint)',
        params: workspaceParams,
        body: endpointRequest,
        response: { 200: z.object({ action: z.string(), endpoint: batchEndpointSchema }), ...errors },
      },
    },
    async (request) => {
      const result = await applyEndpoint(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        type: 'batch',
        ...request.body,
        ifMatch: request.headers['if-match'],
      });
      return { action: result.action, endpoint: endpointBody(result.endpoint, publicUrlOf(config, app)) };
    },
  );

  app.get(
    base,
    {
      schema: {
        tags,
        summary: 'List batch endpoints',
        params: workspaceParams,
        response: { 200: z.object({ items: z.array(batchEndpointSchema) }), ...errors },
      },
    },
    async (request) => {
      const baseUrl = publicUrlOf(config, app);
      return {
        items: (await listEndpoints(context, request.params.workspace, 'batch')).map((endpoint) => endpointBody(endpoint, baseUrl)),
      };
    },
  );

  app.get(
    `${base}/:name`,
    {
      schema: { tags, summary: 'One batch endpoint', params: endpointParams, response: { 200: batchEndpointSchema, ...errors } },
    },
    async (request) =>
      endpointBody(await getEndpoint(context, request.params.workspace, request.params.name, 'batch'), publicUrlOf(config, app)),
  );

  app.delete(
    `${base}/:name`,
    {
      schema: {
        tags,
        summary: 'Delete a batch endpoint and its deployments (its jobs stay)',
        params: endpointParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(context, callerOf(request, config.localUser), request.params.workspace, request.params.name, 'batch');
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/:name/deployments`,
    {
      schema: {
        tags,
        summary: 'Create or update a batch deployment from Azure ML YAML (modelBatchDeployment)',
        params: endpointParams,
        body: deploymentRequest,
        response: { 200: z.object({ action: z.string(), deployment: batchDeploymentSchema }), ...errors },
      },
    },
    async (request) => {
      const result = await applyBatchDeployment(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        endpoint: request.params.name,
        ...request.body,
      });
      return { action: result.action, deployment: deploymentBody(result.deployment) };
    },
  );

  app.get(
    `${base}/:name/deployments`,
    {
      schema: {
        tags,
        summary: "A batch endpoint's deployments",
        params: endpointParams,
        response: { 200: z.object({ items: z.array(batchDeploymentSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listBatchDeployments(context, request.params.workspace, request.params.name)).map(deploymentBody),
    }),
  );

  app.get(
    `${base}/:name/deployments/:deployment`,
    {
      schema: { tags, summary: 'One batch deployment', params: deploymentParams, response: { 200: batchDeploymentSchema, ...errors } },
    },
    async (request) =>
      deploymentBody(await getBatchDeployment(context, request.params.workspace, request.params.name, request.params.deployment)),
  );

  app.delete(
    `${base}/:name/deployments/:deployment`,
    {
      schema: {
        tags,
        summary: 'Delete a batch deployment that is not the default',
        params: deploymentParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteBatchDeployment(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.params.deployment,
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    `${base}/:name/invoke`,
    {
      schema: {
        tags,
        summary: "Score a data asset or folder: submits a scoring job on the deployment's compute",
        params: endpointParams,
        body: invokeRequest,
        response: { 201: batchJobSchema, ...errors },
      },
    },
    async (request, reply) => {
      const job = await invokeBatchEndpoint(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        endpoint: request.params.name,
        ...request.body,
      });
      jobs?.wake();
      return reply.status(201).send(jobBody(job));
    },
  );

  app.get(
    `${base}/:name/jobs`,
    {
      schema: {
        tags,
        summary: "A batch endpoint's scoring jobs, newest first",
        params: endpointParams,
        querystring: z.object({ deployment: z.string().optional() }),
        response: { 200: z.object({ items: z.array(batchJobSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listBatchJobs(context, request.params.workspace, request.params.name, request.query.deployment)).map(jobBody),
    }),
  );
};
