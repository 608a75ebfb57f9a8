import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstanceWaiters } from './instance-waiters.js';

describe('InstanceWaiters', () => {
  it('resolves every readiness waiter when ready, and each times out on its own', async () => {
    const waiters = new InstanceWaiters();
    const first = waiters.untilReady(1_000, () => new Error('first timed out'));
    const hasty = waiters.untilReady(10, () => new Error('hasty timed out'));
    await assert.rejects(hasty, /hasty timed out/);
    waiters.markReady();
    await first;
  });

  it('rejects readiness waiters and releases idle waiters when the instance fails', async () => {
    const waiters = new InstanceWaiters();
    const ready = waiters.untilReady(1_000, () => new Error('timed out'));
    const idle = waiters.untilIdle();
    waiters.fail(new Error('the model could not load'));
    await assert.rejects(ready, /could not load/);
    await idle;
  });

  it('releases idle waiters when the last call ends, once', async () => {
    const waiters = new InstanceWaiters();
    let released = 0;
    void waiters.untilIdle().then(() => released++);
    waiters.markIdle();
    waiters.markIdle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released, 1);
  });
});
