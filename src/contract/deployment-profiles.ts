import { z } from 'zod';
import { deploymentParams, endpointErrors as errors } from './endpoints.js';
import { defineRoute } from './route.js';

/** The bounds of a profile: a load test must stop by itself, in at most 8 × 30 s. */
export const profileBounds = {
  concurrency: { min: 1, max: 64 },
  steps: { min: 1, max: 8 },
  durationSeconds: { min: 1, max: 30 },
  targetLatencyMs: { min: 1, max: 60_000 },
  targetRps: { min: 0.1, max: 100_000 },
} as const;

const { concurrency, steps, durationSeconds, targetLatencyMs, targetRps } = profileBounds;
const range = (bounds: { min: number; max: number }, unit = '') => `must be ${bounds.min} to ${bounds.max}${unit}`;

/** What `trellis online-deployment profile` asks for. */
export const profileRequestSchema = z
  .object({
    request: z
      .string()
      .min(1, 'must not be empty: the request file to send')
      .max(1_000_000, 'must be at most 1 MB')
      .describe('the body each request sends (the request file)'),
    contentType: z.string().default('application/json'),
    concurrency: z
      .array(z.number().int().min(concurrency.min, range(concurrency)).max(concurrency.max, range(concurrency)))
      .min(steps.min, `must name ${range(steps, ' steps')}`)
      .max(steps.max, `must name ${range(steps, ' steps')}`)
      .default([1, 2, 4, 8])
      .describe('concurrent requests in flight, one step each, in this order'),
    durationSeconds: z
      .number()
      .min(durationSeconds.min, range(durationSeconds, ' seconds'))
      .max(durationSeconds.max, range(durationSeconds, ' seconds'))
      .default(10),
    targetLatencyMs: z
      .number()
      .min(targetLatencyMs.min, range(targetLatencyMs, ' ms'))
      .max(targetLatencyMs.max, range(targetLatencyMs, ' ms'))
      .default(200)
      .describe('the p95 latency to stay under'),
    targetRps: z
      .number()
      .min(targetRps.min, range(targetRps, ' requests/s'))
      .max(targetRps.max, range(targetRps, ' requests/s'))
      .optional()
      .describe('the load to carry'),
  })
  .strict()
  .meta({ id: 'DeploymentProfileRequest' });

const latencySchema = z.object({ p50: z.number(), p95: z.number(), p99: z.number() });

/** One concurrency step as measured. */
export const profileStepSchema = z.object({
  concurrency: z.number(),
  durationMs: z.number(),
  requests: z.number(),
  errors: z.number().describe('answers that were not 2xx, and requests that got no answer'),
  statuses: z.record(z.string(), z.number()).describe('answers by HTTP status; 0: no answer'),
  throughputRps: z.number().describe('successful answers per second'),
  latencyMs: latencySchema.nullable(),
  cpuCoresPerInstance: z.number().nullable().describe("CPU seconds per second of an instance's processes, on average over the instances"),
  peakMemoryMiBPerInstance: z.number().nullable().describe('the largest resident memory of one instance during the step'),
});

export const capacityRecommendationSchema = z.object({
  isTargetMet: z.boolean(),
  sustainableRpsPerInstance: z.number().nullable(),
  atConcurrency: z.number().nullable(),
  instanceType: z.string().nullable(),
  instanceCount: z.number().nullable(),
  scaleSettings: z
    .object({
      type: z.literal('target_utilization'),
      min_instances: z.number(),
      max_instances: z.number(),
      target_utilization_percentage: z.number(),
    })
    .nullable(),
  costPerHour: z.number().nullable(),
  reasons: z.array(z.string()),
});

/** A profile: what was asked, each step as measured, and the recommendation; kept with the deployment. */
export const deploymentProfileSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    endpoint: z.string(),
    deployment: z.string(),
    state: z.enum(['Running', 'Succeeded', 'Failed']),
    error: z.string().nullable(),
    settings: z.object({
      concurrency: z.array(z.number()),
      durationSeconds: z.number(),
      targetLatencyMs: z.number(),
      targetRps: z.number().nullable(),
    }),
    instanceType: z.string().nullable(),
    instances: z.number().describe('instances that served the load'),
    steps: z.array(profileStepSchema),
    recommendation: capacityRecommendationSchema.nullable(),
    startedBy: z.string(),
    startedAt: z.number(),
    finishedAt: z.number().nullable(),
  })
  .meta({ id: 'DeploymentProfile' });

export type DeploymentProfile = z.infer<typeof deploymentProfileSchema>;
export type ProfileStep = z.infer<typeof profileStepSchema>;
export type ProfileRequest = z.infer<typeof profileRequestSchema>;

const tags = ['online endpoints'];
const profiles = '/api/v1/workspaces/:workspace/online-endpoints/:name/deployments/:deployment/profiles';

/** Load tests of a deployment and the sizing they recommend (`trellis online-deployment profile|show-profile`). */
export const deploymentProfileRoutes = {
  start: defineRoute('POST', profiles, {
    tags,
    summary:
      'Start a load test of a deployment: concurrency steps against its scoring route, latency, throughput, CPU and memory per instance, and a recommended instance type and scale settings; follow it with GET',
    params: deploymentParams,
    body: profileRequestSchema,
    response: { 202: deploymentProfileSchema, ...errors },
  }),
  list: defineRoute('GET', profiles, {
    tags,
    summary: "A deployment's profiles, newest first",
    params: deploymentParams,
    response: { 200: z.object({ items: z.array(deploymentProfileSchema) }), ...errors },
  }),
  get: defineRoute('GET', `${profiles}/:profile`, {
    tags,
    summary: 'One profile: its steps so far, and its recommendation once it is done',
    params: deploymentParams.extend({ profile: z.string() }),
    response: { 200: deploymentProfileSchema, ...errors },
  }),
};
