import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, type GroupedUnit, maxGroupSize } from './group-commit.js';

/** A group runner like the store's: runs each unit, then "commits" (or fails to) and acknowledges. */
function recorder(commitFails = false) {
  const groups: number[] = [];
  const runGroup = async (units: GroupedUnit<string>[]) => {
    groups.push(units.length);
    const succeeded: GroupedUnit<string>[] = [];
    for (const unit of units) {
      try {
        await unit.run('repositories');
        succeeded.push(unit);
      } catch (error) {
        unit.reject(error);
      }
    }
    if (commitFails) throw new Error('disk full');
    for (const unit of succeeded) unit.acknowledge();
  };
  return { groups, commit: new GroupCommit<string>(runGroup) };
}

describe('GroupCommit', () => {
  it('runs calls of one turn in one group and answers each with its own result', async () => {
    const { groups, commit } = recorder();
    const results = await Promise.all([1, 2, 3].map((n) => commit.submit(async (repositories) => `${repositories}:${n}`)));
    assert.deepEqual(results, ['repositories:1', 'repositories:2', 'repositories:3']);
    assert.deepEqual(groups, [3]);
  });

  it('fails only the call whose work failed', async () => {
    const { commit } = recorder();
    const outcomes = await Promise.allSettled([
      commit.submit(async () => 'a'),
      commit.submit(async () => {
        throw new Error('refused');
      }),
      commit.submit(async () => 'c'),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
  });

  it('acknowledges nothing when the commit fails', async () => {
    const { commit } = recorder(true);
    const outcomes = await Promise.allSettled([commit.submit(async () => 'a'), commit.submit(async () => 'b')]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['rejected', 'rejected'],
    );
  });

  it('caps a group and runs the rest in the next', async () => {
    const { groups, commit } = recorder();
    await Promise.all(Array.from({ length: maxGroupSize + 5 }, (_, n) => commit.submit(async () => n)));
    assert.deepEqual(groups, [maxGroupSize, 5]);
  });
});
