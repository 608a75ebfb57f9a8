import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { createTestDatabase, type TestDatabase, testDialects } from './support/databases.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * MLflow's GraphQL endpoint over real HTTP, with authentication on: the web UI's queries answer
 * from the workspace in the URL, MLflow's limits and schema errors come back as 200 with messages,
 * and a caller reaches only the workspaces where it holds a role.
 */
interface GraphqlAnswer {
  status: number;
  data: Record<string, unknown> | null;
  errors: string[] | null;
}

for (const dialect of testDialects()) {
  describe(`MLflow GraphQL on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let owner: string;
    let reader: string;
    let runId: string;
    let experimentId: string;

    const call = async (path: string, token: string, body: unknown) => {
      const response = await fetch(`${trellis.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, text };
    };
    const mlflow = async <T>(workspacePath: string, path: string, body: unknown): Promise<T> => {
      const answer = await call(`${workspacePath}/api/2.0/mlflow/${path}`, owner, body);
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
      return JSON.parse(answer.text) as T;
    };
    const graphql = async (query: string, options: { base?: string; token?: string } = {}): Promise<GraphqlAnswer> => {
      const answer = await call(`${options.base ?? ''}/graphql`, options.token ?? owner, { query });
      const body = JSON.parse(answer.text) as Omit<GraphqlAnswer, 'status'>;
      assert.ok('errors' in body, `errors is always there (null when none): ${answer.text}`);
      return { status: answer.status, ...body };
    };
    const teamA = '/workspaces/team-a/mlflow';

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url, env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
      owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
      for (const name of ['team-a', 'team-b']) assert.equal((await call('/api/v1/workspaces', owner, { name })).status, 201);
      assert.equal((await call('/api/v1/principals', owner, { name: 'sp-reader', kind: 'servicePrincipal' })).status, 201);
      const issued = await call('/api/v1/tokens', owner, { name: 'test', principal: 'sp-reader' });
      reader = (JSON.parse(issued.text) as { token: string }).token;
      const assigned = await call('/api/v1/role-assignments', owner, {
        role: 'Reader',
        assignee: 'sp-reader',
        scope: '/workspaces/team-a',
      });
      assert.equal(assigned.status, 201, assigned.text);

      experimentId = (await mlflow<{ experiment_id: string }>(teamA, 'experiments/create', { name: 'graphql-a' })).experiment_id;
      runId = (await mlflow<{ run: { info: { run_id: string } } }>(teamA, 'runs/create', { experiment_id: experimentId })).run.info.run_id;
      // Python's json writes NaN bare; the MLflow API takes it, and GraphQL must answer it as null.
      await mlflow(
        teamA,
        'runs/log-batch',
        `{"run_id": "${runId}", "metrics": [{"key": "loss", "value": 0.5, "timestamp": 1700000000000, "step": 3}, {"key": "bad", "value": NaN, "timestamp": 2, "step": 1}]}`,
      );
      await mlflow(teamA, 'runs/log-inputs', {
        run_id: runId,
        datasets: [
          {
            dataset: { name: 'train', digest: 'd1', source_type: 'local', source: 'a' },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          },
          { dataset: { name: 'raw', digest: 'd2', source_type: 'local', source: 'b' }, tags: [] },
        ],
      });
      await mlflow(teamA, 'registered-models/create', { name: 'graphql-model' });
      await mlflow(teamA, 'model-versions/create', { name: 'graphql-model', source: `runs:/${runId}/model`, run_id: runId });
    });

    after(async () => {
      await trellis?.stop();
      if (trellis) await removeHome(trellis.home);
      await database?.drop();
    });

    it("answers the run page's query: info, metrics (NaN as null, int64s as strings), experiment and model versions", async () => {
      const answer = await graphql(
        `query GetRun @component(name: "run-page") {
        mlflowGetRun(input: {runId: "${runId}"}) {
          run { info { runId status experimentId endTime } data { metrics { key value step timestamp } }
                experiment { experimentId name } modelVersions { name version source } }
        }
      }`,
        { base: teamA },
      );
      assert.equal(answer.status, 200);
      assert.equal(answer.errors, null);
      const run = (answer.data as { mlflowGetRun: { run: Record<string, unknown> } }).mlflowGetRun.run;
      assert.deepEqual(run.info, { runId, status: 'RUNNING', experimentId, endTime: '0' });
      const metrics = (run.data as { metrics: Array<{ key: string }> }).metrics.sort((a, b) => a.key.localeCompare(b.key));
      assert.deepEqual(metrics, [
        { key: 'bad', value: null, step: '1', timestamp: '2' },
        { key: 'loss', value: 0.5, step: '3', timestamp: '1700000000000' },
      ]);
      assert.deepEqual(run.experiment, { experimentId, name: 'graphql-a' });
      assert.deepEqual(run.modelVersions, [{ name: 'graphql-model', version: '1', source: `runs:/${runId}/model` }]);

      const searched = await graphql(
        `mutation { mlflowSearchRuns(input: {experimentIds: ["${experimentId}"]}) { runs { info { runId } } } }`,
        {
          base: teamA,
        },
      );
      assert.deepEqual(searched.data, { mlflowSearchRuns: { runs: [{ info: { runId } }] } });

      const datasets = await graphql(
        `mutation { mlflowSearchDatasets(input: {experimentIds: ["${experimentId}"]}) { datasetSummaries { experimentId name digest context } } }`,
        { base: teamA },
      );
      assert.equal(datasets.errors, null);
      const summaries = (datasets.data as { mlflowSearchDatasets: { datasetSummaries: Array<{ name: string }> } }).mlflowSearchDatasets;
      assert.deepEqual(
        summaries.datasetSummaries.sort((a, b) => a.name.localeCompare(b.name)),
        [
          { experimentId, name: 'raw', digest: 'd2', context: '' },
          { experimentId, name: 'train', digest: 'd1', context: 'training' },
        ],
      );
    });

    it('answers GET with the query in the query string, as MLflow does', async () => {
      const url = new URL(`${trellis.url}${teamA}/graphql`);
      url.searchParams.set('query', 'query echo($text: String) { test(inputString: $text) { output } }');
      url.searchParams.set('variables', JSON.stringify({ text: 'hello' }));
      const response = await fetch(url, { headers: { authorization: `Bearer ${owner}` } });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { data: { test: { output: 'hello' } }, errors: null });
    });

    it("holds queries to MLflow's limits, answering 200 with MLflow's messages", async () => {
      const many = Array.from({ length: 11 }, (_, index) => `k${index}: test(inputString: "x") { output }`).join(' ');
      const tooMany = await graphql(`query { ${many} }`);
      assert.equal(tooMany.status, 200);
      assert.equal(tooMany.data, null);
      assert.deepEqual(tooMany.errors, [
        'GraphQL queries should have at most 10 root fields, got 11 root fields. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.',
      ]);
      const aliases = Array.from({ length: 11 }, (_, index) => `e${index}: experiment { name }`).join(' ');
      assert.match(
        (await graphql(`{ mlflowGetExperiment(input: {experimentId: "0"}) { ${aliases} } }`)).errors?.[0] ?? '',
        /at most 10 aliases, got 11/,
      );
      let deep = 'name';
      for (let level = 0; level < 12; level++) deep = `name { ${deep} }`;
      assert.deepEqual((await graphql(`{ mlflowGetExperiment { experiment { ${deep} } } }`)).errors, ['Query exceeds maximum depth of 10']);
      // So deep that parsing it would overflow the stack: still the depth message, not a server error.
      const abyss = `{ ${'a { '.repeat(5000)}b${' }'.repeat(5000)} }`;
      assert.deepEqual((await graphql(abyss)).errors, ['Query exceeds maximum depth of 10']);
      const wide = Array.from({ length: 1002 }, (_, index) => `f${index} { name }`).join(' ');
      assert.deepEqual((await graphql(`{ mlflowGetExperiment { experiment { ${wide} } } }`)).errors, [
        'Query exceeds maximum total selections of 1000',
      ]);
    });

    it('names an unknown field, and a syntax error, in the errors list', async () => {
      const unknown = await graphql('{ mlflowGetExperiment(input: {experimentId: "0"}) { experiment { name colour } } }');
      assert.equal(unknown.status, 200);
      assert.equal(unknown.data, null);
      assert.deepEqual(unknown.errors, ['Cannot query field "colour" on type "MlflowExperiment".']);
      const broken = await graphql('{ mlflowGetExperiment(');
      assert.equal(broken.status, 200);
      assert.match(broken.errors?.[0] ?? '', /^Syntax Error/);
    });

    it("keeps workspaces apart: another workspace's run is not found, and a workspace without a role is hidden", async () => {
      const query = `{ mlflowGetRun(input: {runId: "${runId}"}) { run { info { runId } } } }`;
      for (const base of ['', '/workspaces/team-b/mlflow']) {
        const elsewhere = await graphql(query, { base });
        assert.deepEqual(elsewhere.data, { mlflowGetRun: null }, base);
        assert.match(elsewhere.errors?.[0] ?? '', new RegExp(`Run with id=${runId} not found|${runId}`), base);
      }
      const asReader = await graphql(query, { base: teamA, token: reader });
      assert.deepEqual(asReader.data, { mlflowGetRun: { run: { info: { runId } } } });
      const hidden = await graphql(query, { base: '/workspaces/team-b/mlflow', token: reader });
      assert.deepEqual(hidden.data, { mlflowGetRun: null });
      assert.match(hidden.errors?.[0] ?? '', /workspace 'team-b' does not exist/);
      const anonymous = await fetch(`${trellis.url}${teamA}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      assert.equal(anonymous.status, 401);
    });
  });
}
