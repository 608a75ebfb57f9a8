import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeDefaults } from '../azureml/compute-schema.js';
import { describeUnknownSize, estimatedLowPriorityShare, findSku, nodeCost, skuCatalogue } from './sku-catalogue.js';

describe('skuCatalogue', () => {
  it('lists each size once, with positive figures and GPUs only in the gpu category', () => {
    const names = skuCatalogue.map((sku) => sku.name.toLowerCase());
    assert.equal(new Set(names).size, names.length);
    assert.ok(skuCatalogue.length >= 20);
    for (const sku of skuCatalogue) {
      assert.match(sku.name, /^Standard_[A-Z]+\d+[a-z]*(_[A-Za-z0-9]+)*$/, sku.name);
      assert.ok(sku.vcpus > 0 && sku.memoryGiB > 0 && sku.dedicatedPerHour > 0, sku.name);
      assert.ok(sku.lowPriorityPerHour < sku.dedicatedPerHour, sku.name);
      assert.equal(sku.gpus > 0, sku.category === 'gpu', sku.name);
      assert.equal(sku.gpuModel !== undefined, sku.gpus > 0, sku.name);
    }
  });

  it('covers general purpose, compute optimized, memory optimized and GPU sizes', () => {
    assert.deepEqual(
      new Set(skuCatalogue.map((sku) => sku.category)),
      new Set(['general_purpose', 'compute_optimized', 'memory_optimized', 'gpu']),
    );
  });

  it('marks every low-priority price as an estimate, since none was sourced', () => {
    assert.ok(skuCatalogue.every((sku) => sku.priceSource.dedicated === 'retail-prices-api' && sku.priceSource.lowPriority === 'estimate'));
  });

  it('cannot be changed by a caller', () => {
    assert.throws(() => Reflect.apply(Array.prototype.push, skuCatalogue, [{}]));
    assert.throws(() => {
      (skuCatalogue[0] as { dedicatedPerHour: number }).dedicatedPerHour = 0;
    });
  });
});

describe('findSku', () => {
  it('finds a size whatever its case, as Azure accepts it', () => {
    assert.equal(findSku('STANDARD_DS3_V2')?.name, 'Standard_DS3_v2');
    assert.equal(findSku('standard_nc24ads_a100_v4')?.name, 'Standard_NC24ads_A100_v4');
    assert.equal(findSku(' Standard_D4s_v3 ')?.family, 'standardDSv3Family');
  });

  it("knows Azure ML's default size", () => {
    assert.equal(findSku(computeDefaults.size)?.vcpus, 4);
  });

  it('gives GPU sizes their count, model and quota family', () => {
    const nd = findSku('Standard_ND96asr_v4');
    assert.deepEqual([nd?.gpus, nd?.gpuModel, nd?.vcpus, nd?.memoryGiB], [8, 'NVIDIA A100 40GB SXM4', 96, 900]);
    assert.equal(findSku('Standard_NC6s_v3')?.family, 'standardNCSv3Family');
  });

  it('returns undefined for an unknown size', () => {
    assert.equal(findSku('Standard_Z9000'), undefined);
  });
});

describe('nodeCost', () => {
  const nc6 = findSku('Standard_NC6s_v3')!;

  it('charges the dedicated hourly price per second', () => {
    assert.equal(nodeCost(nc6, 'dedicated', 3600), 3.06);
    assert.ok(Math.abs(nodeCost(nc6, 'dedicated', 90) - 3.06 / 40) < 1e-12);
    assert.equal(nodeCost(nc6, 'dedicated', 0), 0);
  });

  it('charges the low-priority price for low_priority nodes', () => {
    assert.ok(Math.abs(nodeCost(nc6, 'low_priority', 7200) - 2 * 3.06 * estimatedLowPriorityShare) < 1e-9);
  });

  it('refuses a negative or non-finite duration', () => {
    assert.throws(() => nodeCost(nc6, 'dedicated', -1), RangeError);
    assert.throws(() => nodeCost(nc6, 'dedicated', Number.NaN), RangeError);
  });
});

describe('describeUnknownSize', () => {
  it('suggests the closest size for a typo', () => {
    assert.match(
      describeUnknownSize('Standard_DS3_v3'),
      /size 'Standard_DS3_v3' is not a VM size Trellis knows; did you mean 'Standard_DS3_v2'/,
    );
  });

  it('understands a size written without Standard_', () => {
    assert.match(describeUnknownSize('NC6s_v3'), /did you mean 'Standard_NC6s_v3'/);
  });

  it('names sizes of the same series when nothing is close', () => {
    const message = describeUnknownSize('Standard_NC999_v9');
    assert.match(message, /did you mean/);
    assert.match(message, /'Standard_NC[^']*'/);
  });

  it('lists some known sizes when the name resembles nothing', () => {
    assert.match(describeUnknownSize('Q'), /known sizes include Standard_DS2_v2, .* \(\d+ in all\)/);
  });
});
