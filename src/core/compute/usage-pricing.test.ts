import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSku, nodeCost } from './sku-catalogue.js';
import { pricePerHour, priceUsage, usageCost } from './usage-pricing.js';

describe('usage pricing', () => {
  const size = 'Standard_DS3_v2';
  const sku = findSku(size)!;

  it('prices a known size per hour and per node-second, by tier', () => {
    assert.equal(pricePerHour(size, 'dedicated'), sku.dedicatedPerHour);
    assert.equal(pricePerHour(size, 'low_priority'), sku.lowPriorityPerHour);
    assert.equal(usageCost(size, 'dedicated', 1800), nodeCost(sku, 'dedicated', 1800));
  });

  it('does not price attached computes or unknown sizes', () => {
    assert.equal(pricePerHour(size, 'attached'), null);
    assert.equal(usageCost('Standard_Nope', 'dedicated', 60), null);
  });

  it('adds prices to nodes, history and usage lines', () => {
    const priced = priceUsage({
      nodes: [{ nodeId: 'a', size, tier: 'dedicated' }],
      history: [{ nodeId: 'b', size, tier: 'low_priority' }],
      usage: [{ size, tier: 'dedicated', nodeSeconds: 3600 }],
    });
    assert.equal(priced.nodes[0]?.pricePerHour, sku.dedicatedPerHour);
    assert.equal(priced.history?.[0]?.pricePerHour, sku.lowPriorityPerHour);
    assert.equal(priced.usage[0]?.cost, sku.dedicatedPerHour);
    assert.equal(priced.pricing.currency, 'USD');
  });
});
