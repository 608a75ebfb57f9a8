// Costs are priced on the server (the API's `cost`, `pricePerHour` and `pricing.note`), with the same
// catalogue the CLI shows; the studio only writes them out.

/** A cost as text: dollars, or why there is none (attached computes are billed elsewhere; an unknown size has no price). */
export function formatCost(line: { cost: number | null; size: string; tier: string }): string {
  if (line.cost !== null) return `$${line.cost.toFixed(4)}`;
  return line.tier === 'attached' ? 'attached: not billed here' : `unknown size ${line.size}`;
}

/** A node's cost so far: its hourly price, as the server gave it, for the seconds it has been up. */
export function nodeCostSoFar(node: { pricePerHour: number | null; size: string; tier: string }, seconds: number): string {
  return formatCost({ ...node, cost: node.pricePerHour === null ? null : (node.pricePerHour * seconds) / 3600 });
}
