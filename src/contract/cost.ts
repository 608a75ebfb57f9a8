import { z } from 'zod';
import { granularities } from '../core/cost/cost-series.js';
import { namedParams, workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const seconds = 'machine-seconds (2 nodes for an hour: 7200)';

const costTotals = {
  nodeSeconds: z.number().describe(`${seconds} of job and idle cluster nodes`),
  instanceSeconds: z.number().describe(`${seconds} of online deployment instances`),
  unpricedSeconds: z.number().describe('seconds of either with no price (an attached compute not under prices.computes); in neither cost'),
  cost: z.number().describe("at this installation's prices (config.yaml prices:)"),
  listCost: z.number().describe("at Azure's list prices where the catalogue has them, else this installation's"),
  currency: z.string(),
};

export const costTotalsSchema = z.object(costTotals).meta({ id: 'CostTotals' });

export const costRowSchema = z
  .object({
    group: z
      .string()
      .describe(
        "the group's value: a workspace, compute, top-level job, endpoint, size, day or tag value; '(untagged)', '(idle nodes)', ... for usage it does not apply to",
      ),
    workspace: z.string().optional().describe('the workspace of a compute, job or endpoint group'),
    ...costTotals,
  })
  .meta({ id: 'CostRow' });

/** A cost summary by one dimension, and the period day by day. */
export const costReportSchema = z
  .object({
    workspaces: z.array(z.string()).describe('the workspaces counted'),
    from: z.number().describe('the period [from, to), epoch ms'),
    to: z.number(),
    groupBy: z.string(),
    currency: z.string(),
    rows: z.array(costRowSchema).describe('most expensive first (days in order)'),
    total: costTotalsSchema,
    byDay: z.array(z.object({ day: z.string().describe('YYYY-MM-DD (UTC)'), start: z.number(), end: z.number(), ...costTotals })),
    series: z
      .array(
        z.object({
          period: z.string().describe('its first day, YYYY-MM-DD (UTC): a day, the Monday of an ISO week, the first of a month'),
          start: z.number().describe('[start, end) epoch ms, clipped to the period asked'),
          end: z.number(),
          rows: z.array(costRowSchema).describe('grouped as rows are, most expensive first; none when nothing was used'),
        }),
      )
      .optional()
      .describe('with granularity: the grouped rows of every day, week or month up to now'),
  })
  .meta({ id: 'CostReport' });

export const costQuery = z.object({
  group_by: z.string().optional().describe('workspace (default), compute, job, endpoint, size, day or tag:<key>'),
  from: z.string().optional().describe('a day (2026-01-31), a month (2026-01) or an instant with offset; default: the start of this month'),
  to: z.string().optional().describe('as from; a day or month includes it whole; default: now'),
  granularity: z.enum(granularities).optional().describe('day, week or month: answer series, the grouped rows per period, too'),
});

export const jobCostSchema = z
  .object({
    workspace: z.string(),
    job: z.string(),
    kind: z.enum(['command', 'sweep', 'pipeline']),
    isPriced: z.boolean().describe('false when some of its time has no price'),
    ...costTotals,
  })
  .meta({ id: 'JobCost' });

const alertRecordSchema = z.object({
  workspace: z.string(),
  budget: z.string(),
  month: z.string(),
  kind: z.enum(['actual', 'forecast']),
  threshold: z.number(),
  at: z.number().describe('when it was reached'),
  spent: z.number().describe('spent (actual) or forecast (forecast) then'),
  sentAt: z.number().nullable().describe('when it was delivered; null: not yet (see error)'),
  error: z.string().nullable(),
});

/** A workspace budget as the API answers it: its spec, and where it stands this month. */
export const budgetSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    spec: z.object({
      name: z.string(),
      workspace: z.string(),
      amount: z.number(),
      currency: z.string(),
      period: z.literal('monthly'),
      time_zone: z.string(),
      thresholds: z.array(z.number()),
      forecast_thresholds: z.array(z.number()),
      enforcing: z.boolean(),
      notify: z.object({ emails: z.array(z.string()).optional(), webhook: z.string().optional() }).optional(),
    }),
    createdBy: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    etag: z.string(),
    status: z.object({
      month: z.string().describe("YYYY-MM in the budget's time zone"),
      monthStart: z.number(),
      monthEnd: z.number(),
      spent: z.number(),
      amount: z.number(),
      currency: z.string(),
      percentUsed: z.number(),
      remaining: z.number(),
      forecast: z.number().optional().describe("the month's spend at its end at the trailing seven days' rate"),
      forecastPercent: z.number().optional(),
      reached: z.array(z.object({ kind: z.enum(['actual', 'forecast']), threshold: z.number() })),
      alerts: z.array(alertRecordSchema).describe('the thresholds recorded this month, each alerted once'),
      blocking: z.string().nullable().describe('why new jobs of the workspace wait (enforcing and spent); null: they run'),
    }),
  })
  .meta({ id: 'Budget' });

const budgetFields = z
  .record(z.string(), z.unknown())
  .describe(
    'name, amount (> 0, a month), currency, time_zone, thresholds (percent of amount, default [50, 80, 100]), forecast_thresholds, enforcing, notify: {emails, webhook}',
  );

const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 412: problemSchema, 422: problemSchema };
const tags = ['cost'];
const budgets = '/api/v1/workspaces/:workspace/budgets';

/** Cost of usage, its FOCUS export, and workspace budgets. */
export const costRoutes = {
  workspace: defineRoute('GET', '/api/v1/workspaces/:workspace/cost', {
    tags,
    summary: "The workspace's cost in a period, grouped by a dimension, and day by day",
    params: workspaceParams,
    querystring: costQuery,
    response: { 200: costReportSchema, ...errors },
  }),
  all: defineRoute('GET', '/api/v1/cost', {
    tags,
    summary: 'The cost of every workspace the caller may read the cost of, grouped by a dimension, and day by day',
    querystring: costQuery,
    response: { 200: costReportSchema, ...errors },
  }),
  export: defineRoute('GET', '/api/v1/workspaces/:workspace/cost/export', {
    tags,
    summary: "The workspace's usage as a FinOps FOCUS 1.1 CSV: one row per resource, SKU and tier per UTC day",
    params: workspaceParams,
    querystring: costQuery.omit({ group_by: true, granularity: true }),
    response: {
      200: { description: 'RFC 4180 CSV with a header of FOCUS column names', content: { 'text/csv': { schema: z.string() } } },
      ...errors,
    },
  }),
  job: defineRoute('GET', '/api/v1/workspaces/:workspace/jobs/:name/cost', {
    tags,
    summary: "A job's cost so far: its nodes' time, and for a sweep or pipeline every trial's and step's",
    params: namedParams,
    response: { 200: jobCostSchema, ...errors },
  }),
  createBudget: defineRoute('POST', budgets, {
    tags,
    summary: 'Create a budget: an amount a month, thresholds that alert, optionally enforcing (new jobs wait when spent)',
    params: workspaceParams,
    body: budgetFields,
    response: { 201: budgetSchema, ...errors },
  }),
  listBudgets: defineRoute('GET', budgets, {
    tags,
    summary: "The workspace's budgets, each with where it stands this month",
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(budgetSchema) }), ...errors },
  }),
  getBudget: defineRoute('GET', `${budgets}/:name`, {
    tags,
    summary: 'One budget: spent, forecast, thresholds reached and alerted, whether it holds jobs back',
    params: namedParams,
    response: { 200: budgetSchema, ...errors },
  }),
  updateBudget: defineRoute('PATCH', `${budgets}/:name`, {
    tags,
    summary: 'Change a budget: set is field=value (amount=1000), or spec replaces its fields; If-Match optional',
    params: namedParams,
    body: z
      .object({
        set: z.array(z.string()).optional().describe('field=value, as trellis budget update --set writes them'),
        spec: budgetFields.optional(),
      })
      .strict(),
    response: { 200: budgetSchema, ...errors },
  }),
  deleteBudget: defineRoute('DELETE', `${budgets}/:name`, {
    tags,
    summary: 'Delete a budget (and its alert ledger); jobs it held back run',
    params: namedParams,
    response: { 204: z.null().describe('deleted'), ...errors },
  }),
};
