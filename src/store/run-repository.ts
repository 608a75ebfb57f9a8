import { sql, type Kysely } from 'kysely';
import { runNameTag, type KeyValue, type MetricPoint, type Run, type RunInfo, type RunStatus } from '../core/tracking/entities.js';
import { writeRefusals } from '../core/tracking/write-refusals.js';
import type { BucketAxis, BucketPoint } from '../core/tracking/metric-buckets.js';
import type { Database } from './database.js';
import type { Dialect } from './dialect.js';
import { DatasetRepository } from './dataset-repository.js';
import { groupBy } from './group-by.js';
import { LoggedModelRepository } from './logged-model-repository.js';
import { latestRowsOf, metricRowsOf } from './metric-rows.js';
import { toRunInfo } from './run-info.js';
import { searchRuns, type RunSearch } from './run-search.js';
import type { TrackingWriter } from './tracking-writer.js';

export interface NewRun {
  runId: string;
  workspace: string;
  experimentId: string;
  runName: string;
  userId: string;
  startTime: number;
  artifactUri: string;
  tags: KeyValue[];
}

/** A metric's history as parallel columns: point i is (steps[i], timestamps[i], values[i]). */
export interface MetricColumns {
  steps: number[];
  timestamps: number[];
  values: number[];
}

/** The data lists of runs by run id, and which of them have dataset inputs or logged models to read. */
interface RunsData {
  data: Map<string, Run['data']>;
  withInputs: string[];
  withModels: string[];
}

/** MLflow runs with their params, tags and metrics. Writes of one call land in one transaction (the caller's). */
export class RunRepository {
  private readonly datasets: DatasetRepository;
  private readonly loggedModels: LoggedModelRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    /** log-batch's bulk writes, the fastest way this database takes them. */
    private readonly writer: TrackingWriter,
  ) {
    this.datasets = new DatasetRepository(db);
    this.loggedModels = new LoggedModelRepository(db);
  }

  async create(run: NewRun): Promise<void> {
    await this.db
      .insertInto('runs')
      .values({
        run_uuid: run.runId,
        workspace: run.workspace,
        experiment_id: Number(run.experimentId),
        run_name: run.runName,
        user_id: run.userId,
        status: 'RUNNING',
        start_time: run.startTime,
        end_time: null,
        artifact_uri: run.artifactUri,
        lifecycle_stage: 'active',
        deleted_time: null,
      })
      .execute();
    // The run's name is in the row already: the tags alone, without setTags's rename.
    const byKey = new Map(run.tags.map((tag) => [tag.key, tag.value]));
    if (byKey.size > 0)
      await this.writer.upsertTags(
        run.runId,
        [...byKey].map(([key, value]) => ({ key, value })),
      );
  }

  async getInfo(workspace: string, runId: string): Promise<RunInfo | undefined> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('workspace', '=', workspace)
      .executeTakeFirst();
    return row && toRunInfo(row);
  }

  async requireInfo(workspace: string, runId: string): Promise<RunInfo> {
    const info = await this.getInfo(workspace, runId);
    if (!info) throw writeRefusals.runNotFound(runId);
    return info;
  }

  /** Like requireInfo, for writes: a deleted run takes no more data. */
  async requireActive(workspace: string, runId: string): Promise<RunInfo> {
    const info = await this.requireInfo(workspace, runId);
    if (info.lifecycle_stage !== 'active') throw writeRefusals.runNotActive(runId, info.lifecycle_stage);
    return info;
  }

  async get(workspace: string, runId: string): Promise<Run | undefined> {
    const info = await this.getInfo(workspace, runId);
    if (!info) return undefined;
    return (await this.withData([info]))[0];
  }

  /** Attaches latest metrics, params, tags, inputs and outputs to run infos: a fixed number of queries for any number of runs. */
  async withData(infos: RunInfo[]): Promise<Run[]> {
    if (infos.length === 0) return [];
    const ids = infos.map((info) => info.run_id);
    const { data, withInputs, withModels } = this.dialect === 'postgres' ? await this.dataAsJson(ids) : await this.dataAsRows(ids);
    const [inputs, models] = await Promise.all([this.datasets.inputsOf(withInputs), this.loggedModels.modelsOfRuns(withModels)]);
    return infos.map((info) => ({
      info,
      data: data.get(info.run_id) ?? { metrics: [], params: [], tags: [] },
      inputs: { dataset_inputs: inputs.get(info.run_id) ?? [], model_inputs: models.get(info.run_id)?.inputs ?? [] },
      outputs: { model_outputs: models.get(info.run_id)?.outputs ?? [] },
    }));
  }

  /** Latest metrics, params and tags of runs, each list in key order: three reads of rows (SQLite, in process). */
  private async dataAsRows(ids: string[]): Promise<RunsData> {
    const [metrics, params, tags] = await Promise.all([
      this.db.selectFrom('latest_metrics').selectAll().where('run_uuid', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('params').selectAll().where('run_uuid', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('run_tags').selectAll().where('run_uuid', 'in', ids).orderBy('key').execute(),
    ]);
    const [metricsOf, paramsOf, tagsOf] = [
      groupBy(metrics, (m) => m.run_uuid),
      groupBy(params, (p) => p.run_uuid),
      groupBy(tags, (t) => t.run_uuid),
    ];
    const data = new Map(
      ids.map((id) => [
        id,
        {
          metrics: (metricsOf.get(id) ?? []).map(toMetricPoint),
          params: (paramsOf.get(id) ?? []).map((p) => ({ key: p.key, value: p.value })),
          tags: (tagsOf.get(id) ?? []).map((t) => ({ key: t.key, value: t.value })),
        },
      ]),
    );
    return { data, withInputs: ids, withModels: ids };
  }

  /**
   * The same on PostgreSQL in one statement: a row a run, each of its lists one JSON array in key
   * order, read through the table's (run_uuid, key) primary key one run at a time (a lateral
   * subquery a run and table: with `run_uuid IN (…)` the planner chose to scan whole tables), and
   * whether the run has dataset inputs or logged models at all, so that those reads are made only
   * for the runs that do. A search page of 100 runs is 100 rows whose lists JSON.parse reads,
   * instead of ~2,500 rows decoded field by field in JavaScript, in one round trip instead of six.
   */
  private async dataAsJson(ids: string[]): Promise<RunsData> {
    const { rows } = await sql<{
      run_uuid: string;
      metrics: Array<[string, number | string, number, number, number]> | null;
      params: Array<[string, string]> | null;
      tags: Array<[string, string]> | null;
      has_inputs: boolean;
      has_models: boolean;
    }>`SELECT r.run_uuid,
        (SELECT json_agg(json_build_array(key, value, timestamp, step, is_nan) ORDER BY key) FROM latest_metrics WHERE run_uuid = r.run_uuid) AS metrics,
        (SELECT json_agg(json_build_array(key, value) ORDER BY key) FROM params WHERE run_uuid = r.run_uuid) AS params,
        (SELECT json_agg(json_build_array(key, value) ORDER BY key) FROM run_tags WHERE run_uuid = r.run_uuid) AS tags,
        EXISTS (SELECT 1 FROM run_inputs WHERE run_uuid = r.run_uuid) AS has_inputs,
        EXISTS (SELECT 1 FROM run_models WHERE run_uuid = r.run_uuid) AS has_models
      FROM unnest(${ids}::text[]) AS r(run_uuid)`.execute(this.db);
    const data = new Map<string, Run['data']>();
    for (const row of rows) {
      data.set(row.run_uuid, {
        // json_build_array writes a non-finite float8 as a string ("Infinity"), which toMetricPoint's Number reads back.
        metrics: (row.metrics ?? []).map(([key, value, timestamp, step, is_nan]) => toMetricPoint({ key, value, timestamp, step, is_nan })),
        params: (row.params ?? []).map(([key, value]) => ({ key, value })),
        tags: (row.tags ?? []).map(([key, value]) => ({ key, value })),
      });
    }
    return {
      data,
      withInputs: rows.filter((row) => row.has_inputs).map((row) => row.run_uuid),
      withModels: rows.filter((row) => row.has_models).map((row) => row.run_uuid),
    };
  }

  async update(runId: string, changes: { status?: RunStatus; endTime?: number; runName?: string }): Promise<void> {
    const set: Partial<{ status: string; end_time: number; run_name: string }> = {};
    if (changes.status) set.status = changes.status;
    if (changes.endTime !== undefined) set.end_time = changes.endTime;
    if (changes.runName !== undefined) set.run_name = changes.runName;
    if (Object.keys(set).length > 0) await this.db.updateTable('runs').set(set).where('run_uuid', '=', runId).execute();
    if (changes.runName !== undefined) await this.setTags(runId, [{ key: runNameTag, value: changes.runName }]);
  }

  async setLifecycle(runId: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('run_uuid', '=', runId)
      .execute();
  }

  async setExperimentRunsLifecycle(workspace: string, experimentId: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db
      .updateTable('runs')
      .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
      .where('workspace', '=', workspace)
      .where('experiment_id', '=', Number(experimentId))
      .execute();
  }

  async setTags(runId: string, tags: KeyValue[]): Promise<void> {
    // The last value of a key in one call wins, as MLflow applies tags in order.
    const byKey = new Map(tags.map((tag) => [tag.key, tag.value]));
    if (byKey.size === 0) return;
    await this.writer.upsertTags(
      runId,
      [...byKey].map(([key, value]) => ({ key, value })),
    );
    const runName = byKey.get(runNameTag);
    if (runName !== undefined) await this.db.updateTable('runs').set({ run_name: runName }).where('run_uuid', '=', runId).execute();
  }

  async deleteTag(runId: string, key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('run_tags').where('run_uuid', '=', runId).where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Params are write-once: the same value again is fine, another value is refused and nothing is written. */
  async logParams(runId: string, params: KeyValue[]): Promise<void> {
    if (params.length === 0) return;
    const existing = await this.db
      .selectFrom('params')
      .select(['key', 'value'])
      .where('run_uuid', '=', runId)
      .where(
        'key',
        'in',
        params.map((p) => p.key),
      )
      .execute();
    const stored = new Map(existing.map((row) => [row.key, row.value]));
    for (const param of params) {
      const before = stored.get(param.key);
      if (before !== undefined && before !== param.value) throw writeRefusals.paramChanged(runId, param.key, before, param.value);
    }
    await this.writer.insertParams(
      runId,
      params.filter((param) => !stored.has(param.key)),
    );
  }

  /**
   * Appends metric points to history (an identical point twice is kept once) and moves each key's
   * latest value forward when a point is later by (step, timestamp, value), MLflow's order.
   */
  async logMetrics(runId: string, metrics: MetricPoint[]): Promise<void> {
    if (metrics.length === 0) return;
    const rows = metricRowsOf(metrics);
    await this.writer.insertMetrics(runId, rows);
    await this.writer.raiseLatestMetrics(runId, latestRowsOf(rows));
  }

  /** One metric's history in step order (then timestamp), read straight off the primary key. */
  async metricHistory(runId: string, key: string, limit: number, offset: number): Promise<MetricPoint[]> {
    const rows = await this.db
      .selectFrom('metrics')
      .selectAll()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toMetricPoint);
  }

  /**
   * One metric's whole history as columns, in metricHistory's order. Read in keyset pages along
   * the primary key, not OFFSET pages that rescan what came before, and without an object per
   * point, so a million points stay cheap on both dialects.
   */
  async metricColumns(runId: string, key: string, pageSize = 50_000): Promise<MetricColumns> {
    const columns: MetricColumns = { steps: [], timestamps: [], values: [] };
    let after: { step: number | string; timestamp: number | string; value: number; is_nan: number } | undefined;
    for (;;) {
      let query = this.db
        .selectFrom('metrics')
        .select(['step', 'timestamp', 'value', 'is_nan'])
        .where('run_uuid', '=', runId)
        .where('key', '=', key);
      if (after) {
        const last = after;
        query = query.where(
          sql<boolean>`(${sql.ref('step')}, ${sql.ref('timestamp')}, ${sql.ref('value')}, ${sql.ref('is_nan')}) > (${last.step}, ${last.timestamp}, ${last.value}, ${last.is_nan})`,
        );
      }
      const rows = await query.orderBy('step').orderBy('timestamp').orderBy('value').orderBy('is_nan').limit(pageSize).execute();
      for (const row of rows) {
        columns.steps.push(Number(row.step));
        columns.timestamps.push(Number(row.timestamp));
        columns.values.push(row.is_nan ? Number.NaN : Number(row.value));
      }
      if (rows.length < pageSize) return columns;
      after = rows[rows.length - 1];
    }
  }

  /**
   * One metric's history reduced in the database to at most five points per bucket along `axis`
   * (the first, last, lowest, highest and first non-finite point: core/tracking/metric-buckets.ts),
   * with the count of all its points: one scan, a few thousand rows out. SQLite runs the reducer as
   * its trellis_metric_buckets aggregate; PostgreSQL groups by bucket and takes each kept point as
   * the min or max of an array that orders points the way the reducer does.
   */
  async metricBuckets(runId: string, key: string, axis: BucketAxis, buckets: number): Promise<{ total: number; points: BucketPoint[] }> {
    const x = axis === 'step' ? sql.ref('step') : sql.ref('timestamp');
    // Along steps the bounds are two seeks of the primary key; time is not in it, so it is one scan.
    const bounds =
      axis === 'step'
        ? await sql<{
            lo: number | string | null;
            hi: number | string | null;
          }>`select (select step from metrics where run_uuid = ${runId} and key = ${key} order by step limit 1) as lo, (select step from metrics where run_uuid = ${runId} and key = ${key} order by step desc limit 1) as hi`.execute(
            this.db,
          )
        : await sql<{
            lo: number | string | null;
            hi: number | string | null;
          }>`select min(timestamp) as lo, max(timestamp) as hi from metrics where run_uuid = ${runId} and key = ${key}`.execute(this.db);
    const row = bounds.rows[0];
    if (!row || row.lo === null || row.hi === null) return { total: 0, points: [] };
    const [lo, hi] = [Number(row.lo), Number(row.hi)];
    if (this.dialect === 'sqlite') {
      const reduced = await sql<{
        packed: Buffer;
      }>`select trellis_metric_buckets(${lo}, ${hi}, ${buckets}, ${axis}, step, timestamp, value, is_nan) as packed from metrics where run_uuid = ${runId} and key = ${key}`.execute(
        this.db,
      );
      const packed = reduced.rows[0]!.packed;
      const numbers = new Float64Array(packed.buffer, packed.byteOffset, packed.byteLength / 8);
      const points: BucketPoint[] = [];
      for (let index = 1; index + 2 < numbers.length; index += 3)
        points.push({ step: numbers[index]!, timestamp: numbers[index + 1]!, value: numbers[index + 2]! });
      return { total: numbers[0]!, points };
    }
    const width = (hi - lo) / buckets || 1;
    const grouped = await sql<{
      n: string;
      first: number[] | null;
      last: number[] | null;
      low: number[] | null;
      high: number[] | null;
      odd: number[] | null;
    }>`
      select count(*) as n,
        min(array[x, step, timestamp, value]) filter (where not odd) as first,
        max(array[x, step, timestamp, value]) filter (where not odd) as last,
        min(array[value, x, step, timestamp]) filter (where not odd) as low,
        max(array[value, -x, -step, -timestamp]) filter (where not odd) as high,
        min(array[x, step, timestamp, value]) filter (where odd) as odd
      from (
        select ${x}::float8 as x, step::float8 as step, timestamp::float8 as timestamp,
          case when is_nan <> 0 then 'NaN'::float8 else value end as value,
          (is_nan <> 0 or value in ('Infinity'::float8, '-Infinity'::float8)) as odd,
          least(${buckets - 1}::int, greatest(0, floor((${x}::float8 - ${lo}::float8) / ${width}::float8)::int)) as bucket
        from metrics where run_uuid = ${runId} and key = ${key}
      ) as history
      group by bucket`.execute(this.db);
    let total = 0;
    const points: BucketPoint[] = [];
    for (const bucket of grouped.rows) {
      total += Number(bucket.n);
      const kept = new Map<string, BucketPoint>();
      const keep = (step: number, timestamp: number, value: number) => kept.set(`${step}/${timestamp}`, { step, timestamp, value });
      for (const slot of [bucket.first, bucket.last, bucket.odd]) if (slot) keep(slot[1]!, slot[2]!, slot[3]!);
      if (bucket.low) keep(bucket.low[2]!, bucket.low[3]!, bucket.low[0]!);
      if (bucket.high) keep(-bucket.high[2]!, -bucket.high[3]!, bucket.high[0]!);
      points.push(...kept.values());
    }
    const along = (point: BucketPoint) => (axis === 'step' ? point.step : point.timestamp);
    points.sort((a, b) => along(a) - along(b) || a.step - b.step || a.timestamp - b.timestamp);
    return { total, points };
  }

  /**
   * The metric, param and tag keys the active runs of an experiment use, each list sorted and cut
   * at `limit`: what a run table offers as columns, whichever runs are on screen.
   */
  async experimentKeys(
    workspace: string,
    experimentId: number,
    limit: number,
  ): Promise<{ metrics: string[]; params: string[]; tags: string[] }> {
    const keysIn = async (table: 'latest_metrics' | 'params' | 'run_tags') => {
      const result = await sql<{
        key: string;
      }>`select distinct t.key as key from ${sql.table(table)} as t join runs on runs.run_uuid = t.run_uuid where runs.workspace = ${workspace} and runs.experiment_id = ${experimentId} and runs.lifecycle_stage = 'active' order by t.key limit ${limit}`.execute(
        this.db,
      );
      return result.rows.map((row) => row.key);
    };
    const [metrics, params, tags] = await Promise.all([keysIn('latest_metrics'), keysIn('params'), keysIn('run_tags')]);
    return { metrics, params, tags };
  }

  /** runs/search: the infos of one page of matching runs (see run-search.ts). */
  async search(search: RunSearch): Promise<RunInfo[]> {
    return searchRuns(this.db, search);
  }

  /** The distinct steps at which a run logged a metric, ascending (an index scan of history). */
  async metricSteps(runId: string, key: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('metrics')
      .select('step')
      .distinct()
      .where('run_uuid', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .execute();
    return rows.map((row) => Number(row.step));
  }

  /** A metric's points at the given steps, in step then timestamp order. */
  async metricPointsAt(runId: string, key: string, steps: number[]): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    for (let i = 0; i < steps.length; i += 500) {
      const rows = await this.db
        .selectFrom('metrics')
        .selectAll()
        .where('run_uuid', '=', runId)
        .where('key', '=', key)
        .where('step', 'in', steps.slice(i, i + 500))
        .orderBy('step')
        .orderBy('timestamp')
        .orderBy('value')
        .execute();
      points.push(...rows.map(toMetricPoint));
    }
    return points;
  }
}

function toMetricPoint(row: {
  key: string;
  value: number | string;
  timestamp: number | string;
  step: number | string;
  is_nan: number;
}): MetricPoint {
  return { key: row.key, value: row.is_nan ? Number.NaN : Number(row.value), timestamp: Number(row.timestamp), step: Number(row.step) };
}
