import { z } from 'zod';
import { jobStates } from '../core/jobs/job-lifecycle.js';
import { pipelineStates, stepStates } from '../core/pipelines/pipeline-job.js';
import { namedParams, workspaceParams } from './common.js';
import { jobErrors, submitRequest } from './jobs.js';
import { defineRoute } from './route.js';

/** A step of a pipeline job as the API answers it. */
export const pipelineStepSchema = z
  .object({
    step: z.string(),
    state: z
      .enum(stepStates)
      .describe('Waiting, Submitted (its job says the rest), Reused (job names the earlier job), Skipped or NotSubmitted'),
    status: z
      .enum([...jobStates, ...stepStates])
      .describe("the step's job's state once submitted (Queued, Running, Completed, ...), else the step's own"),
    job: z.string().nullable().describe('the command job that runs it, once submitted; the earlier job it reuses, when Reused'),
    reason: z.string().nullable(),
    reuseNote: z
      .string()
      .nullable()
      .describe(
        'why it was reused or ran: the earlier job it reuses, or which part of its reuse key changed (command, code, environment, inputs.<name>, ...)',
      ),
    dependsOn: z.array(z.string()).describe('the steps whose outputs it reads'),
    runId: z.string().nullable().describe("its job's MLflow run, a child of the pipeline's"),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'PipelineStep' });

/** A pipeline job as the API answers it. */
export const pipelineJobSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    type: z.literal('pipeline'),
    displayName: z.string(),
    experimentName: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    spec: z.record(z.string(), z.unknown()),
    state: z.enum(pipelineStates),
    status: z.enum(pipelineStates).describe("the state again, under Azure ML's name for it"),
    reason: z.string().nullable(),
    runId: z.string(),
    createdBy: z.string(),
    submittedAt: z.number(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    stopRequest: z.string().nullable(),
    steps: z.array(pipelineStepSchema).optional().describe('on the answers about one pipeline job, not in lists'),
  })
  .meta({ id: 'PipelineJob' });

const tags = ['jobs'];
const one = '/api/v1/workspaces/:workspace/pipeline-jobs/:name';

/** Pipeline jobs: submit, read, list, cancel. Their steps are command jobs, read through the job routes. */
export const pipelineRoutes = {
  submit: defineRoute('POST', '/api/v1/workspaces/:workspace/pipeline-jobs', {
    tags,
    summary: 'Submit a pipeline job (Azure ML v2 YAML, type: pipeline)',
    params: workspaceParams,
    body: submitRequest,
    response: { 201: pipelineJobSchema, ...jobErrors },
  }),
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/pipeline-jobs', {
    tags,
    summary: 'List pipeline jobs, newest first',
    params: workspaceParams,
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    response: { 200: z.object({ items: z.array(pipelineJobSchema) }), ...jobErrors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One pipeline job, with its steps',
    params: namedParams,
    response: { 200: pipelineJobSchema, ...jobErrors },
  }),
  cancel: defineRoute('POST', `${one}/cancel`, {
    tags,
    summary: 'Cancel a pipeline job: its running steps are canceled, the others skipped',
    params: namedParams,
    response: { 200: pipelineJobSchema, ...jobErrors },
  }),
};
