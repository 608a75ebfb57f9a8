import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { decideScale, defaultCooldownMs, instancesFor, type ConcurrencySample, type ScaleInput } from './autoscale.js';

/** Samples one second apart ending at `now`, from total concurrencies (in flight; queued given separately). */
const samples = (demands: number[], queuedAtEnd = 0): ConcurrencySample[] =>
  demands.map((demand, index) => ({
    at: 100_000 - (demands.length - 1 - index) * 1000,
    inFlight: demand,
    queued: index === demands.length - 1 ? queuedAtEnd : 0,
  }));

const base: ScaleInput = {
  now: 100_000,
  current: 2,
  min: 1,
  max: 10,
  targetUtilizationPercent: 70,
  maxConcurrentPerInstance: 2,
  samples: samples([2, 2, 2]),
  lastScaleAt: undefined,
  cooldownMs: 300_000,
  queueWaitingMs: 0,
};

describe('instancesFor', () => {
  it('divides demand by the per-instance target, rounding up, without floating-point drift', () => {
    assert.equal(instancesFor(7, 1, 70), 10);
    assert.equal(instancesFor(7.1, 1, 70), 11);
    assert.equal(instancesFor(14, 2, 70), 10);
    assert.equal(instancesFor(0, 2, 70), 0);
    assert.equal(instancesFor(1, 1, 100), 1);
  });
});

describe('defaultCooldownMs', () => {
  it('is 20 polling intervals, as azureml-fe removes replicas', () => {
    assert.equal(defaultCooldownMs(10_000), 200_000);
  });
});

describe('decideScale', () => {
  it('holds when utilization is near the target', () => {
    const decision = decideScale({ ...base, samples: samples([2, 3, 2]) });
    assert.equal(decision.action, 'hold');
    assert.equal(decision.desired, 2);
    assert.equal(decision.utilizationPercent, 58.3);
  });

  it('reports utilization as average concurrency over max_concurrent_requests_per_instance', () => {
    assert.equal(decideScale({ ...base, samples: samples([1, 3]) }).utilizationPercent, 50);
  });

  it('scales out at once when the window average is above the target, ignoring the cooldown', () => {
    const decision = decideScale({ ...base, samples: samples([4, 4, 4]), lastScaleAt: base.now - 1000 });
    assert.equal(decision.action, 'scale-out');
    assert.equal(decision.desired, 3); // 4 / (2 × 0.7) = 2.86
    assert.match(decision.reason, /utilization 100% \(target 70%\); adding 1 instance/);
  });

  it('meets a ramp with the latest sample rather than the lagging average', () => {
    const decision = decideScale({ ...base, samples: samples([1, 2, 3, 4, 9]) });
    assert.equal(decision.desired, 4); // at most double: 9 / 1.4 needs 7
  });

  it('at most doubles per step', () => {
    const decision = decideScale({ ...base, current: 2, samples: samples([20, 20]) });
    assert.equal(decision.desired, 4);
  });

  it('scales out immediately when requests queue, by at least one instance', () => {
    const decision = decideScale({ ...base, samples: samples([1, 1, 2], 1), queueWaitingMs: 40, lastScaleAt: base.now - 10 });
    assert.equal(decision.action, 'scale-out');
    assert.equal(decision.desired, 3);
    assert.match(decision.reason, /1 request\(s\) queued, the oldest waiting 40 ms; adding 1 instance/);
  });

  it('treats a waiting request as queueing even when the latest sample shows none', () => {
    assert.equal(decideScale({ ...base, samples: samples([1]), queueWaitingMs: 5 }).action, 'scale-out');
  });

  it('counts an instance that is still starting as the extra one, so repeated polls do not pile up instances', () => {
    const decision = decideScale({ ...base, current: 3, ready: 2, samples: samples([2, 2], 1), queueWaitingMs: 100 });
    assert.equal(decision.action, 'hold');
    assert.match(decision.reason, /1 instance\(s\) already starting/);
  });

  it('says so when requests queue at max_instances', () => {
    const decision = decideScale({ ...base, current: 10, samples: samples([20], 5), queueWaitingMs: 900 });
    assert.equal(decision.action, 'hold');
    assert.match(decision.reason, /at max_instances \(10\); raise max_instances/);
  });

  it('never goes above max_instances', () => {
    assert.equal(decideScale({ ...base, current: 8, samples: samples([50]) }).desired, 10);
  });

  it('scales in only after the cooldown', () => {
    const quiet = { ...base, current: 4, samples: samples([1, 1, 1]) };
    const early = decideScale({ ...quiet, lastScaleAt: base.now - 60_000 });
    assert.equal(early.action, 'hold');
    assert.match(early.reason, /scaling in waits for the cooldown \(240 s left\)/);
    const later = decideScale({ ...quiet, lastScaleAt: base.now - 300_000 });
    assert.equal(later.action, 'scale-in');
    assert.equal(later.desired, 2); // needed(1) is 1, but at most half per step
  });

  it('does not scale in when part of the window reached the target', () => {
    const decision = decideScale({ ...base, current: 4, samples: samples([1, 6, 1]) });
    assert.equal(decision.action, 'hold');
    assert.match(decision.reason, /part of the window reached the target/);
  });

  it("sizes a scale-in on the window's peak so it does not flap back out", () => {
    const decision = decideScale({ ...base, current: 8, samples: samples([1, 5, 2]) });
    assert.equal(decision.desired, 4); // peak 5 needs ceil(5 / 1.4) = 4
    const after = decideScale({ ...base, current: 4, samples: samples([1, 5, 2]), lastScaleAt: base.now });
    assert.equal(after.action, 'hold');
  });

  it('never goes below min_instances, and holds at min', () => {
    assert.equal(decideScale({ ...base, current: 2, min: 2, samples: samples([0, 0]) }).action, 'hold');
    assert.equal(decideScale({ ...base, current: 3, min: 2, samples: samples([0, 0]) }).desired, 2);
  });

  it('scales to zero with min_instances 0 and no demand, and back to one on the first queued request', () => {
    const toZero = decideScale({ ...base, current: 1, min: 0, samples: samples([0, 0, 0]) });
    assert.equal(toZero.desired, 0);
    const idle = decideScale({ ...base, current: 0, min: 0, samples: samples([0, 0]) });
    assert.equal(idle.action, 'hold');
    assert.equal(idle.utilizationPercent, undefined);
    const wake = decideScale({ ...base, current: 0, min: 0, samples: samples([0, 0], 3), queueWaitingMs: 10 });
    assert.equal(wake.desired, 1);
  });

  it('moves into [min, max] at once when the settings change', () => {
    assert.deepEqual(
      [decideScale({ ...base, current: 0, min: 2 }).desired, decideScale({ ...base, current: 12, max: 5, lastScaleAt: base.now }).desired],
      [2, 5],
    );
  });

  it('holds with no samples yet', () => {
    assert.equal(decideScale({ ...base, samples: [] }).reason, 'no concurrency samples yet');
  });

  it('is deterministic: the same input gives the same decision', () => {
    assert.deepEqual(decideScale({ ...base, samples: samples([5, 6]) }), decideScale({ ...base, samples: samples([5, 6]) }));
  });

  it('rejects settings that cannot be used, naming each', () => {
    assert.throws(
      () => decideScale({ ...base, min: 3, max: 2, targetUtilizationPercent: 0, maxConcurrentPerInstance: 0 }),
      (error) =>
        isTrellisError(error) &&
        error.code === 'InvalidScaleSettings' &&
        /max_instances/.test(error.message) &&
        /target_utilization_percentage/.test(error.message) &&
        /max_concurrent_requests_per_instance/.test(error.message),
    );
  });
});
