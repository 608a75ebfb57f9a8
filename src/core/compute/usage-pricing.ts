import { findSku, nodeCost, priceRegion } from './sku-catalogue.js';

/** What the prices are, in words: currency, region and date of the list prices. */
export const priceNote = `${priceRegion.currency} at ${priceRegion.displayName} list prices of ${priceRegion.pricesAsOf}; low-priority prices are estimates`;

/** USD per hour of one node of `size` at `tier`; null when it is not billed here (attached) or the size is unknown. */
export function pricePerHour(size: string, tier: string): number | null {
  if (tier === 'attached') return null;
  const sku = findSku(size);
  if (!sku) return null;
  return tier === 'low_priority' ? sku.lowPriorityPerHour : sku.dedicatedPerHour;
}

/** USD for `nodeSeconds` of `size` at `tier`; null as for pricePerHour. */
export function usageCost(size: string, tier: string, nodeSeconds: number): number | null {
  if (tier === 'attached') return null;
  const sku = findSku(size);
  return sku ? nodeCost(sku, tier === 'low_priority' ? 'low_priority' : 'dedicated', nodeSeconds) : null;
}

/** Nodes and node-seconds with their prices: each node's price per hour, each usage line's cost, and what the prices are. */
export function priceUsage<
  N extends { size: string; tier: string },
  U extends { size: string; tier: string; nodeSeconds: number },
  H extends { history?: N[] },
>(usage: { nodes: N[]; usage: U[] } & H) {
  const priceNode = (node: N) => ({ ...node, pricePerHour: pricePerHour(node.size, node.tier) });
  return {
    ...usage,
    nodes: usage.nodes.map(priceNode),
    ...(usage.history ? { history: usage.history.map(priceNode) } : {}),
    usage: usage.usage.map((line) => ({ ...line, cost: usageCost(line.size, line.tier, line.nodeSeconds) })),
    pricing: { currency: priceRegion.currency, note: priceNote },
  };
}
