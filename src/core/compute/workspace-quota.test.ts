import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from './cluster-scheduler.js';
import { familyOf, quotaFor, quotaRoom, quotasSchema, quotaUsage } from './workspace-quota.js';

describe('workspace quotas', () => {
  it('uses the workspace entry, then the * entry, then none', () => {
    const quotas = quotasSchema.parse({ '*': { max_nodes: 4 }, research: { max_nodes: 10 } });
    assert.deepEqual(quotaFor(quotas, 'research'), { max_nodes: 10 });
    assert.deepEqual(quotaFor(quotas, 'other'), { max_nodes: 4 });
    assert.deepEqual(quotaFor({}, 'other'), {});
  });

  it('refuses quota settings it does not know, naming the field', () => {
    const result = quotasSchema.safeParse({ default: { max_node: 3 } });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /max_node/);
  });

  it('counts every live node of the workspace against max_nodes and the vCPUs of the family against its quota', () => {
    const nodes = [{ size: 'Standard_DS3_v2' }, { size: 'Standard_DS3_v2' }, { size: 'Standard_F4s_v2' }];
    const room = quotaRoom({ max_nodes: 5, max_vcpus_per_family: { standardDSv2Family: 12 } }, nodes, familyOf('Standard_DS3_v2'));
    assert.deepEqual(room, { nodes: 2, vcpusInFamily: 4 });
    assert.deepEqual(quotaRoom({}, nodes, 'standardDSv2Family'), { nodes: undefined, vcpusInFamily: undefined });
    // The machines of an attached Slurm cluster are not the workspace's to count.
    assert.deepEqual(quotaRoom({ max_nodes: 5 }, [...nodes, { size: 'Standard_DS3_v2', tier: 'attached' }], 'standardDSv2Family'), {
      nodes: 2,
      vcpusInFamily: undefined,
    });
    // Over quota (lowered while nodes run) means no room, not negative room.
    assert.deepEqual(quotaRoom({ max_nodes: 1 }, nodes, 'x'), { nodes: 0, vcpusInFamily: undefined });
  });

  it('keeps a job queued with the quota as its reason when the family has no vCPUs left', () => {
    const family = familyOf('Standard_DS3_v2');
    const room = quotaRoom({ max_vcpus_per_family: { [family]: 4 } }, [{ size: 'Standard_DS3_v2' }], family);
    const decision = decide(
      0,
      { minInstances: 0, maxInstances: 4, idleSeconds: 120, vcpusPerNode: 4, family },
      [{ id: 'n1', state: 'busy' }],
      [{ name: 'j', priority: 2, submittedAt: 0, instanceCount: 1 }],
      room,
    );
    assert.equal(decision.addNodes, 0);
    assert.deepEqual(decision.start, []);
    assert.match(decision.waiting[0]?.reason ?? '', /vCPU quota for the standardDSv2Family family/);
  });

  it('reports use against each quota, and families in use without one', () => {
    const usage = quotaUsage({ max_nodes: 8, max_vcpus_per_family: { standardNCSv3Family: 24 } }, [
      { size: 'Standard_DS3_v2' },
      { size: 'Standard_DS4_v2' },
    ]);
    assert.deepEqual(usage, [
      { name: 'nodes', family: null, current: 2, limit: 8 },
      { name: 'vcpus', family: 'standardDSv2Family', current: 12, limit: null },
      { name: 'vcpus', family: 'standardNCSv3Family', current: 0, limit: 24 },
    ]);
  });
});
