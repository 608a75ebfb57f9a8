import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthRoutes as routes } from '../../contract/health.js';
import type { RouteOptions } from '../route-options.js';

/** Liveness (the process answers) and readiness (database reachable, migrations applied). */
export const healthRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(routes.live.path, { schema: routes.live.schema }, async () => ({
    status: 'ok' as const,
  }));

  app.get(routes.ready.path, { schema: routes.ready.schema }, async (_request, reply) => {
    const state = await context.store.readiness();
    const isReady = state.database && state.migrationsApplied === state.migrationsExpected;
    const body = {
      status: isReady ? ('ready' as const) : ('not-ready' as const),
      database: {
        dialect: context.store.dialect,
        reachable: state.database,
        migrationsApplied: state.migrationsApplied,
        migrationsExpected: state.migrationsExpected,
        ...(state.error ? { error: state.error } : {}),
      },
    };
    return reply.status(isReady ? 200 : 503).send(body);
  });
};
