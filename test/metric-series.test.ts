import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { mlflowPost } from './support/mlflow-rest.js';

const totalPoints = 20_000;

interface SeriesBody {
  runId: string;
  key: string;
  x: 'step' | 'timestamp';
  total: number;
  points: Array<{ step: number; timestamp: number; value: number | string }>;
}

/** The downsampled metric series a chart reads: LTTB over a real server's history, on every store. */
for (const dialect of testDialects()) {
  describe(`metric series on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let runId: string;
    const seriesUrl = (run: string, query: string) =>
      `${trellis.url}/api/v1/workspaces/default/runs/${run}/metrics/train%2Floss/series${query}`;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      const experiment = await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', { name: 'series' });
      const run = await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', {
        experiment_id: experiment.experiment_id,
        start_time: Date.now(),
      });
      runId = run.run.info.run_id;
      for (let first = 0; first < totalPoints; first += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => {
          const step = first + i;
          return { key: 'train/loss', step, timestamp: 1_700_000_000_000 + step, value: step === 12_345 ? 100 : Math.exp(-step / 5000) };
        });
        await mlflowPost(trellis.url, 'runs/log-batch', { run_id: runId, metrics });
      }
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('returns exactly the points asked for, with the first and last step, in step order', async () => {
      const response = await fetch(seriesUrl(runId, '?points=500'));
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as SeriesBody;
      assert.equal(body.runId, runId);
      assert.equal(body.key, 'train/loss');
      assert.equal(body.x, 'step');
      assert.equal(body.total, totalPoints);
      assert.equal(body.points.length, 500);
      assert.equal(body.points[0]!.step, 0);
      assert.equal(body.points.at(-1)!.step, totalPoints - 1);
      assert.ok(
        body.points.every((point, i) => i === 0 || point.step > body.points[i - 1]!.step),
        'steps are not increasing',
      );
      assert.ok(
        body.points.some((point) => point.step === 12_345 && point.value === 100),
        'the spike at step 12345 was dropped',
      );
      assert.ok(body.points.every((point) => point.timestamp === 1_700_000_000_000 + point.step));
    });

    it('reduces a history past 50,000 points the same way: exact count, both ends, the spike and the NaN kept', async () => {
      // A second metric of 60,000 points (SQLite reduces it in the database before LTTB; PostgreSQL reads it whole).
      const long = 60_000;
      for (let first = 0; first < long; first += 1000) {
        const metrics = Array.from({ length: 1000 }, (_, i) => {
          const step = first + i;
          return {
            key: 'long',
            step,
            timestamp: 1_700_000_000_000 + step,
            value: step === 31_337 ? 1000 : step === 45_000 ? 'NaN' : Math.sin(step / 900),
          };
        });
        await mlflowPost(trellis.url, 'runs/log-batch', { run_id: runId, metrics });
      }
      for (const x of ['step', 'timestamp'] as const) {
        const response = await fetch(`${trellis.url}/api/v1/workspaces/default/runs/${runId}/metrics/long/series?points=400&x=${x}`);
        assert.equal(response.status, 200, await response.clone().text());
        const body = (await response.json()) as SeriesBody;
        assert.equal(body.total, long);
        assert.equal(body.points.length, 400);
        assert.equal(body.points[0]!.step, 0);
        assert.equal(body.points.at(-1)!.step, long - 1);
        assert.ok(
          body.points.every((point, i) => i === 0 || point.step > body.points[i - 1]!.step),
          `steps are not increasing along ${x}`,
        );
        assert.ok(
          body.points.some((point) => point.step === 31_337 && point.value === 1000),
          `the spike at step 31337 was dropped along ${x}`,
        );
        assert.ok(
          body.points.some((point) => point.step === 45_000 && point.value === 'NaN'),
          `the NaN at step 45000 was dropped along ${x}`,
        );
        // The curve keeps its range: sin reaches ±1 within a step or two of 900·π/2 multiples.
        const finite = body.points.map((point) => point.value).filter((value): value is number => typeof value === 'number' && value < 2);
        assert.ok(
          Math.max(...finite) > 0.999 && Math.min(...finite) < -0.999,
          `the range shrank to ${Math.min(...finite)} .. ${Math.max(...finite)}`,
        );
      }
    });

    it('defaults to 1000 points along steps, and orders along timestamps when asked', async () => {
      const byDefault = (await (await fetch(seriesUrl(runId, ''))).json()) as SeriesBody;
      assert.equal(byDefault.points.length, 1000);
      const byTime = (await (await fetch(seriesUrl(runId, '?points=50&x=timestamp'))).json()) as SeriesBody;
      assert.equal(byTime.x, 'timestamp');
      assert.equal(byTime.points.length, 50);
      assert.ok(byTime.points.every((point, i) => i === 0 || point.timestamp >= byTime.points[i - 1]!.timestamp));
    });

    it('writes NaN and Infinity the way the MLflow API does', async () => {
      const run = await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', {
        experiment_id: '0',
        start_time: Date.now(),
      });
      const other = run.run.info.run_id;
      // Bare NaN and Infinity tokens, as Python's json module writes them.
      const response = await fetch(`${trellis.url}/api/2.0/mlflow/runs/log-batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"run_id": "${other}", "metrics": [{"key": "train/loss", "value": 1, "timestamp": 1, "step": 0}, {"key": "train/loss", "value": NaN, "timestamp": 2, "step": 1}, {"key": "train/loss", "value": Infinity, "timestamp": 3, "step": 2}]}`,
      });
      assert.equal(response.status, 200, await response.text());
      const body = (await (await fetch(seriesUrl(other, ''))).json()) as SeriesBody;
      assert.deepEqual(
        body.points.map((point) => point.value),
        [1, 'NaN', 'Infinity'],
      );
    });

    it('refuses a points value out of range with a 400 naming the field and the range', async () => {
      for (const points of ['5x', '2', '10001', '2.5']) {
        const response = await fetch(seriesUrl(runId, `?points=${points}`));
        assert.equal(response.status, 400, `points=${points}`);
        const problem = (await response.json()) as { code: string; detail: string; problems: Array<{ path: string }> };
        assert.equal(problem.code, 'InvalidRequest');
        assert.match(problem.detail, /points/);
        assert.match(problem.detail, /3 to 10000/);
        assert.equal(problem.problems[0]?.path, 'querystring.points');
      }
      const badAxis = await fetch(seriesUrl(runId, '?x=wallclock'));
      assert.equal(badAxis.status, 400);
      assert.match(((await badAxis.json()) as { detail: string }).detail, /x must be one of: step, timestamp/);
    });

    it('answers 404 for an unknown run or workspace, and an empty series for an unknown key', async () => {
      const unknownRun = await fetch(seriesUrl('0123456789abcdef0123456789abcdef', ''));
      assert.equal(unknownRun.status, 404);
      assert.equal(((await unknownRun.json()) as { code: string }).code, 'RunNotFound');

      const unknownWorkspace = await fetch(`${trellis.url}/api/v1/workspaces/nowhere/runs/${runId}/metrics/loss/series`);
      assert.equal(unknownWorkspace.status, 404);
      assert.equal(((await unknownWorkspace.json()) as { code: string }).code, 'WorkspaceNotFound');

      const unknownKey = (await (
        await fetch(`${trellis.url}/api/v1/workspaces/default/runs/${runId}/metrics/accuracy/series`)
      ).json()) as SeriesBody;
      assert.equal(unknownKey.total, 0);
      assert.deepEqual(unknownKey.points, []);
    });
  });
}
