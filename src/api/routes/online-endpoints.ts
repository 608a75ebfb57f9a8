import { readFile } from 'node:fs/promises';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deployment, Endpoint } from '../../core/endpoints/endpoint.js';
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

const endpointSchema = endpointFields
  .extend({
    type: z.enum(['online', 'batch']),
    traffic: z.record(z.string(), z.number()),
    mirrorTraffic: z.record(z.string(), z.number()),
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
const deploymentSchema = deploymentFields
  .extend({ instanceCount: z.number(), readyInstances: z.number(), instances: z.array(instanceSchema) })
  .meta({ id: 'OnlineDeployment' });

const deploymentRequest = applyRequest.omit({ kind: true, dryRun: true }).extend({ name: z.string().optional() });
const deploymentFieldsRequest = z
  .object({
    set: z.array(z.string()).min(1).describe("field=value, as az's --set: instance_count=2, code_configuration.scoring_script=score.py"),
  })
  .strict()
  .meta({ id: 'DeploymentFieldsUpdate' });
const percentages = z.record(z.string(), z.number().int().min(0).max(100));

/** Online endpoints and their deployments: the management API (`trellis online-endpoint`, `online-deployment`). */
export const onlineEndpointRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, serving }) => {
  const tags = ['online endpoints'];
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
    const status = serving?.statusOf(deployment.workspace, deployment.endpoint, deployment.name);
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

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints',
    {
      schema: {
        tags,
        summary: 'Create or update an online endpoint from Azure ML YAML (managedOnlineEndpoint)',
        params: workspaceParams,
        body: endpointRequest,
        response: { 200: z.object({ action: z.string(), endpoint: endpointSchema }), ...errors },
      },
    },
    async (request) => {
      const result = await applyEndpoint(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        type: 'online',
        ...request.body,
        ifMatch: request.headers['if-match'],
      });
      // A traffic or auth change is in force for every request sent after this answer.
      await serving?.refresh();
      return { action: result.action, endpoint: endpointBody(result.endpoint) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints',
    {
      schema: {
        tags,
        summary: 'List online endpoints',
        params: workspaceParams,
        response: { 200: z.object({ items: z.array(endpointSchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await listEndpoints(context, request.params.workspace, 'online')).map((endpoint) => endpointBody(endpoint)),
    }),
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name',
    {
      schema: { tags, summary: 'One online endpoint', params: endpointParams, response: { 200: endpointSchema, ...errors } },
    },
    async (request, reply) => {
      const endpoint = await getEndpoint(context, request.params.workspace, request.params.name, 'online');
      void reply.header('etag', endpoint.etag);
      return endpointBody(endpoint);
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace/online-endpoints/:name',
    {
      schema: {
        tags,
        summary: 'Delete an online endpoint and its deployments',
        params: endpointParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(context, callerOf(request, config.localUser), request.params.workspace, request.params.name, 'online');
      await serving?.refresh();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/traffic',
    {
      schema: {
        tags,
        summary: 'Set the traffic split (and mirror) atomically',
        params: endpointParams,
        body: z.object({ traffic: percentages.optional(), mirrorTraffic: percentages.optional() }).strict(),
        response: { 200: endpointSchema, ...errors },
      },
    },
    async (request) => {
      const endpoint = await setTraffic(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.body,
      );
      await serving?.refresh();
      return endpointBody(endpoint);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/credentials',
    {
      schema: {
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
      },
    },
    async (request) => getCredentials(context, request.params.workspace, request.params.name, 'online'),
  );

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/regenerate-keys',
    {
      schema: {
        tags,
        summary: 'Regenerate the primary or secondary key; the other keeps working',
        params: endpointParams,
        body: z.object({ keyType: z.enum(['primary', 'secondary']).default('primary') }).strict(),
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await regenerateKeys(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.body.keyType,
      );
      await serving?.refresh();
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments',
    {
      schema: {
        tags,
        summary: 'Create or update a deployment from Azure ML YAML (managedOnlineDeployment)',
        params: endpointParams,
        body: deploymentRequest,
        response: { 200: z.object({ action: z.string(), deployment: deploymentSchema }), ...errors },
      },
    },
    async (request) => {
      const result = await applyDeployment(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        endpoint: request.params.name,
        ...request.body,
      });
      wake();
      return { action: result.action, deployment: deploymentBody(result.deployment) };
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment',
    {
      schema: {
        tags,
        summary:
          'Change fields of a deployment as it is stored (az ml online-deployment update --set, without a file); what it serves stays unless --set names a new model, code or environment',
        params: deploymentParams,
        body: deploymentFieldsRequest,
        response: { 200: z.object({ action: z.string(), deployment: deploymentSchema }), ...errors },
      },
    },
    async (request) => {
      const { workspace, name, deployment } = request.params;
      const result = await updateDeploymentFields(context, callerOf(request, config.localUser), {
        workspace,
        endpoint: name,
        name: deployment,
        set: request.body.set,
      });
      wake();
      return { action: result.action, deployment: deploymentBody(result.deployment) };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments',
    {
      schema: {
        tags,
        summary: "An endpoint's deployments",
        params: endpointParams,
        response: { 200: z.object({ items: z.array(deploymentSchema) }), ...errors },
      },
    },
    async (request) => ({ items: (await listDeployments(context, request.params.workspace, request.params.name)).map(deploymentBody) }),
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment',
    {
      schema: {
        tags,
        summary: 'One deployment: what it serves, who deployed it, its instances',
        params: deploymentParams,
        response: { 200: deploymentSchema, ...errors },
      },
    },
    async (request) =>
      deploymentBody(await getDeployment(context, request.params.workspace, request.params.name, request.params.deployment)),
  );

  app.delete(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment',
    {
      schema: {
        tags,
        summary: 'Delete a deployment that takes no traffic',
        params: deploymentParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteDeployment(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.params.deployment,
      );
      wake();
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment/logs',
    {
      schema: {
        tags,
        summary: "The deployment's preparation and instance logs (the last `lines` of each)",
        params: deploymentParams,
        querystring: z.object({ lines: z.coerce.number().int().min(1).max(100_000).default(200) }),
      },
    },
    async (request, reply) => {
      const { workspace, name, deployment } = request.params;
      const found = await getDeployment(context, workspace, name, deployment);
      const parts: string[] = [];
      for (const file of (await serving?.logFilesOf(found)) ?? []) {
        const text = await readFile(file, 'utf8').catch(() => undefined);
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
    },
  );

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
  const rolloutSchema = z.object({
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

  app.post(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/rollout',
    {
      schema: {
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
      },
    },
    async (request, reply) => {
      const rollout = await startRollout(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.body,
      );
      await serving?.refresh();
      const current = await getRollout(context, request.params.workspace, request.params.name);
      return reply.status(201).send(rolloutBody(current ?? rollout));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/rollout',
    {
      schema: {
        tags,
        summary: 'The latest rollout of the endpoint: its steps, where it is, and every decision with the numbers it was made on',
        params: endpointParams,
        response: { 200: rolloutSchema, ...errors },
      },
    },
    async (request) => rolloutBody(await getRollout(context, request.params.workspace, request.params.name)),
  );
};
