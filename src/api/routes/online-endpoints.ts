import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { onlineEndpointRoutes as routes } from '../../contract/online-endpoints.js';
import type { Deployment, Endpoint } from '../../core/endpoints/endpoint.js';
import { hasCode } from '../../core/error-codes.js';
import {
  applyDeployment,
  deleteDeployment,
  getDeployment,
  listDeployments,
  updateDeploymentFields,
} from '../../services/endpoints/deployment-service.js';
import { getRollout, startRollout, type Rollout } from '../../services/endpoints/rollout-service.js';
import {
  applyEndpoint,
  deleteEndpoint,
  getCredentials,
  getEndpoint,
  listEndpoints,
  regenerateKeys,
  setTraffic,
} from '../../services/endpoints/endpoint-service.js';
import { azureDeploymentNames, azureEndpointNames } from '../azure-names.js';
import { callerOf } from '../caller.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';

const rolloutBody = (rollout: Rollout) => ({
  endpoint: rollout.endpoint,
  to: rollout.state.plan.to,
  steps: [...rollout.state.plan.steps],
  phase: rollout.phase,
  stepIndex: rollout.state.stepIndex,
  weights: { ...rollout.state.weights },
  rollbackReason: rollout.state.rollbackReason ?? null,
  startedBy: rollout.startedBy,
  startedAt: rollout.startedAt,
  updatedAt: rollout.updatedAt,
  audit: rollout.state.audit.map((record) => ({ ...record, weights: { ...record.weights }, observation: record.observation ?? null })),
});

/** Online endpoints and their deployments: the management API (`trellis online-endpoint`, `online-deployment`). */
export const onlineEndpointRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, serving }) => {
  const wake = () => serving?.wake();
  const endpointBody = (endpoint: Endpoint) => {
    const base = `${publicUrlOf(config, app)}${endpoint.workspace === 'default' ? '' : `/workspaces/${endpoint.workspace}`}`;
    const scoringUri = `${base}/endpoints/${endpoint.name}/score`;
    return {
      ...endpoint,
      scoringUri,
      openInferenceUri: `${base}/v2/models/${endpoint.name}/infer`,
      ...azureEndpointNames(endpoint, scoringUri),
      openapi_uri: `${base}/endpoints/${endpoint.name}/swagger.json`,
      mirror_traffic: endpoint.mirrorTraffic,
    };
  };
  const deploymentBody = (deployment: Deployment) => {
    const status = serving?.local()?.statusOf(deployment.workspace, deployment.endpoint, deployment.name);
    return {
      ...deployment,
      ...azureDeploymentNames(deployment),
      // A copy is a plain object, which the wire schema's mapping of lineage accepts.
      lineage: { ...deployment.lineage },
      readyInstances: status?.readyInstances ?? 0,
      instances: (status?.instances ?? []).map((instance) => ({
        index: instance.index,
        id: instance.id,
        pid: instance.pid ?? null,
        state: instance.state,
        inFlight: instance.inFlight,
        restarts: instance.restarts,
        failure: instance.failure ?? null,
      })),
    };
  };

  app.post(routes.apply.path, { schema: routes.apply.schema }, async (request) => {
    const result = await applyEndpoint(context, callerOf(request), {
      workspace: request.params.workspace,
      type: 'online',
      ...request.body,
      ifMatch: request.headers['if-match'],
    });
    // A traffic or auth change is in force for every request sent after this answer.
    await serving?.refresh();
    return { action: result.action, endpoint: endpointBody(result.endpoint) };
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: (await listEndpoints(context, request.params.workspace, 'online')).map((endpoint) => endpointBody(endpoint)),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request, reply) => {
    const endpoint = await getEndpoint(context, request.params.workspace, request.params.name, 'online');
    void reply.header('etag', endpoint.etag);
    return endpointBody(endpoint);
  });

  app.delete(routes.delete.path, { schema: routes.delete.schema }, async (request, reply) => {
    await deleteEndpoint(context, callerOf(request), request.params.workspace, request.params.name, 'online');
    await serving?.refresh();
    return reply.status(204).send(null);
  });

  app.post(routes.traffic.path, { schema: routes.traffic.schema }, async (request) => {
    const endpoint = await setTraffic(context, callerOf(request), request.params.workspace, request.params.name, request.body);
    await serving?.refresh();
    return endpointBody(endpoint);
  });

  app.post(routes.credentials.path, { schema: routes.credentials.schema }, async (request) =>
    getCredentials(context, request.params.workspace, request.params.name, 'online'),
  );

  app.post(routes.regenerateKeys.path, { schema: routes.regenerateKeys.schema }, async (request, reply) => {
    await regenerateKeys(context, callerOf(request), request.params.workspace, request.params.name, request.body.keyType);
    await serving?.refresh();
    return reply.status(204).send(null);
  });

  app.post(routes.applyDeployment.path, { schema: routes.applyDeployment.schema }, async (request) => {
    const result = await applyDeployment(context, callerOf(request), {
      workspace: request.params.workspace,
      endpoint: request.params.name,
      ...request.body,
    });
    wake();
    return { action: result.action, deployment: deploymentBody(result.deployment) };
  });

  app.patch(routes.updateDeployment.path, { schema: routes.updateDeployment.schema }, async (request) => {
    const { workspace, name, deployment } = request.params;
    const result = await updateDeploymentFields(context, callerOf(request), {
      workspace,
      endpoint: name,
      name: deployment,
      set: request.body.set,
    });
    wake();
    return { action: result.action, deployment: deploymentBody(result.deployment) };
  });

  app.get(routes.listDeployments.path, { schema: routes.listDeployments.schema }, async (request) => ({
    items: (await listDeployments(context, request.params.workspace, request.params.name)).map(deploymentBody),
  }));

  app.get(routes.getDeployment.path, { schema: routes.getDeployment.schema }, async (request) =>
    deploymentBody(await getDeployment(context, request.params.workspace, request.params.name, request.params.deployment)),
  );

  app.delete(routes.deleteDeployment.path, { schema: routes.deleteDeployment.schema }, async (request, reply) => {
    await deleteDeployment(context, callerOf(request), request.params.workspace, request.params.name, request.params.deployment);
    wake();
    return reply.status(204).send(null);
  });

  app.get(routes.deploymentLogs.path, { schema: routes.deploymentLogs.schema }, async (request, reply) => {
    const { workspace, name, deployment } = request.params;
    const found = await getDeployment(context, workspace, name, deployment);
    const parts: string[] = [];
    for (const file of (await serving?.local()?.logFilesOf(found)) ?? []) {
      const text = await readLog(file);
      if (text === undefined) continue;
      const lines = text.split('\n');
      // <version>/prepare.log, <version>/logs/instance-0.log
      const label = file
        .split('/')
        .slice(file.split('/').at(-2) === 'logs' ? -3 : -2)
        .join('/');
      parts.push(`==> ${label} <==\n${lines.slice(-request.query.lines - 1).join('\n')}`);
    }
    return reply.type('text/plain; charset=utf-8').send(parts.join('\n') || '(no logs yet: the deployment is being prepared)\n');
  });

  app.post(routes.startRollout.path, { schema: routes.startRollout.schema }, async (request, reply) => {
    const rollout = await startRollout(context, callerOf(request), request.params.workspace, request.params.name, request.body);
    await serving?.refresh();
    const current = await getRollout(context, request.params.workspace, request.params.name);
    return reply.status(201).send(rolloutBody(current ?? rollout));
  });

  app.get(routes.getRollout.path, { schema: routes.getRollout.schema }, async (request) =>
    rolloutBody(await getRollout(context, request.params.workspace, request.params.name)),
  );
};

/** A log file's text, or undefined when it is gone (an instance's log before it starts, a version's after clean-up). */
async function readLog(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}
