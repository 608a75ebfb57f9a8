import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteOptions } from '../route-options.js';

/** Liveness (the process answers) and readiness (database reachable, migrations applied). */
export const healthRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get('/healthz', { schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  const readiness = z.object({
    status: z.enum(['ready', 'not-ready']),
    database: z.object({
      dialect: z.string(),
      reachable: z.boolean(),
      migrationsApplied: z.number(),
      migrationsExpected: z.number(),
      error: z.string().optional(),
    }),
  });
  app.get('/readyz', { schema: { tags: ['health'], response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
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
