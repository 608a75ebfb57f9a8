import type { Span } from '../api/traces-schema.js';

/**
 * A trace's spans as a tree (children from parent span ids) on one timeline, and the rows a
 * collapsible view of it shows. Everything here walks with explicit stacks, never recursion, so a
 * trace of thousands of spans, or one chain of them thousands deep, costs one pass and no stack.
 */

export interface SpanNode {
  span: Span;
  /** 0 for a root. */
  depth: number;
  /** In start order. */
  children: SpanNode[];
  /** The span or one below it failed. */
  hasErrorBelow: boolean;
}

export interface SpanTree {
  /** Spans without a parent in the trace (a true root, or one whose parent never arrived), in start order. */
  roots: SpanNode[];
  byId: ReadonlyMap<string, SpanNode>;
  /** The earliest start and the latest end (or start, for open spans) of any span: the timeline's ends. */
  startNs: bigint;
  endNs: bigint;
}

/** One line of the tree view. */
export interface SpanRow {
  node: SpanNode;
  isExpanded: boolean;
}

/** Builds the tree. A span whose parent is missing, or that sits in a parent cycle, becomes a root. */
export function buildSpanTree(spans: readonly Span[]): SpanTree {
  const byId = new Map<string, SpanNode>();
  for (const span of spans) {
    // A repeated span id keeps its first span: ids are unique in a well-formed trace.
    if (!byId.has(span.spanId)) byId.set(span.spanId, { span, depth: 0, children: [], hasErrorBelow: false });
  }
  const roots: SpanNode[] = [];
  for (const node of byId.values()) {
    const parent = node.span.parentSpanId === undefined ? undefined : byId.get(node.span.parentSpanId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const placed = new Set<SpanNode>();
  walkFrom(roots, placed);
  // Spans only reachable through a cycle of parents: cut each cycle at its earliest span.
  const stranded = [...byId.values()].filter((node) => !placed.has(node)).sort(byStart);
  for (const node of stranded) {
    if (placed.has(node)) continue;
    for (const other of byId.values()) other.children = other.children.filter((child) => child !== node);
    roots.push(node);
    walkFrom([node], placed);
  }
  roots.sort(byStart);
  for (const node of byId.values()) node.children.sort(byStart);
  markErrors(roots);

  let startNs: bigint | undefined;
  let endNs: bigint | undefined;
  for (const { span } of byId.values()) {
    const end = span.endNs ?? span.startNs;
    if (startNs === undefined || span.startNs < startNs) startNs = span.startNs;
    if (endNs === undefined || end > endNs) endNs = end;
  }
  return { roots, byId, startNs: startNs ?? 0n, endNs: endNs ?? 0n };
}

/** Sets depths below `from`, adding every node reached to `placed`. */
function walkFrom(from: readonly SpanNode[], placed: Set<SpanNode>): void {
  const stack = from.map((node) => ({ node, depth: 0 }));
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (placed.has(node)) continue;
    placed.add(node);
    node.depth = depth;
    for (const child of node.children) stack.push({ node: child, depth: depth + 1 });
  }
}

/** Marks each node that failed or has a failed span below it, children before parents. */
function markErrors(roots: readonly SpanNode[]): void {
  const order: SpanNode[] = [];
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop()!;
    order.push(node);
    stack.push(...node.children);
  }
  for (const node of order.reverse()) node.hasErrorBelow = node.span.isError || node.children.some((child) => child.hasErrorBelow);
}

function byStart(a: SpanNode, b: SpanNode): number {
  return a.span.startNs < b.span.startNs ? -1 : a.span.startNs > b.span.startNs ? 1 : a.span.name.localeCompare(b.span.name);
}

/** The rows on screen: every root, and the children of each expanded node, depth first. */
export function visibleRows(tree: SpanTree, expanded: ReadonlySet<string>): SpanRow[] {
  const rows: SpanRow[] = [];
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    const isExpanded = node.children.length > 0 && expanded.has(node.span.spanId);
    rows.push({ node, isExpanded });
    if (isExpanded) for (let index = node.children.length - 1; index >= 0; index--) stack.push(node.children[index]!);
  }
  return rows;
}

/**
 * What a trace opens with: levels expanded from the roots down, breadth first, while the rows on
 * screen stay within `rowBudget`, so a small trace opens whole and a huge one opens at its top.
 */
export function initiallyExpanded(tree: SpanTree, rowBudget = 200): Set<string> {
  const expanded = new Set<string>();
  let shown = tree.roots.length;
  const queue = [...tree.roots];
  for (let index = 0; index < queue.length; index++) {
    const node = queue[index]!;
    if (node.children.length === 0 || shown + node.children.length > rowBudget) continue;
    expanded.add(node.span.spanId);
    shown += node.children.length;
    queue.push(...node.children);
  }
  return expanded;
}

/** Every span with children: the tree fully open. */
export function allExpandable(tree: SpanTree): Set<string> {
  return new Set([...tree.byId.values()].filter((node) => node.children.length > 0).map((node) => node.span.spanId));
}

/** The ids of a span's ancestors, nearest first: what to expand to show it. */
export function ancestorIds(tree: SpanTree, spanId: string): string[] {
  const ids: string[] = [];
  const seen = new Set<string>([spanId]);
  let parentId = tree.byId.get(spanId)?.span.parentSpanId;
  while (parentId !== undefined && !seen.has(parentId) && tree.byId.has(parentId)) {
    const parent = tree.byId.get(parentId)!;
    if (!parent.children.some((child) => seen.has(child.span.spanId))) break;
    ids.push(parentId);
    seen.add(parentId);
    parentId = parent.span.parentSpanId;
  }
  return ids;
}

/** The first failed span in start order down the tree, if any. */
export function firstError(tree: SpanTree): SpanNode | undefined {
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.span.isError) return node;
    for (let index = node.children.length - 1; index >= 0; index--) stack.push(node.children[index]!);
  }
  return undefined;
}

/** Where a span sits on the trace's timeline: its offset and duration, and its bar in percent of the whole. */
export interface TimelineBar {
  offsetNs: number;
  /** Undefined while the span is open. */
  durationNs: number | undefined;
  leftPercent: number;
  widthPercent: number;
}

/** A bar never narrower than this, so an instant span still shows. */
const minimumWidthPercent = 0.3;

export function timelineBar(tree: SpanTree, span: Span): TimelineBar {
  const total = Number(tree.endNs - tree.startNs);
  const offsetNs = Number(span.startNs - tree.startNs);
  const durationNs = span.endNs === undefined ? undefined : Number(span.endNs - span.startNs);
  const leftPercent = total > 0 ? (offsetNs / total) * 100 : 0;
  const reach = durationNs ?? total - offsetNs;
  const width = total > 0 ? (reach / total) * 100 : 100;
  return {
    offsetNs,
    durationNs,
    leftPercent: Math.min(leftPercent, 100 - minimumWidthPercent),
    widthPercent: Math.min(Math.max(width, minimumWidthPercent), 100 - Math.min(leftPercent, 100 - minimumWidthPercent)),
  };
}

/** The rows a scrolled list draws: those in view and `overscan` either side; `last` is exclusive. */
export function rowWindow(scrollTop: number, viewHeight: number, rowHeight: number, rowCount: number, overscan = 10) {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/** A span's length, three figures in the unit that suits it: 850 ns, 14 µs, 340 ms, 1.23 s, 2 min 5 s. */
export function formatNanos(nanos: number | undefined): string {
  if (nanos === undefined || !Number.isFinite(nanos)) return '—';
  const value = Math.max(0, nanos);
  if (value < 1e3) return `${Math.round(value)} ns`;
  if (value < 1e6) return `${Number((value / 1e3).toPrecision(3))} µs`;
  if (value < 1e9) return `${Number((value / 1e6).toPrecision(3))} ms`;
  if (value < 60e9) return `${Number((value / 1e9).toPrecision(3))} s`;
  const seconds = Math.round(value / 1e9);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
