import { z } from 'zod';

/** RFC 9457 problem details, with Trellis's stable `code` and every problem found. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable, machine-readable error code'),
    detail: z.string().describe('what went wrong and how to fix it'),
    instance: z.string(),
    requestId: z.string(),
    problems: z
      .array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional(), column: z.number().int().optional() }))
      .optional(),
  })
  .meta({ id: 'Problem' });

/** A problem+json answer, as the client reads it. */
export type ProblemBody = z.infer<typeof problemSchema>;
