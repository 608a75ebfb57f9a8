/**
 * Laying out a directed acyclic graph (a pipeline's steps and what each waits for) left to right
 * in layers: a node sits one layer after the last of the nodes it depends on, and the order within
 * each layer is chosen to cross few edges. Pure: names in, layers and coordinates out.
 */

/** An edge [from, to]: `to` depends on `from` (it reads what `from` wrote), so `from` is drawn left of it. */
export type Edge = readonly [from: string, to: string];

/**
 * The layers of the graph, left to right: sources in layer 0, every other node one after the
 * furthest of its predecessors (the longest path to it). Within a layer, nodes keep the order of
 * `nodes`. Edges that name an unknown node or loop on one are ignored; nodes on a cycle (which a
 * pipeline the server accepted never has) are put in one last layer rather than lost.
 */
export function layersOf(nodes: readonly string[], edges: readonly Edge[]): string[][] {
  const known = new Set(nodes);
  const predecessors = new Map<string, string[]>(nodes.map((node) => [node, []]));
  const successors = new Map<string, string[]>(nodes.map((node) => [node, []]));
  for (const [from, to] of uniqueEdges(edges)) {
    if (!known.has(from) || !known.has(to) || from === to) continue;
    predecessors.get(to)!.push(from);
    successors.get(from)!.push(to);
  }
  // Kahn's topological order: a node's layer is known once all its predecessors' are.
  const waiting = new Map(nodes.map((node) => [node, predecessors.get(node)!.length]));
  const layer = new Map<string, number>();
  const ready = nodes.filter((node) => waiting.get(node) === 0);
  for (let index = 0; index < ready.length; index++) {
    const node = ready[index]!;
    layer.set(node, Math.max(-1, ...predecessors.get(node)!.map((item) => layer.get(item)!)) + 1);
    for (const next of successors.get(node)!) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const depth = Math.max(-1, ...layer.values()) + 1;
  const layers: string[][] = Array.from({ length: depth }, () => []);
  const cyclic: string[] = [];
  for (const node of nodes) {
    const at = layer.get(node);
    if (at === undefined) cyclic.push(node);
    else layers[at]!.push(node);
  }
  if (cyclic.length > 0) layers.push(cyclic);
  return layers;
}

/**
 * The layers reordered to cross fewer edges: sweeps that sort each layer by the mean position of
 * its neighbours in the layer before (going right) or after (going left) — the barycenter
 * heuristic — keeping the best order seen. A node without neighbours there keeps its place.
 */
export function orderLayers(layers: readonly (readonly string[])[], edges: readonly Edge[], sweeps = 4): string[][] {
  let current = layers.map((layer) => [...layer]);
  let best = current;
  let fewest = crossingsOf(current, edges);
  const unique = uniqueEdges(edges);
  for (let sweep = 0; sweep < sweeps && fewest > 0; sweep++) {
    const isRightward = sweep % 2 === 0;
    const next = current.map((layer) => [...layer]);
    const indices = next.map((_, index) => index);
    for (const index of isRightward ? indices.slice(1) : indices.slice(0, -1).reverse()) {
      const fixed = next[isRightward ? index - 1 : index + 1]!;
      const positionOf = new Map(fixed.map((node, position) => [node, position]));
      const layer = next[index]!;
      const key = new Map(
        layer.map((node, position) => {
          const neighbours = unique
            .map(([from, to]) => (isRightward ? (to === node ? from : undefined) : from === node ? to : undefined))
            .flatMap((neighbour) => (neighbour !== undefined && positionOf.has(neighbour) ? [positionOf.get(neighbour)!] : []));
          return [node, neighbours.length > 0 ? neighbours.reduce((sum, value) => sum + value, 0) / neighbours.length : position];
        }),
      );
      // Stable: ties keep the order they had, so a graph with nothing to untangle stays as written.
      next[index] = layer
        .map((node, position) => ({ node, position }))
        .sort((a, b) => key.get(a.node)! - key.get(b.node)! || a.position - b.position)
        .map((item) => item.node);
    }
    current = next;
    const crossings = crossingsOf(current, edges);
    if (crossings < fewest) {
      fewest = crossings;
      best = current;
    }
  }
  return best;
}

/** How many pairs of edges between adjacent layers cross (longer edges are not counted). */
export function crossingsOf(layers: readonly (readonly string[])[], edges: readonly Edge[]): number {
  const place = new Map<string, { layer: number; row: number }>();
  layers.forEach((layer, index) => {
    layer.forEach((node, row) => {
      place.set(node, { layer: index, row });
    });
  });
  const spans = uniqueEdges(edges).flatMap(([from, to]) => {
    const a = place.get(from);
    const b = place.get(to);
    return a && b && b.layer === a.layer + 1 ? [{ layer: a.layer, top: a.row, bottom: b.row }] : [];
  });
  let crossings = 0;
  for (let i = 0; i < spans.length; i++)
    for (let j = i + 1; j < spans.length; j++) {
      const a = spans[i]!;
      const b = spans[j]!;
      if (a.layer === b.layer && (a.top - b.top) * (a.bottom - b.bottom) < 0) crossings++;
    }
  return crossings;
}

export interface NodeBox {
  x: number;
  y: number;
}

export interface Spacing {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  /** Space around the drawing. */
  margin: number;
}

/** An edge as drawn: from `from` to `to` through a waypoint box in each layer it crosses, so it passes between nodes, never through one. */
export interface EdgeRoute {
  from: string;
  to: string;
  /** The top-left corners of the boxes it passes through, left to right (none between adjacent layers). */
  waypoints: NodeBox[];
}

export interface DagLayout {
  /** The nodes by layer, left to right, each layer top to bottom. */
  layers: string[][];
  /** The top-left corner of each node's box. */
  at: Map<string, NodeBox>;
  routes: EdgeRoute[];
  width: number;
  height: number;
}

/**
 * The whole layout: layers (see layersOf); an edge that spans several layers gets a waypoint in
 * each layer between, ordered with the nodes so it takes a row of its own there; the layers
 * ordered to cross few edges (orderLayers); and each box, a column per layer, each column centred
 * on the tallest.
 */
export function layoutDag(nodes: readonly string[], edges: readonly Edge[], spacing: Spacing): DagLayout {
  const { layers: withWaypoints, segments, chains } = splitLongEdges(layersOf(nodes, edges), edges);
  const ordered = orderLayers(withWaypoints, segments);
  const { nodeWidth, nodeHeight, columnGap, rowGap, margin } = spacing;
  const tallest = Math.max(1, ...ordered.map((layer) => layer.length));
  const columnHeight = (count: number) => count * nodeHeight + Math.max(0, count - 1) * rowGap;
  const boxes = new Map<string, NodeBox>();
  ordered.forEach((layer, index) => {
    const top = margin + (columnHeight(tallest) - columnHeight(layer.length)) / 2;
    layer.forEach((node, row) => {
      boxes.set(node, { x: margin + index * (nodeWidth + columnGap), y: top + row * (nodeHeight + rowGap) });
    });
  });
  const known = new Set(nodes);
  return {
    layers: ordered.map((layer) => layer.filter((node) => known.has(node))),
    at: new Map([...boxes].filter(([node]) => known.has(node))),
    routes: chains.map(({ from, to, waypoints }) => ({ from, to, waypoints: waypoints.map((waypoint) => boxes.get(waypoint)!) })),
    width: 2 * margin + Math.max(0, ordered.length * (nodeWidth + columnGap) - columnGap),
    height: 2 * margin + columnHeight(tallest),
  };
}

/**
 * The layers with a waypoint for each layer a long edge crosses, the edges between adjacent
 * layers that result, and each edge's waypoints. A waypoint's id cannot be a node's (it starts
 * with a NUL). An edge the layers do not run forward (on a cycle) keeps no waypoints.
 */
function splitLongEdges(
  layers: readonly (readonly string[])[],
  edges: readonly Edge[],
): { layers: string[][]; segments: Edge[]; chains: Array<{ from: string; to: string; waypoints: string[] }> } {
  const layerOf = new Map<string, number>();
  layers.forEach((layer, index) => {
    for (const node of layer) layerOf.set(node, index);
  });
  const expanded = layers.map((layer) => [...layer]);
  const segments: Edge[] = [];
  const chains: Array<{ from: string; to: string; waypoints: string[] }> = [];
  for (const [from, to] of uniqueEdges(edges)) {
    const start = layerOf.get(from);
    const end = layerOf.get(to);
    if (start === undefined || end === undefined || from === to) continue;
    const waypoints: string[] = [];
    let previous = from;
    for (let layer = start + 1; layer < end; layer++) {
      const waypoint = `\u0000${from}>${to}@${layer}`;
      expanded[layer]!.push(waypoint);
      segments.push([previous, waypoint]);
      waypoints.push(waypoint);
      previous = waypoint;
    }
    segments.push([previous, to]);
    chains.push({ from, to, waypoints });
  }
  return { layers: expanded, segments, chains };
}

function uniqueEdges(edges: readonly Edge[]): Edge[] {
  const seen = new Set<string>();
  return edges.filter(([from, to]) => {
    const key = JSON.stringify([from, to]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
