import type { Dimension } from '../lib/compare.js';

const palette = (share: number) => `hsl(${Math.round(240 - 200 * share)}, 70%, 50%)`;

/**
 * Runs as lines across one vertical axis per dimension (params, then the chosen metric last);
 * each line is coloured by the run's position on the last axis, so the params of the best runs
 * stand out.
 */
export function ParallelCoordinates({ dimensions, labels }: { dimensions: Dimension[]; labels: string[] }) {
  const width = Math.max(480, dimensions.length * 160);
  const height = 300;
  const top = 30;
  const bottom = 30;
  const left = 60;
  const step = dimensions.length > 1 ? (width - 2 * left) / (dimensions.length - 1) : 0;
  const y = (position: number) => top + (1 - position) * (height - top - bottom);
  const colourAxis = dimensions.at(-1);
  return (
    <svg className="parallel" width={width} height={height} role="img" aria-label={`Parallel coordinates of ${labels.length} runs`}>
      {dimensions.map((dimension, index) => (
        <g key={dimension.id} transform={`translate(${left + index * step},0)`}>
          <line x1={0} x2={0} y1={top} y2={height - bottom} className="axis" />
          <text y={top - 12} textAnchor="middle" className="axis-label">
            {dimension.label}
          </text>
          {dimension.ticks.slice(0, 12).map((tick) => (
            <text key={tick.label} x={-6} y={y(tick.at) + 4} textAnchor="end" className="tick">
              {tick.label}
            </text>
          ))}
        </g>
      ))}
      {labels.map((label, run) => {
        const points = dimensions.map((dimension, index) =>
          dimension.positions[run] === undefined ? undefined : `${left + index * step},${y(dimension.positions[run]!)}`,
        );
        if (points.some((point) => point === undefined)) return null;
        const share = colourAxis?.positions[run] ?? 0.5;
        return (
          <polyline key={label} points={points.join(' ')} fill="none" stroke={palette(share)} strokeWidth={2} className="run-line">
            <title>{label}</title>
          </polyline>
        );
      })}
    </svg>
  );
}
