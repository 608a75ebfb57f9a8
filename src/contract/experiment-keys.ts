import { z } from 'zod';
import { experimentKeyLimit } from '../core/tracking/series-limits.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const keysSchema = z
  .object({
    experimentId: z.string(),
    metrics: z.array(z.string()),
    params: z.array(z.string()),
    tags: z.array(z.string()),
  })
  .meta({ id: 'ExperimentKeys' });

/** GET .../experiments/:experimentId/keys: the keys an experiment's runs use, for choosing run-table columns. */
export const experimentKeysRoutes = {
  keys: defineRoute('GET', '/api/v1/workspaces/:workspace/experiments/:experimentId/keys', {
    tags: ['tracking'],
    summary: `The metric, param and tag keys of an experiment's active runs, sorted, at most ${experimentKeyLimit} of each`,
    params: workspaceParams.extend({ experimentId: z.string().describe('MLflow experiment id') }),
    response: { 200: keysSchema, 404: problemSchema },
  }),
};
