import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { RequestStats } from './request-stats.js';
import {
  abortRollout,
  observationFrom,
  observationWindow,
  planRollout,
  stepRollout,
  weightsAtStep,
  type RolloutObservation,
  type RolloutRequest,
  type RolloutState,
} from './rollout.js';

const INTERVAL = 30_000;
const request: RolloutRequest = {
  steps: [10, 50, 100],
  from: { blue: 100, green: 0 },
  to: 'green',
  intervalMs: INTERVAL,
  bounds: { maxErrorRate: 0.01, maxP99Ms: 800 },
  deploymentNames: ['blue', 'green'],
};
const healthy: RolloutObservation = { requests: 200, errorRate: 0.005, p99Ms: 300 };

/** Start a rollout at t=0 and return the state observing step 1. */
function started(overrides: Partial<RolloutRequest> = {}): RolloutState {
  return stepRollout(planRollout({ ...request, ...overrides }), undefined, 0).state;
}

describe('weightsAtStep', () => {
  it('gives the candidate its share and the rest to the others in proportion', () => {
    assert.deepEqual(weightsAtStep({ blue: 100, green: 0 }, 'green', 10), { blue: 90, green: 10 });
    assert.deepEqual(weightsAtStep({ blue: 80, red: 20 }, 'green', 50), { blue: 40, red: 10, green: 50 });
    assert.deepEqual(weightsAtStep({ blue: 80, red: 20 }, 'green', 100), { blue: 0, red: 0, green: 100 });
  });

  it('always adds up to 100 in whole percentages, largest remainder first', () => {
    const weights = weightsAtStep({ a: 33, b: 33, c: 34 }, 'green', 10);
    assert.equal(
      Object.values(weights).reduce((sum, value) => sum + value, 0),
      100,
    );
    assert.deepEqual(weights, { a: 30, b: 30, c: 30, green: 10 });
    assert.deepEqual(weightsAtStep({ a: 50, b: 25, c: 25 }, 'green', 7), { a: 47, b: 23, c: 23, green: 7 });
    assert.deepEqual(weightsAtStep({ b: 50, a: 50 }, 'green', 11), { a: 45, b: 44, green: 11 });
  });
});

describe('planRollout', () => {
  it('starts pending, with the weights of every step computed once', () => {
    const state = planRollout(request);
    assert.equal(state.phase, 'pending');
    assert.deepEqual(state.plan.stepWeights, [
      { blue: 90, green: 10 },
      { blue: 50, green: 50 },
      { blue: 0, green: 100 },
    ]);
    assert.equal(state.plan.minRequests, 20);
    assert.equal(state.plan.maxExtensions, 3);
    assert.equal(state.plan.onInsufficientTraffic, 'rollback');
    assert.ok(Object.isFrozen(state.plan) && Object.isFrozen(state.plan.from));
  });

  it('lists the candidate in the original weights even when the traffic left it out', () => {
    assert.deepEqual(planRollout({ ...request, from: { blue: 100 } }).plan.from, { blue: 100, green: 0 });
  });

  it('rejects a bad request, naming every flag to fix', () => {
    assert.throws(
      () =>
        planRollout({
          ...request,
          steps: [50, 40, 120],
          to: 'gren',
          intervalMs: 0,
          bounds: { maxErrorRate: 5, maxP99Ms: -1, minRequests: 0 },
        }),
      (error) => {
        if (!isTrellisError(error) || error.code !== 'InvalidInput') return false;
        const paths = error.problems.map((problem) => problem.path);
        return ['--to', '--steps', '--interval', '--max-error-rate', '--max-p99-ms', '--min-requests'].every((path) =>
          paths.includes(path),
        );
      },
    );
  });

  it('requires steps above what the candidate already gets, and traffic that adds up to 100', () => {
    assert.throws(
      () => planRollout({ ...request, from: { blue: 80, green: 20 }, steps: [10, 100] }),
      /green already gets 20%; start the steps above 20/,
    );
    assert.throws(() => planRollout({ ...request, from: { blue: 0, green: 0 } }), /adds up to 0/);
  });

  it('refuses to roll out a deployment that receives mirrored traffic', () => {
    assert.throws(
      () => planRollout({ ...request, mirror: { green: 10 } }),
      /green receives mirrored traffic.*set mirror_traffic.green to 0 first/,
    );
    assert.equal(planRollout({ ...request, mirror: { green: 0 } }).phase, 'pending');
  });

  it('refuses partial steps when no other deployment has traffic to split with', () => {
    assert.throws(
      () => planRollout({ ...request, from: { green: 0, blue: 0 }, steps: [10, 100] }),
      /nothing to split with green; use --steps 100/,
    );
  });
});

describe('stepRollout', () => {
  it('walks 10 → 50 → 100 while the candidate stays within bounds, auditing each move', () => {
    let state = planRollout(request);
    const first = stepRollout(state, undefined, 0);
    assert.deepEqual(first.action, { kind: 'set-traffic', weights: { blue: 90, green: 10 } });
    assert.match(first.audit!.reason, /start: step 1 of 3 sends 10% to green \(blue 90%, green 10%\)/);
    state = first.state;

    const waiting = stepRollout(state, healthy, 10_000);
    assert.deepEqual(waiting.action, { kind: 'wait', untilMs: INTERVAL });
    assert.equal(waiting.audit, undefined);

    const second = stepRollout(state, healthy, INTERVAL);
    assert.deepEqual(second.action, { kind: 'set-traffic', weights: { blue: 50, green: 50 } });
    assert.match(
      second.audit!.reason,
      /step 1 passed: 200 requests, error rate 0.5%, p99 300 ms within --max-error-rate 1% and --max-p99-ms 800; next: step 2 of 3/,
    );
    assert.deepEqual(second.audit!.observation, healthy);

    const third = stepRollout(second.state, healthy, 2 * INTERVAL);
    assert.deepEqual(third.action, { kind: 'set-traffic', weights: { blue: 0, green: 100 } });
    const done = stepRollout(third.state, healthy, 3 * INTERVAL);
    assert.deepEqual(done.action, { kind: 'done', weights: { blue: 0, green: 100 } });
    assert.match(done.audit!.reason, /rollout complete: green gets 100%/);
    assert.deepEqual(
      done.state.audit.map((record) => [record.step, record.decision]),
      [
        [1, 'set-traffic'],
        [2, 'set-traffic'],
        [3, 'set-traffic'],
        [3, 'done'],
      ],
    );
  });

  it('rolls back at once, mid-interval, when the error rate breaks the bound', () => {
    const state = started();
    const result = stepRollout(state, { requests: 50, errorRate: 0.04, p99Ms: 100 }, 5_000);
    assert.deepEqual(result.action, {
      kind: 'rollback',
      weights: { blue: 100, green: 0 },
      reason: 'step 1 (10% to green): error rate 4% is above --max-error-rate 1% over 50 requests; rolled back to blue 100%, green 0%',
    });
    assert.equal(result.state.phase, 'rolled-back');
    assert.equal(result.audit!.decision, 'rollback');
    assert.deepEqual(result.audit!.weights, { blue: 100, green: 0 });
  });

  it('rolls back when p99 breaks the bound, naming both breaches when both happen', () => {
    const slow = stepRollout(started(), { requests: 40, errorRate: 0, p99Ms: 1200 }, 1_000);
    assert.equal(slow.action.kind, 'rollback');
    assert.match(slow.audit!.reason, /p99 1200 ms is above --max-p99-ms 800/);
    const both = stepRollout(started(), { requests: 40, errorRate: 0.5, p99Ms: 1200 }, 1_000);
    assert.match(both.audit!.reason, /error rate 50% is above --max-error-rate 1% and p99 1200 ms is above --max-p99-ms 800/);
  });

  it('does not judge latency when no p99 bound is set', () => {
    const state = started({ bounds: { maxErrorRate: 0.01 } });
    assert.equal(stepRollout(state, { requests: 40, errorRate: 0, p99Ms: 99_999 }, INTERVAL).action.kind, 'set-traffic');
  });

  it('does not judge a step on fewer than minRequests, however bad it looks', () => {
    const state = started();
    assert.equal(stepRollout(state, { requests: 19, errorRate: 1, p99Ms: 5000 }, 1_000).action.kind, 'wait');
  });

  it('extends the wait for too little traffic, then rolls back by default', () => {
    let state = started();
    const few = { requests: 5, errorRate: 0, p99Ms: 10 };
    const extensions: number[] = [];
    for (let extension = 1; extension <= 3; extension += 1) {
      const result = stepRollout(state, few, extension * INTERVAL);
      assert.deepEqual(result.action, { kind: 'wait', untilMs: (extension + 1) * INTERVAL });
      assert.equal(result.audit!.decision, 'extend-wait');
      assert.match(result.audit!.reason, new RegExp(`waiting one more interval \\(${extension} of 3\\)`));
      // Polls inside the extended interval are plain waits.
      assert.equal(stepRollout(result.state, few, extension * INTERVAL + 1).audit, undefined);
      extensions.push(result.state.extensions);
      state = result.state;
    }
    assert.deepEqual(extensions, [1, 2, 3]);
    const result = stepRollout(state, few, 4 * INTERVAL);
    assert.equal(result.action.kind, 'rollback');
    assert.match(
      result.audit!.reason,
      /too little traffic to judge green \(5 request\(s\) in 4 interval\(s\), 20 needed to judge\); rerun with a longer --interval/,
    );
  });

  it('passes a step once enough traffic arrives during an extension', () => {
    const extended = stepRollout(started(), { requests: 3, errorRate: 0, p99Ms: 10 }, INTERVAL).state;
    const result = stepRollout(extended, { requests: 25, errorRate: 0, p99Ms: 10 }, 2 * INTERVAL);
    assert.deepEqual(result.action, { kind: 'set-traffic', weights: { blue: 50, green: 50 } });
    assert.equal(result.state.extensions, 0);
  });

  it('proceeds unjudged for lack of traffic when so configured, and says so', () => {
    const state = started({ bounds: { maxErrorRate: 0.01, maxExtensions: 0, onInsufficientTraffic: 'proceed' } });
    const result = stepRollout(state, undefined, INTERVAL);
    assert.equal(result.action.kind, 'set-traffic');
    assert.match(result.audit!.reason, /step 1 passed unjudged: too little traffic \(0 request\(s\) in 1 interval\(s\)/);
  });

  it('repeats the final action once finished, without new audit records', () => {
    const rolledBack = stepRollout(started(), { requests: 50, errorRate: 1, p99Ms: 1 }, 1).state;
    const again = stepRollout(rolledBack, healthy, 999_999);
    assert.equal(again.action.kind, 'rollback');
    assert.equal(again.audit, undefined);
    assert.equal(again.state, rolledBack);

    const single = planRollout({ ...request, steps: [100] });
    const done = stepRollout(stepRollout(single, undefined, 0).state, healthy, INTERVAL).state;
    assert.equal(done.phase, 'done');
    assert.deepEqual(stepRollout(done, undefined, 10 * INTERVAL).action, { kind: 'done', weights: { blue: 0, green: 100 } });
  });

  it('keeps the state plain JSON, so a restarted controller carries on from the stored status', () => {
    const state = started();
    const restored = JSON.parse(JSON.stringify(state)) as RolloutState;
    assert.deepEqual(stepRollout(restored, healthy, INTERVAL).action, stepRollout(state, healthy, INTERVAL).action);
  });
});

describe('abortRollout', () => {
  it('rolls back by hand with the reason given', () => {
    const result = abortRollout(started(), 'operator asked', 1_000);
    assert.equal(result.action.kind, 'rollback');
    assert.match(result.audit!.reason, /^aborted: operator asked; rolled back to blue 100%, green 0%/);
  });

  it('does nothing more to a finished rollout', () => {
    const done = stepRollout(started({ steps: [100] }), healthy, INTERVAL).state;
    assert.equal(abortRollout(done, 'late', 2 * INTERVAL).action.kind, 'done');
  });
});

describe('observations', () => {
  it('reads the candidate since its step began from request stats', () => {
    const stats = new RequestStats();
    stats.observe('green', 500, 50, 500); // before the step began
    const state = stepRollout(planRollout(request), undefined, 1_000).state;
    for (let index = 0; index < 30; index += 1) stats.observe('green', index === 0 ? 503 : 200, 100, 2_000 + index * 100);
    const window = observationWindow(state, 10_000)!;
    assert.deepEqual(window, { deployment: 'green', windowMs: 9_000 });
    const observation = observationFrom(stats.snapshot(window.deployment, window.windowMs, 10_000));
    assert.equal(observation.requests, 30);
    assert.equal(observation.errorRate, 1 / 30);
    assert.equal(observationWindow(planRollout(request), 0), undefined);
  });
});
