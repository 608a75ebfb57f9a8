// The same price list the CLI prices node-hours with (`trellis compute usage`): pure data in core,
// bundled here so the studio and the CLI never disagree on a cost.
import { findSku, nodeCost, priceRegion } from '../../../src/core/compute/sku-catalogue.js';

/** What node-seconds of a size and tier cost, in USD, as text; attached computes are billed elsewhere. */
export function formatCost(size: string, tier: string, nodeSeconds: number): string {
  if (tier === 'attached') return 'attached: not billed here';
  const sku = findSku(size);
  if (!sku) return `unknown size ${size}`;
  return `$${nodeCost(sku, tier === 'low_priority' ? 'low_priority' : 'dedicated', nodeSeconds).toFixed(4)}`;
}

export const priceNote = `${priceRegion.currency} at ${priceRegion.displayName} list prices of ${priceRegion.pricesAsOf}; low-priority prices are estimates`;
