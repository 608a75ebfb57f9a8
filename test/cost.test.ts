import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ApiError } from '../src/client/api-error.js';
import type { JobBody } from '../src/client/trellis-client.js';
import { focusColumns } from '../src/core/cost/focus-export.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { cliJson, waitForDeployment } from './support/endpoints.js';
import { finished, waitForJob } from './support/jobs.js';
import { removeHome, runCli, type TrellisProcess } from './support/trellis-process.js';
import { perNodeSecond, runJob, sleepJob, startPricedTrellis } from './support/cost.js';
import { assertStaysTrue } from './support/wait-for.js';

/**
 * Cost and budgets against a real server: prices from its config.yaml make the numbers exact (a
 * Standard_DS3_v2 node costs 3.60 an hour here: 0.001 a second), jobs run `sleep` on a cluster
 * that scales from zero, and an enforcing budget keeps a job queued until it is raised.
 */

const near = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is not ${expected}`);

for (const dialect of testDialects()) {
  describe(`cost and budgets on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let tagged: JobBody;
    let untagged: JobBody;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startPricedTrellis({ databaseUrl: database.url });
      tagged = await runJob(trellis, sleepJob(2, { cost_center: 'cc-vision' }));
      untagged = await runJob(trellis, sleepJob(1));
    });

    after(async () => {
      await trellis?.stop();
      if (trellis) await removeHome(trellis.home);
      await database?.drop();
    });

    it('costs a job on a priced cluster its node-seconds at the configured price, and trellis job show prints it', async () => {
      const cost = await trellis.client.jobCost('default', tagged.name);
      assert.ok(tagged.nodeSeconds >= 1.9, `nodeSeconds ${tagged.nodeSeconds}`);
      near(cost.nodeSeconds, tagged.nodeSeconds, 'node-seconds');
      near(cost.cost, tagged.nodeSeconds * perNodeSecond, 'cost');
      assert.deepEqual([cost.currency, cost.kind, cost.isPriced, cost.unpricedSeconds], ['USD', 'command', true, 0]);

      const shown = await runCli(['job', 'show', '--name', tagged.name], { url: trellis.url });
      assert.equal(shown.code, 0, shown.stderr);
      const line = `cost:        ${(tagged.nodeSeconds * perNodeSecond).toFixed(4)} USD (${tagged.nodeSeconds.toFixed(1)} node-seconds)`;
      assert.ok(shown.stdout.includes(line), `${line}\nnot in:\n${shown.stdout}`);
    });

    it('sums cost by tag, usage without the tag as (untagged), and adds up to the total', async () => {
      const report = await trellis.client.cost('default', { group_by: 'tag:cost_center' });
      const row = (group: string) => report.rows.find((candidate) => candidate.group === group);
      near(row('cc-vision')?.cost ?? Number.NaN, tagged.nodeSeconds * perNodeSecond, 'cc-vision');
      near(row('cc-vision')?.nodeSeconds ?? Number.NaN, tagged.nodeSeconds, 'cc-vision node-seconds');
      // The untagged job and the cluster's idle node time.
      assert.ok((row('(untagged)')?.nodeSeconds ?? 0) >= untagged.nodeSeconds, JSON.stringify(report.rows));
      near(
        report.rows.reduce((sum, candidate) => sum + candidate.cost, 0),
        report.total.cost,
        'rows add up to the total',
      );
      near(
        report.byDay.reduce((sum, day) => sum + day.cost, 0),
        report.total.cost,
        'days add up to the total',
      );

      const byJob = await trellis.client.cost('default', { group_by: 'job' });
      near(
        byJob.rows.find((candidate) => candidate.group === untagged.name)?.cost ?? Number.NaN,
        untagged.nodeSeconds * perNodeSecond,
        'job row',
      );

      const shown = await runCli(['cost', 'show', '--group-by', 'tag:cost_center'], { url: trellis.url });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^TAG:COST_CENTER +COST +NODE HOURS/m);
      assert.match(shown.stdout, /^cc-vision +0\.\d{4} USD/m);
      assert.match(shown.stdout, /^\(untagged\) /m);
      assert.match(shown.stdout, /^TOTAL +/m);
      const all = await trellis.client.cost(undefined, {});
      assert.deepEqual(all.workspaces, ['default']);
      near(all.total.cost, (await trellis.client.cost('default', {})).total.cost, 'all workspaces');
    });

    it('refuses a grouping or a date it cannot read with a 400 saying what to write', async () => {
      for (const [query, pattern] of [
        [{ group_by: 'team' }, /--group-by must be workspace, compute, job, endpoint, size, day or tag:<key>; got 'team'/],
        [{ from: 'yesterday' }, /--from 'yesterday' is not a date/],
        [{ from: '2026-02', to: '2026-01' }, /--from .* must be before --to/],
        [{ from: '0001-01', to: '2026-01' }, /is longer than 1096 days \(three years\); ask for one year at a time/],
      ] as const) {
        await assert.rejects(trellis.client.cost('default', query), (error: ApiError) => {
          assert.equal(error.status, 400);
          assert.match(error.message, pattern);
          return true;
        });
      }
    });

    it('exports FOCUS CSV that csv-parse reads, with the FOCUS columns and the jobs priced', async () => {
      const response = await fetch(`${trellis.url}/api/v1/workspaces/default/cost/export`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/csv/);
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /^attachment; filename="trellis-cost-default-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const rows = parseCsv(await response.text(), { columns: true, record_delimiter: '\r\n' }) as Array<Record<string, string>>;
      assert.deepEqual(Object.keys(rows[0] ?? {}), [...focusColumns]);
      const jobRow = rows.find((row) => row.ResourceName === tagged.name);
      assert.ok(jobRow, JSON.stringify(rows));
      assert.equal(jobRow.ResourceId, `/workspaces/default/jobs/${tagged.name}`);
      assert.equal(jobRow.SkuId, 'Standard_DS3_v2');
      assert.equal(jobRow.BillingCurrency, 'USD');
      assert.ok(Math.abs(Number(jobRow.BilledCost) - tagged.nodeSeconds * perNodeSecond) < 1e-9, JSON.stringify(jobRow));
      assert.equal(JSON.parse(jobRow.Tags ?? '{}').cost_center, 'cc-vision');

      const file = join(trellis.home, 'cost.csv');
      const exported = await runCli(['cost', 'export', '--file', file], { url: trellis.url });
      assert.equal(exported.code, 0, exported.stderr);
      assert.match(exported.stderr, new RegExp(`wrote ${rows.length} rows? to ${file}`));
      assert.equal((parseCsv(await readFile(file, 'utf8'), { columns: true }) as unknown[]).length, rows.length);
    });

    it("prices an online deployment's instance-seconds per endpoint, through a scale-up and after the endpoint is deleted", async () => {
      await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'priced-ep']);
      await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'priced-ep', '--all-traffic']);
      await waitForDeployment(trellis.client, 'priced-ep', 'blue');
      await cliJson(trellis.url, [
        'online-deployment',
        'update',
        '--name',
        'blue',
        '--endpoint-name',
        'priced-ep',
        '--set',
        'instance_count=2',
      ]);
      await waitForDeployment(trellis.client, 'priced-ep', 'blue');
      await cliJson(trellis.url, ['online-endpoint', 'delete', '--name', 'priced-ep', '--yes']);

      const endpointRow = async () => {
        const report = await trellis.client.cost('default', { group_by: 'endpoint' });
        return report.rows.find((row) => row.group === 'priced-ep');
      };
      const row = await endpointRow();
      assert.ok(row && row.instanceSeconds > 0, JSON.stringify(row));
      near(row.cost, row.instanceSeconds * perNodeSecond, 'instance cost');
      assert.equal(row.nodeSeconds, 0);
      // Deleted: its instance-seconds are kept, and stop growing.
      await assertStaysTrue(endpointRow, {
        what: "a deleted deployment's instance-seconds",
        forMs: 1_000,
        holds: (now) => now?.instanceSeconds === row.instanceSeconds,
      });
    });

    it('refuses a budget with a negative amount with a 422 naming amount, and stores nothing', async () => {
      await assert.rejects(trellis.client.createBudget('default', { name: 'bad', amount: -5 }), (error: ApiError) => {
        assert.equal(error.status, 422);
        assert.deepEqual(
          error.problems.map((problem) => problem.path),
          ['amount'],
        );
        assert.match(error.message, /amount: must be more than 0/);
        return true;
      });
      const cli = await runCli(['budget', 'create', '--name', 'bad', '--amount=-5'], { url: trellis.url });
      assert.notEqual(cli.code, 0);
      assert.match(cli.stderr, /amount: must be more than 0/);
      assert.deepEqual((await trellis.client.listBudgets('default')).items, []);
    });

    it('keeps the next job Queued with an enforcing budget spent named as the reason, and runs it once the budget is raised', async () => {
      const created = await runCli(['budget', 'create', '--name', 'cap', '--amount', '0.0001', '--enforcing'], { url: trellis.url });
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /holding: +budget 'cap' of workspace 'default' is spent/);

      const submitted = await trellis.client.submitJob('default', { fileName: 'job.yml', text: sleepJob(1), uploads: {}, inlined: {} });
      const held = await waitForJob(trellis.client, submitted.name, (job) => job.reason?.includes("budget 'cap'") === true, 30_000);
      assert.equal(held.state, 'Queued');
      assert.match(held.reason ?? '', /raise it with: trellis budget update --name cap --workspace default --set amount=<more>/);
      await assertStaysTrue(() => trellis.client.getJob('default', submitted.name), {
        what: 'the job to stay queued while the budget is spent',
        forMs: 2_000,
        holds: (job) => job.state === 'Queued',
      });

      const raised = await runCli(['budget', 'update', '--name', 'cap', '--set', 'amount=1000'], { url: trellis.url });
      assert.equal(raised.code, 0, raised.stderr);
      assert.doesNotMatch(raised.stdout, /holding:/);
      const ended = await waitForJob(trellis.client, submitted.name, finished, 180_000);
      assert.equal(ended.state, 'Completed', ended.reason ?? '');
      const budget = await trellis.client.getBudget('default', 'cap');
      assert.equal(budget.spec.amount, 1000);
      assert.equal(budget.status.blocking, null);
      await trellis.client.deleteBudget('default', 'cap');
    });
  });
}
