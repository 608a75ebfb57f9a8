import { type Kysely, sql } from 'kysely';
import type { TraceCondition } from '../core/tracing/trace-filter.js';
import type { TraceInfo, TraceRecord, TraceState } from '../core/tracing/trace-info.js';
import type { TraceOrder } from '../core/tracing/trace-order-by.js';
import type { Database } from './database.js';
import type { Dialect } from './dialect.js';
import { groupBy } from './group-by.js';
import { searchTraces, whereTraces } from './trace-search.js';

/** One span as stored: the columns searches read, and the span itself as MLflow's span JSON. */
export interface SpanRow {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  spanType: string | null;
  status: string;
  startTimeUs: number;
  endTimeUs: number | null;
  content: string;
}

/** The fields of a trace's row a later write may change (start_trace after spans, end of a V2 trace). */
export interface TraceRowUpdate {
  requestTime?: number;
  executionDuration?: number | null;
  state?: TraceState;
  requestPreview?: string | null;
  responsePreview?: string | null;
  clientRequestId?: string | null;
  experimentId?: string;
}

export interface StoredAssessment {
  assessmentId: string;
  traceId: string;
  name: string;
  type: 'feedback' | 'expectation';
  spanId: string | null;
  content: Record<string, unknown>;
  valid: boolean;
  createdAt: number;
  updatedAt: number;
}

type TraceRow = Database['traces'];

/** MLflow traces: their info, tags, metadata, spans, assessments and linked runs (migration 018). */
export class TraceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async exists(traceId: string): Promise<{ workspace: string } | undefined> {
    return this.db.selectFrom('traces').select('workspace').where('trace_id', '=', traceId).executeTakeFirst();
  }

  /** What span ingestion needs of a stored trace: its request time, and whether StartTraceV3 has finalized its info. */
  async ingestState(traceId: string, finalizedKey: string): Promise<{ requestTime: number; isFinalized: boolean } | undefined> {
    const row = await this.db
      .selectFrom('traces as t')
      .select((eb) => [
        't.request_time',
        eb
          .exists(
            eb
              .selectFrom('trace_metadata as m')
              .select('m.key')
              .whereRef('m.trace_id', '=', 't.trace_id')
              .where('m.key', '=', finalizedKey)
              .where('m.value', '=', 'true'),
          )
          .as('finalized'),
      ])
      .where('t.trace_id', '=', traceId)
      .executeTakeFirst();
    return row && { requestTime: Number(row.request_time), isFinalized: Boolean(Number(row.finalized)) };
  }

  async insert(workspace: string, info: TraceRecord, spanCount = 0): Promise<void> {
    await this.db
      .insertInto('traces')
      .values({
        trace_id: info.traceId,
        workspace,
        experiment_id: Number(info.experimentId),
        client_request_id: info.clientRequestId,
        request_time: info.requestTime,
        execution_duration: info.executionDuration,
        state: info.state,
        request_preview: info.requestPreview,
        response_preview: info.responsePreview,
        span_count: spanCount,
      })
      .execute();
    await this.setTags(info.traceId, info.tags);
    await this.setMetadata(info.traceId, info.metadata);
  }

  async update(traceId: string, update: TraceRowUpdate): Promise<void> {
    const values: Partial<TraceRow> = {
      ...(update.requestTime !== undefined ? { request_time: update.requestTime } : {}),
      ...(update.executionDuration !== undefined ? { execution_duration: update.executionDuration } : {}),
      ...(update.state !== undefined ? { state: update.state } : {}),
      ...(update.requestPreview !== undefined ? { request_preview: update.requestPreview } : {}),
      ...(update.responsePreview !== undefined ? { response_preview: update.responsePreview } : {}),
      ...(update.clientRequestId !== undefined ? { client_request_id: update.clientRequestId } : {}),
      ...(update.experimentId !== undefined ? { experiment_id: Number(update.experimentId) } : {}),
    };
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('traces').set(values).where('trace_id', '=', traceId).execute();
  }

  async setTags(traceId: string, tags: Record<string, string>): Promise<void> {
    await this.upsertPairs('trace_tags', traceId, tags);
  }

  async setMetadata(traceId: string, metadata: Record<string, string>): Promise<void> {
    await this.upsertPairs('trace_metadata', traceId, metadata);
  }

  /** Whether the tag was there. */
  async deleteTag(traceId: string, key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('trace_tags').where('trace_id', '=', traceId).where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private async upsertPairs(table: 'trace_tags' | 'trace_metadata', traceId: string, pairs: Record<string, string>): Promise<void> {
    const rows = Object.entries(pairs).map(([key, value]) => ({ trace_id: traceId, key, value }));
    for (let start = 0; start < rows.length; start += 200) {
      await this.db
        .insertInto(table)
        .values(rows.slice(start, start + 200))
        .onConflict((conflict) => conflict.columns(['trace_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
        .execute();
    }
  }

  /**
   * Adds or replaces spans (a span sent again, ended this time, replaces its earlier self) and
   * recounts them; `isNewTrace` (the trace row was inserted in this transaction, with its count of
   * distinct span ids) skips the recount and the conflict handling a new trace cannot need.
   */
  async upsertSpans(traceId: string, spans: readonly SpanRow[], isNewTrace = false): Promise<void> {
    const rows = spans.map((span) => ({
      trace_id: traceId,
      span_id: span.spanId,
      parent_span_id: span.parentSpanId,
      name: span.name,
      span_type: span.spanType,
      status: span.status,
      start_time_us: span.startTimeUs,
      end_time_us: span.endTimeUs,
      content: span.content,
    }));
    // A new trace's spans can conflict only among themselves (one span id sent twice in a request).
    const isPlainInsert = isNewTrace && new Set(rows.map((row) => row.span_id)).size === rows.length;
    // 9 parameters a row: 100 rows stay under SQLite's 999 and PostgreSQL's 65,535.
    for (let start = 0; start < rows.length; start += 100) {
      const chunk = rows.slice(start, start + 100);
      if (isPlainInsert) {
        await this.db.insertInto('trace_spans').values(chunk).execute();
        continue;
      }
      await this.db
        .insertInto('trace_spans')
        .values(chunk)
        .onConflict((conflict) =>
          conflict.columns(['trace_id', 'span_id']).doUpdateSet((eb) => ({
            parent_span_id: eb.ref('excluded.parent_span_id'),
            name: eb.ref('excluded.name'),
            span_type: eb.ref('excluded.span_type'),
            status: eb.ref('excluded.status'),
            start_time_us: eb.ref('excluded.start_time_us'),
            end_time_us: eb.ref('excluded.end_time_us'),
            content: eb.ref('excluded.content'),
          })),
        )
        .execute();
    }
    if (isNewTrace) return;
    await this.db
      .updateTable('traces')
      .set({ span_count: sql<number>`(select count(*) from trace_spans s where s.trace_id = ${traceId})` })
      .where('trace_id', '=', traceId)
      .execute();
  }

  /** Every span of a trace, in start order. */
  async spans(traceId: string): Promise<SpanRow[]> {
    const rows = await this.db
      .selectFrom('trace_spans')
      .selectAll()
      .where('trace_id', '=', traceId)
      .orderBy('start_time_us')
      .orderBy('span_id')
      .execute();
    return rows.map((row) => ({
      spanId: row.span_id,
      parentSpanId: row.parent_span_id,
      name: row.name,
      spanType: row.span_type,
      status: row.status,
      startTimeUs: Number(row.start_time_us),
      endTimeUs: row.end_time_us === null ? null : Number(row.end_time_us),
      content: row.content,
    }));
  }

  /** The infos of these traces in this workspace, in the order asked, each with its tags, metadata and assessments. */
  async infos(workspace: string, traceIds: readonly string[]): Promise<TraceInfo[]> {
    if (traceIds.length === 0) return [];
    const found: Array<TraceRow & { tags: Record<string, string>; metadata: Record<string, string> }> = [];
    for (let start = 0; start < traceIds.length; start += 500) {
      const chunk = traceIds.slice(start, start + 500);
      // By primary key alone, the workspace checked here: with `workspace = ?` in the SQL, SQLite reads
      // the workspace's every trace through traces_by_experiment (30 ms at 10,000 traces) to find 100.
      // Tags and metadata come in the same read, each as one JSON object a trace built by the
      // database from its (trace_id, key) index: one query a page instead of three, and one
      // JSON.parse a trace instead of a row object a pair.
      const rows = await this.db
        .selectFrom('traces as t')
        .selectAll('t')
        .select([this.pairsJson('trace_tags').as('tags_json'), this.pairsJson('trace_metadata').as('metadata_json')])
        .where('t.trace_id', 'in', chunk)
        .execute();
      for (const { tags_json, metadata_json, ...row } of rows) {
        if (row.workspace === workspace) found.push({ ...row, tags: pairsOf(tags_json), metadata: pairsOf(metadata_json) });
      }
    }
    if (found.length === 0) return [];
    const assessments = await this.assessmentsOf(found.map((row) => row.trace_id));
    const byId = new Map(found.map((row) => [row.trace_id, row]));
    return traceIds.flatMap((traceId) => {
      const row = byId.get(traceId);
      if (!row) return [];
      return [
        {
          traceId: row.trace_id,
          experimentId: String(row.experiment_id),
          clientRequestId: row.client_request_id,
          requestTime: Number(row.request_time),
          executionDuration: row.execution_duration === null ? null : Number(row.execution_duration),
          state: stateOf(row.state),
          requestPreview: row.request_preview,
          responsePreview: row.response_preview,
          metadata: row.metadata,
          tags: row.tags,
          assessments: (assessments.get(traceId) ?? []).map((assessment) => assessment.content),
        },
      ];
    });
  }

  /** A trace's key/value pairs of `table` as one JSON object in key order (NULL when it has none), for the `t` of the query. */
  private pairsJson(table: 'trace_tags' | 'trace_metadata') {
    const aggregate =
      this.dialect === 'postgres'
        ? sql`json_object_agg(p.key, p.value ORDER BY p.key)`
        : sql`json_group_object(p.key, p.value ORDER BY p.key)`;
    return sql<unknown>`(SELECT ${aggregate} FROM ${sql.table(table)} AS p WHERE p.trace_id = t.trace_id)`;
  }

  private async assessmentsOf(traceIds: readonly string[]): Promise<Map<string, StoredAssessment[]>> {
    const result = new Map<string, StoredAssessment[]>();
    for (let start = 0; start < traceIds.length; start += 500) {
      const rows = await this.db
        .selectFrom('trace_assessments')
        .selectAll()
        .where('trace_id', 'in', traceIds.slice(start, start + 500))
        .orderBy('created_at')
        .orderBy('assessment_id')
        .execute();
      for (const [traceId, group] of groupBy(rows, (row) => row.trace_id)) result.set(traceId, group.map(assessmentOf));
    }
    return result;
  }

  /** One page of the ids of a workspace's traces in these experiments that match, in the order asked. */
  async searchIds(
    workspace: string,
    experimentIds: readonly number[],
    filter: readonly TraceCondition[],
    orderBy: readonly TraceOrder[],
    limit: number,
    offset: number,
  ): Promise<string[]> {
    const query = this.db
      .selectFrom('traces as t')
      .select('t.trace_id')
      .where('t.workspace', '=', workspace)
      .where('t.experiment_id', 'in', [...experimentIds]);
    const rows = await searchTraces(query, { filter, orderBy }, this.dialect).limit(limit).offset(offset).execute();
    return rows.map((row) => row.trace_id);
  }

  /** How many of a workspace's traces in these experiments match. */
  async countMatching(workspace: string, experimentIds: readonly number[], filter: readonly TraceCondition[]): Promise<number> {
    const row = await this.db
      .selectFrom('traces as t')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('t.workspace', '=', workspace)
      .where('t.experiment_id', 'in', [...experimentIds])
      .where(whereTraces(filter, this.dialect))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** The ids of a workspace's traces in these experiments, oldest first, to delete. */
  async idsToDelete(
    workspace: string,
    experimentId: string,
    options: { maxTimestampMillis?: number; maxTraces?: number; traceIds?: readonly string[] },
  ): Promise<string[]> {
    let query = this.db
      .selectFrom('traces')
      .select('trace_id')
      .where('workspace', '=', workspace)
      .where('experiment_id', '=', Number(experimentId));
    if (options.maxTimestampMillis !== undefined) query = query.where('request_time', '<=', options.maxTimestampMillis);
    if (options.traceIds && options.traceIds.length > 0) query = query.where('trace_id', 'in', [...options.traceIds]);
    query = query.orderBy('request_time').orderBy('trace_id');
    if (options.maxTraces !== undefined) query = query.limit(options.maxTraces);
    return (await query.execute()).map((row) => row.trace_id);
  }

  async delete(traceIds: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < traceIds.length; start += 500) {
      const chunk = traceIds.slice(start, start + 500);
      // SQLite enforces the cascade only with foreign keys on; delete the children explicitly on both.
      for (const table of ['trace_runs', 'trace_assessments', 'trace_spans', 'trace_metadata', 'trace_tags'] as const) {
        await this.db.deleteFrom(table).where('trace_id', 'in', chunk).execute();
      }
      const result = await this.db.deleteFrom('traces').where('trace_id', 'in', chunk).executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  async linkRuns(traceIds: readonly string[], runId: string): Promise<void> {
    if (traceIds.length === 0) return;
    await this.db
      .insertInto('trace_runs')
      .values(traceIds.map((traceId) => ({ trace_id: traceId, run_id: runId })))
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }

  async insertAssessment(assessment: StoredAssessment): Promise<void> {
    await this.db.insertInto('trace_assessments').values(assessmentRow(assessment)).execute();
  }

  async replaceAssessment(assessment: StoredAssessment): Promise<void> {
    const { assessment_id: assessmentId, ...values } = assessmentRow(assessment);
    await this.db.updateTable('trace_assessments').set(values).where('assessment_id', '=', assessmentId).execute();
  }

  async assessment(traceId: string, assessmentId: string): Promise<StoredAssessment | undefined> {
    const row = await this.db
      .selectFrom('trace_assessments')
      .selectAll()
      .where('trace_id', '=', traceId)
      .where('assessment_id', '=', assessmentId)
      .executeTakeFirst();
    return row ? assessmentOf(row) : undefined;
  }

  async deleteAssessment(assessmentId: string): Promise<void> {
    await this.db.deleteFrom('trace_assessments').where('assessment_id', '=', assessmentId).execute();
  }
}

function stateOf(value: string): TraceState {
  return value === 'OK' || value === 'ERROR' || value === 'IN_PROGRESS' ? value : 'STATE_UNSPECIFIED';
}

function assessmentRow(assessment: StoredAssessment): Database['trace_assessments'] {
  return {
    assessment_id: assessment.assessmentId,
    trace_id: assessment.traceId,
    name: assessment.name,
    assessment_type: assessment.type,
    span_id: assessment.spanId,
    content: JSON.stringify(assessment.content),
    valid: assessment.valid ? 1 : 0,
    created_at: assessment.createdAt,
    updated_at: assessment.updatedAt,
  };
}

function assessmentOf(row: Database['trace_assessments']): StoredAssessment {
  const content: unknown = JSON.parse(row.content);
  return {
    assessmentId: row.assessment_id,
    traceId: row.trace_id,
    name: row.name,
    type: row.assessment_type === 'expectation' ? 'expectation' : 'feedback',
    spanId: row.span_id,
    content: content !== null && typeof content === 'object' && !Array.isArray(content) ? { ...content } : {},
    valid: Number(row.valid) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The pairs of pairsJson: PostgreSQL's driver has parsed its json already, SQLite's is text; none is `{}`. */
function pairsOf(json: unknown): Record<string, string> {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('trace pairs are not a JSON object');
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}
