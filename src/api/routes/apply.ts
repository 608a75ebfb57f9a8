import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applyRoutes as contract } from '../../contract/apply.js';
import { TrellisError } from '../../core/errors.js';
import { ml } from '../../core/identity/route-access.js';
import { kindSegments } from '../../core/resources/kinds.js';
import { parseResourceFile } from '../../core/azureml/parse-resource-file.js';
import { applyParsedResource } from '../../services/apply-resource.js';
import { requireAction } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

// The request and answer of applying a file belong to the contract; other route files build on them.
export { applyRequest, applyResponse } from '../../contract/apply.js';

/** POST /apply: one Azure ML YAML file, as JSON ({text, uploads, ...}) or as raw application/yaml. */
export const applyRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, access }) => {
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
    const parsed = parseResourceFile(body.text, { fileName: body.fileName, ...(body.kind ? { expectedKind: body.kind } : {}) });
    // What the file is decides the action: environments/write for an environment, computes/write for a compute...
    if (parsed.kind === 'workspace') {
      const exists = await context.store.repositories.workspaces.get(parsed.name);
      await requireAction(request, access, `${ml}/write`, exists ? `/workspaces/${parsed.name}` : '/');
    } else {
      await requireAction(request, access, `${ml}/${kindSegments[parsed.kind]}/write`, `/workspaces/${request.params.workspace}`);
    }
    const result = await applyParsedResource(context, callerOf(request), parsed, {
      workspace: request.params.workspace,
      fileName: body.fileName,
      uploads: body.uploads,
      inlined: body.inlined,
      dryRun: body.dryRun,
    });
    return reply.status(result.action === 'created' && !result.dryRun ? 201 : 200).send(result);
  });
};
