import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { createTestDatabase, type TestDatabase, testDialects } from '../../test/support/databases.js';
import { parseTraceFilter } from '../core/tracing/trace-filter.js';
import { parseTraceOrderBy } from '../core/tracing/trace-order-by.js';
import type { Database } from './database.js';
import { openPostgres } from './postgres/open-postgres.js';
import { Store } from './store.js';
import { registerSqliteRegexp, searchTraces } from './trace-search.js';

const now = '2026-12-07T00:00:00.000Z';

/** A span row's content: MLflow's span dict, its attributes JSON-encoded strings. */
function spanContent(attributes: Record<string, unknown>, inputs = ''): string {
  return JSON.stringify({ attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, JSON.stringify(v)])), inputs });
}

function assessment(id: string, traceId: string, type: 'feedback' | 'expectation', name: string, value: unknown, valid = true) {
  return {
    assessment_id: id,
    trace_id: traceId,
    name,
    assessment_type: type,
    span_id: null,
    content: JSON.stringify({ assessment_name: name, [type]: { value } }),
    valid,
    created_at: 1,
    updated_at: 1,
  };
}

async function seed(db: Kysely<Database>): Promise<void> {
  const trace = (id: string, experiment: number, time: number, duration: number | null, state: string, client: string | null) => ({
    trace_id: id,
    workspace: 'dev',
    experiment_id: experiment,
    client_request_id: client,
    request_time: time,
    execution_duration: duration,
    state,
    request_preview: null,
    response_preview: null,
    span_count: 1,
  });
  await db
    .insertInto('traces')
    .values([
      trace('tr-1', 1, 1000, 100, 'OK', 'c-1'),
      trace('tr-2', 1, 2000, null, 'IN_PROGRESS', null),
      trace('tr-3', 1, 3000, 5000, 'ERROR', 'c-3'),
      trace('tr-4', 2, 4000, 1, 'OK', 'c-1'),
    ])
    .execute();
  await db
    .insertInto('trace_tags')
    .values([
      { trace_id: 'tr-1', key: 'mlflow.traceName', value: 'chat' },
      { trace_id: 'tr-1', key: 'env', value: 'prod' },
      { trace_id: 'tr-2', key: 'mlflow.traceName', value: 'Chat-Retry' },
      { trace_id: 'tr-2', key: 'env', value: 'dev' },
      { trace_id: 'tr-2', key: 'mlflow.linkedPrompts', value: JSON.stringify([{ name: 'qa', version: '2' }]) },
      { trace_id: 'tr-3', key: 'env', value: 'prod' },
      { trace_id: 'tr-3', key: 'mlflow.linkedPrompts', value: 'not json' },
      { trace_id: 'tr-4', key: 'env', value: 'prod' },
    ])
    .execute();
  await db
    .insertInto('trace_metadata')
    .values([
      { trace_id: 'tr-1', key: 'mlflow.sourceRun', value: 'run-a' },
      { trace_id: 'tr-1', key: 'mlflow.user', value: 'alice' },
      { trace_id: 'tr-3', key: 'mlflow.sourceRun', value: 'run-b' },
      { trace_id: 'tr-4', key: 'mlflow.sourceRun', value: 'run-a' },
    ])
    .execute();
  await db.insertInto('trace_runs').values({ trace_id: 'tr-2', run_id: 'run-a' }).execute();
  const span = (traceId: string, spanId: string, name: string, type: string, status: string, content: string) => ({
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: null,
    name,
    span_type: type,
    status,
    start_time_us: 0,
    end_time_us: 1,
    content,
  });
  await db
    .insertInto('trace_spans')
    .values([
      span(
        'tr-1',
        's1',
        'ChatModel',
        'LLM',
        'OK',
        spanContent({ 'mlflow.spanType': 'LLM', model: 'gpt-4', temperature: 0.5 }, 'hello world'),
      ),
      span('tr-2', 's1', 'retriever', 'RETRIEVER', 'ERROR', spanContent({ model: 'bert' })),
      span('tr-2', 's2', 'ChatModel', 'LLM', 'OK', spanContent({ model: 'gpt-3.5' })),
      span('tr-3', 's1', 'tool', 'TOOL', 'ERROR', spanContent({ tool_name: 'search' })),
    ])
    .execute();
  const valid = (isValid: boolean) => (isValid ? 1 : 0);
  await db
    .insertInto('trace_assessments')
    .values(
      [
        assessment('a1', 'tr-1', 'feedback', 'correct', true),
        assessment('a2', 'tr-1', 'feedback', 'score', 0.9),
        assessment('a3', 'tr-1', 'expectation', 'answer', 'Paris'),
        assessment('a4', 'tr-2', 'feedback', 'score', 0.3),
        assessment('a5', 'tr-2', 'feedback', 'correct', false, false),
        assessment('a6', 'tr-3', 'feedback', 'correct', 'yes'),
        assessment('a7', 'tr-3', 'feedback', 'score', 'high'),
      ].map((row) => ({ ...row, valid: valid(row.valid) })),
    )
    .execute();
}

/** Filter → the trace ids it finds in experiment 1, in MLflow's default order (newest first). */
const filters: Array<[string, string[]]> = [
  ['', ['tr-3', 'tr-2', 'tr-1']],
  ['timestamp_ms > 1500', ['tr-3', 'tr-2']],
  ['execution_time_ms >= 100', ['tr-3', 'tr-1']],
  ['end_time > 1500 AND end_time < 2500', ['tr-2']],
  ['timestamp_ms >= 999.5', ['tr-3', 'tr-2', 'tr-1']],
  ["status = 'OK'", ['tr-1']],
  ["status IN ('OK', 'ERROR')", ['tr-3', 'tr-1']],
  ["status != 'OK'", ['tr-3', 'tr-2']],
  ["request_id NOT IN ('tr-2')", ['tr-3', 'tr-1']],
  ["client_request_id = 'c-1'", ['tr-1']],
  ["name = 'chat'", ['tr-1']],
  ["name LIKE 'chat%'", ['tr-1']],
  ["name ILIKE 'chat%'", ['tr-2', 'tr-1']],
  ["name RLIKE '^Chat'", ['tr-2']],
  ['name IS NULL', ['tr-3']],
  ["tags.env = 'prod'", ['tr-3', 'tr-1']],
  ["tags.env != 'prod'", ['tr-2']],
  ['tags.missing IS NULL AND tags.env IS NOT NULL', ['tr-3', 'tr-2', 'tr-1']],
  ["run_id = 'run-a'", ['tr-2', 'tr-1']],
  ["run_id = 'run-b'", ['tr-3']],
  ["metadata.mlflow.user = 'alice'", ['tr-1']],
  ['metadata.`mlflow.user` IS NULL', ['tr-3', 'tr-2']],
  ["span.type = 'LLM'", ['tr-2', 'tr-1']],
  ["span.status = 'ERROR'", ['tr-3', 'tr-2']],
  ["span.status = 'ERROR' AND span.name = 'ChatModel'", []],
  ["span.name IN ('tool', 'retriever')", ['tr-3', 'tr-2']],
  ["span.attributes.model = 'gpt-4'", ['tr-1']],
  ["span.attributes.model LIKE 'gpt%'", ['tr-2', 'tr-1']],
  ["span.attributes.temperature = '0.5'", ['tr-1']],
  ["span.attributes.`mlflow.spanType` = 'LLM'", ['tr-1']],
  ["span.attributes.model RLIKE '^gpt-[0-9]$'", ['tr-1']],
  ["trace.text ILIKE '%HELLO%'", ['tr-1']],
  ["feedback.correct = 'true'", ['tr-1']],
  ["feedback.correct = 'yes'", ['tr-3']],
  ["feedback.correct != 'yes'", ['tr-1']],
  ['feedback.score > 0.5', ['tr-1']],
  ['feedback.score <= 0.5', ['tr-2']],
  ['feedback.correct IS NULL', ['tr-2']],
  ['feedback.score IS NOT NULL', ['tr-3', 'tr-2', 'tr-1']],
  ["expectation.answer = 'Paris'", ['tr-1']],
  ["feedback.score LIKE '\"h%'", ['tr-3']],
  ["prompt = 'qa/2'", ['tr-2']],
  ["prompt = 'qa/3'", []],
  ["issue.id = 'i-1'", []],
];

const orderings: Array<[string[], string[]]> = [
  [['timestamp_ms ASC'], ['tr-1', 'tr-2', 'tr-3']],
  [['execution_time_ms DESC'], ['tr-3', 'tr-1', 'tr-2']],
  [['execution_time ASC'], ['tr-1', 'tr-3', 'tr-2']],
  [['tags.env'], ['tr-2', 'tr-3', 'tr-1']],
  [['status'], ['tr-3', 'tr-2', 'tr-1']],
  [['run_id DESC'], ['tr-3', 'tr-1', 'tr-2']],
  [['end_time DESC'], ['tr-3', 'tr-2', 'tr-1']],
  [['request_id DESC'], ['tr-3', 'tr-2', 'tr-1']],
];

for (const dialect of testDialects()) {
  describe(`trace search SQL on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-trace-search-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      await store.repositories.workspaces.insert({ name: 'dev', spec: {}, status: {}, tags: {}, description: null }, 'tester', now);
      if (dialect === 'postgres' && database.url !== undefined) {
        db = openPostgres(database.url).db;
      } else {
        // A second connection to the store's file, set up as open-sqlite.ts sets its own, with REGEXP registered.
        const connection = new SqliteDatabase(join(home, 'trellis.db'));
        connection.pragma('case_sensitive_like = ON');
        connection.pragma('foreign_keys = ON');
        registerSqliteRegexp(connection);
        db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
      }
      await seed(db);
    });

    after(async () => {
      await db.destroy();
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    async function find(filter: string, orderBy?: string[]): Promise<string[]> {
      const query = db.selectFrom('traces as t').select('t.trace_id').where('t.workspace', '=', 'dev').where('t.experiment_id', 'in', [1]);
      const rows = await searchTraces(query, { filter: parseTraceFilter(filter), orderBy: parseTraceOrderBy(orderBy) }, dialect).execute();
      return rows.map((row) => row.trace_id);
    }

    it('finds the traces each filter names', async () => {
      for (const [filter, expected] of filters) assert.deepEqual(await find(filter), expected, filter);
    });

    it('orders by attributes, tags and metadata, missing values last, then by the default', async () => {
      for (const [orderBy, expected] of orderings) assert.deepEqual(await find('', orderBy), expected, orderBy.join());
    });

    it('reads a page of infos with their tags and metadata in key order, in the order asked, none of another workspace', async () => {
      const infos = await store.repositories.traces.infos('dev', ['tr-3', 'tr-2', 'tr-1', 'tr-missing']);
      assert.deepEqual(
        infos.map((info) => info.traceId),
        ['tr-3', 'tr-2', 'tr-1'],
      );
      const [three, two, one] = infos;
      assert.deepEqual(Object.entries(one?.tags ?? {}), [
        ['env', 'prod'],
        ['mlflow.traceName', 'chat'],
      ]);
      assert.deepEqual(Object.entries(one?.metadata ?? {}), [
        ['mlflow.sourceRun', 'run-a'],
        ['mlflow.user', 'alice'],
      ]);
      assert.deepEqual(two?.metadata, {}, 'a trace without metadata has an empty object');
      assert.equal(two?.tags['mlflow.linkedPrompts'], JSON.stringify([{ name: 'qa', version: '2' }]), 'a JSON value stays a string');
      assert.deepEqual(three?.tags, { env: 'prod', 'mlflow.linkedPrompts': 'not json' });
      assert.deepEqual(await store.repositories.traces.infos('elsewhere', ['tr-1']), []);
    });
  });
}
