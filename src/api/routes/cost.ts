import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { costRoutes as routes } from '../../contract/cost.js';
import type { Granularity } from '../../core/cost/cost-series.js';
import { costReadAction } from '../../core/identity/route-access.js';
import { createBudget, deleteBudget, getBudget, listBudgets, updateBudget } from '../../services/cost/budget-service.js';
import { costReport, focusExport, jobCost, workspaceCost } from '../../services/cost/cost-service.js';
import { principalOf } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import { ifMatchOf, setEtag } from '../http-etag.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';

/** Cost of usage (by group, by day, FOCUS CSV, per job) at the installation's prices, and workspace budgets. */
export const costRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, access, jobs }) => {
  const prices = config.prices;
  const queryOf = (query: {
    group_by?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    granularity?: Granularity | undefined;
  }) => ({ groupBy: query.group_by, from: query.from, to: query.to, granularity: query.granularity });

  app.get(routes.workspace.path, { schema: routes.workspace.schema }, async (request) =>
    workspaceCost(context, prices, request.params.workspace, queryOf(request.query)),
  );

  // Every workspace whose cost the caller may read; one it holds no role in is left out, as if it did not exist.
  app.get(routes.all.path, { schema: routes.all.schema }, async (request) => {
    const principal = principalOf(request);
    const workspaces = context.store.repositories.workspaces;
    const names: string[] = [];
    for (let pageToken: string | undefined, isFirst = true; isFirst || pageToken !== undefined; isFirst = false) {
      const page = await workspaces.list(1000, pageToken);
      names.push(...page.items.map((workspace) => workspace.name));
      pageToken = page.nextPageToken ?? undefined;
    }
    const readable: string[] = [];
    for (const name of names) if ((await access.check(principal, costReadAction, `/workspaces/${name}`)) === 'allowed') readable.push(name);
    return costReport(context, prices, readable, queryOf(request.query));
  });

  app.get(routes.export.path, { schema: routes.export.schema }, async (request, reply) => {
    const { workspace } = request.params;
    const url = publicUrlOf(config, app);
    const { csv, from, to } = await focusExport(context, prices, workspace, request.query, {
      billingAccountId: url,
      billingAccountName: `Trellis at ${url}`,
    });
    const day = (at: number) => new Date(at).toISOString().slice(0, 10);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="trellis-cost-${workspace}-${day(from)}-${day(to - 1)}.csv"`)
      .send(csv);
  });

  app.get(routes.job.path, { schema: routes.job.schema }, async (request) =>
    jobCost(context, prices, request.params.workspace, request.params.name),
  );

  app.post(routes.createBudget.path, { schema: routes.createBudget.schema }, async (request, reply) => {
    const budget = await createBudget(context, callerOf(request), prices, request.params.workspace, request.body);
    setEtag(reply, budget.etag);
    return reply.status(201).send(budget);
  });

  app.get(routes.listBudgets.path, { schema: routes.listBudgets.schema }, async (request) => ({
    items: await listBudgets(context, prices, request.params.workspace),
  }));

  app.get(routes.getBudget.path, { schema: routes.getBudget.schema }, async (request, reply) => {
    const budget = await getBudget(context, prices, request.params.workspace, request.params.name);
    setEtag(reply, budget.etag);
    return budget;
  });

  app.patch(routes.updateBudget.path, { schema: routes.updateBudget.schema }, async (request, reply) => {
    const { workspace, name } = request.params;
    const budget = await updateBudget(context, callerOf(request), prices, workspace, name, request.body, ifMatchOf(request));
    // A budget raised lets held jobs start now, not at the runner's next tick.
    jobs?.wake();
    setEtag(reply, budget.etag);
    return budget;
  });

  app.delete(routes.deleteBudget.path, { schema: routes.deleteBudget.schema }, async (request, reply) => {
    await deleteBudget(context, callerOf(request), request.params.workspace, request.params.name);
    jobs?.wake();
    return reply.status(204).send(null);
  });
};
