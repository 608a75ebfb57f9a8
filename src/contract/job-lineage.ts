import { z } from 'zod';

// Exactly the fields of core/jobs/job.ts JobLineage: the api hands a Job to this schema with no cast, so the two cannot drift apart.

/** One input of a job as fixed at submit: a literal, a registered asset at an exact version, or a URI. */
const lineageInput = z.union([
  z.object({ type: z.literal('literal'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.object({
    type: z.string(),
    asset: z.object({ name: z.string(), version: z.string(), registry: z.string().optional() }),
    digest: z.string().nullable(),
    mode: z.string(),
  }),
  z.object({ type: z.string(), uri: z.string(), mode: z.string() }),
]);

/** What a job ran with, fixed at submit: exact code, environment and input versions (core's JobLineage, on the wire). */
export const jobLineageSchema = z
  .object({
    code: z.object({ name: z.string(), version: z.string(), digest: z.string() }).nullable(),
    environment: z.union([
      z.object({ name: z.string(), version: z.string(), curated: z.boolean() }),
      z.object({ inline: z.literal(true), digest: z.string() }),
    ]),
    inputs: z.record(z.string(), lineageInput),
    compute: z.string(),
    submittedBy: z.string(),
  })
  .meta({ id: 'JobLineage' });
