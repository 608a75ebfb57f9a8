import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricHistory } from '../lib/monitor-series.js';
import { cssVariable } from '../lib/theme.js';

const palette = ['#2f6fde', '#29a35a', '#a259d9', '#d4a017', '#17a2b8', '#e83e8c', '#6c757d', '#8c564b'];
const height = 240;

/**
 * One metric of a signal over the monitor's runs, drawn with uPlot: a line per feature (x = the
 * time each run was computed for), the threshold as a dashed line, and a red ring on every point
 * past its threshold. The canvas follows the theme and the width of its box.
 */
export function SignalChart({ title, history }: { title: string; history: MetricHistory }) {
  const box = useRef<HTMLDivElement>(null);
  const breaches = history.features.reduce((sum, feature) => sum + feature.breached.filter(Boolean).length, 0);
  // The page re-reads its runs every few seconds: the chart is drawn again only when what it shows changed.
  const drawn = JSON.stringify(history);
  useEffect(() => {
    const element = box.current;
    const shown = JSON.parse(drawn) as MetricHistory;
    if (!element || shown.times.length === 0) return;
    const data: uPlot.AlignedData = [
      shown.times.map((at) => at / 1000),
      ...shown.features.map((feature) => feature.values),
      ...shown.thresholds.map((threshold) => threshold.values),
    ];
    const text = cssVariable('--text') || '#222';
    const grid = cssVariable('--grid') || '#ddd';
    const bad = cssVariable('--bad') || '#c53030';
    const muted = cssVariable('--muted') || '#888';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    // Breached points are ringed after uPlot has drawn the lines, in the canvas's own pixels.
    const ringBreaches = (chart: uPlot) => {
      const context = chart.ctx;
      const radius = 6 * uPlot.pxRatio;
      context.save();
      context.strokeStyle = bad;
      context.fillStyle = bad;
      context.lineWidth = 2 * uPlot.pxRatio;
      shown.features.forEach((feature, featureIndex) => {
        if (!chart.series[featureIndex + 1]?.show) return;
        feature.breached.forEach((isBreached, index) => {
          const value = feature.values[index];
          const at = shown.times[index];
          if (!isBreached || value === null || value === undefined || at === undefined) return;
          const x = chart.valToPos(at / 1000, 'x', true);
          const y = chart.valToPos(value, 'y', true);
          context.beginPath();
          context.arc(x, y, radius, 0, 2 * Math.PI);
          context.stroke();
          context.beginPath();
          context.arc(x, y, radius / 2, 0, 2 * Math.PI);
          context.fill();
        });
      });
      context.restore();
    };
    const chart = new uPlot(
      {
        title,
        width: element.clientWidth || 600,
        height,
        scales: { x: { time: true } },
        axes: [{ ...axis, label: 'run' }, { ...axis }],
        series: [
          { label: 'run' },
          ...shown.features.map((feature, index) => ({
            label: feature.feature,
            stroke: palette[index % palette.length],
            width: 1.5,
            spanGaps: true,
            points: { show: true, size: 6, fill: palette[index % palette.length] },
          })),
          ...shown.thresholds.map((threshold) => ({
            label: threshold.label,
            stroke: muted,
            width: 1.5,
            dash: [6, 4],
            spanGaps: true,
            points: { show: false },
          })),
        ],
        hooks: { draw: [ringBreaches] },
      },
      data,
      element,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth || 600, height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [title, drawn]);
  return (
    <figure className="metric-panel signal-chart" aria-label={title}>
      <div
        className="chart"
        ref={box}
        data-metric={history.metric}
        data-features={history.features.map((feature) => feature.feature).join(',')}
        data-runs={history.times.length}
        data-breached-points={breaches}
      />
      <figcaption className="muted">
        a line per feature, a point per run · - - the threshold · <span className="breach-key">●</span> past the threshold
        {breaches > 0 ? ` (${breaches} ${breaches === 1 ? 'point' : 'points'})` : ''}
      </figcaption>
    </figure>
  );
}
