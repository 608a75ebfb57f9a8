import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { formatNanos, rowWindow, type SpanRow, type SpanTree, timelineBar } from '../lib/span-tree.js';

/** Every row is this tall, so the rows in view follow from the scroll position alone. */
const rowHeight = 28;
/** The tree scrolls inside a box at most this tall. */
const maxViewHeight = 560;

interface Props {
  tree: SpanTree;
  /** The rows of the expanded spans, from visibleRows. */
  rows: SpanRow[];
  selectedId: string | undefined;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string, expand: boolean) => void;
}

/**
 * A trace's spans as a collapsible tree beside a shared timeline: each span's bar starts at its
 * offset from the trace's start and is as long as it lasted. Only the rows in view are drawn, so a
 * trace of thousands of spans scrolls like a short one. ↑/↓ move, → opens, ← closes or goes to the parent, Enter opens or closes.
 */
export function SpanTreeView({ tree, rows, selectedId, onSelect, onToggle }: Props) {
  const [scrollTop, setScrollTop] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const viewHeight = Math.min(maxViewHeight, Math.max(rows.length, 1) * rowHeight);
  const { first, last } = rowWindow(scrollTop, viewHeight, rowHeight, rows.length);
  const selectedIndex = rows.findIndex((row) => row.node.span.spanId === selectedId);
  const total = Number(tree.endNs - tree.startNs);

  const movedByKey = useRef(false);
  const select = (index: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    movedByKey.current = true;
    onSelect(row.node.span.spanId);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const current = rows[selectedIndex];
    let isHandled = true;
    switch (event.key) {
      case 'ArrowDown':
        select(selectedIndex + 1);
        break;
      case 'ArrowUp':
        select(selectedIndex - 1);
        break;
      case 'Home':
        select(0);
        break;
      case 'End':
        select(rows.length - 1);
        break;
      case 'ArrowRight':
        if (current && current.node.children.length > 0) onToggle(current.node.span.spanId, true);
        break;
      case 'ArrowLeft':
        if (current?.isExpanded) onToggle(current.node.span.spanId, false);
        else if (current?.node.span.parentSpanId !== undefined)
          select(rows.findIndex((row) => row.node.span.spanId === current.node.span.parentSpanId));
        break;
      case 'Enter':
        if (current && current.node.children.length > 0) onToggle(current.node.span.spanId, !current.isExpanded);
        break;
      default:
        isHandled = false;
    }
    if (isHandled) event.preventDefault();
  };
  // The selected row is scrolled into view however it was chosen (the keys, "show the failed span"),
  // and focused once drawn when the keys moved to it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the selection or the rows change, not on each scroll.
  useEffect(() => {
    const element = box.current;
    if (!element || selectedIndex === -1) return;
    const target = selectedIndex * rowHeight;
    if (target < element.scrollTop) element.scrollTop = target;
    else if (target + rowHeight > element.scrollTop + viewHeight) element.scrollTop = target + rowHeight - viewHeight;
    setScrollTop(element.scrollTop);
    if (!movedByKey.current) return;
    movedByKey.current = false;
    const row = element.querySelector('[aria-selected="true"]');
    if (row instanceof HTMLElement) row.focus();
  }, [selectedId, rows]);

  return (
    <div className="span-tree">
      <div className="span-tree-head" aria-hidden="true">
        <span>Span</span>
        <span className="span-scale">
          <span>0</span>
          <span>{formatNanos(total / 2)}</span>
          <span>{formatNanos(total)}</span>
        </span>
        <span className="span-duration">Duration</span>
      </div>
      <div
        ref={box}
        className="span-tree-rows"
        role="tree"
        aria-label="Spans"
        style={{ height: viewHeight }}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      >
        <div style={{ height: rows.length * rowHeight, position: 'relative' }}>
          {rows.slice(first, last).map((row, offset) => {
            const { span } = row.node;
            const bar = timelineBar(tree, span);
            const hasChildren = row.node.children.length > 0;
            const isSelected = span.spanId === selectedId;
            // One row takes Tab: the selected one, or the first when the selected one is hidden.
            const takesTab = isSelected || (selectedIndex === -1 && first + offset === 0);
            return (
              <div
                key={span.spanId}
                role="treeitem"
                aria-level={row.node.depth + 1}
                aria-expanded={hasChildren ? row.isExpanded : undefined}
                aria-selected={isSelected}
                aria-label={span.name}
                className={`span-row${isSelected ? ' selected' : ''}${span.isError ? ' error' : ''}`}
                tabIndex={takesTab ? 0 : -1}
                style={{ top: (first + offset) * rowHeight, height: rowHeight }}
                onClick={() => onSelect(span.spanId)}
                onKeyDown={onKeyDown}
              >
                <span className="span-label" style={{ paddingLeft: row.node.depth * 16 }}>
                  {hasChildren ? (
                    <button
                      type="button"
                      className="span-toggle"
                      tabIndex={-1}
                      aria-label={`${row.isExpanded ? 'Collapse' : 'Expand'} ${span.name}`}
                      onClick={(event) => {
                        event.stopPropagation();
                        onToggle(span.spanId, !row.isExpanded);
                      }}
                    >
                      {row.isExpanded ? '▾' : '▸'}
                    </button>
                  ) : (
                    <span className="span-toggle" />
                  )}
                  <span className="span-name" title={span.name}>
                    {span.name}
                  </span>
                  {span.spanType ? <span className="span-type">{span.spanType}</span> : null}
                  {span.isError ? (
                    <span className="span-error" title={span.statusMessage ?? 'failed'}>
                      ✕ error
                    </span>
                  ) : row.node.hasErrorBelow && !row.isExpanded ? (
                    <span className="span-error" title="a span below this one failed">
                      ✕ below
                    </span>
                  ) : null}
                </span>
                <span className="span-timeline">
                  <span
                    className={`span-bar${span.isError ? ' error' : ''}${bar.durationNs === undefined ? ' open' : ''}`}
                    style={{ left: `${bar.leftPercent}%`, width: `${bar.widthPercent}%` }}
                  />
                </span>
                <span className="span-duration">{bar.durationNs === undefined ? 'open' : formatNanos(bar.durationNs)}</span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
