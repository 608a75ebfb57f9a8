import { z } from 'zod';
import { triggerSchema } from '../schedules/trigger.js';
import { monitorDefinitionSchema } from './monitor-schema.js';
import { closedObject, flagField, freeMapping, tagsField, whenMapping } from './schema-helpers.js';

/** A create_job mapping naming its job (`job:`), with the fields that override the job's own (Azure ML's schedule JobDefinition). */
const createJobReference = closedObject({
  job: z.string().min(1, 'name the job: a job file (./job.yml) or an existing job (azureml:<job name>)'),
  type: z.enum(['command', 'pipeline']).optional(),
  settings: freeMapping.optional(),
  inputs: freeMapping.optional(),
  outputs: freeMapping.optional(),
  tags: tagsField.optional(),
  experiment_name: z.string().min(1).optional(),
  display_name: z.string().optional(),
  description: z.string().optional(),
  compute: z.string().min(1).optional(),
  environment_variables: freeMapping.optional(),
  properties: freeMapping.optional(),
});

/**
 * `create_job`: a job file (`./job.yml`) or an existing job (`azureml:<job name>`) as a template,
 * the same with overrides (`{job: ./job.yml, settings: ..., inputs: ...}`), or a whole job inline
 * (a mapping with `type: command`/`pipeline` and no `job:`), checked as a job file when the
 * schedule is created.
 */
const createJobField = z
  .union([z.string().min(1), freeMapping], {
    error: 'must be a job file (./job.yml), an existing job (azureml:<job name>), a mapping with job: and overrides, or an inline job',
  })
  .superRefine((value, context) => {
    if (typeof value === 'string') return;
    if (value.job !== undefined) {
      const checked = createJobReference.safeParse(value);
      for (const issue of checked.success ? [] : checked.error.issues)
        context.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: value });
      return;
    }
    if (value.type !== 'command' && value.type !== 'pipeline')
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: 'an inline job needs its type: command or pipeline; or give job: ./job.yml or job: azureml:<job name>',
        input: value.type,
      });
  });

/**
 * An Azure ML schedule file (`schedule.schema.json`): a trigger and what each firing does, create a
 * job (`create_job`) or run a model monitor (`create_monitor`) — one of the two.
 */
export const scheduleSchema = closedObject({
  $schema: z.string().optional(),
  name: z
    .string({ error: 'a schedule needs a name' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/, "use letters, digits, '-' or '_', starting with a letter or digit (200 at most)"),
  display_name: z.string().optional(),
  description: z.string().optional(),
  tags: tagsField.optional(),
  properties: freeMapping.optional(),
  is_enabled: flagField().optional(),
  trigger: triggerSchema,
  create_job: createJobField.optional(),
  create_monitor: monitorDefinitionSchema.optional(),
}).superRefine((file, context) => {
  if ((file.create_job === undefined) === (file.create_monitor === undefined))
    context.addIssue({
      code: 'custom',
      path: [file.create_job === undefined ? 'create_job' : 'create_monitor'],
      message:
        file.create_job === undefined
          ? 'say what each firing does: create_job (a job file, an existing job, or an inline job) or create_monitor (a model monitor)'
          : 'give create_job or create_monitor, not both: a schedule does one of them',
      input: file,
    });
}, whenMapping);
export type ScheduleFile = z.output<typeof scheduleSchema>;

/** Where a schedule's job comes from: a reference with overrides, or a whole job written inline. */
export type CreateJobSource =
  | { kind: 'reference'; reference: string; overrides: Record<string, unknown> }
  | { kind: 'inline'; job: Record<string, unknown> };

/** The job source of a parsed schedule file. */
export function createJobSource(createJob: NonNullable<ScheduleFile['create_job']>): CreateJobSource {
  if (typeof createJob === 'string') return { kind: 'reference', reference: createJob, overrides: {} };
  const { job, ...overrides } = createJob;
  if (typeof job === 'string') return { kind: 'reference', reference: job, overrides };
  return { kind: 'inline', job: createJob };
}
