import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthRoutes as routes } from '../../contract/health.js';
import type { RouteOptions } from '../route-options.js';

/**
 * Liveness (the process answers), readiness (database reachable, migrations applied), and which
 * server runs the controllers. Every server answers all three, leading or not.
 */
export const healthRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, leadership }) => {
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
      ...(leadership ? { controllers: leadership.isLeader() ? ('leader' as const) : ('standby' as const) } : {}),
    };
    return reply.status(isReady ? 200 : 503).send(body);
  });

  app.get(routes.leader.path, { schema: routes.leader.schema }, async () => {
    if (leadership) return leadership.view();
    // Built without a server around it (tests of the API alone): no lease, this process alone.
    return { lease: null, server: { id: 'this-process', address: '', isLeader: true, mode: 'single-server' as const } };
  });
};
