import { z } from 'zod';
import { binaryBody, workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const attemptParams = workspaceParams.extend({
  name: z.string().describe('job name'),
  attempt: z.coerce.number().int().min(1).describe('attempt number, from 1'),
});
const tokenQuery = z.object({ token: z.string().optional().describe("the attempt's token, as given to its pods") });
const unpacked = z
  .object({ files: z.number().int(), bytes: z.number().int(), skipped: z.array(z.string()) })
  .meta({ id: 'AttemptResults' });
const errors = { 403: problemSchema, 404: problemSchema, 413: problemSchema, 415: problemSchema, 422: problemSchema };
const tags = ['jobs'];
const attempt = '/api/v1/workspaces/:workspace/jobs/:name/attempts/:attempt';

/**
 * What the pods of an attempt on a remote compute (Kubernetes) exchange with Trellis: the attempt's
 * prepared folder as a tar, and what they leave as a tar. The token in the URL is the pod's only
 * credential; a wrong one is refused with 403 before anything is read or written.
 */
export const attemptTransferRoutes = {
  bundle: defineRoute('GET', `${attempt}/bundle.tar`, {
    tags,
    summary: "The attempt's prepared folder (code, inputs, checkpoints) as a tar, for its pods",
    params: attemptParams,
    querystring: tokenQuery,
    response: {
      200: { description: "a tar of the attempt's folder", content: { 'application/x-tar': { schema: binaryBody } } },
      400: problemSchema,
      403: problemSchema,
      404: problemSchema,
    },
  }),
  results: defineRoute('PUT', `${attempt}/results.tar`, {
    tags,
    summary:
      "What an attempt's pod left (its logs, outputs and checkpoints) as a tar (Content-Type: application/x-tar), unpacked into the attempt's folder",
    params: attemptParams,
    querystring: tokenQuery,
    response: { 200: unpacked, ...errors },
  }),
};
