import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSku } from '../compute/sku-catalogue.js';
import { isTrellisError, type TrellisError } from '../errors.js';
import { defaultPriceList, parsePriceList, resolvePrice } from './price-list.js';

function problemsOf(input: unknown): Array<{ path: string; message: string }> {
  try {
    parsePriceList(input);
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal((error as TrellisError).status, 422);
    return (error as TrellisError).problems.map(({ path, message }) => ({ path, message }));
  }
  assert.fail('expected the price list to be refused');
}

describe('price list', () => {
  const ds3 = findSku('Standard_DS3_v2')!;
  const a100 = findSku('Standard_NC24ads_A100_v4')!;

  it('prices a size at the catalogue (Azure list) price when nothing overrides it', () => {
    const price = resolvePrice({ workspace: 'dev', compute: 'cpu', size: 'standard_ds3_v2', tier: 'dedicated' }, defaultPriceList);
    assert.deepEqual(price, { perHour: ds3.dedicatedPerHour, listPerHour: ds3.dedicatedPerHour, currency: 'USD', source: 'azure-list' });
    const low = resolvePrice({ workspace: 'dev', size: 'Standard_DS3_v2', tier: 'low_priority' }, defaultPriceList);
    assert.equal(low?.perHour, ds3.lowPriorityPerHour);
  });

  it('prefers the installation price of a size, tier by tier, keeping the list price beside it', () => {
    const list = parsePriceList({ sizes: { standard_nc24ads_a100_v4: { dedicated_per_hour: 2.9 } } });
    assert.deepEqual(Object.keys(list.sizes), ['Standard_NC24ads_A100_v4']);
    const dedicated = resolvePrice({ workspace: 'dev', size: 'Standard_NC24ads_A100_v4', tier: 'dedicated' }, list);
    assert.deepEqual(dedicated, { perHour: 2.9, listPerHour: a100.dedicatedPerHour, currency: 'USD', source: 'size' });
    // Low priority is not overridden: the catalogue's.
    const low = resolvePrice({ workspace: 'dev', size: 'Standard_NC24ads_A100_v4', tier: 'low_priority' }, list);
    assert.equal(low?.source, 'azure-list');
    assert.equal(low?.perHour, a100.lowPriorityPerHour);
  });

  it('prices an attached compute only when the price list names it, workspace/name first', () => {
    const list = parsePriceList({ computes: { slurm: { per_hour: 4 }, 'prod/slurm': { per_hour: 5 } } });
    const usage = { size: 'node', tier: 'attached' };
    assert.equal(resolvePrice({ ...usage, workspace: 'dev', compute: 'slurm' }, list)?.perHour, 4);
    assert.equal(resolvePrice({ ...usage, workspace: 'prod', compute: 'slurm' }, list)?.perHour, 5);
    assert.equal(resolvePrice({ ...usage, workspace: 'dev', compute: 'slurm' }, list)?.source, 'compute');
    assert.equal(resolvePrice({ ...usage, workspace: 'dev', compute: 'other-slurm' }, list), null);
    assert.equal(resolvePrice({ ...usage, workspace: 'dev', compute: 'slurm' }, defaultPriceList), null);
  });

  it('leaves unknown sizes unpriced, and every size unlisted with fallback: none', () => {
    assert.equal(resolvePrice({ workspace: 'dev', size: 'gpu-large', tier: 'dedicated' }, defaultPriceList), null);
    const list = parsePriceList({ currency: 'EUR', fallback: 'none', sizes: { Standard_DS3_v2: { dedicated_per_hour: 0.25 } } });
    assert.deepEqual(resolvePrice({ workspace: 'dev', size: 'Standard_DS3_v2', tier: 'dedicated' }, list), {
      perHour: 0.25,
      // No list price in EUR: the installation's.
      listPerHour: 0.25,
      currency: 'EUR',
      source: 'size',
    });
    assert.equal(resolvePrice({ workspace: 'dev', size: 'Standard_DS4_v2', tier: 'dedicated' }, list), null);
  });

  it('refuses an unknown size with the closest catalogue names', () => {
    const [problem] = problemsOf({ sizes: { Standard_DS3_v3: { dedicated_per_hour: 1 } } });
    assert.equal(problem?.path, 'sizes.Standard_DS3_v3');
    assert.match(problem?.message ?? '', /size 'Standard_DS3_v3' is not a VM size Trellis knows; did you mean 'Standard_DS3_v2'/);
    assert.match(problem?.message ?? '', /under computes/);
  });

  it('refuses prices of 0 or less, sizes without a price, and the same size twice', () => {
    assert.deepEqual(problemsOf({ sizes: { Standard_DS3_v2: { dedicated_per_hour: -1 } } }), [
      {
        path: 'sizes.Standard_DS3_v2.dedicated_per_hour',
        message: "must be more than 0: the price of a dedicated node of one hour, in the price list's currency; got -1",
      },
    ]);
    assert.deepEqual(problemsOf({ computes: { slurm: { per_hour: 0 } } }), [
      {
        path: 'computes.slurm.per_hour',
        message: "must be more than 0: the price of a node of one hour, in the price list's currency; got 0",
      },
    ]);
    assert.deepEqual(problemsOf({ sizes: { Standard_DS3_v2: {} } }), [
      { path: 'sizes.Standard_DS3_v2', message: 'give dedicated_per_hour, low_priority_per_hour or both' },
    ]);
    assert.deepEqual(problemsOf({ sizes: { Standard_DS3_v2: { dedicated_per_hour: 1 }, STANDARD_DS3_V2: { dedicated_per_hour: 2 } } }), [
      { path: 'sizes.STANDARD_DS3_V2', message: "names the same size as 'Standard_DS3_v2'; keep one" },
    ]);
  });

  it('refuses misspelt fields, bad currencies, bad compute keys, and non-USD prices falling back to USD list prices', () => {
    assert.deepEqual(problemsOf({ sizes: { Standard_DS3_v2: { dedicated_per_hr: 1 } } }), [
      { path: 'sizes.Standard_DS3_v2.dedicated_per_hr', message: "unknown field 'dedicated_per_hr'; did you mean 'dedicated_per_hour'?" },
      { path: 'sizes.Standard_DS3_v2', message: 'give dedicated_per_hour, low_priority_per_hour or both' },
    ]);
    assert.deepEqual(problemsOf({ currency: 'dollars' }), [
      { path: 'currency', message: 'must be a three-letter ISO 4217 currency code, such as USD or EUR' },
    ]);
    assert.equal(parsePriceList({ currency: 'eur', fallback: 'none' }).currency, 'EUR');
    assert.deepEqual(problemsOf({ fallback: 'retail' }), [
      { path: 'fallback', message: "must be 'azure-list' (sizes not listed cost Azure's list price) or 'none' (they are unpriced)" },
    ]);
    assert.deepEqual(problemsOf({ computes: { 'a/b/c': { per_hour: 1 } } }), [
      {
        path: 'computes.a/b/c',
        message: "'a/b/c' is not a compute: write its name (cpu-cluster), or workspace/name (prod/cpu-cluster) for one workspace's",
      },
    ]);
    assert.deepEqual(problemsOf({ currency: 'EUR' }), [
      {
        path: 'fallback',
        message: "the catalogue's Azure list prices are in USD, not EUR: set fallback: none and price each size you use under sizes",
      },
    ]);
  });

  it('reads an absent price list as the default', () => {
    assert.deepEqual(parsePriceList(undefined), defaultPriceList);
  });
});
