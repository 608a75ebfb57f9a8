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
  /** Whether this server runs the controllers (it holds their lease) or stands by; every server answers the API either way. */
  controllers: z.enum(['leader', 'standby']).optional(),
});

const leaseSchema = z.object({
  name: z.string(),
  holder: z.string().describe('the server instance holding the lease: <host>:<pid>:<random>'),
  address: z.string().nullable().describe('where the holder answers'),
  epoch: z.number().describe('goes up by one with every new term of leadership'),
  acquiredAt: z.number(),
  renewedAt: z.number(),
  expiresAt: z.number().describe("when the lease lapses unless renewed (the database's clock, epoch ms)"),
});

const leadershipSchema = z.object({
  lease: leaseSchema.nullable(),
  server: z.object({
    id: z.string(),
    address: z.string(),
    isLeader: z.boolean(),
    mode: z.enum(['lease', 'single-server']),
  }),
});

/** Liveness (the process answers) and readiness (database reachable, migrations applied). */
export const healthRoutes = {
  live: defineRoute('GET', '/healthz', { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } }),
  ready: defineRoute('GET', '/readyz', { tags: ['health'], response: { 200: readiness, 503: readiness } }),
  leader: defineRoute('GET', '/api/v1/leader', {
    tags: ['health'],
    summary: "Which server runs the controllers (job runner, scheduler, serving, ...): the controllers' lease, and the answering server",
    response: { 200: leadershipSchema },
  }),
};
