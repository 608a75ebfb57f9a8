import type pg from 'pg';
import { runNameTag, type KeyValue, type RunInfo } from '../../core/tracking/entities.js';
import { writeRefusals } from '../../core/tracking/write-refusals.js';
import { toRunInfo, type RunRow } from '../run-info.js';
import type { MetricRow } from '../tracking-writer.js';
import { metricColumns } from './postgres-tracking-writer.js';

/** What a run needs from its experiment to be created (runs/create), checked in the same statement as the writes. */
export interface NewRunRow {
  workspace: string;
  experimentId: string;
  runId: string;
  runName: string;
  userId: string;
  startTime: number;
  /** One entry a key (the caller keeps the last value of each). */
  tags: KeyValue[];
}

/** One log-batch, ready to write: metric rows as stored, and each key's latest row among them. */
export interface BatchRows {
  metrics: MetricRow[];
  latest: MetricRow[];
  params: KeyValue[];
  /** One entry a key (the caller keeps the last value of each). */
  tags: KeyValue[];
}

const runColumns = 'run_uuid, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage';

// Each write is one statement: its checks (the run exists and is active, no param changes value,
// the experiment is active) select what the data-modifying CTEs write from, so a refused call
// writes nothing, and the statement is its own transaction: atomic and committed (synchronously)
// when answered, without BEGIN and COMMIT round trips. Named, so each connection parses and plans
// it once.
const logBatchStatement = `
with run as (
  select lifecycle_stage from runs where run_uuid = $2::text and workspace = $1::text
), given_params as (
  select * from unnest($13::text[], $14::text[]) with ordinality as given(key, value, position)
), conflict as (
  select given.key, stored.value as before, given.value from given_params as given
  join params as stored on stored.run_uuid = $2::text and stored.key = given.key
  where stored.value <> given.value order by given.position limit 1
), allowed as (
  select 1 from run where lifecycle_stage = 'active' and not exists (select 1 from conflict)
), metric_rows as (
  insert into metrics (run_uuid, key, step, timestamp, value, is_nan)
  select $2::text, * from unnest($3::text[], $4::bigint[], $5::bigint[], $6::float8[], $7::int[])
  where exists (select 1 from allowed)
  on conflict do nothing
), latest_rows as (
  insert into latest_metrics (run_uuid, key, step, timestamp, value, is_nan)
  select $2::text, * from unnest($8::text[], $9::bigint[], $10::bigint[], $11::float8[], $12::int[])
  where exists (select 1 from allowed)
  on conflict (run_uuid, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
  where (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
), param_rows as (
  insert into params (run_uuid, key, value)
  select $2::text, key, value from given_params where exists (select 1 from allowed)
  on conflict do nothing
), tag_rows as (
  insert into run_tags (run_uuid, key, value)
  select $2::text, * from unnest($15::text[], $16::text[]) where exists (select 1 from allowed)
  on conflict (run_uuid, key) do update set value = excluded.value
), renamed as (
  update runs set run_name = $17::text where run_uuid = $2::text and $17::text is not null and exists (select 1 from allowed)
)
select run.lifecycle_stage as stage, conflict.key, conflict.before, conflict.value
from (select 1) as one left join run on true left join conflict on true`;

const createRunStatement = `
with experiment as (
  select experiment_id, lifecycle_stage, artifact_location from experiments where workspace = $1::text and experiment_id = $2::bigint
), run as (
  insert into runs (run_uuid, workspace, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, deleted_time)
  select $3::text, $1::text, experiment_id, $4::text, $5::text, 'RUNNING', $6::bigint, null, artifact_location || '/' || $3::text || '/artifacts', 'active', null
  from experiment where lifecycle_stage = 'active'
  returning artifact_uri
), tag_rows as (
  insert into run_tags (run_uuid, key, value)
  select $3::text, * from unnest($7::text[], $8::text[]) where exists (select 1 from run)
  on conflict (run_uuid, key) do update set value = excluded.value
)
select experiment.experiment_id, experiment.lifecycle_stage, run.artifact_uri from experiment left join run on true`;

const updateRunStatement = `
with before as (
  select ${runColumns} from runs where run_uuid = $2::text and workspace = $1::text
), changed as (
  update runs set status = coalesce($3::text, status), end_time = coalesce($4::bigint, end_time), run_name = coalesce($5::text, run_name)
  where run_uuid = $2::text and exists (select 1 from before where lifecycle_stage = 'active')
    and ($3::text is not null or $4::bigint is not null or $5::text is not null)
  returning ${runColumns}
), tag_rows as (
  insert into run_tags (run_uuid, key, value)
  select $2::text, '${runNameTag}', $5::text where $5::text is not null and exists (select 1 from changed)
  on conflict (run_uuid, key) do update set value = excluded.value
)
select false as is_before, * from changed union all select true as is_before, * from before`;

/**
 * The hot MLflow writes on PostgreSQL (runs/create, log-batch, runs/update), each one round trip
 * on the pool instead of BEGIN, checks, a statement a table and COMMIT; the same checks, refusals
 * and rows as the general path (RunRepository in a transaction), which SQLite and the writes
 * inside a caller's transaction keep using.
 */
export class PostgresRunWrites {
  constructor(private readonly pool: pg.Pool) {}

  /** Inserts a RUNNING run with its tags; refuses a missing or deleted experiment. Returns its artifact URI and experiment id. */
  async createRun(run: NewRunRow): Promise<{ experimentId: string; artifactUri: string }> {
    const id = Number(run.experimentId);
    if (!Number.isSafeInteger(id)) throw writeRefusals.experimentNotFound(run.experimentId);
    const result = await this.pool.query<{ experiment_id: string; lifecycle_stage: string; artifact_uri: string | null }>({
      name: 'trellis_create_run',
      text: createRunStatement,
      values: [run.workspace, id, run.runId, run.runName, run.userId, run.startTime, ...keysAndValues(run.tags)],
    });
    const row = result.rows[0];
    if (!row) throw writeRefusals.experimentNotFound(run.experimentId);
    if (row.artifact_uri === null) throw writeRefusals.experimentNotActive(run.experimentId, row.lifecycle_stage);
    return { experimentId: String(row.experiment_id), artifactUri: row.artifact_uri };
  }

  /** Writes one log-batch to an active run; refuses a missing or deleted run, or a param whose value would change. */
  async logBatch(workspace: string, runId: string, batch: BatchRows): Promise<void> {
    const metric = metricColumns(batch.metrics);
    const latest = metricColumns(batch.latest);
    const result = await this.pool.query<{ stage: string | null; key: string | null; before: string | null; value: string | null }>({
      name: 'trellis_log_batch',
      text: logBatchStatement,
      values: [
        workspace,
        runId,
        metric.keys,
        metric.steps,
        metric.timestamps,
        metric.values,
        metric.isNan,
        latest.keys,
        latest.steps,
        latest.timestamps,
        latest.values,
        latest.isNan,
        ...keysAndValues(batch.params),
        ...keysAndValues(batch.tags),
        batch.tags.find((tag) => tag.key === runNameTag)?.value ?? null,
      ],
    });
    const row = result.rows[0];
    if (!row?.stage) throw writeRefusals.runNotFound(runId);
    if (row.stage !== 'active') throw writeRefusals.runNotActive(runId, row.stage);
    if (row.key !== null && row.before !== null && row.value !== null)
      throw writeRefusals.paramChanged(runId, row.key, row.before, row.value);
  }

  /** Changes an active run's status, end time or name (and its name tag); returns the run as it is then. */
  async updateRun(workspace: string, runId: string, changes: { status?: string; endTime?: number; runName?: string }): Promise<RunInfo> {
    const result = await this.pool.query<RunRow & { is_before: boolean }>({
      name: 'trellis_update_run',
      text: updateRunStatement,
      values: [workspace, runId, changes.status ?? null, changes.endTime ?? null, changes.runName ?? null],
    });
    const before = result.rows.find((row) => row.is_before);
    if (!before) throw writeRefusals.runNotFound(runId);
    if (before.lifecycle_stage !== 'active') throw writeRefusals.runNotActive(runId, before.lifecycle_stage);
    return toRunInfo(result.rows.find((row) => !row.is_before) ?? before);
  }
}

/** Pairs as the two parallel arrays a statement unnests: keys, then values. */
function keysAndValues(pairs: readonly KeyValue[]): [string[], string[]] {
  return [pairs.map((pair) => pair.key), pairs.map((pair) => pair.value)];
}
