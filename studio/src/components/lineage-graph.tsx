import { useNavigate } from 'react-router';

export interface LineageNode {
  id: string;
  /** What it is: data, code, environment, job, run, model, deployment. */
  kind: string;
  title: string;
  subtitle?: string;
  /** A studio page for it. */
  to?: string;
  /** The node the page is about. */
  isFocus?: boolean;
}

const nodeWidth = 210;
const nodeHeight = 46;
const columnGap = 70;
const rowGap = 16;

/**
 * A left-to-right graph of columns of nodes (what went in, what made it, what it is, what uses
 * it) with an edge for each [from, to]. Nodes with a page are links.
 */
export function LineageGraph({ columns, edges }: { columns: LineageNode[][]; edges: Array<[string, string]> }) {
  const navigate = useNavigate();
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  const height = tallest * (nodeHeight + rowGap) + rowGap;
  const width = columns.length * (nodeWidth + columnGap) - columnGap + 20;
  const at = new Map<string, { x: number; y: number }>();
  columns.forEach((column, index) => {
    const offset = (height - column.length * (nodeHeight + rowGap) + rowGap) / 2;
    column.forEach((node, row) => {
      at.set(node.id, { x: 10 + index * (nodeWidth + columnGap), y: offset + row * (nodeHeight + rowGap) });
    });
  });
  return (
    <svg className="lineage" width={width} height={height} role="img" aria-label="Lineage">
      {edges.map(([from, to]) => {
        const a = at.get(from);
        const b = at.get(to);
        if (!a || !b) return null;
        const x1 = a.x + nodeWidth;
        const y1 = a.y + nodeHeight / 2;
        const x2 = b.x;
        const y2 = b.y + nodeHeight / 2;
        const middle = (x1 + x2) / 2;
        return <path key={`${from}>${to}`} d={`M${x1},${y1} C${middle},${y1} ${middle},${y2} ${x2},${y2}`} className="edge" />;
      })}
      {columns.flat().map((node) => {
        const position = at.get(node.id)!;
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: the handlers act only on a node with a page, which has role="link" and a tabIndex.
          <g
            key={node.id}
            transform={`translate(${position.x},${position.y})`}
            className={`node ${node.kind}${node.isFocus ? ' focus' : ''}${node.to ? ' linked' : ''}`}
            data-kind={node.kind}
            role={node.to ? 'link' : undefined}
            aria-label={`${node.kind} ${node.title}`}
            tabIndex={node.to ? 0 : undefined}
            onClick={() => node.to && navigate(node.to)}
            onKeyDown={(event) => event.key === 'Enter' && node.to && navigate(node.to)}
          >
            <rect width={nodeWidth} height={nodeHeight} rx={6} />
            <text x={10} y={17} className="node-kind">
              {node.kind}
              {node.subtitle ? <tspan className="node-subtitle"> · {truncate(node.subtitle, 16)}</tspan> : null}
            </text>
            <text x={10} y={35} className="node-title">
              {truncate(node.title, 25)}
            </text>
            <title>{`${node.kind}: ${node.title}${node.subtitle ? ` ${node.subtitle}` : ''}`}</title>
          </g>
        );
      })}
    </svg>
  );
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
