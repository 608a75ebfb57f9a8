import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deployment, Endpoint } from '../../core/endpoints/endpoint.js';
import { type Job, outputAssetName } from '../../core/jobs/job.js';
import {
  applyBatchDeployment,
  deleteBatchDeployment,
  getBatchDeployment,
  invokeBatchEndpoint,
  listBatchDeployments,
  listBatchJobs,
} from '../../services/endpoints/batch-service.js';
import { applyEndpoint, deleteEndpoint, getEndpoint, listEndpoints } from '../../services/endpoints/endpoint-service.js';
import { batchEndpointRoutes as routes } from '../../contract/batch-endpoints.js';
import { azureDeploymentNames, azureEndpointNames } from '../azure-names.js';
import { callerOf } from '../caller.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';

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
  outputDataAsset: outputAssetName(job.name, 'score'),
  submittedAt: job.submittedAt,
  endedAt: job.endedAt,
});

/** Batch endpoints, their deployments and invocations (`trellis batch-endpoint`, `batch-deployment`). */
export const batchEndpointRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, jobs }) => {
  app.post(routes.apply.path, { schema: routes.apply.schema }, async (request) => {
    const result = await applyEndpoint(context, callerOf(request), {
      workspace: request.params.workspace,
      type: 'batch',
      ...request.body,
      ifMatch: request.headers['if-match'],
    });
    return { action: result.action, endpoint: endpointBody(result.endpoint, publicUrlOf(config, app)) };
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => {
    const baseUrl = publicUrlOf(config, app);
    return {
      items: (await listEndpoints(context, request.params.workspace, 'batch')).map((endpoint) => endpointBody(endpoint, baseUrl)),
    };
  });

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    endpointBody(await getEndpoint(context, request.params.workspace, request.params.name, 'batch'), publicUrlOf(config, app)),
  );

  app.delete(routes.delete.path, { schema: routes.delete.schema }, async (request, reply) => {
    await deleteEndpoint(context, callerOf(request), request.params.workspace, request.params.name, 'batch');
    return reply.status(204).send(null);
  });

  app.post(routes.applyDeployment.path, { schema: routes.applyDeployment.schema }, async (request) => {
    const result = await applyBatchDeployment(context, callerOf(request), {
      workspace: request.params.workspace,
      endpoint: request.params.name,
      ...request.body,
    });
    return { action: result.action, deployment: deploymentBody(result.deployment) };
  });

  app.get(routes.listDeployments.path, { schema: routes.listDeployments.schema }, async (request) => ({
    items: (await listBatchDeployments(context, request.params.workspace, request.params.name)).map(deploymentBody),
  }));

  app.get(routes.getDeployment.path, { schema: routes.getDeployment.schema }, async (request) =>
    deploymentBody(await getBatchDeployment(context, request.params.workspace, request.params.name, request.params.deployment)),
  );

  app.delete(routes.deleteDeployment.path, { schema: routes.deleteDeployment.schema }, async (request, reply) => {
    await deleteBatchDeployment(context, callerOf(request), request.params.workspace, request.params.name, request.params.deployment);
    return reply.status(204).send(null);
  });

  app.post(routes.invoke.path, { schema: routes.invoke.schema }, async (request, reply) => {
    const job = await invokeBatchEndpoint(context, callerOf(request), {
      workspace: request.params.workspace,
      endpoint: request.params.name,
      ...request.body,
    });
    jobs?.wake();
    return reply.status(201).send(jobBody(job));
  });

  app.get(routes.jobs.path, { schema: routes.jobs.schema }, async (request) => ({
    items: (await listBatchJobs(context, request.params.workspace, request.params.name, request.query.deployment)).map(jobBody),
  }));
};
