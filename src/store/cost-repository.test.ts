import { parseJobFile } from '../core/azureml/parse-job-file.js';
import { parseSweepFile } from '../core/azureml/parse-sweep-file.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from '../../test/support/databases.js';
import { parseBudget } from '../core/cost/budget.js';
import type { UsageInterval } from '../core/cost/usage-interval.js';
import type { Job } from '../core/jobs/job.js';
import type { ResourceDraft } from '../core/resources/resource.js';
import type { SweepJob } from '../core/sweeps/sweep-job.js';
import { Store } from './store.js';

const iso = '2026-11-25T00:00:00.000Z';
const t0 = Date.parse('2026-11-25T08:00:00Z');
const minute = 60_000;

/** A sweep as the store keeps it, its spec parsed from a small sweep file. */
function sweepOf(name: string, tags: Record<string, string>): SweepJob {
  const text = [
    'type: sweep',
    'trial:',
    '  command: python t.py --x ${{search_space.x}}',
    '  environment: azureml:trellis-python',
    'search_space:',
    '  x: {type: uniform, min_value: 0, max_value: 1}',
    'sampling_algorithm: random',
    'objective: {goal: maximize, primary_metric: acc}',
    'limits: {max_total_trials: 2}',
  ].join('\n');
  const parsed = parseSweepFile(text, 'sweep.yml');
  return {
    workspace: 'dev',
    name,
    displayName: name,
    experimentName: 'Default',
    description: null,
    tags,
    spec: { ...parsed.sweep, name, search_space: parsed.searchSpace },
    uploads: {},
    inlined: {},
    state: 'Running',
    reason: null,
    runId: `run-${name}`,
    createdBy: 'tester',
    submittedAt: t0,
    startedAt: t0,
    endedAt: null,
    stopRequest: null,
    source: { fileName: 'sweep.yml', text },
  };
}

function jobOf(name: string, tags: Record<string, string> = {}, instanceCount = 1): Job {
  return {
    workspace: 'dev',
    name,
    displayName: name,
    experimentName: 'Default',
    description: null,
    tags,
    compute: 'cpu',
    spec: { ...parseJobFile('command: sleep 1\nenvironment: azureml:trellis-python\n', 'job.yml').job, name },
    lineage: {
      code: null,
      environment: { name: 'trellis-python', version: '1', curated: true },
      inputs: {},
      compute: 'cpu',
      submittedBy: 'tester',
    },
    state: 'Queued',
    reason: null,
    exitCode: null,
    retries: 0,
    attempt: 0,
    priority: 500,
    instanceCount,
    submittedAt: t0,
    startedAt: null,
    endedAt: null,
    runId: `run-${name}`,
    createdBy: 'tester',
    nodeSeconds: 0,
    nodes: [],
    handle: null,
    stopRequest: null,
  };
}

const computeDraft: ResourceDraft<'compute'> = {
  kind: 'compute',
  workspace: 'dev',
  name: 'cpu',
  version: null,
  spec: {
    name: 'cpu',
    type: 'amlcompute',
    size: 'Standard_DS3_v2',
    tier: 'dedicated',
    min_instances: 0,
    max_instances: 2,
    idle_time_before_scale_down: 120,
  } as ResourceDraft<'compute'>['spec'],
  status: {},
  tags: { team: 'vision' },
  description: null,
};

for (const dialect of testDialects()) {
  describe(`cost repository on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-cost-store-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      const { workspaces, resources, jobs, sweeps } = store.repositories;
      await workspaces.insert(
        { name: 'dev', spec: {}, status: {}, tags: { cost_center: 'cc-ws', owner: 'ws' }, description: null },
        'tester',
        iso,
      );
      await workspaces.insert({ name: 'prod', spec: {}, status: {}, tags: {}, description: null }, 'tester', iso);
      await resources.insert(computeDraft, 'tester', iso);

      // A plain job on two nodes: evicted after 10 minutes, then 20 more.
      await jobs.insert(jobOf('solo', { owner: 'job', 'trellis.step': 'hidden' }, 2), t0);
      await jobs.update('dev', 'solo', { state: 'Preparing', size: 'Standard_DS3_v2', tier: 'dedicated' }, t0);
      await jobs.update('dev', 'solo', { state: 'Running' }, t0 + minute);
      await jobs.update('dev', 'solo', { state: 'Queued' }, t0 + 11 * minute);
      await jobs.update('dev', 'solo', { state: 'Running' }, t0 + 12 * minute);
      await jobs.update('dev', 'solo', { state: 'Finalizing' }, t0 + 32 * minute);
      await jobs.update('dev', 'solo', { state: 'Completed' }, t0 + 33 * minute);

      // A sweep's trial, placed before size and tier were kept (read from the compute), still running.
      await sweeps.insert(sweepOf('sweep-1', { cost_center: 'cc-sweep' }));
      await jobs.insert(jobOf('trial-1', { 'trellis.sweep': 'sweep-1' }), t0);
      await sweeps.insertTrial({ workspace: 'dev', sweep: 'sweep-1', index: 0, job: 'trial-1', parameters: {} });
      await jobs.update('dev', 'trial-1', { state: 'Running' }, t0 + 5 * minute);

      // One node from the first job's start until an hour in.
      await jobs.insertNode({
        workspace: 'dev',
        compute: 'cpu',
        nodeId: 'n1',
        state: 'removed',
        job: null,
        size: 'Standard_DS3_v2',
        tier: 'dedicated',
        createdAt: t0,
        idleSince: null,
        removedAt: t0 + 60 * minute,
        removedReason: 'idle',
      });
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    const period = { from: t0 - 60 * minute, to: t0 + 120 * minute };

    it('reads each attempt of a job as a job-node interval, on the size and tier it was placed on, with its tags', async () => {
      const intervals = await store.repositories.cost.usageIntervals({ ...period, workspaces: ['dev'] });
      const solo = intervals.filter((interval) => interval.job?.name === 'solo');
      assert.deepEqual(
        solo.map(({ start, end, count, size, tier }) => ({ start, end, count, size, tier })),
        [
          { start: t0 + minute, end: t0 + 11 * minute, count: 2, size: 'Standard_DS3_v2', tier: 'dedicated' },
          { start: t0 + 12 * minute, end: t0 + 32 * minute, count: 2, size: 'Standard_DS3_v2', tier: 'dedicated' },
        ],
      );
      // The workspace's tags under the job's own; Trellis's bookkeeping tags are not chargeback tags.
      assert.deepEqual(solo[0]?.tags, { cost_center: 'cc-ws', owner: 'job' });
      assert.equal(solo[0]?.job?.ancestors, undefined);
    });

    it("names a trial's sweep as its ancestor, inherits the sweep's tags, and falls back to the compute's size", async () => {
      const intervals = await store.repositories.cost.usageIntervals({ ...period, workspaces: ['dev'] });
      const trial = intervals.find((interval) => interval.job?.name === 'trial-1');
      assert.deepEqual(trial?.job, { name: 'trial-1', ancestors: ['sweep-1'] });
      assert.deepEqual(trial?.tags, { cost_center: 'cc-sweep', owner: 'ws' });
      assert.deepEqual([trial?.start, trial?.end, trial?.size, trial?.tier], [t0 + 5 * minute, null, 'Standard_DS3_v2', 'dedicated']);
    });

    it("splits a node's lifetime around the jobs on it into idle time of the compute, with the compute's tags", async () => {
      const intervals = await store.repositories.cost.usageIntervals({ ...period, workspaces: ['dev'] });
      const idle = intervals.filter((interval) => interval.kind === 'idle-node');
      // One node up for an hour; the jobs hold 2 then 1 node: idle only before the first attempt and after both end.
      const idleSeconds = idle.reduce((sum, interval) => sum + ((interval.end ?? 0) - interval.start) / 1000, 0);
      assert.ok(idle.every((interval) => interval.compute === 'cpu' && interval.tags.team === 'vision'));
      assert.equal(idleSeconds, 60);
    });

    it('keeps an online deployment instances history, skipping repeats, after the deployment is gone', async () => {
      const cost = store.repositories.cost;
      const entry = {
        workspace: 'dev',
        endpoint: 'ep',
        deployment: 'blue',
        size: 'Standard_DS3_v2',
        tier: 'dedicated',
        compute: null,
        tags: { cost_center: 'cc-ep' },
      };
      await cost.recordDeploymentUsage({ ...entry, at: t0, instances: 2 });
      await cost.recordDeploymentUsage({ ...entry, at: t0 + minute, instances: 2 });
      await cost.recordDeploymentUsage({ ...entry, at: t0 + 30 * minute, instances: 3 });
      await cost.recordDeploymentUsage({ ...entry, at: t0 + 40 * minute, instances: 0 });
      // A deployment deleted that never had instances recorded leaves nothing.
      await cost.recordDeploymentUsage({ ...entry, deployment: 'green', at: t0, instances: 0 });
      assert.deepEqual(
        (await cost.deploymentUsage('dev', 'ep', 'blue')).map((row) => [row.at, row.instances]),
        [
          [t0, 2],
          [t0 + 30 * minute, 3],
          [t0 + 40 * minute, 0],
        ],
      );
      assert.deepEqual(await cost.deploymentUsage('dev', 'ep', 'green'), []);
      const instances = (await cost.usageIntervals({ ...period, workspaces: ['dev'] })).filter(
        (interval): interval is UsageInterval => interval.kind === 'endpoint-instance',
      );
      assert.deepEqual(
        instances.map(({ start, end, count, endpoint, tags }) => ({ start, end, count, endpoint, tags })),
        [
          {
            start: t0,
            end: t0 + 30 * minute,
            count: 2,
            endpoint: { name: 'ep', deployment: 'blue' },
            tags: { cost_center: 'cc-ep', owner: 'ws' },
          },
          {
            start: t0 + 30 * minute,
            end: t0 + 40 * minute,
            count: 3,
            endpoint: { name: 'ep', deployment: 'blue' },
            tags: { cost_center: 'cc-ep', owner: 'ws' },
          },
        ],
      );
    });

    it('reads only the workspaces asked for, and nothing outside the period', async () => {
      assert.deepEqual(await store.repositories.cost.usageIntervals({ ...period, workspaces: ['prod'] }), []);
      assert.deepEqual(await store.repositories.cost.usageIntervals({ ...period, workspaces: [] }), []);
      const later = await store.repositories.cost.usageIntervals({ from: t0 + 200 * minute, to: t0 + 300 * minute });
      // Only what still runs then: the trial.
      assert.deepEqual(
        later.map((interval) => interval.job?.name ?? interval.kind),
        ['trial-1'],
      );
    });

    it('stores budgets with an etag guard, and claims each threshold of a month once', async () => {
      const budgets = store.repositories.budgets;
      const spec = parseBudget({ name: 'team', workspace: 'dev', amount: 100, enforcing: true });
      await budgets.insert({ workspace: 'dev', name: 'team', spec, createdBy: 'tester', createdAt: t0, updatedAt: t0, etag: 'e1' });
      assert.deepEqual((await budgets.get('dev', 'team'))?.spec, spec);
      assert.equal(await budgets.update('dev', 'team', { spec: { ...spec, amount: 200 }, updatedAt: t0 + 1, etag: 'e2' }, 'stale'), false);
      assert.equal(await budgets.update('dev', 'team', { spec: { ...spec, amount: 200 }, updatedAt: t0 + 1, etag: 'e2' }, 'e1'), true);
      assert.equal((await budgets.get('dev', 'team'))?.spec.amount, 200);
      assert.deepEqual(
        (await budgets.list()).map((budget) => budget.name),
        ['team'],
      );

      const crossing = { workspace: 'dev', budget: 'team', month: '2026-11', kind: 'actual' as const, threshold: 80, at: t0, spent: 161 };
      assert.equal(await budgets.claimAlert(crossing), true);
      assert.equal(await budgets.claimAlert({ ...crossing, at: t0 + 1 }), false);
      assert.equal(await budgets.claimAlert({ ...crossing, month: '2026-12' }), true);
      await budgets.markAlert(crossing, { error: 'Alertmanager down' });
      assert.deepEqual(
        (await budgets.alerts('dev', 'team', '2026-11')).map(({ threshold, sentAt, error, spent }) => ({
          threshold,
          sentAt,
          error,
          spent,
        })),
        [{ threshold: 80, sentAt: null, error: 'Alertmanager down', spent: 161 }],
      );
      await budgets.markAlert(crossing, { sentAt: t0 + 5 });
      assert.equal((await budgets.alerts('dev', 'team', '2026-11'))[0]?.sentAt, t0 + 5);

      await budgets.delete('dev', 'team');
      assert.equal(await budgets.get('dev', 'team'), undefined);
      assert.deepEqual(await budgets.alerts('dev', 'team', '2026-12'), []);
    });
  });
}
