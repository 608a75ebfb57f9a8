import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase, testDialects } from '../../../test/support/databases.js';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import { builtInRoles } from '../../core/identity/roles/builtin-roles.js';
import { Store } from '../../store/store.js';
import { applyResourceFields } from '../apply-resource-fields.js';
import type { Caller, Context } from '../context.js';
import { ensureOwner } from '../identity/owner-bootstrap.js';
import { issueToken } from '../identity/token-service.js';
import { submitJob } from '../jobs/submit-job.js';
import { submitSweep } from '../sweeps/submit-sweep.js';
import { adviseWorkspace, type WorkspaceAdvice } from './advisor-service.js';
import type { ServerFacts } from './advisor-snapshot.js';

/**
 * The live rules that need time to pass, on the real store with the clock in hand (SQLite, and
 * PostgreSQL where the suite runs one): each triggered by state made through the services and
 * repositories, then cleared by what fixes it.
 */

const caller: Caller = { actor: 'user:alice', requestId: null };
const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const loopback: ServerFacts = { host: '127.0.0.1', listensOnLoopbackOnly: true, localAuth: true, publicUrl: null, servesTls: false };
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** What one rule said of the workspace: `outcome resource: messages`. */
function verdicts(advice: WorkspaceAdvice, ruleId: string): string[] {
  return advice.checks
    .filter((check) => check.ruleId === ruleId)
    .map((check) => {
      const detail = check.outcome === 'unknown' ? check.reason : check.findings.map((finding) => finding.message).join('; ');
      return `${check.outcome} ${check.resource.name}${detail ? `: ${detail}` : ''}`;
    });
}

for (const dialect of testDialects()) {
  describe(`advisor live rules over time (${dialect})`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;
    let now = Date.parse('2026-01-01T00:00:00Z');
    let context: Context;
    const stores = new Map<string, LocalArtifactStore>();

    const workspace = async (name: string, spec: Record<string, unknown> = {}) =>
      store.repositories.workspaces.insert({ name, spec, status: {}, tags: {}, description: null }, 'tester', new Date(now).toISOString());
    const cluster = (ws: string, name: string, fields: Record<string, unknown> = {}) =>
      applyResourceFields(context, caller, {
        workspace: ws,
        kind: 'compute',
        fields: { name, type: 'amlcompute', size: 'Standard_DS3_v2', max_instances: 4, ...fields },
        fileName: `${name}.yml`,
      });
    const job = (ws: string, name: string, compute: string, env = environment) =>
      submitJob(context, caller, {
        workspace: ws,
        fileName: `${name}.yml`,
        text: `type: command\nname: ${name}\ncommand: echo hi\nenvironment: ${env}\ncompute: azureml:${compute}\n`,
        uploads: {},
        inlined: {},
      });
    const advise = (ws: string, server?: ServerFacts) => adviseWorkspace(context, ws, server);

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-advisor-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      context = {
        store,
        artifactsFor: (ws) => {
          let artifacts = stores.get(ws);
          if (!artifacts) {
            artifacts = new LocalArtifactStore(join(home, 'artifacts', ws));
            stores.set(ws, artifacts);
          }
          return artifacts;
        },
        clock: () => new Date(now),
        logger: pino({ level: 'silent' }),
      };
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('finds nothing to judge in an empty workspace but the server, which passes on loopback: 100%', async () => {
      await workspace('empty');
      const advice = await advise('empty', loopback);
      assert.deepEqual(
        advice.checks.map((check) => `${check.ruleId} ${check.outcome}`),
        ['TRL-SEC-101 passed', 'TRL-SEC-105 passed'],
      );
      assert.equal(advice.score.overall, 100);
      const withoutServer = await advise('empty');
      assert.deepEqual(withoutServer.checks, []);
      assert.equal(withoutServer.score.overall, null);
      assert.equal(withoutServer.serverRules, false);
      assert.ok(!withoutServer.notApplicable.includes('TRL-SEC-101'), 'server rules are left out, not "not applicable"');
    });

    it('TRL-COST-101: a cluster holding min_instances nodes past its idle time, until a job runs or min_instances is 0', async () => {
      await workspace('idle');
      await cluster('idle', 'warm', { min_instances: 1, idle_time_before_scale_down: 300 });
      now += 2 * minute;
      assert.deepEqual(verdicts(await advise('idle'), 'TRL-COST-101'), ['passed warm']);
      now += 10 * minute;
      assert.deepEqual(verdicts(await advise('idle'), 'TRL-COST-101'), [
        'failed warm: min_instances is 1 and no job has run on it since it was last changed, 12 min ago, past its idle time of 5 min: 1 node(s) held for nothing',
      ]);
      const running = await job('idle', 'busy-1', 'warm');
      assert.deepEqual(verdicts(await advise('idle'), 'TRL-COST-101'), ['passed warm']);
      await store.repositories.jobs.update('idle', running.name, { state: 'Completed', endedAt: now }, now);
      now += hour;
      assert.equal(
        verdicts(await advise('idle'), 'TRL-COST-101')[0]?.startsWith('failed warm: min_instances is 1 and its last job ended 1 h ago'),
        true,
      );
      await cluster('idle', 'warm', { min_instances: 0, idle_time_before_scale_down: 300 });
      assert.deepEqual(verdicts(await advise('idle'), 'TRL-COST-101'), []);
    });

    it('TRL-REL-102: a long low-priority job with an empty checkpoint folder, until it saves one', async () => {
      await workspace('spot');
      await cluster('spot', 'spot', { tier: 'low_priority' });
      const submitted = await job('spot', 'long-train', 'spot');
      await store.repositories.jobs.update('spot', submitted.name, { state: 'Running', startedAt: now }, now);
      now += 10 * minute;
      assert.deepEqual(verdicts(await advise('spot'), 'TRL-REL-102'), [], 'ten minutes is not long enough to judge');
      now += 35 * minute;
      assert.deepEqual(verdicts(await advise('spot'), 'TRL-REL-102'), [
        "failed long-train: ran 45 min on low-priority compute 'spot' and saved no checkpoint: an eviction restarts it from scratch",
      ]);
      await context.artifactsFor('spot').put('jobs/long-train/checkpoints/epoch-3.pt', Readable.from([Buffer.from('weights')]));
      assert.deepEqual(verdicts(await advise('spot'), 'TRL-REL-102'), ['passed long-train']);
    });

    it('TRL-PERF-102: jobs that waited long in a queue, until the window holds jobs that start promptly', async () => {
      await workspace('queue');
      await cluster('queue', 'small');
      const waiting = [];
      for (const name of ['wait-a', 'wait-b', 'wait-c']) waiting.push(await job('queue', name, 'small'));
      now += 40 * minute;
      assert.deepEqual(verdicts(await advise('queue'), 'TRL-PERF-102'), [
        'failed small: the median wait in its queue was 40 min over 3 jobs of the last 7 d (longest 40 min)',
      ]);
      for (const queued of waiting) {
        await store.repositories.jobs.update('queue', queued.name, { state: 'Preparing' }, now);
        await store.repositories.jobs.update('queue', queued.name, { state: 'Completed', endedAt: now + minute }, now + minute);
      }
      now += 8 * day;
      for (const name of ['quick-a', 'quick-b', 'quick-c']) {
        const quick = await job('queue', name, 'small');
        await store.repositories.jobs.update('queue', quick.name, { state: 'Preparing' }, now + minute);
      }
      now += 5 * minute;
      assert.deepEqual(verdicts(await advise('queue'), 'TRL-PERF-102'), ['passed small']);
    });

    it('TRL-COST-102: a recent sweep without early termination; one with a policy passes, an old one is not judged', async () => {
      await workspace('sweeps');
      await cluster('sweeps', 'cpu');
      const sweepFile = (name: string, extra = '') =>
        `type: sweep\nname: ${name}\ncompute: azureml:cpu\nsampling_algorithm: random\nsearch_space:\n  lr: {type: uniform, min_value: 0.01, max_value: 0.1}\nobjective: {goal: maximize, primary_metric: acc}\nlimits: {max_total_trials: 2}\ntrial:\n  command: echo \${{search_space.lr}}\n  environment: ${environment}\n${extra}`;
      await submitSweep(context, caller, { workspace: 'sweeps', fileName: 'a.yml', text: sweepFile('plain'), uploads: {}, inlined: {} });
      await submitSweep(context, caller, {
        workspace: 'sweeps',
        fileName: 'b.yml',
        text: sweepFile('bandit', 'early_termination: {type: bandit, slack_factor: 0.1}\n'),
        uploads: {},
        inlined: {},
      });
      assert.deepEqual(verdicts(await advise('sweeps'), 'TRL-COST-102'), [
        'passed bandit',
        'failed plain: queued random sweep with no early_termination: every trial runs to its end',
      ]);
      for (const name of ['plain', 'bandit']) await store.repositories.sweeps.update('sweeps', name, { state: 'Completed', endedAt: now });
      now += 8 * day;
      assert.deepEqual(verdicts(await advise('sweeps'), 'TRL-COST-102'), []);
    });

    it('TRL-COST-103: cluster nodes mostly idle over 7 days, until jobs keep them busy', async () => {
      await workspace('util');
      await cluster('util', 'cpu');
      const start = now;
      await store.repositories.jobs.insertNode({
        workspace: 'util',
        compute: 'cpu',
        nodeId: 'cpu-0',
        state: 'idle',
        job: null,
        size: 'Standard_DS3_v2',
        tier: 'dedicated',
        createdAt: start,
        idleSince: start,
        removedAt: null,
        removedReason: null,
      });
      now += 2 * day;
      assert.deepEqual(verdicts(await advise('util'), 'TRL-COST-103'), [
        'failed cpu: its nodes ran jobs 0% of the 48.0 node-hours they were up in 7 d',
      ]);
      const busy = await job('util', 'all-day', 'cpu');
      await store.repositories.jobs.update('util', busy.name, { state: 'Running', startedAt: start + hour }, start + hour);
      assert.deepEqual(verdicts(await advise('util'), 'TRL-COST-103'), ['passed cpu']);
    });

    it('TRL-COST-104: an environment no job used for 90 days, until a job uses it', async () => {
      await workspace('stale');
      await cluster('stale', 'cpu');
      await applyResourceFields(context, caller, {
        workspace: 'stale',
        kind: 'environment',
        fields: { name: 'old-env', version: '1', image: 'python:3.11-slim' },
        fileName: 'env.yml',
      });
      now += 30 * day;
      assert.deepEqual(verdicts(await advise('stale'), 'TRL-COST-104'), []);
      now += 70 * day;
      assert.deepEqual(verdicts(await advise('stale'), 'TRL-COST-104'), [
        'failed old-env: no job or deployment used any of its 1 version(s) in 90 d; the newest was made 100 d ago',
      ]);
      await job('stale', 'uses-old', 'cpu', 'azureml:old-env:1');
      assert.deepEqual(verdicts(await advise('stale'), 'TRL-COST-104'), ['passed old-env']);
    });

    it('TRL-SEC-102: a workspace holding jobs with artifacts in the clear, until it asks for encryption', async () => {
      await workspace('clear');
      await cluster('clear', 'cpu');
      assert.deepEqual(verdicts(await advise('clear'), 'TRL-SEC-102'), []);
      await job('clear', 'first', 'cpu');
      assert.deepEqual(verdicts(await advise('clear'), 'TRL-SEC-102'), [
        'failed clear: neither hbi_workspace nor customer_managed_key is set: the artifacts of 1 job(s) are stored in the clear',
      ]);
      await store.repositories.workspaces.update('clear', { spec: { hbi_workspace: true } }, new Date(now).toISOString());
      assert.deepEqual(verdicts(await advise('clear'), 'TRL-SEC-102'), ['passed clear']);
    });

    it('TRL-SEC-103 and TRL-SEC-104: a server-wide Contributor used on one workspace, an idle token; the only Owner is exempt', async () => {
      await workspace('team');
      await ensureOwner(context, 'alice');
      const contributor = builtInRoles.find((role) => role.name === 'Contributor')!;
      await store.repositories.identity.insertPrincipal({
        name: 'bob',
        kind: 'user',
        displayName: null,
        createdBy: 'tester',
        createdAt: now,
      });
      await store.repositories.identity.insertAssignment({
        id: 'bob-contributor',
        roleId: contributor.id,
        principal: 'bob',
        scope: '/',
        createdBy: 'tester',
        createdAt: now,
      });
      const { record } = await issueToken(store.repositories.identity, {
        principal: 'bob',
        name: 'ci',
        kind: 'pat',
        expiresInSeconds: 365 * 86400,
        createdBy: 'tester',
        now,
      });
      assert.deepEqual(verdicts(await advise('team', loopback), 'TRL-SEC-103'), [], 'a new assignment has not had 30 days to be used');
      now += 40 * day;
      const change = (ws: string) =>
        store.repositories.audit.append({
          workspace: ws,
          at: new Date(now).toISOString(),
          actor: 'user:bob',
          action: 'create',
          kind: 'model',
          name: 'm',
          version: '1',
          beforeDigest: null,
          afterDigest: null,
          requestId: null,
          summary: null,
        });
      await change('team');
      assert.deepEqual(verdicts(await advise('team', loopback), 'TRL-SEC-103'), [
        "failed Contributor for bob at /: bob changed only workspace 'team' in 30 d: Contributor at /workspaces/team would do",
      ]);
      await change('/');
      assert.deepEqual(verdicts(await advise('team', loopback), 'TRL-SEC-103'), ['passed Contributor for bob at /']);
      assert.deepEqual(verdicts(await advise('team'), 'TRL-SEC-103'), [], 'left out for callers who may not read the server');

      now += 60 * day;
      assert.deepEqual(verdicts(await advise('team', loopback), 'TRL-SEC-104'), [
        `failed ci (${record.id}) of bob: was never used and expires in 265 d`,
      ]);
      await store.repositories.identity.touchToken(record.id, now);
      assert.deepEqual(verdicts(await advise('team', loopback), 'TRL-SEC-104'), [`passed ci (${record.id}) of bob`]);
    });
  });
}
