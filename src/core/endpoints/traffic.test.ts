import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { chooseDeployment, compileTraffic, routeRequest, shouldMirror, targetDeployment, validateTraffic } from './traffic.js';

const deployments = ['blue', 'green', 'red'];
/** A random source that returns the given draws in turn. */
const draws = (...values: number[]) => {
  let index = 0;
  return () => values[index++ % values.length] ?? 0;
};

describe('validateTraffic', () => {
  it('accepts a split that adds up to 100, and one that is all 0', () => {
    assert.deepEqual(validateTraffic({ blue: 90, green: 10 }, {}, deployments), []);
    assert.deepEqual(validateTraffic({ blue: 0, green: 0 }, {}, deployments), []);
    assert.deepEqual(validateTraffic({}, {}, deployments), []);
  });

  it('names the sum and the fix when the split does not add up to 100', () => {
    const problems = validateTraffic({ blue: 80, green: 10 }, {}, deployments);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.path, 'traffic');
    assert.match(problems[0]!.message, /add up to 90; make them add up to 100 \(blue: 80, green: 10\), or set them all to 0/);
  });

  it('rejects fractions, negatives and values over 100 per deployment', () => {
    const problems = validateTraffic({ blue: 50.5, green: -1, red: 101 }, {}, deployments);
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['traffic.blue', 'traffic.green', 'traffic.red'],
    );
    assert.match(problems[0]!.message, /whole number from 0 to 100/);
  });

  it('suggests the deployment meant when a name is unknown', () => {
    const problems = validateTraffic({ blu: 100 }, {}, deployments);
    assert.equal(problems[0]!.path, 'traffic.blu');
    assert.match(problems[0]!.message, /no deployment 'blu'; did you mean 'blue'\? \(the endpoint's deployments are: blue, green, red\)/);
    const unrelated = validateTraffic({ canary: 100 }, {}, deployments);
    assert.doesNotMatch(unrelated[0]!.message, /did you mean/);
  });

  it('caps mirrored traffic at 50%', () => {
    assert.deepEqual(validateTraffic({ blue: 100 }, { green: 50 }, deployments), []);
    const problems = validateTraffic({ blue: 100 }, { green: 60 }, deployments);
    assert.equal(problems[0]!.path, 'mirror_traffic.green');
    assert.match(problems[0]!.message, /60% is more than the 50% that may be mirrored/);
  });

  it('forbids mirroring to a deployment that also gets live traffic', () => {
    const problems = validateTraffic({ blue: 90, green: 10 }, { green: 10 }, deployments);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /'green' gets 10% of live traffic and cannot also receive mirrored traffic; set traffic.green to 0/);
  });

  it('allows one mirror deployment only; zero entries do not count', () => {
    assert.deepEqual(validateTraffic({ blue: 100 }, { green: 10, red: 0 }, deployments), []);
    const problems = validateTraffic({ blue: 100 }, { green: 10, red: 5 }, deployments);
    assert.equal(problems.at(-1)!.path, 'mirror_traffic');
    assert.match(problems.at(-1)!.message, /one deployment only, not 2 \(green: 10, red: 5\)/);
  });

  it('rejects a mirror to an unknown deployment and a malformed mirror value', () => {
    const problems = validateTraffic({ blue: 100 }, { gren: 10.5 }, deployments);
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['mirror_traffic.gren', 'mirror_traffic.gren'],
    );
    assert.match(problems[0]!.message, /did you mean 'green'/);
    assert.match(problems[1]!.message, /whole number from 0 to 50/);
  });

  it('lists every problem at once', () => {
    const problems = validateTraffic({ blue: 70, grene: 20 }, { blue: 60, red: 5 }, deployments);
    assert.ok(problems.length >= 5, JSON.stringify(problems));
  });
});

describe('compileTraffic', () => {
  it('builds a frozen table of 100 slots in name order', () => {
    const table = compileTraffic({ green: 10, blue: 90 }, { red: 20 }, deployments);
    assert.equal(table.slots.length, 100);
    assert.equal(table.slots[0], 'blue');
    assert.equal(table.slots[89], 'blue');
    assert.equal(table.slots[90], 'green');
    assert.deepEqual(table.mirror, { deployment: 'red', percent: 20 });
    assert.ok(Object.isFrozen(table) && Object.isFrozen(table.slots) && Object.isFrozen(table.weights) && Object.isFrozen(table.mirror));
    assert.throws(() => (table.slots as string[]).push('x'));
  });

  it("does not share the caller's object, so later edits do not leak into a live table", () => {
    const traffic = { blue: 100 };
    const table = compileTraffic(traffic, {}, deployments);
    traffic.blue = 0;
    assert.equal(table.weights.blue, 100);
  });

  it('throws InvalidInput listing the problems', () => {
    assert.throws(
      () => compileTraffic({ blue: 50 }, {}, deployments),
      (error) => isTrellisError(error) && error.code === 'InvalidInput' && error.status === 422 && error.problems[0]?.path === 'traffic',
    );
  });
});

describe('chooseDeployment', () => {
  const table = compileTraffic({ blue: 90, green: 10 }, {}, deployments);

  it('maps a draw to the deployment owning that percentile', () => {
    assert.equal(
      chooseDeployment(table, () => 0),
      'blue',
    );
    assert.equal(
      chooseDeployment(table, () => 0.8999),
      'blue',
    );
    assert.equal(
      chooseDeployment(table, () => 0.9),
      'green',
    );
    assert.equal(
      chooseDeployment(table, () => 0.9999999),
      'green',
    );
  });

  it('never indexes outside the table for a misbehaving random source', () => {
    assert.equal(
      chooseDeployment(table, () => 1),
      'green',
    );
    assert.equal(
      chooseDeployment(table, () => -0.5),
      'blue',
    );
    assert.equal(
      chooseDeployment(table, () => Number.NaN),
      'blue',
    );
  });

  it('splits evenly spread draws exactly by weight', () => {
    const counts: Record<string, number> = {};
    for (let index = 0; index < 1000; index += 1) {
      const chosen = chooseDeployment(table, () => index / 1000)!;
      counts[chosen] = (counts[chosen] ?? 0) + 1;
    }
    assert.deepEqual(counts, { blue: 900, green: 100 });
  });

  it('returns undefined when no deployment gets live traffic', () => {
    assert.equal(
      chooseDeployment(compileTraffic({ blue: 0 }, {}, deployments), () => 0.5),
      undefined,
    );
  });
});

describe('shouldMirror', () => {
  it('mirrors the configured share of draws', () => {
    const table = compileTraffic({ blue: 100 }, { green: 10 }, deployments);
    assert.equal(
      shouldMirror(table, () => 0.0999),
      true,
    );
    assert.equal(
      shouldMirror(table, () => 0.1),
      false,
    );
    assert.equal(
      shouldMirror(compileTraffic({ blue: 100 }, {}, deployments), () => 0),
      false,
    );
  });
});

describe('targetDeployment', () => {
  it('returns the named deployment, also one with 0% traffic', () => {
    assert.equal(targetDeployment('green', deployments), 'green');
    assert.equal(targetDeployment('  red ', deployments), 'red');
  });

  it('treats a missing or blank header as no target', () => {
    assert.equal(targetDeployment(undefined, deployments), undefined);
    assert.equal(targetDeployment('   ', deployments), undefined);
  });

  it('fails with DeploymentNotFound naming the deployments', () => {
    assert.throws(
      () => targetDeployment('gren', deployments),
      (error) =>
        isTrellisError(error) &&
        error.code === 'DeploymentNotFound' &&
        error.status === 404 &&
        /did you mean 'green'\? \(its deployments are: blue, green, red\)/.test(error.message),
    );
    assert.throws(() => targetDeployment('x', []), /it has no deployments yet/);
  });
});

describe('routeRequest', () => {
  const table = compileTraffic({ blue: 100, green: 0 }, { green: 50 }, deployments);

  it('sends a targeted request where it asks and never mirrors it', () => {
    assert.deepEqual(
      routeRequest(table, 'blue', deployments, () => 0),
      { deployment: 'blue', mirrorTo: undefined, isTargeted: true },
    );
    assert.deepEqual(
      routeRequest(table, 'green', deployments, () => 0),
      { deployment: 'green', mirrorTo: undefined, isTargeted: true },
    );
  });

  it('chooses by weight and mirrors by a second draw', () => {
    assert.deepEqual(routeRequest(table, undefined, deployments, draws(0.5, 0.2)), {
      deployment: 'blue',
      mirrorTo: 'green',
      isTargeted: false,
    });
    assert.deepEqual(routeRequest(table, undefined, deployments, draws(0.5, 0.7)), {
      deployment: 'blue',
      mirrorTo: undefined,
      isTargeted: false,
    });
  });

  it('fails with NoLiveTraffic when nothing gets live traffic and no deployment is named', () => {
    const idle = compileTraffic({ blue: 0 }, {}, deployments);
    assert.throws(
      () => routeRequest(idle, undefined, deployments, () => 0),
      (error) =>
        isTrellisError(error) && error.code === 'NoLiveTraffic' && error.status === 404 && /azureml-model-deployment/.test(error.message),
    );
    assert.equal(routeRequest(idle, 'blue', deployments, () => 0).deployment, 'blue');
  });
});
