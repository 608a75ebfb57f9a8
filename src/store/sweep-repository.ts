import type { Kysely, Selectable } from 'kysely';
import type { UploadedContent } from '../core/resources/uploaded-content.js';
import type { SweepJob, SweepJobSpec, SweepState, SweepTrial } from '../core/sweeps/sweep-job.js';
import type { Parameters } from '../core/sweeps/sweep-types.js';
import type { Database, SweepTables } from './database.js';

type SweepRow = Selectable<SweepTables['sweep_jobs']>;
type TrialRow = Selectable<SweepTables['sweep_trials']>;

/** A change to a sweep job: the columns that move as it runs. */
export interface SweepChanges {
  state?: SweepState;
  reason?: string | null;
  startedAt?: number | null;
  endedAt?: number | null;
  stopRequest?: string | null;
}

/** Sweep jobs and their trials. */
export class SweepRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(sweep: SweepJob): Promise<void> {
    await this.db.insertInto('sweep_jobs').values(toRow(sweep)).execute();
  }

  async get(workspace: string, name: string): Promise<SweepJob | undefined> {
    const row = await this.db
      .selectFrom('sweep_jobs')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** Newest first; `before` is the (submittedAt, name) of the last sweep of the previous page. */
  async list(
    workspace: string,
    options: { limit: number; before?: { submittedAt: number; name: string } | undefined },
  ): Promise<SweepJob[]> {
    let query = this.db.selectFrom('sweep_jobs').selectAll().where('workspace', '=', workspace);
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

  /** Every sweep not yet Completed, Failed or Canceled, in every workspace: the sweep runner's work. */
  async live(): Promise<SweepJob[]> {
    const rows = await this.db
      .selectFrom('sweep_jobs')
      .selectAll()
      .where('state', 'not in', ['Completed', 'Failed', 'Canceled'])
      .orderBy('submitted_at')
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  async update(workspace: string, name: string, changes: SweepChanges): Promise<void> {
    const values: Partial<SweepRow> = {};
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.reason !== undefined) values.reason = changes.reason;
    if (changes.startedAt !== undefined) values.started_at = changes.startedAt;
    if (changes.endedAt !== undefined) values.ended_at = changes.endedAt;
    if (changes.stopRequest !== undefined) values.stop_request = changes.stopRequest;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('sweep_jobs').set(values).where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  /** A new trial, in the commit that queues its job: the primary key makes a trial index taken once. */
  async insertTrial(trial: Pick<SweepTrial, 'workspace' | 'sweep' | 'index' | 'job' | 'parameters'>): Promise<void> {
    await this.db
      .insertInto('sweep_trials')
      .values({
        workspace: trial.workspace,
        sweep: trial.sweep,
        trial_index: trial.index,
        job: trial.job,
        parameters: JSON.stringify(trial.parameters),
        objective: null,
        reports: 0,
        is_final: 0,
        stop_reason: null,
      })
      .execute();
  }

  /** The trials of a sweep, in the order they were sampled. */
  async trials(workspace: string, sweep: string): Promise<SweepTrial[]> {
    const rows = await this.db
      .selectFrom('sweep_trials')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('sweep', '=', sweep)
      .orderBy('trial_index')
      .execute();
    return rows.map(trialFromRow);
  }

  /** Records what the early-termination policy decided for a trial, or a trial's final objective once its job ended. */
  async updateTrial(
    workspace: string,
    sweep: string,
    index: number,
    changes: { stopReason?: string; final?: { objective: number | null; reports: number } },
  ): Promise<void> {
    const values: Partial<TrialRow> = {};
    if (changes.stopReason !== undefined) values.stop_reason = changes.stopReason;
    if (changes.final) Object.assign(values, { objective: changes.final.objective, reports: changes.final.reports, is_final: 1 });
    if (Object.keys(values).length === 0) return;
    await this.db
      .updateTable('sweep_trials')
      .set(values)
      .where('workspace', '=', workspace)
      .where('sweep', '=', sweep)
      .where('trial_index', '=', index)
      .execute();
  }
}

function toRow(sweep: SweepJob): SweepRow {
  return {
    workspace: sweep.workspace,
    name: sweep.name,
    display_name: sweep.displayName,
    experiment_name: sweep.experimentName,
    description: sweep.description,
    tags: JSON.stringify(sweep.tags),
    spec: JSON.stringify(sweep.spec),
    uploads: JSON.stringify(sweep.uploads),
    inlined: JSON.stringify(sweep.inlined),
    source: JSON.stringify(sweep.source),
    state: sweep.state,
    reason: sweep.reason,
    run_id: sweep.runId,
    created_by: sweep.createdBy,
    submitted_at: sweep.submittedAt,
    started_at: sweep.startedAt,
    ended_at: sweep.endedAt,
    stop_request: sweep.stopRequest,
  };
}

function fromRow(row: SweepRow): SweepJob {
  const number = (value: number | null) => (value === null ? null : Number(value));
  return {
    workspace: row.workspace,
    name: row.name,
    displayName: row.display_name,
    experimentName: row.experiment_name,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    spec: JSON.parse(row.spec) as SweepJobSpec,
    uploads: JSON.parse(row.uploads) as Record<string, UploadedContent>,
    inlined: JSON.parse(row.inlined) as Record<string, string>,
    source: JSON.parse(row.source) as SweepJob['source'],
    state: row.state as SweepState,
    reason: row.reason,
    runId: row.run_id,
    createdBy: row.created_by,
    submittedAt: Number(row.submitted_at),
    startedAt: number(row.started_at),
    endedAt: number(row.ended_at),
    stopRequest: row.stop_request,
  };
}

function trialFromRow(row: TrialRow): SweepTrial {
  return {
    workspace: row.workspace,
    sweep: row.sweep,
    index: Number(row.trial_index),
    job: row.job,
    parameters: JSON.parse(row.parameters) as Parameters,
    objective: row.objective === null ? null : Number(row.objective),
    reports: Number(row.reports),
    isFinal: Number(row.is_final) === 1,
    stopReason: row.stop_reason,
  };
}
