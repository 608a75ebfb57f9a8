import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WaitQueue, type Timers } from './wait-queue.js';

/** Timers that fire only when the test moves the clock. */
function manualTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now) continue;
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => timers.size,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('WaitQueue', () => {
  it('hands values out first come first served', async () => {
    const queue = new WaitQueue<string>(manualTimers());
    const first = queue.wait(100, () => new Error('late'));
    const second = queue.wait(100, () => new Error('late'));
    assert.equal(queue.length, 2);
    assert.equal(queue.handOut('a'), true);
    assert.equal(queue.handOut('b'), true);
    assert.equal(queue.handOut('c'), false);
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
    assert.equal(queue.length, 0);
  });

  it('fails a waiter after its wait, and skips it when handing out', async () => {
    const timers = manualTimers();
    const queue = new WaitQueue<number>(timers);
    const short = queue.wait(10, () => new Error('queue full'));
    const long = queue.wait(50, () => new Error('queue full'));
    timers.advance(20);
    await assert.rejects(short, /queue full/);
    assert.equal(queue.length, 1);
    assert.equal(queue.handOut(7), true);
    assert.equal(await long, 7);
    assert.equal(timers.pending(), 0, 'a handed-out waiter leaves no timer behind');
  });

  it('rejects every waiter at once when the deployment stops', async () => {
    const queue = new WaitQueue<number>(manualTimers());
    const waits = [queue.wait(10, () => new Error('late')), queue.wait(10, () => new Error('late'))];
    queue.rejectAll(new Error('draining'));
    for (const wait of waits) await assert.rejects(wait, /draining/);
    assert.equal(queue.length, 0);
    assert.equal(queue.handOut(1), false);
  });

  it('keeps order across many waiters handed out and expired', async () => {
    const timers = manualTimers();
    const queue = new WaitQueue<number>(timers);
    const results: Array<number | string> = [];
    for (let index = 0; index < 3000; index++) {
      queue
        .wait(index % 3 === 0 ? 5 : 1_000, () => new Error('late'))
        .then(
          (value) => results.push(value),
          () => results.push('late'),
        );
    }
    timers.advance(10);
    for (let value = 0; value < 2000; value++) queue.handOut(value);
    await settle();
    assert.equal(results.filter((result) => result === 'late').length, 1000);
    assert.deepEqual(results.filter((result) => result !== 'late').slice(0, 3), [0, 1, 2]);
    assert.equal(queue.length, 0);
  });
});
