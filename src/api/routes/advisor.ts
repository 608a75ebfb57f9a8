import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isLoopbackHost } from '../../config/config.js';
import { advisorRoutes as routes } from '../../contract/advisor.js';
import { rulesOf } from '../../core/advisor/advisor-catalogue.js';
import { adviseWorkspace, checkAdvisorFiles, fileCheckSarif, recommendationsOf } from '../../services/advisor/advisor-service.js';
import type { ServerFacts } from '../../services/advisor/advisor-snapshot.js';
import { principalOf } from '../auth/auth-hooks.js';
import type { RouteOptions } from '../route-options.js';

/** The advisor: its rule catalogue, a check of files against the static rules, and the live rules on a workspace. */
export const advisorRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, access }) => {
  const server: ServerFacts = {
    host: config.host,
    listensOnLoopbackOnly: isLoopbackHost(config.host),
    localAuth: config.auth.local,
    publicUrl: config.publicUrl ?? null,
    servesTls: config.tls !== undefined,
  };

  // Server-wide rules name principals and tokens: only for callers who may read the server's role assignments.
  const serverFactsFor = async (request: Parameters<typeof principalOf>[0]) =>
    (await access.check(principalOf(request), 'Microsoft.Authorization/roleAssignments/read', '/')) === 'allowed' ? server : undefined;

  // The workspace's own role assignments name principals too: for callers who may read them there.
  const readsAssignments = async (request: Parameters<typeof principalOf>[0], workspace: string) =>
    (await access.check(principalOf(request), 'Microsoft.Authorization/roleAssignments/read', `/workspaces/${workspace}`)) === 'allowed';

  app.get(routes.rules.path, { schema: routes.rules.schema }, async (request) => ({
    items: rulesOf(request.query.pillar, request.query.kind),
  }));

  app.post(routes.check.path, { schema: routes.check.schema }, async (request) => {
    const check = checkAdvisorFiles(request.body.files);
    return request.query.format === 'sarif' ? fileCheckSarif(check) : check;
  });

  app.get(routes.recommendations.path, { schema: routes.recommendations.schema }, async (request) => {
    const advice = await adviseWorkspace(
      context,
      request.params.workspace,
      await serverFactsFor(request),
      await readsAssignments(request, request.params.workspace),
    );
    return {
      workspace: advice.workspace,
      evaluatedAt: advice.evaluatedAt,
      serverRules: advice.serverRules,
      items: request.query.pillar ? recommendationsOf(advice.recommendations, request.query.pillar) : advice.recommendations,
    };
  });

  app.get(routes.score.path, { schema: routes.score.schema }, async (request) => {
    const advice = await adviseWorkspace(
      context,
      request.params.workspace,
      await serverFactsFor(request),
      await readsAssignments(request, request.params.workspace),
    );
    return {
      workspace: advice.workspace,
      evaluatedAt: advice.evaluatedAt,
      serverRules: advice.serverRules,
      ...advice.score,
      checks: advice.checks.length,
      notApplicable: advice.notApplicable,
    };
  });
};
