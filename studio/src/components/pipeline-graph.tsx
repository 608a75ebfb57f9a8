import { useId } from 'react';
import { useNavigate } from 'react-router';
import type { PipelineStep } from '../api/pipelines.js';
import { type Edge, layoutDag, type NodeBox } from '../lib/dag-layout.js';
import type { StepBinding } from '../lib/pipeline-spec.js';
import { toneOf } from './status-badge.js';

const spacing = { nodeWidth: 240, nodeHeight: 66, columnGap: 64, rowGap: 18, margin: 8 };

/**
 * A pipeline's steps as a graph, left to right: an arrow from each step to the steps that read
 * its outputs (labelled with the outputs and inputs it joins), each step coloured by its state,
 * a reused step marked with the job whose work it reuses. A step with a job opens that job's page.
 */
export function PipelineGraph({ workspace, steps, bindings }: { workspace: string; steps: PipelineStep[]; bindings: StepBinding[] }) {
  const navigate = useNavigate();
  const arrow = `arrow-${useId().replace(/:/g, '')}`;
  const edges: Edge[] = steps.flatMap((step) => step.dependsOn.map((from): Edge => [from, step.step]));
  const layout = layoutDag(
    steps.map((step) => step.step),
    edges,
    spacing,
  );
  const { nodeWidth, nodeHeight } = spacing;
  return (
    <figure className="graph-frame" aria-label="Pipeline graph">
      <svg className="pipeline-graph" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
        <title>The pipeline's steps, each after the steps whose outputs it reads</title>
        <defs>
          <marker id={arrow} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
        </defs>
        {layout.routes.map(({ from, to, waypoints }) => {
          const a = layout.at.get(from);
          const b = layout.at.get(to);
          if (!a || !b) return null;
          const joins = bindings
            .filter((binding) => binding.from === from && binding.to === to)
            .map((binding) => `${from}.outputs.${binding.output} → ${to}.inputs.${binding.input}`);
          return (
            <path
              key={`${from}>${to}`}
              d={edgePath(a, waypoints, b)}
              className="edge"
              data-from={from}
              data-to={to}
              markerEnd={`url(#${arrow})`}
            >
              <title>{joins.length > 0 ? joins.join('\n') : `${to} waits for ${from}`}</title>
            </path>
          );
        })}
        {steps.map((step) => {
          const position = layout.at.get(step.step);
          if (!position) return null;
          const isReused = step.state === 'Reused';
          const target = step.job ? `/w/${workspace}/jobs/${encodeURIComponent(step.job)}` : undefined;
          const open = () => target && navigate(target);
          const waitsFor = step.status === 'Waiting' && step.dependsOn.length > 0 ? `waits for ${step.dependsOn.join(', ')}` : undefined;
          const detail = isReused
            ? `↻ reused ${truncateMiddle(step.job ?? '', 22)}`
            : step.job
              ? truncateMiddle(step.job, 31)
              : truncate(waitsFor ?? step.reason ?? '', 31);
          return (
            // biome-ignore lint/a11y/noStaticElementInteractions: the handlers act only on a step with a job, which has role="link" and a tabIndex.
            <g
              key={step.step}
              transform={`translate(${position.x},${position.y})`}
              className={`step tone-${toneOf(step.status)}${isReused ? ' reused' : ''}${target ? ' linked' : ''}`}
              data-step={step.step}
              data-status={step.status}
              role={target ? 'link' : undefined}
              aria-label={`step ${step.step}: ${step.status}${isReused ? `, reusing job ${step.job}` : ''}`}
              tabIndex={target ? 0 : undefined}
              onClick={open}
              onKeyDown={(event) => event.key === 'Enter' && open()}
            >
              <rect width={nodeWidth} height={nodeHeight} rx={7} />
              <rect className="state-bar" width={5} height={nodeHeight} rx={2} />
              <text x={14} y={20} className="step-name">
                {truncate(step.step, isReused ? 20 : 28)}
              </text>
              <text x={14} y={39} className="step-status">
                {step.status}
              </text>
              {isReused ? (
                <g className="reused-mark" transform={`translate(${nodeWidth - 70},8)`}>
                  <rect width={62} height={18} rx={9} />
                  <text x={31} y={13} textAnchor="middle">
                    reused
                  </text>
                </g>
              ) : null}
              <text x={14} y={57} className="step-detail">
                {detail}
              </text>
              <title>
                {[`${step.step}: ${step.status}`, step.job ? `job ${step.job}` : '', step.reuseNote ?? '', step.reason ?? '']
                  .filter(Boolean)
                  .join('\n')}
              </title>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/**
 * An edge from the right side of one box to the left side of another, level through each
 * waypoint's box and curving between, so it leaves and enters horizontally.
 */
function edgePath(from: NodeBox, waypoints: NodeBox[], to: NodeBox): string {
  const { nodeWidth, nodeHeight } = spacing;
  let x = from.x + nodeWidth;
  let y = from.y + nodeHeight / 2;
  let path = `M${x},${y}`;
  const curveTo = (x2: number, y2: number) => {
    const middle = (x + x2) / 2;
    path += ` C${middle},${y} ${middle},${y2} ${x2},${y2}`;
    x = x2;
    y = y2;
  };
  for (const waypoint of waypoints) {
    curveTo(waypoint.x, waypoint.y + nodeHeight / 2);
    x = waypoint.x + nodeWidth;
    path += ` L${x},${y}`;
  }
  curveTo(to.x - 2, to.y + nodeHeight / 2);
  return path;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** A job name too long for its box keeps its start (the pipeline) and its end (the step). */
function truncateMiddle(text: string, length: number): string {
  if (text.length <= length) return text;
  const head = Math.ceil((length - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (length - 1 - head))}`;
}
