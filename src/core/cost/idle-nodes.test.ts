import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { idleNodeIntervals, type NodeLifetime } from './idle-nodes.js';
import type { UsageInterval } from './usage-interval.js';

const cluster = { workspace: 'dev', compute: 'cpu', size: 'Standard_DS3_v2', tier: 'dedicated' };

describe('idle nodes', () => {
  it('charges a node to the compute while it runs no job', () => {
    // One node up from 0 to 100; a job holds it from 10 to 60; the node waits out its idle time.
    const nodes: NodeLifetime[] = [{ ...cluster, start: 0, end: 100 }];
    const jobs: UsageInterval[] = [{ ...cluster, kind: 'job-node', start: 10, end: 60, job: { name: 'train' }, tags: {} }];
    const idle = idleNodeIntervals(nodes, jobs, () => ({ team: 'platform' }));
    assert.deepEqual(
      idle.map((interval) => [interval.kind, interval.start, interval.end, interval.count, interval.tags.team]),
      [
        ['idle-node', 0, 10, 1, 'platform'],
        ['idle-node', 60, 100, 1, 'platform'],
      ],
    );
  });

  it('counts the idle nodes of a cluster at each instant, a live one left open', () => {
    // min_instances 2: two nodes always up; a 2-node job takes both from 10 to 20, a 1-node job one from 30.
    const nodes: NodeLifetime[] = [
      { ...cluster, start: 0, end: null },
      { ...cluster, start: 0, end: null },
    ];
    const jobs: UsageInterval[] = [
      { ...cluster, kind: 'job-node', count: 2, start: 10, end: 20, tags: {} },
      { ...cluster, kind: 'job-node', start: 30, end: null, tags: {} },
      // Another compute's job frees none of these.
      { ...cluster, compute: 'gpu', kind: 'job-node', start: 0, end: 50, tags: {} },
    ];
    assert.deepEqual(
      idleNodeIntervals(nodes, jobs).map((interval) => [interval.start, interval.end, interval.count]),
      [
        [0, 10, 2],
        [20, 30, 2],
        [30, null, 1],
      ],
    );
  });
});
