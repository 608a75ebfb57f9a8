import type { Kysely, Selectable } from 'kysely';
import type { UploadedContent } from '../core/resources/uploaded-content.js';
import type {
  PipelineJob,
  PipelineJobSpec,
  PipelineSource,
  PipelineState,
  PipelineStep,
  StepState,
} from '../core/pipelines/pipeline-job.js';
import type { Database, PipelineTables } from './database.js';

type PipelineRow = Selectable<PipelineTables['pipeline_jobs']>;
type StepRow = Selectable<PipelineTables['pipeline_steps']>;

/** A change to a pipeline job: the columns that move as it runs. */
export interface PipelineChanges {
  state?: PipelineState;
  reason?: string | null;
  startedAt?: number | null;
  endedAt?: number | null;
  stopRequest?: string | null;
}

/** Pipeline jobs and their steps. */
export class PipelineRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The pipeline and its steps (all Waiting), in the file's order. */
  async insert(pipeline: PipelineJob, steps: string[]): Promise<void> {
    await this.db.insertInto('pipeline_jobs').values(toRow(pipeline)).execute();
    if (steps.length === 0) return;
    await this.db
      .insertInto('pipeline_steps')
      .values(
        steps.map((step, position) => ({
          workspace: pipeline.workspace,
          pipeline: pipeline.name,
          step,
          position,
          state: 'Waiting',
          job: null,
          reason: null,
          reuse_key: null,
          reuse_parts: null,
          reuse_note: null,
        })),
      )
      .execute();
  }

  async get(workspace: string, name: string): Promise<PipelineJob | undefined> {
    const row = await this.db
      .selectFrom('pipeline_jobs')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** Newest first; `before` is the (submittedAt, name) of the last pipeline of the previous page. */
  async list(
    workspace: string,
    options: { limit: number; before?: { submittedAt: number; name: string } | undefined },
  ): Promise<PipelineJob[]> {
    let query = this.db.selectFrom('pipeline_jobs').selectAll().where('workspace', '=', workspace);
    const before = options.before;
    if (before)
      query = query.where((eb) =>
        eb.or([
          eb('submitted_at', '<', before.submittedAt),
          eb.and([eb('submitted_at', '=', before.submittedAt), eb('name', '<', before.name)]),
        ]),
      );
    const rows = await query.orderBy('submitted_at', 'desc').orderBy('name', 'desc').limit(options.limit).execute();
    return rows.map(fromRow);
  }

  /** Every pipeline not yet Completed, Failed or Canceled, in every workspace: the pipeline runner's work. */
  async live(): Promise<PipelineJob[]> {
    const rows = await this.db
      .selectFrom('pipeline_jobs')
      .selectAll()
      .where('state', 'not in', ['Completed', 'Failed', 'Canceled'])
      .orderBy('submitted_at')
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  async update(workspace: string, name: string, changes: PipelineChanges): Promise<void> {
    const values: Partial<PipelineRow> = {};
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.reason !== undefined) values.reason = changes.reason;
    if (changes.startedAt !== undefined) values.started_at = changes.startedAt;
    if (changes.endedAt !== undefined) values.ended_at = changes.endedAt;
    if (changes.stopRequest !== undefined) values.stop_request = changes.stopRequest;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('pipeline_jobs').set(values).where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  /** The steps of a pipeline, in the file's order. */
  async steps(workspace: string, pipeline: string): Promise<PipelineStep[]> {
    const rows = await this.db
      .selectFrom('pipeline_steps')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('pipeline', '=', pipeline)
      .orderBy('position')
      .execute();
    return rows.map(stepFromRow);
  }

  /**
   * The job of an earlier step with this reuse key that completed (the newest), which a step may
   * reuse instead of running: a step that ran it, or one that reused it in turn.
   */
  async completedWithKey(workspace: string, key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('pipeline_steps')
      .innerJoin('jobs', (join) =>
        join.onRef('jobs.workspace', '=', 'pipeline_steps.workspace').onRef('jobs.name', '=', 'pipeline_steps.job'),
      )
      .select('jobs.name as job')
      .where('pipeline_steps.workspace', '=', workspace)
      .where('pipeline_steps.reuse_key', '=', key)
      .where('pipeline_steps.state', 'in', ['Submitted', 'Reused'])
      .where('jobs.state', '=', 'Completed')
      .orderBy('jobs.submitted_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.job;
  }

  /**
   * The newest earlier step of this name, in a pipeline of the same experiment, that has a reuse
   * key: what a step that runs is compared with (the same pipeline submitted before, as a rule).
   */
  async lastKeyedStep(
    workspace: string,
    step: string,
    pipeline: { name: string; experimentName: string },
  ): Promise<{ job: string; parts: Record<string, string> } | undefined> {
    const row = await this.db
      .selectFrom('pipeline_steps')
      .innerJoin('pipeline_jobs', (join) =>
        join.onRef('pipeline_jobs.workspace', '=', 'pipeline_steps.workspace').onRef('pipeline_jobs.name', '=', 'pipeline_steps.pipeline'),
      )
      .select(['pipeline_steps.job as job', 'pipeline_steps.reuse_parts as parts'])
      .where('pipeline_steps.workspace', '=', workspace)
      .where('pipeline_steps.step', '=', step)
      .where('pipeline_steps.pipeline', '!=', pipeline.name)
      .where('pipeline_jobs.experiment_name', '=', pipeline.experimentName)
      .where('pipeline_steps.reuse_parts', 'is not', null)
      .where('pipeline_steps.job', 'is not', null)
      .orderBy('pipeline_jobs.submitted_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row?.job || !row.parts) return undefined;
    return { job: row.job, parts: JSON.parse(row.parts) as Record<string, string> };
  }

  async updateStep(
    workspace: string,
    pipeline: string,
    step: string,
    changes: {
      state: StepState;
      job?: string | null;
      reason?: string | null;
      reuse?: { key: string; parts: Record<string, string>; note: string };
    },
  ): Promise<void> {
    await this.db
      .updateTable('pipeline_steps')
      .set({
        state: changes.state,
        ...(changes.job !== undefined ? { job: changes.job } : {}),
        ...(changes.reason !== undefined ? { reason: changes.reason } : {}),
        ...(changes.reuse
          ? { reuse_key: changes.reuse.key, reuse_parts: JSON.stringify(changes.reuse.parts), reuse_note: changes.reuse.note }
          : {}),
      })
      .where('workspace', '=', workspace)
      .where('pipeline', '=', pipeline)
      .where('step', '=', step)
      .execute();
  }
}

function toRow(pipeline: PipelineJob): PipelineRow {
  return {
    workspace: pipeline.workspace,
    name: pipeline.name,
    display_name: pipeline.displayName,
    experiment_name: pipeline.experimentName,
    description: pipeline.description,
    tags: JSON.stringify(pipeline.tags),
    spec: JSON.stringify(pipeline.spec),
    uploads: JSON.stringify(pipeline.uploads),
    inlined: JSON.stringify(pipeline.inlined),
    source: pipeline.source ? JSON.stringify(pipeline.source) : null,
    state: pipeline.state,
    reason: pipeline.reason,
    run_id: pipeline.runId,
    created_by: pipeline.createdBy,
    submitted_at: pipeline.submittedAt,
    started_at: pipeline.startedAt,
    ended_at: pipeline.endedAt,
    stop_request: pipeline.stopRequest,
  };
}

function fromRow(row: PipelineRow): PipelineJob {
  const number = (value: number | null) => (value === null ? null : Number(value));
  return {
    workspace: row.workspace,
    name: row.name,
    displayName: row.display_name,
    experimentName: row.experiment_name,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    spec: JSON.parse(row.spec) as PipelineJobSpec,
    uploads: JSON.parse(row.uploads) as Record<string, UploadedContent>,
    inlined: JSON.parse(row.inlined) as Record<string, string>,
    source: row.source ? (JSON.parse(row.source) as PipelineSource) : null,
    state: row.state as PipelineState,
    reason: row.reason,
    runId: row.run_id,
    createdBy: row.created_by,
    submittedAt: Number(row.submitted_at),
    startedAt: number(row.started_at),
    endedAt: number(row.ended_at),
    stopRequest: row.stop_request,
  };
}

function stepFromRow(row: StepRow): PipelineStep {
  return {
    workspace: row.workspace,
    pipeline: row.pipeline,
    step: row.step,
    state: row.state as StepState,
    job: row.job,
    reason: row.reason,
    reuseNote: row.reuse_note,
  };
}
