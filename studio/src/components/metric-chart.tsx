import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cssVariable } from '../lib/theme.js';

export interface ChartSeries {
  label: string;
  xs: number[];
  ys: number[];
}

interface Props {
  title: string;
  series: ChartSeries[];
  xLabel: string;
  /** Timestamps on the x axis (milliseconds) rather than steps. */
  isTime: boolean;
  logScale: boolean;
  height?: number;
}

const palette = ['#2f6fde', '#e4572e', '#29a35a', '#a259d9', '#d4a017', '#17a2b8', '#e83e8c', '#6c757d'];

/**
 * Metric curves drawn with uPlot (built for large series: a few thousand points per series
 * draw in milliseconds). Several series are joined on their x values. The canvas follows the
 * theme and the width of its box.
 */
export function MetricChart({ title, series, xLabel, isTime, logScale, height = 240 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element || series.length === 0) return;
    const data = uPlot.join(
      series.map((item) => [
        item.xs.map((x) => (isTime ? x / 1000 : x)),
        item.ys.map((y) => (logScale && y <= 0 ? null : Number.isFinite(y) ? y : null)),
      ]) as uPlot.AlignedData[],
    );
    const text = cssVariable('--text') || '#222';
    const grid = cssVariable('--grid') || '#ddd';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const chart = new uPlot(
      {
        title,
        width: element.clientWidth || 600,
        height,
        scales: { x: { time: isTime }, y: { distr: logScale ? 3 : 1 } },
        axes: [{ ...axis, label: xLabel }, { ...axis }],
        // Dots only where there are few points (a single value is otherwise invisible).
        series: [
          { label: xLabel },
          ...series.map((item, index) => ({
            label: item.label,
            stroke: palette[index % palette.length],
            width: 1.5,
            spanGaps: true,
            points: { show: item.xs.length <= 60, size: 6, fill: palette[index % palette.length] },
          })),
        ],
        legend: { show: series.length > 1 },
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
  }, [title, series, xLabel, isTime, logScale, height]);
  return <div className="chart" ref={box} data-points={series.reduce((sum, item) => sum + item.xs.length, 0)} />;
}
