import type { SweepTrial } from '../api/sweeps.js';
import { formatNumber } from '../lib/format.js';
import { bestSoFar, type Goal, isStoppedEarly } from '../lib/sweep-trials.js';
import { toneOf } from './status-badge.js';

const width = 640;
const height = 300;
const margin = { top: 20, right: 20, bottom: 44, left: 64 };

/**
 * Each trial's objective at its index: a dot (hollow while it runs), a cross where the
 * early-termination policy stopped it (its value is where it stood then); and the best objective
 * so far among the completed trials as a step line. Trials without an objective are not drawn.
 */
export function ObjectiveChart({ goal, metric, trials }: { goal: Goal; metric: string; trials: readonly SweepTrial[] }) {
  const scored = trials.filter(
    (trial): trial is SweepTrial & { objective: number } => trial.objective !== null && Number.isFinite(trial.objective),
  );
  const best = bestSoFar(goal, trials);
  const lastIndex = Math.max(0, ...trials.map((trial) => trial.index));
  const values = scored.map((trial) => trial.objective);
  const low = Math.min(...values);
  const high = Math.max(...values);
  // A flat sweep still gets an axis: one unit around its value.
  const [bottomValue, topValue] =
    values.length === 0 ? [0, 1] : low === high ? [low - 1, high + 1] : [low - (high - low) * 0.05, high + (high - low) * 0.05];
  // Half a trial's room on either side, so no point sits on an axis.
  const x = (index: number) => margin.left + ((index + 0.5) / (lastIndex + 1)) * (width - margin.left - margin.right);
  const y = (value: number) => margin.top + (1 - (value - bottomValue) / (topValue - bottomValue)) * (height - margin.top - margin.bottom);
  const stepLine = best.map((point, position) => {
    const previous = best[position - 1];
    return previous === undefined ? `M${x(point.index)},${y(point.value)}` : `H${x(point.index)}V${y(point.value)}`;
  });
  const xTicks = lastIndex < 20 ? trials.map((trial) => trial.index) : [...new Set([0, Math.round(lastIndex / 2), lastIndex])];
  const yTicks = values.length === 0 ? [] : low === high ? [low] : [low, (low + high) / 2, high];
  return (
    <figure className="objective-chart">
      <svg width={width} height={height} role="img" aria-label={`${metric} over trials`}>
        <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} className="axis" />
        <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} className="axis" />
        <text x={(width + margin.left) / 2} y={height - 8} textAnchor="middle" className="axis-label">
          trial
        </text>
        <text x={16} y={height / 2} textAnchor="middle" transform={`rotate(-90 16 ${height / 2})`} className="axis-label">
          {metric}
        </text>
        {xTicks.map((index) => (
          <text key={`x${index}`} x={x(index)} y={height - margin.bottom + 16} textAnchor="middle" className="tick">
            {index}
          </text>
        ))}
        {yTicks.map((value) => (
          <text key={`y${value}`} x={margin.left - 6} y={y(value) + 4} textAnchor="end" className="tick">
            {formatNumber(value)}
          </text>
        ))}
        {best.length > 0 ? (
          <path d={stepLine.join('')} className="best-so-far" data-points={best.length}>
            <title>
              best {metric} so far ({goal}): {formatNumber(best.at(-1)?.value)}
            </title>
          </path>
        ) : null}
        {scored.map((trial) => {
          const cx = x(trial.index);
          const cy = y(trial.objective);
          const label = `trial ${trial.index} (${trial.job}): ${metric} ${formatNumber(trial.objective)}, ${trial.status}${isStoppedEarly(trial) ? ', stopped early' : ''}`;
          return isStoppedEarly(trial) ? (
            <path
              key={trial.index}
              d={`M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx - 5},${cy + 5}L${cx + 5},${cy - 5}`}
              className="trial-point stopped"
              data-trial={trial.index}
            >
              <title>{label}</title>
            </path>
          ) : (
            <circle key={trial.index} cx={cx} cy={cy} r={5} className={`trial-point tone-${toneOf(trial.status)}`} data-trial={trial.index}>
              <title>{label}</title>
            </circle>
          );
        })}
      </svg>
      <figcaption className="muted">
        ● a trial's {metric} (hollow while it runs) · ✕ stopped early by the policy, at the value it had reached · ─ the best so far among
        completed trials
      </figcaption>
    </figure>
  );
}
