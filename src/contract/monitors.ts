import { z } from 'zod';
import { signalTypes } from '../core/azureml/monitor-schema.js';
import { monitorRunStates, signalOutcomes } from '../core/monitoring/monitor-run.js';
import { featureTypes } from '../core/monitoring/monitoring-types.js';
import { namedParams, workspaceParams } from './common.js';
import { jobErrors } from './jobs.js';
import { defineRoute } from './route.js';

const featureMetricSchema = z
  .object({
    feature: z.string().describe('the feature (column), or the prediction column for prediction drift'),
    featureType: z.enum(featureTypes),
    metric: z.string().describe('jensen_shannon_distance, null_value_rate, ...'),
    value: z.number().nullable().describe('null when it could not be computed: see reason'),
    threshold: z.number(),
    breached: z.boolean().describe('above the threshold (below it for p-values)'),
    reason: z.string().optional(),
  })
  .meta({ id: 'MonitorFeatureMetric' });

const sideSchema = z.object({
  rows: z.number().int(),
  from: z.number().nullable().describe("the window's start (epoch ms); null for a whole data asset"),
  to: z.number().nullable(),
  source: z.string().describe('what the rows are'),
});

const distributionSchema = z.object({
  feature: z.string(),
  featureType: z.enum(featureTypes),
  bins: z.array(z.union([z.number(), z.string()])).describe('bin edges (numerical: one more than the proportions) or categories'),
  reference: z.array(z.number()).describe('share of the reference rows in each bin'),
  production: z.array(z.number()).describe('share of the production rows in each bin'),
});

export const signalResultSchema = z
  .object({
    name: z.string(),
    type: z.enum(signalTypes),
    outcome: z.enum(signalOutcomes).describe('passed, breached (a threshold), no_data (nothing to judge), failed (see reason)'),
    reason: z.string().nullable(),
    production: sideSchema,
    reference: sideSchema,
    metrics: z.array(featureMetricSchema),
    distributions: z.array(distributionSchema),
  })
  .meta({ id: 'MonitorSignalResult' });

export const monitorRunSchema = z
  .object({
    workspace: z.string(),
    name: z.string().describe("the firing's name: <monitor>-<yyyymmddthhmm>"),
    schedule: z.string().describe('the monitor (its schedule)'),
    slotAt: z.number().describe('the time it was computed for; its windows end here'),
    startedAt: z.number(),
    endedAt: z.number(),
    state: z.enum(monitorRunStates),
    reason: z.string().nullable(),
    breaches: z.number().int().describe('feature metrics past their thresholds, over every signal'),
    signals: z.array(signalResultSchema),
    alertError: z.string().nullable().describe('why alerts could not be sent; null when sent or none were due'),
  })
  .meta({ id: 'MonitorRun' });

/** A monitor: its schedule, what it watches, and its latest runs (without their distributions). */
export const monitorSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    displayName: z.string(),
    enabled: z.boolean(),
    triggerDescription: z.string(),
    nextFireAt: z.number().nullable(),
    endpoint: z.string().nullable(),
    deployment: z.string().nullable(),
    mlTask: z.string().nullable(),
    emails: z.array(z.string()),
    signals: z.array(z.object({ name: z.string(), type: z.enum(signalTypes), alertEnabled: z.boolean() })),
    runs: z.array(monitorRunSchema).describe('newest first'),
  })
  .meta({ id: 'Monitor' });

const tags = ['monitors'];
const one = '/api/v1/workspaces/:workspace/monitors/:name';

/** Model monitors (schedules with create_monitor) and their runs; they are made, changed and fired as schedules. */
export const monitorRoutes = {
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/monitors', {
    tags,
    summary: 'List model monitors, each with its latest run',
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(monitorSchema) }), ...jobErrors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One monitor, with its last runs (newest first, at most `limit`)',
    params: namedParams,
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
    response: { 200: monitorSchema, ...jobErrors },
  }),
  run: defineRoute('GET', `${one}/runs/:run`, {
    tags,
    summary: "One run of a monitor, whole: each signal's per-feature values, thresholds, verdicts and distributions",
    params: namedParams.extend({ run: z.string() }),
    response: { 200: monitorRunSchema, ...jobErrors },
  }),
};
