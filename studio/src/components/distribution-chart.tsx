import type { FeatureDistribution } from '../api/monitors.js';
import { formatNumber } from '../lib/format.js';
import { binLabels } from '../lib/monitor-series.js';

const width = 560;
const height = 220;
const margin = { top: 14, right: 16, bottom: 56, left: 52 };
const sides = ['reference', 'production'] as const;

/**
 * A feature's reference and production distributions overlaid on the same bins: for a numerical
 * feature, two filled step outlines over the bin edges; for a categorical one, two bars side by
 * side per category. Proportions are shares of each side's rows.
 */
export function DistributionChart({ distribution }: { distribution: FeatureDistribution }) {
  const labels = binLabels(distribution);
  const top = Math.max(0.0001, ...distribution.reference, ...distribution.production);
  const y = (share: number) => margin.top + (1 - share / top) * (height - margin.top - margin.bottom);
  const bottom = height - margin.bottom;
  const title = `${distribution.feature}: reference and production`;
  return (
    <figure className="distribution" data-feature={distribution.feature}>
      <svg width={width} height={height} role="img" aria-label={title} className="distribution-chart">
        <line x1={margin.left} x2={width - margin.right} y1={bottom} y2={bottom} className="axis" />
        <line x1={margin.left} x2={margin.left} y1={margin.top} y2={bottom} className="axis" />
        {[0, top / 2, top].map((share) => (
          <text key={share} x={margin.left - 6} y={y(share) + 4} textAnchor="end" className="tick">
            {formatShare(share)}
          </text>
        ))}
        {distribution.featureType === 'numerical' ? (
          <NumericalSteps distribution={distribution} labels={labels} y={y} />
        ) : (
          <CategoryBars distribution={distribution} labels={labels} y={y} />
        )}
      </svg>
      <figcaption className="muted">
        <span className="swatch reference" /> reference · <span className="swatch production" /> production — share of each side's rows per{' '}
        {distribution.featureType === 'numerical' ? 'bin' : 'category'}
      </figcaption>
    </figure>
  );
}

type Scale = (share: number) => number;

/** Each side as a step outline over the bin edges, filled below, the two drawn over each other. */
function NumericalSteps({ distribution, labels, y }: { distribution: FeatureDistribution; labels: string[]; y: Scale }) {
  const edges = distribution.bins.map(Number);
  const low = edges[0] ?? 0;
  const high = edges.at(-1) ?? 1;
  const span = high - low || 1;
  const x = (value: number) => margin.left + ((value - low) / span) * (width - margin.left - margin.right);
  const bottom = height - margin.bottom;
  const path = (shares: number[]) =>
    `M${x(low)},${bottom}${shares.map((share, index) => `V${y(share)}H${x(edges[index + 1] ?? high)}`).join('')}V${bottom}Z`;
  return (
    <>
      {sides.map((side) => (
        <path key={side} d={path(distribution[side])} className={`distribution-series ${side}`} data-series={side}>
          <title>{side}</title>
        </path>
      ))}
      {/* A hover target per bin: its range and both shares. */}
      {labels.map((label, index) => (
        <rect
          key={String(edges[index])}
          x={x(edges[index] ?? low)}
          y={margin.top}
          width={Math.max(0, x(edges[index + 1] ?? high) - x(edges[index] ?? low))}
          height={bottom - margin.top}
          className="bin-target"
        >
          <title>{`${label}: reference ${formatShare(distribution.reference[index] ?? 0)}, production ${formatShare(distribution.production[index] ?? 0)}`}</title>
        </rect>
      ))}
      {[...new Set([low, (low + high) / 2, high])].map((value) => (
        <text key={value} x={x(value)} y={bottom + 16} textAnchor="middle" className="tick">
          {formatNumber(Number(value.toPrecision(4)))}
        </text>
      ))}
      <text x={(width + margin.left) / 2} y={height - 8} textAnchor="middle" className="axis-label">
        {distribution.feature}
      </text>
    </>
  );
}

/** Two bars per category, reference then production. */
function CategoryBars({ distribution, labels, y }: { distribution: FeatureDistribution; labels: string[]; y: Scale }) {
  const band = (width - margin.left - margin.right) / Math.max(1, labels.length);
  const bar = Math.max(1, band * 0.4);
  const bottom = height - margin.bottom;
  // Many categories: labels slanted, and only some of them.
  const every = Math.ceil(labels.length / 24);
  return (
    <>
      {labels.map((label, index) => {
        const left = margin.left + index * band + band * 0.1;
        return (
          <g key={label} data-category={label}>
            {sides.map((side, sideIndex) => {
              const share = distribution[side][index] ?? 0;
              return (
                <rect
                  key={side}
                  x={left + sideIndex * bar}
                  y={y(share)}
                  width={bar}
                  height={bottom - y(share)}
                  className={`distribution-series ${side}`}
                  data-series={side}
                >
                  <title>{`${label}: ${side} ${formatShare(share)}`}</title>
                </rect>
              );
            })}
            {index % every === 0 ? (
              <text
                x={left + bar}
                y={bottom + 14}
                textAnchor={labels.length > 6 ? 'end' : 'middle'}
                transform={labels.length > 6 ? `rotate(-35 ${left + bar} ${bottom + 14})` : undefined}
                className="tick"
              >
                {label.length > 14 ? `${label.slice(0, 13)}…` : label}
              </text>
            ) : null}
          </g>
        );
      })}
    </>
  );
}

function formatShare(share: number): string {
  return `${formatNumber(Number((share * 100).toPrecision(3)))}%`;
}
