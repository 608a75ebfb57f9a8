import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mlflowArtifactRoutes } from '../contract/mlflow/artifacts.js';
import { mlflowExperimentRoutes } from '../contract/mlflow/experiments.js';
import { mlflowLoggedModelRoutes } from '../contract/mlflow/logged-models.js';
import { mlflowRegistryRoutes } from '../contract/mlflow/registry.js';
import { mlflowRunRoutes } from '../contract/mlflow/runs.js';
import { ApiError } from './api-error.js';
import { HttpClient } from './http-client.js';
import { MlflowClient, mlflowPrefixOf } from './mlflow-client.js';

/** An HttpClient that answers every request with `answer` and keeps what was sent. */
class FakeServer extends HttpClient {
  sent: Array<{ url: string; method: string; body: string | undefined; headers: Record<string, string> }> = [];
  constructor(private readonly answer: () => Response) {
    super('http://trellis.test');
  }
  override async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    const body = typeof init.body === 'string' ? init.body : undefined;
    this.sent.push({ url: url.toString(), method: init.method ?? 'GET', body, headers: { ...(init.headers as Record<string, string>) } });
    return this.answer();
  }
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('MlflowClient', () => {
  it('serves the default workspace at the root and others under /workspaces/{ws}/mlflow', () => {
    assert.equal(mlflowPrefixOf(), '');
    assert.equal(mlflowPrefixOf('team a'), '/workspaces/team%20a/mlflow');
    const server = new FakeServer(() => json(200, {}));
    assert.equal(new MlflowClient(server).pathOf(mlflowRunRoutes.getRun), '/api/2.0/mlflow/runs/get');
    assert.equal(
      new MlflowClient(server, 'dev').pathOf(mlflowArtifactRoutes.downloadArtifact, { '*': '1/abc/artifacts/a b/c.txt' }),
      '/workspaces/dev/mlflow/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/a%20b/c.txt',
    );
    assert.equal(
      new MlflowClient(server).pathOf(mlflowLoggedModelRoutes.getLoggedModel, { model_id: 'm-1' }),
      '/api/2.0/mlflow/logged-models/m-1',
    );
  });

  it("sends a GET's fields as its query and any other method's as a JSON body, with the proto's method", async () => {
    const server = new FakeServer(() => json(200, { experiments: [], next_page_token: 'next' }));
    const mlflow = new MlflowClient(server, 'dev');
    await mlflow.call(mlflowRunRoutes.getMetricHistoryBulk, { run_id: ['a', 'b'], metric_key: 'loss' });
    const page = await mlflow.call(mlflowExperimentRoutes.searchExperiments, { max_results: 10 });
    assert.equal(page.next_page_token, 'next');
    assert.equal(server.sent[0]?.method, 'GET');
    assert.equal(
      server.sent[0]?.url,
      'http://trellis.test/workspaces/dev/mlflow/api/2.0/mlflow/metrics/get-history-bulk?run_id=a&run_id=b&metric_key=loss',
    );
    assert.equal(server.sent[0]?.body, undefined);
    assert.equal(server.sent[1]?.method, 'POST');
    assert.equal(server.sent[1]?.url, 'http://trellis.test/workspaces/dev/mlflow/api/2.0/mlflow/experiments/search');
    assert.equal(server.sent[1]?.body, '{"max_results":10}');
    assert.equal(server.sent[1]?.headers['content-type'], 'application/json');
  });

  it("turns MLflow's {error_code, message} into an ApiError with MLflow's words", async () => {
    const server = new FakeServer(() =>
      json(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Registered Model with name=m not found' }),
    );
    const error = await new MlflowClient(server).call(mlflowRegistryRoutes.getRegisteredModel, { name: 'm' }).catch((caught) => caught);
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
    assert.equal(error.message, 'Registered Model with name=m not found');
  });

  it('reads a Trellis problem+json, or says which call failed', async () => {
    const problem = new FakeServer(() => json(403, { code: 'Forbidden', detail: "you may not read workspace 'dev'" }));
    const refused = await new MlflowClient(problem, 'dev').call(mlflowRunRoutes.getRun, { run_id: 'r' }).catch((caught) => caught);
    assert.ok(refused instanceof ApiError);
    assert.equal(refused.code, 'Forbidden');
    assert.equal(refused.message, "you may not read workspace 'dev'");
    const bare = new FakeServer(() => json(500, { error_code: 'INTERNAL_ERROR', message: '' }));
    const failed = await new MlflowClient(bare).call(mlflowRunRoutes.getRun, { run_id: 'r' }).catch((caught) => caught);
    assert.equal(failed.message, 'GET /api/2.0/mlflow/runs/get answered 500');
  });
});

describe('the MLflow contract', () => {
  it('names each operation once across its tables', () => {
    const tables = [mlflowArtifactRoutes, mlflowExperimentRoutes, mlflowRunRoutes, mlflowLoggedModelRoutes, mlflowRegistryRoutes];
    const operationIds = tables.flatMap((table) => Object.keys(table));
    assert.equal(new Set(operationIds).size, operationIds.length);
  });
});

/** Checked by tsc, never run: a call that does not follow its MLflow route does not compile. */
export function mlflowCallsThatDoNotCompile(mlflow: MlflowClient) {
  // @ts-expect-error runs/get takes run_id, not id
  void mlflow.call(mlflowRunRoutes.getRun, { id: 'r' });
  // @ts-expect-error a registered model is named
  void mlflow.call(mlflowRegistryRoutes.getRegisteredModel);
  // @ts-expect-error a logged model's path names the model
  void mlflow.call(mlflowLoggedModelRoutes.getLoggedModel, {});
  return async () => {
    const { run } = await mlflow.call(mlflowRunRoutes.getRun, { run_id: 'r' });
    const status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED' = run.info.status;
    return status;
  };
}
