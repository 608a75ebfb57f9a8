import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type ClusterShape, type NodeState, type QueuedJob } from './cluster-scheduler.js';

const cluster: ClusterShape = { minInstances: 0, maxInstances: 4, idleSeconds: 120, vcpusPerNode: 4, family: 'DSv2' };
const job = (name: string, instanceCount = 1, priority = 2, submittedAt = 0): QueuedJob => ({ name, instanceCount, priority, submittedAt });
const idle = (id: string, idleSince = 0): NodeState => ({ id, state: 'idle', idleSince });

describe('cluster scheduler', () => {
  it('scales up from zero for a waiting job and says why it waits', () => {
    const decision = decide(0, cluster, [], [job('train', 2)]);
    assert.equal(decision.addNodes, 2);
    assert.deepEqual(decision.waiting, [{ job: 'train', reason: 'waiting for 2 node(s) to start' }]);
  });

  it('starts jobs on idle nodes, highest priority first, then in order of submission', () => {
    const decision = decide(
      0,
      cluster,
      [idle('n1'), idle('n2')],
      [job('late-low', 1, 1, 1), job('second', 1, 2, 5), job('first', 1, 2, 3)],
    );
    assert.deepEqual(
      decision.start.map((start) => start.job),
      ['first', 'second'],
    );
    assert.deepEqual(
      decision.waiting.map((wait) => wait.job),
      ['late-low'],
    );
    assert.equal(decision.addNodes, 1);
  });

  it('never lets a small job jump a big one that waits (no starvation)', () => {
    const decision = decide(
      0,
      { ...cluster, maxInstances: 2 },
      [idle('n1'), { id: 'n2', state: 'busy' }],
      [job('big', 2, 2, 0), job('small', 1, 2, 1)],
    );
    assert.deepEqual(decision.start, []);
    assert.match(decision.waiting[0]!.reason, /at max_instances \(2\)/);
    assert.match(decision.waiting[1]!.reason, /queued behind job 'big'/);
  });

  it('keeps a job queued with the quota as the reason, never failing it', () => {
    const decision = decide(0, cluster, [], [job('train', 2)], { vcpusInFamily: 4 });
    assert.equal(decision.addNodes, 1);
    assert.match(decision.waiting[0]!.reason, /vCPU quota for the DSv2 family has room for 1 more node/);
    const noNodes = decide(0, cluster, [], [job('train', 1)], { nodes: 0 });
    assert.equal(noNodes.addNodes, 0);
    assert.match(noNodes.waiting[0]!.reason, /max_nodes quota/);
  });

  it('removes nodes idle past idle_time_before_scale_down, down to min_instances', () => {
    const nodes = [idle('old', 0), idle('older', -10_000), idle('fresh', 100_000)];
    const decision = decide(130_000, { ...cluster, minInstances: 1 }, nodes, []);
    assert.deepEqual(decision.removeNodes, ['older', 'old']);
    const scaledToZero = decide(500_000, cluster, nodes, []);
    assert.equal(scaledToZero.removeNodes.length, 3);
  });

  it('keeps min_instances running with nothing queued', () => {
    assert.equal(decide(0, { ...cluster, minInstances: 2 }, [], []).addNodes, 2);
  });

  it('refuses to wait forever for more nodes than the cluster can ever have', () => {
    const decision = decide(0, cluster, [], [job('huge', 5)]);
    assert.equal(decision.addNodes, 0);
    assert.match(decision.waiting[0]!.reason, /needs 5 nodes but the cluster's max_instances is 4/);
  });
});
