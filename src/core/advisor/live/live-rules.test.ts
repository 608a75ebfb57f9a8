import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cluster,
  days,
  deployment,
  hours,
  installation,
  job,
  liveVerdicts,
  minutes,
  now,
  snapshotOf,
} from '../../../../test/support/advisor-snapshots.js';
import { advisorRules } from '../advisor-catalogue.js';
import { pillarCodes, pillars, ruleIdPattern } from '../advisor-rule.js';
import { checkLive, liveRules } from './live-rules.js';
import type { RoleAssignmentFacts, TokenFacts } from './live-snapshot.js';

describe('the live rule catalogue', () => {
  it('has at least 12 live rules, ids TRL-<PILLAR>-1NN numbered in order within each pillar, 46 or more rules in all', () => {
    assert.ok(liveRules.length >= 12, `${liveRules.length} live rules`);
    assert.ok(advisorRules.length >= 46, `${advisorRules.length} rules in all`);
    assert.equal(new Set(advisorRules.map((rule) => rule.id)).size, advisorRules.length);
    for (const rule of liveRules) {
      assert.match(rule.id, ruleIdPattern);
      assert.ok(rule.id.startsWith(`TRL-${pillarCodes[rule.pillar]}-1`), `${rule.id} is a live rule of ${rule.pillar}`);
    }
    for (const pillar of pillars) {
      const numbers = liveRules.filter((rule) => rule.pillar === pillar).map((rule) => Number(rule.id.slice(-3)));
      assert.ok(numbers.length >= 2, `${pillar} has ${numbers.length} live rules`);
      assert.deepEqual(
        numbers,
        numbers.map((_, index) => 101 + index),
        pillar,
      );
    }
  });

  it('ties every live rule to a seed line of its pillar, and says why, how to fix it and what it applies to', () => {
    for (const rule of liveRules) {
      assert.match(rule.seed.url, /^https:\/\/learn\.microsoft\.com\/azure\/well-architected\//, rule.id);
      assert.equal(
        rule.seed.code?.slice(0, 2),
        { reliability: 'RE', security: 'SE', cost: 'CO', operations: 'OE', performance: 'PE' }[rule.pillar],
        rule.id,
      );
      for (const text of [rule.title, rule.why, rule.fix, rule.appliesTo]) assert.ok(text.trim().length > 5, `${rule.id}: ${text}`);
    }
  });

  it('lists static and live rules with their kind and no functions', () => {
    assert.deepEqual(new Set(advisorRules.map((rule) => rule.kind)), new Set(['static', 'live']));
    for (const rule of advisorRules)
      assert.ok(
        Object.values(rule).every((value) => typeof value !== 'function'),
        rule.id,
      );
  });

  it('finds nothing to check in an empty workspace on a loopback server but that local authentication is fine', () => {
    const { checks, findings } = checkLive(snapshotOf({ installation: installation() }));
    assert.deepEqual(
      checks.map((check) => `${check.ruleId} ${check.outcome}`),
      ['TRL-SEC-101 passed', 'TRL-SEC-105 passed'],
    );
    assert.deepEqual(findings, []);
  });
});

const production = { environment: 'production' };

describe('TRL-REL-101 single instance in production', () => {
  it('fails a production deployment of one instance, passes three, leaves other workspaces alone', () => {
    const endpoints = [{ name: 'ep', type: 'online' as const, tags: production, traffic: { blue: 100 } }];
    assert.deepEqual(liveVerdicts('TRL-REL-101', snapshotOf({ endpoints, deployments: [deployment()] })), [
      'failed ep/blue: instance_count is 1: one instance serves production',
    ]);
    assert.deepEqual(liveVerdicts('TRL-REL-101', snapshotOf({ endpoints, deployments: [deployment({ instanceCount: 3 })] })), [
      'passed ep/blue',
    ]);
    const autoscaled = deployment({ scaleType: 'target_utilization', minInstances: 1, maxInstances: 4 });
    assert.deepEqual(liveVerdicts('TRL-REL-101', snapshotOf({ endpoints, deployments: [autoscaled] })), [
      'failed ep/blue: scale_settings.min_instances is 1: at quiet times one instance serves production',
    ]);
    assert.deepEqual(liveVerdicts('TRL-REL-101', snapshotOf({ deployments: [deployment()] })), []);
  });

  it('counts a workspace tagged or named production, and a deployment tagged so', () => {
    const tagged = snapshotOf({ deployments: [deployment()] });
    tagged.workspace.tags = { Environment: 'Prod' };
    assert.equal(liveVerdicts('TRL-REL-101', tagged).length, 1);
    const named = snapshotOf({ deployments: [deployment()] });
    named.workspace.name = 'team-prod';
    assert.equal(liveVerdicts('TRL-REL-101', named).length, 1);
    assert.equal(liveVerdicts('TRL-REL-101', snapshotOf({ deployments: [deployment({ tags: { stage: 'production' } })] })).length, 1);
  });
});

describe('TRL-REL-102 low-priority job without checkpoints', () => {
  const computes = [cluster({ tier: 'low_priority' })];
  it('fails a long low-priority job whose checkpoint folder is empty, passes one that saved, ignores short and dedicated ones', () => {
    const long = job({ nodeSeconds: 2 * 3600, checkpointFiles: 0 });
    assert.deepEqual(liveVerdicts('TRL-REL-102', snapshotOf({ computes, jobs: [long] })), [
      "failed train: ran 2 h on low-priority compute 'cpu' and saved no checkpoint: an eviction restarts it from scratch",
    ]);
    assert.deepEqual(liveVerdicts('TRL-REL-102', snapshotOf({ computes, jobs: [{ ...long, checkpointFiles: 3 }] })), ['passed train']);
    assert.deepEqual(liveVerdicts('TRL-REL-102', snapshotOf({ computes, jobs: [{ ...long, nodeSeconds: 600 }] })), []);
    assert.deepEqual(liveVerdicts('TRL-REL-102', snapshotOf({ computes: [cluster()], jobs: [long] })), []);
  });

  it('counts the running attempt, and is unknown when the folder was not read', () => {
    const running = job({ state: 'Running', startedAt: now - minutes(45), endedAt: null, nodeSeconds: 0 });
    assert.deepEqual(liveVerdicts('TRL-REL-102', snapshotOf({ computes, jobs: [running] })), [
      'unknown train: its checkpoint folder was not read',
    ]);
  });
});

describe('TRL-SEC-101 local authentication reachable from other machines', () => {
  it('fails local auth on a server published through a proxy or listening on the network, passes loopback or local auth off', () => {
    const published = installation({ publicUrl: 'https://ml.example.com' });
    assert.deepEqual(liveVerdicts('TRL-SEC-101', snapshotOf({ installation: published })), [
      'failed 127.0.0.1: auth.local is on and the server is published at https://ml.example.com: what a proxy on this machine forwards arrives from loopback and acts as the owner without a credential',
    ]);
    const exposed = installation({ host: '0.0.0.0', listensOnLoopbackOnly: false });
    assert.deepEqual(liveVerdicts('TRL-SEC-101', snapshotOf({ installation: exposed })), [
      'failed 0.0.0.0: auth.local is on and the server listens on 0.0.0.0: requests from this machine act as the owner',
    ]);
    assert.deepEqual(liveVerdicts('TRL-SEC-101', snapshotOf({ installation: { ...published, localAuth: false } })), ['passed 127.0.0.1']);
    assert.deepEqual(liveVerdicts('TRL-SEC-101', snapshotOf({ installation: installation({ publicUrl: 'http://localhost:8080' }) })), [
      'passed 127.0.0.1',
    ]);
    assert.deepEqual(liveVerdicts('TRL-SEC-101', snapshotOf()), []);
  });
});

describe('TRL-SEC-105 plain HTTP beyond loopback', () => {
  it('fails a server listening on the network without TLS or published at an http:// address, passes HTTPS and loopback', () => {
    const exposed = installation({ host: '0.0.0.0', listensOnLoopbackOnly: false, localAuth: false });
    assert.deepEqual(liveVerdicts('TRL-SEC-105', snapshotOf({ installation: exposed })), [
      'failed 0.0.0.0: the server listens on 0.0.0.0 over plain HTTP: tokens and data cross the network in the clear',
    ]);
    assert.deepEqual(liveVerdicts('TRL-SEC-105', snapshotOf({ installation: { ...exposed, servesTls: true } })), ['passed 0.0.0.0']);
    assert.deepEqual(liveVerdicts('TRL-SEC-105', snapshotOf({ installation: installation({ publicUrl: 'http://trellis.ml.svc:5050' }) })), [
      'failed 127.0.0.1: the server is published at http://trellis.ml.svc:5050, plain HTTP: clients send their tokens in the clear',
    ]);
    assert.deepEqual(liveVerdicts('TRL-SEC-105', snapshotOf({ installation: installation({ publicUrl: 'https://ml.example.com' }) })), [
      'passed 127.0.0.1',
    ]);
  });
});

describe('TRL-SEC-102 unencrypted artifacts', () => {
  it('fails a workspace holding assets without encryption, passes an encrypted one, skips an empty one', () => {
    const holding = snapshotOf();
    holding.workspace.holdings = { assets: 3, jobs: 1, endpoints: 0 };
    assert.deepEqual(liveVerdicts('TRL-SEC-102', holding), [
      'failed dev: neither hbi_workspace nor customer_managed_key is set: the artifacts of 3 asset version(s), 1 job(s) are stored in the clear',
    ]);
    holding.workspace.encryptsArtifacts = true;
    assert.deepEqual(liveVerdicts('TRL-SEC-102', holding), ['passed dev']);
    assert.deepEqual(liveVerdicts('TRL-SEC-102', snapshotOf()), []);
  });
});

describe('TRL-SEC-103 server-wide role broader than used', () => {
  const assignment = (facts: Partial<RoleAssignmentFacts>): RoleAssignmentFacts => ({
    id: 'a1',
    role: 'Contributor',
    isBroad: true,
    isOwner: false,
    principal: 'bob',
    principalKind: 'user',
    actors: ['user:bob'],
    scope: '/',
    createdAt: now - days(60),
    ...facts,
  });
  const owner = assignment({ id: 'a0', role: 'Owner', isOwner: true, principal: 'alice', actors: ['user:alice'] });

  it('fails a Contributor at / who changed one workspace or nothing, passes one who changed the server or two workspaces', () => {
    const verdict = (activity: Array<{ actor: string; scopes: string[] }>) =>
      liveVerdicts('TRL-SEC-103', snapshotOf({ installation: installation({ serverAssignments: [owner, assignment({})], activity }) }));
    assert.deepEqual(verdict([{ actor: 'user:bob', scopes: ['dev'] }]), [
      "failed Contributor for bob at /: bob changed only workspace 'dev' in 30 d: Contributor at /workspaces/dev would do",
    ]);
    assert.deepEqual(verdict([]), ["failed Contributor for bob at /: bob changed nothing in 30 d: Contributor at '/' is unused"]);
    assert.deepEqual(verdict([{ actor: 'job:fit for user:bob', scopes: ['dev', 'prod'] }]), ['passed Contributor for bob at /']);
    assert.deepEqual(verdict([{ actor: 'user:bob', scopes: ['/'] }]), ['passed Contributor for bob at /']);
  });

  it('leaves out the only Owner, recent assignments and narrow roles', () => {
    const verdict = (assignments: RoleAssignmentFacts[]) =>
      liveVerdicts('TRL-SEC-103', snapshotOf({ installation: installation({ serverAssignments: assignments }) }));
    assert.deepEqual(verdict([owner]), []);
    assert.deepEqual(verdict([owner, assignment({ createdAt: now - days(3) })]), []);
    assert.deepEqual(verdict([owner, assignment({ role: 'Reader', isBroad: false })]), []);
    // Two owners: each is judged.
    assert.equal(verdict([owner, assignment({ id: 'a2', role: 'Owner', isOwner: true })]).length, 2);
  });
});

describe('TRL-SEC-104 idle tokens', () => {
  const token: TokenFacts = {
    id: 'tok_1',
    name: 'ci',
    principal: 'bob',
    createdAt: now - days(120),
    expiresAt: now + days(200),
    lastUsedAt: null,
  };
  it('fails an old token never or long unused, passes one used lately, skips young ones', () => {
    const verdict = (tokens: TokenFacts[]) => liveVerdicts('TRL-SEC-104', snapshotOf({ installation: installation({ tokens }) }));
    assert.deepEqual(verdict([token]), ['failed ci (tok_1) of bob: was never used and expires in 200 d']);
    assert.deepEqual(verdict([{ ...token, lastUsedAt: now - days(100) }]), [
      'failed ci (tok_1) of bob: was last used 100 d ago and expires in 200 d',
    ]);
    assert.deepEqual(verdict([{ ...token, lastUsedAt: now - days(2) }]), ['passed ci (tok_1) of bob']);
    assert.deepEqual(verdict([{ ...token, createdAt: now - days(10) }]), []);
  });
});

describe('TRL-COST-101 idle minimum nodes', () => {
  it('fails a cluster with min_instances whose last job ended past its idle time, passes a busy or recently used one', () => {
    const computes = [cluster({ minInstances: 2 })];
    assert.deepEqual(liveVerdicts('TRL-COST-101', snapshotOf({ computes, jobs: [job()] })), [
      'failed cpu: min_instances is 2 and its last job ended 1 h ago, past its idle time of 2 min: 2 node(s) held for nothing',
    ]);
    assert.deepEqual(liveVerdicts('TRL-COST-101', snapshotOf({ computes })), [
      'failed cpu: min_instances is 2 and no job has run on it since it was last changed, 30 d ago, past its idle time of 2 min: 2 node(s) held for nothing',
    ]);
    const running = job({ state: 'Running', endedAt: null });
    assert.deepEqual(liveVerdicts('TRL-COST-101', snapshotOf({ computes, jobs: [running] })), ['passed cpu']);
    const justEnded = job({ endedAt: now - 60_000 });
    assert.deepEqual(liveVerdicts('TRL-COST-101', snapshotOf({ computes, jobs: [justEnded] })), ['passed cpu']);
    assert.deepEqual(liveVerdicts('TRL-COST-101', snapshotOf({ computes: [cluster()] })), []);
  });
});

describe('TRL-COST-102 sweep without early termination', () => {
  const sweep = {
    name: 'tune',
    state: 'Running',
    submittedAt: now - hours(1),
    endedAt: null,
    samplingAlgorithm: 'random',
    hasEarlyTermination: false,
  };
  it('fails a recent random sweep without a policy, passes one with, skips bayesian and old ones', () => {
    assert.deepEqual(liveVerdicts('TRL-COST-102', snapshotOf({ sweeps: [sweep] })), [
      'failed tune: running random sweep with no early_termination: every trial runs to its end',
    ]);
    assert.deepEqual(liveVerdicts('TRL-COST-102', snapshotOf({ sweeps: [{ ...sweep, hasEarlyTermination: true }] })), ['passed tune']);
    assert.deepEqual(liveVerdicts('TRL-COST-102', snapshotOf({ sweeps: [{ ...sweep, samplingAlgorithm: 'bayesian' }] })), []);
    const old = { ...sweep, state: 'Completed', submittedAt: now - days(20), endedAt: now - days(19) };
    assert.deepEqual(liveVerdicts('TRL-COST-102', snapshotOf({ sweeps: [old] })), []);
  });
});

describe('TRL-COST-103 low cluster utilisation', () => {
  const node = { compute: 'cpu', nodeId: 'n1', createdAt: now - days(2), removedAt: null };
  it('fails a cluster whose nodes ran jobs under 20% of their up time, passes a busy one, skips one barely up', () => {
    // Up 48 node-hours, busy 1.
    assert.deepEqual(liveVerdicts('TRL-COST-103', snapshotOf({ computes: [cluster()], nodes: [node], jobs: [job()] })), [
      'failed cpu: its nodes ran jobs 2% of the 48.0 node-hours they were up in 7 d',
    ]);
    const busy = job({ nodeSeconds: 40 * 3600, startedAt: now - hours(41), endedAt: now - hours(1) });
    assert.deepEqual(liveVerdicts('TRL-COST-103', snapshotOf({ computes: [cluster()], nodes: [node], jobs: [busy] })), ['passed cpu']);
    const brief = { ...node, createdAt: now - minutes(30) };
    assert.deepEqual(liveVerdicts('TRL-COST-103', snapshotOf({ computes: [cluster()], nodes: [brief] })), []);
  });

  it('counts only the window: a node up for a month is judged on its last 7 days', () => {
    const monthOld = { ...node, createdAt: now - days(30) };
    const running = job({ state: 'Running', startedAt: now - days(6), endedAt: null, nodeSeconds: 0 });
    assert.deepEqual(liveVerdicts('TRL-COST-103', snapshotOf({ computes: [cluster()], nodes: [monthOld], jobs: [running] })), [
      'passed cpu',
    ]);
  });
});

describe('TRL-COST-104 stale environments', () => {
  const environments = [
    { name: 'old', version: '1', createdAt: now - days(200) },
    { name: 'old', version: '2', createdAt: now - days(120) },
  ];
  it('fails an environment no job or deployment used in 90 days, passes one a job or deployment used, skips young ones', () => {
    assert.deepEqual(liveVerdicts('TRL-COST-104', snapshotOf({ environments })), [
      'failed old: no job or deployment used any of its 2 version(s) in 90 d; the newest was made 120 d ago',
    ]);
    const used = job({ environment: { name: 'old', version: '1' }, submittedAt: now - days(10) });
    assert.deepEqual(liveVerdicts('TRL-COST-104', snapshotOf({ environments, jobs: [used] })), ['passed old']);
    const deployed = deployment({ environment: { name: 'old', version: '2' } });
    assert.deepEqual(liveVerdicts('TRL-COST-104', snapshotOf({ environments, deployments: [deployed] })), ['passed old']);
    assert.deepEqual(
      liveVerdicts('TRL-COST-104', snapshotOf({ environments: [{ name: 'new', version: '1', createdAt: now - days(5) }] })),
      [],
    );
  });
});

describe('TRL-OPS-101 unmonitored production deployment', () => {
  const snapshot = (monitors: Array<{ name: string; enabled: boolean; endpoint: string | null; deployment: string | null }>) =>
    snapshotOf({ deployments: [deployment({ tags: production })], monitors });
  it('fails with no monitor or a disabled one, passes with one watching the deployment or its whole endpoint', () => {
    assert.deepEqual(liveVerdicts('TRL-OPS-101', snapshot([])), ['failed ep/blue: no monitor watches it']);
    assert.deepEqual(liveVerdicts('TRL-OPS-101', snapshot([{ name: 'drift', enabled: false, endpoint: 'ep', deployment: 'blue' }])), [
      "failed ep/blue: its monitor(s) 'drift' are disabled",
    ]);
    assert.deepEqual(liveVerdicts('TRL-OPS-101', snapshot([{ name: 'drift', enabled: true, endpoint: 'ep', deployment: 'green' }])), [
      'failed ep/blue: no monitor watches it',
    ]);
    assert.deepEqual(liveVerdicts('TRL-OPS-101', snapshot([{ name: 'drift', enabled: true, endpoint: 'ep', deployment: 'blue' }])), [
      'passed ep/blue',
    ]);
    assert.deepEqual(liveVerdicts('TRL-OPS-101', snapshot([{ name: 'drift', enabled: true, endpoint: 'ep', deployment: null }])), [
      'passed ep/blue',
    ]);
  });
});

describe('TRL-OPS-102 model without lineage', () => {
  it('fails a model registered from files or gone, passes one a job or run made', () => {
    const deployments = [deployment()];
    assert.deepEqual(liveVerdicts('TRL-OPS-102', snapshotOf({ deployments, models: [{ name: 'm', version: '1', madeBy: null }] })), [
      'failed ep/blue: its model m:1 was registered from files: no job or run made it',
    ]);
    assert.deepEqual(liveVerdicts('TRL-OPS-102', snapshotOf({ deployments })), ['failed ep/blue: its model m:1 is no longer registered']);
    assert.deepEqual(
      liveVerdicts('TRL-OPS-102', snapshotOf({ deployments, models: [{ name: 'm', version: '1', madeBy: { run: 'r1' } }] })),
      ['passed ep/blue'],
    );
    assert.deepEqual(liveVerdicts('TRL-OPS-102', snapshotOf({ deployments: [deployment({ type: 'batch', model: null })] })), [
      'failed ep/blue: it serves no registered model',
    ]);
  });
});

describe('TRL-OPS-103 traffic without data collection', () => {
  const endpoints = (traffic: Record<string, number>) => [{ name: 'ep', type: 'online' as const, tags: {}, traffic }];
  it('fails a deployment taking traffic that collects nothing, passes one collecting, skips one without traffic', () => {
    assert.deepEqual(liveVerdicts('TRL-OPS-103', snapshotOf({ endpoints: endpoints({ blue: 90 }), deployments: [deployment()] })), [
      "failed ep/blue: it takes 90% of the endpoint's traffic and its data_collector keeps neither inputs nor outputs",
    ]);
    const collecting = deployment({ collectsData: true });
    assert.deepEqual(liveVerdicts('TRL-OPS-103', snapshotOf({ endpoints: endpoints({ blue: 90 }), deployments: [collecting] })), [
      'passed ep/blue',
    ]);
    assert.deepEqual(liveVerdicts('TRL-OPS-103', snapshotOf({ endpoints: endpoints({ blue: 0 }), deployments: [deployment()] })), []);
  });
});

describe('TRL-PERF-101 production without autoscale', () => {
  const verdict = (facts: Parameters<typeof deployment>[0]) =>
    liveVerdicts('TRL-PERF-101', snapshotOf({ deployments: [deployment({ tags: production, ...facts })] }));
  it('fails a fixed or pinned scale, passes target utilisation that can grow', () => {
    assert.deepEqual(verdict({ instanceCount: 3 }), ['failed ep/blue: scale_settings.type is default: 3 instance(s) whatever the load']);
    assert.deepEqual(verdict({ scaleType: 'target_utilization', minInstances: 2, maxInstances: 2 }), [
      'failed ep/blue: scale_settings.max_instances is 2, no more than min_instances (2): it cannot grow',
    ]);
    assert.deepEqual(verdict({ scaleType: 'target_utilization', minInstances: 2, maxInstances: 6 }), ['passed ep/blue']);
  });
});

describe('TRL-PERF-102 long queue waits', () => {
  const waited = (name: string, wait: number) =>
    job({ name, submittedAt: now - hours(3), dequeuedAt: now - hours(3) + wait, startedAt: now - hours(3) + wait });
  it('fails a compute whose median job waited over 15 minutes, passes short waits, counts jobs still queued, skips under 3 jobs', () => {
    const slow = [waited('a', minutes(40)), waited('b', minutes(50)), waited('c', minutes(1))];
    assert.deepEqual(liveVerdicts('TRL-PERF-102', snapshotOf({ jobs: slow })), [
      'failed cpu: the median wait in its queue was 40 min over 3 jobs of the last 7 d (longest 50 min)',
    ]);
    const quick = [waited('a', minutes(2)), waited('b', minutes(1)), waited('c', minutes(30))];
    assert.deepEqual(liveVerdicts('TRL-PERF-102', snapshotOf({ jobs: quick })), ['passed cpu']);
    const queued = job({ name: 'q', state: 'Queued', submittedAt: now - hours(2), dequeuedAt: null, startedAt: null, endedAt: null });
    assert.deepEqual(liveVerdicts('TRL-PERF-102', snapshotOf({ jobs: [...quick.slice(0, 1), queued, { ...queued, name: 'q2' }] })), [
      'failed cpu: the median wait in its queue was 2 h over 3 jobs of the last 7 d (longest 2 h)',
    ]);
    assert.deepEqual(liveVerdicts('TRL-PERF-102', snapshotOf({ jobs: slow.slice(0, 2) })), []);
  });
});
