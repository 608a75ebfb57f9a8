import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseTrace, type Span } from '../api/traces-schema.js';
import {
  allExpandable,
  ancestorIds,
  buildSpanTree,
  firstError,
  formatNanos,
  initiallyExpanded,
  rowWindow,
  timelineBar,
  visibleRows,
} from './span-tree.js';

/** A span starting `start` ms after zero and lasting `length` ms (undefined: still open). */
function span(spanId: string, parentSpanId: string | undefined, start: number, length: number | undefined, isError = false): Span {
  const startNs = BigInt(start) * 1_000_000n;
  return {
    spanId,
    parentSpanId,
    name: spanId,
    startNs,
    endNs: length === undefined ? undefined : startNs + BigInt(length) * 1_000_000n,
    spanType: undefined,
    isError,
    statusMessage: undefined,
    inputs: undefined,
    outputs: undefined,
    attributes: {},
    events: [],
  };
}

const names = (rows: ReturnType<typeof visibleRows>) => rows.map((row) => `${'  '.repeat(row.node.depth)}${row.node.span.name}`);

describe('span tree', () => {
  it("builds parents and children from parent ids, children in start order, from MLflow's own reply", () => {
    const trace = parseTrace(
      JSON.parse(readFileSync(new URL('../../../test/fixtures/traces/mlflow-3.17.2-get-ok.json', import.meta.url), 'utf8')),
    );
    // The reply's order is not the tree's: children are sorted by when they started.
    const tree = buildSpanTree([...trace.spans].reverse());
    assert.deepEqual(names(visibleRows(tree, allExpandable(tree))), ['answer', '  retrieve', '  x']);
    const root = tree.roots[0]!;
    const x = tree.byId.get(trace.spans[2]!.spanId)!;
    const bar = timelineBar(tree, x.span);
    assert.equal(timelineBar(tree, root.span).leftPercent, 0);
    assert.equal(timelineBar(tree, root.span).widthPercent, 100);
    assert.ok(bar.leftPercent > 90 && bar.leftPercent < 100, `x starts at ${bar.leftPercent}%`);
    assert.equal(formatNanos(bar.offsetNs), '324 ms');
    assert.equal(formatNanos(bar.durationNs), '15.6 ms');
  });

  it('shows only what is expanded, and opens a trace as far as its row budget allows', () => {
    const tree = buildSpanTree([
      span('root', undefined, 0, 100),
      span('a', 'root', 10, 20),
      span('a1', 'a', 11, 5),
      span('a2', 'a', 20, 5),
      span('b', 'root', 40, 50),
      span('b1', 'b', 41, 5),
    ]);
    assert.deepEqual(names(visibleRows(tree, new Set())), ['root']);
    assert.deepEqual(names(visibleRows(tree, new Set(['root', 'b']))), ['root', '  a', '  b', '    b1']);
    // a is collapsed: its children stay hidden even if b1's parent is open.
    assert.deepEqual(names(visibleRows(tree, new Set(['a']))), ['root']);
    assert.deepEqual(initiallyExpanded(tree), new Set(['root', 'a', 'b']));
    assert.deepEqual(initiallyExpanded(tree, 3), new Set(['root']));
    assert.deepEqual(initiallyExpanded(tree, 1), new Set());
    assert.deepEqual(
      visibleRows(tree, new Set(['root', 'a'])).map((row) => row.isExpanded),
      [true, true, false, false, false],
    );
  });

  it('marks failed spans and the way down to them, and finds the first', () => {
    const tree = buildSpanTree([
      span('root', undefined, 0, 100),
      span('ok', 'root', 1, 5),
      span('tool', 'root', 10, 20),
      span('call', 'tool', 12, 2, true),
    ]);
    assert.deepEqual(
      [...tree.byId.values()].map((node) => [node.span.spanId, node.hasErrorBelow]),
      [
        ['root', true],
        ['ok', false],
        ['tool', true],
        ['call', true],
      ],
    );
    assert.equal(firstError(tree)?.span.spanId, 'call');
    assert.deepEqual(ancestorIds(tree, 'call'), ['tool', 'root']);
    assert.equal(firstError(buildSpanTree([span('root', undefined, 0, 1)])), undefined);
  });

  it('makes a root of a span whose parent is missing, of a self-parent, and cuts a cycle of parents', () => {
    const tree = buildSpanTree([
      span('orphan', 'gone', 5, 1),
      span('self', 'self', 6, 1),
      span('c1', 'c2', 7, 1),
      span('c2', 'c1', 8, 1),
      span('root', undefined, 0, 10),
    ]);
    assert.deepEqual(names(visibleRows(tree, allExpandable(tree))), ['root', 'orphan', 'self', 'c1', '  c2']);
    assert.deepEqual(ancestorIds(tree, 'c1'), []);
    assert.deepEqual(ancestorIds(tree, 'c2'), ['c1']);
  });

  it('draws an open span to the end of the timeline, and an instant one still visible', () => {
    const tree = buildSpanTree([span('root', undefined, 0, 100), span('open', 'root', 50, undefined), span('instant', 'root', 100, 0)]);
    const open = timelineBar(tree, tree.byId.get('open')!.span);
    assert.equal(open.durationNs, undefined);
    assert.deepEqual([open.leftPercent, open.widthPercent], [50, 50]);
    const instant = timelineBar(tree, tree.byId.get('instant')!.span);
    assert.ok(instant.widthPercent > 0 && instant.leftPercent + instant.widthPercent <= 100);
    const lone = buildSpanTree([span('only', undefined, 3, 0)]);
    assert.deepEqual(timelineBar(lone, lone.roots[0]!.span).widthPercent, 100);
  });

  it('handles 5,000 spans, and a chain 5,000 deep, without recursion and quickly', () => {
    const wide = [span('root', undefined, 0, 10_000)];
    for (let index = 0; index < 4_999; index++) wide.push(span(`s${index}`, index < 50 ? 'root' : `s${index % 50}`, index, 1));
    const deep = [span('d0', undefined, 0, 10_000)];
    for (let index = 1; index < 5_000; index++) deep.push(span(`d${index}`, `d${index - 1}`, index, 1, index === 4_999));
    const started = performance.now();
    const wideTree = buildSpanTree(wide);
    const deepTree = buildSpanTree(deep);
    const allRows = visibleRows(wideTree, allExpandable(wideTree));
    const deepRows = visibleRows(deepTree, allExpandable(deepTree));
    const opened = visibleRows(wideTree, initiallyExpanded(wideTree));
    const elapsed = performance.now() - started;
    assert.equal(allRows.length, 5_000);
    assert.equal(deepRows.length, 5_000);
    assert.equal(deepRows.at(-1)?.node.depth, 4_999);
    assert.equal(deepTree.roots[0]?.hasErrorBelow, true);
    assert.equal(ancestorIds(deepTree, 'd4999').length, 4_999);
    assert.ok(opened.length <= 200, `opens with ${opened.length} rows`);
    assert.ok(elapsed < 1_000, `took ${elapsed} ms`);
  });

  it('draws only the rows in view, with some either side', () => {
    assert.deepEqual(rowWindow(0, 560, 28, 5_000), { first: 0, last: 30 });
    assert.deepEqual(rowWindow(28 * 1_000, 560, 28, 5_000), { first: 990, last: 1_030 });
    assert.deepEqual(rowWindow(28 * 4_990, 560, 28, 5_000), { first: 4_980, last: 5_000 });
    assert.deepEqual(rowWindow(0, 560, 28, 3), { first: 0, last: 3 });
    assert.deepEqual(rowWindow(0, 560, 28, 0), { first: 0, last: 0 });
  });

  it('writes durations in the unit that suits them', () => {
    assert.deepEqual([850, 14_000, 340_296_602, 1_234_000_000, 125e9, undefined].map(formatNanos), [
      '850 ns',
      '14 µs',
      '340 ms',
      '1.23 s',
      '2 min 5 s',
      '—',
    ]);
  });
});
