import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { FakeTimers, settle } from './fake-timers.js';
import { ReconcileLoop, type ReconcileLoopOptions } from './reconcile-loop.js';

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** A pass the test finishes by hand, to see what happens while one is in flight. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function makeLoop(reconcile: ReconcileLoopOptions['reconcile'], options: Partial<ReconcileLoopOptions> = {}) {
  const timers = new FakeTimers(1_000);
  const { logger, lines } = capturingLogger();
  const loop = new ReconcileLoop({ name: 'test loop', reconcile, intervalMs: 1_000, timers, logger, ...options });
  return { loop, timers, lines };
}

test('a pass runs at start and then at each tick', async () => {
  let passes = 0;
  const { loop, timers } = makeLoop(async () => {
    passes++;
  });
  loop.start();
  await loop.idle();
  assert.equal(passes, 1);
  await timers.advance(999);
  assert.equal(passes, 1);
  await timers.advance(1);
  assert.equal(passes, 2);
  await timers.advance(3_000);
  assert.equal(passes, 5);
  await loop.close();
});

test('wakes during a pass fold into exactly one more pass, never two at once', async () => {
  const gates = [gate(), gate()];
  let passes = 0;
  let concurrent = 0;
  let mostConcurrent = 0;
  const { loop } = makeLoop(async () => {
    concurrent++;
    mostConcurrent = Math.max(mostConcurrent, concurrent);
    await gates[passes++]?.opened;
    concurrent--;
  });
  loop.wake();
  await settle();
  loop.wake();
  loop.wake();
  loop.wake();
  assert.equal(passes, 1);
  gates[0]!.open();
  await settle();
  assert.equal(passes, 2);
  gates[1]!.open();
  await loop.idle();
  assert.equal(passes, 2);
  assert.equal(mostConcurrent, 1);
});

test('while the last pass found nothing to do, ticks come at the idle interval; work brings the short one back', async () => {
  let hasWork = false;
  let passes = 0;
  const { loop, timers } = makeLoop(
    async () => {
      passes++;
      return hasWork;
    },
    { idleIntervalMs: 10_000 },
  );
  loop.start();
  await loop.idle();
  assert.equal(passes, 1);
  await timers.advance(5_000);
  assert.equal(passes, 1, 'idle: no tick before 10 s');
  await timers.advance(5_000);
  assert.equal(passes, 2);
  hasWork = true;
  loop.wake();
  await loop.idle();
  assert.equal(passes, 3);
  await timers.advance(1_000);
  assert.equal(passes, 4, 'busy: the next tick is one interval after the pass that found work');
  await timers.advance(1_000);
  assert.equal(passes, 5);
  await loop.close();
});

test('without an idle interval, a pass with nothing to do keeps the tick interval', async () => {
  let passes = 0;
  const { loop, timers } = makeLoop(async () => {
    passes++;
    return false;
  });
  loop.start();
  await timers.advance(2_000);
  assert.equal(passes, 3);
  await loop.close();
});

test('close waits for the pass in flight, then nothing runs any more', async () => {
  const first = gate();
  let passes = 0;
  let finished = false;
  const { loop, timers } = makeLoop(async () => {
    passes++;
    await first.opened;
    finished = true;
  });
  loop.start();
  await settle();
  loop.wake();
  let closed = false;
  const closing = loop.close().then(() => (closed = true));
  await settle();
  assert.equal(closed, false, 'close waits for the pass');
  first.open();
  await closing;
  assert.equal(finished, true);
  assert.equal(passes, 1, 'the wake folded into the closed loop runs no more passes');
  loop.wake();
  await timers.advance(5_000);
  assert.equal(passes, 1);
  assert.equal(timers.pending, 0, 'no timer is left behind');
});

test('a pass that throws is logged with the loop it was, and the next pass still runs', async () => {
  let passes = 0;
  const { loop, timers, lines } = makeLoop(async () => {
    passes++;
    if (passes === 1) throw new Error('the store went away');
  });
  loop.start();
  await loop.idle();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.loop, 'test loop');
  assert.match(String(lines[0]!.msg), /test loop: a reconcile pass failed/);
  assert.match(String((lines[0]!.err as { message: string }).message), /the store went away/);
  await timers.advance(1_000);
  assert.equal(passes, 2);
  assert.equal(lines.length, 1);
  await loop.close();
});
