import { z } from 'zod';
import { defineRoute } from './route.js';

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

/** Liveness (the process answers) and readiness (database reachable, migrations applied). */
export const healthRoutes = {
  live: defineRoute('GET', '/healthz', { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } }),
  ready: defineRoute('GET', '/readyz', { tags: ['health'], response: { 200: readiness, 503: readiness } }),
};
