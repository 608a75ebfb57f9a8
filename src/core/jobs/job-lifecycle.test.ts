import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialProgress, InvalidTransition, transition, type JobEvent, type JobProgress } from './job-lifecycle.js';

const policy = { maxInfrastructureRetries: 2 };

function run(events: JobEvent[], from: JobProgress = initialProgress()): JobProgress {
  return events.reduce((progress, event) => transition(progress, event, policy), from);
}

describe('job lifecycle', () => {
  it('goes Queued → Preparing → Running → Finalizing → Completed on a clean exit', () => {
    const done = run([
      { type: 'start-preparing' },
      { type: 'start-running' },
      { type: 'process-exited', exitCode: 0 },
      { type: 'outputs-saved' },
    ]);
    assert.deepEqual(done, { state: 'Completed', reason: null, retries: 0, exitCode: 0 });
  });

  it('fails on a non-zero exit with the exit code as the reason, and does not retry user code', () => {
    const failed = run([{ type: 'start-preparing' }, { type: 'start-running' }, { type: 'process-exited', exitCode: 3 }]);
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.exitCode, 3);
    assert.match(failed.reason ?? '', /exited with code 3/);
  });

  it('requeues after an eviction until the retry limit, then fails saying so', () => {
    const running = [{ type: 'start-preparing' }, { type: 'start-running' }] as JobEvent[];
    const evicted: JobEvent = { type: 'infrastructure-failed', reason: 'node evicted (low priority)' };
    const once = run([...running, evicted]);
    assert.equal(once.state, 'Queued');
    assert.match(once.reason ?? '', /retry 1 of 2/);
    const twice = run([...running, evicted], once);
    assert.equal(twice.retries, 2);
    const gaveUp = run([...running, evicted], twice);
    assert.equal(gaveUp.state, 'Failed');
    assert.match(gaveUp.reason ?? '', /gave up after 2 infrastructure retries/);
  });

  it('stops at the timeout and can be canceled from any live state', () => {
    assert.match(
      run([{ type: 'start-preparing' }, { type: 'start-running' }, { type: 'timed-out', timeoutSeconds: 60 }]).reason ?? '',
      /limits.timeout \(60 s\)/,
    );
    assert.equal(run([{ type: 'cancel', by: 'local:ana' }]).state, 'Canceled');
  });

  it('refuses moves that cannot happen, and any move out of a final state', () => {
    assert.throws(() => run([{ type: 'start-running' }]), InvalidTransition);
    const canceled = run([{ type: 'cancel', by: 'x' }]);
    assert.throws(() => transition(canceled, { type: 'start-preparing' }, policy), /a Canceled job cannot take 'start-preparing'/);
  });
});
