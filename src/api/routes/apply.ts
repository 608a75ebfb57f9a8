import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applyRoutes as contract } from '../../contract/apply.js';
import { TrellisError } from '../../core/errors.js';
import { applyResource } from '../../services/apply-resource.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

// The request and answer of applying a file belong to the contract; other route files build on them.
export { applyRequest, applyResponse } from '../../contract/apply.js';

/** POST /apply: one Azure ML YAML file, as JSON ({text, uploads, ...}) or as raw application/yaml. */
export const applyRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config }) => {
  const route = contract.apply;
  app.post(route.path, { schema: route.schema }, async (request, reply) => {
    const body =
      typeof request.body === 'string'
        ? {
            fileName: request.query.fileName ?? 'request',
            text: request.body,
            kind: request.query.kind,
            uploads: {},
            inlined: {},
            dryRun: request.query.dryRun === 'true',
          }
        : request.body;
    if (typeof request.body !== 'string' && request.headers['content-type']?.includes('yaml')) {
      throw new TrellisError('InvalidRequest', 400, 'send YAML as the raw body with Content-Type: application/yaml');
    }
    const result = await applyResource(context, callerOf(request, config.localUser), {
      workspace: request.params.workspace,
      fileName: body.fileName,
      text: body.text,
      ...(body.kind ? { expectedKind: body.kind } : {}),
      uploads: body.uploads,
      inlined: body.inlined,
      dryRun: body.dryRun,
    });
    return reply.status(result.action === 'created' && !result.dryRun ? 201 : 200).send(result);
  });
};
