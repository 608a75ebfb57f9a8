import type { Dimension } from '../lib/compare.js';

/** Each run as a dot at its values of two dimensions (numbers on a linear scale, others by category). */
export function ScatterPlot({ x, y, labels }: { x: Dimension; y: Dimension; labels: string[] }) {
  const width = 520;
  const height = 360;
  const margin = 50;
  const px = (position: number) => margin + position * (width - 2 * margin);
  const py = (position: number) => height - margin - position * (height - 2 * margin);
  return (
    <svg className="scatter" width={width} height={height} role="img" aria-label={`${y.label} against ${x.label}`}>
      <line x1={margin} x2={width - margin} y1={height - margin} y2={height - margin} className="axis" />
      <line x1={margin} x2={margin} y1={margin} y2={height - margin} className="axis" />
      <text x={width / 2} y={height - 12} textAnchor="middle" className="axis-label">
        {x.label}
      </text>
      <text x={14} y={height / 2} textAnchor="middle" transform={`rotate(-90 14 ${height / 2})`} className="axis-label">
        {y.label}
      </text>
      {x.ticks.slice(0, 10).map((tick) => (
        <text key={`x${tick.label}`} x={px(tick.at)} y={height - margin + 16} textAnchor="middle" className="tick">
          {tick.label}
        </text>
      ))}
      {y.ticks.slice(0, 10).map((tick) => (
        <text key={`y${tick.label}`} x={margin - 6} y={py(tick.at) + 4} textAnchor="end" className="tick">
          {tick.label}
        </text>
      ))}
      {labels.map((label, run) => {
        const at = [x.positions[run], y.positions[run]];
        if (at[0] === undefined || at[1] === undefined) return null;
        return (
          <circle key={label} cx={px(at[0])} cy={py(at[1])} r={5} className="dot">
            <title>{label}</title>
          </circle>
        );
      })}
    </svg>
  );
}
