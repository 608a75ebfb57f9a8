import type { SweepJobBody, TrellisClient } from '../../client/trellis-client.js';
import { renderTable } from '../output.js';

/** A sweep job ended: Completed, Failed or Canceled. */
export function sweepEnded(sweep: Pick<SweepJobBody, 'state'>): boolean {
  return sweep.state === 'Completed' || sweep.state === 'Failed' || sweep.state === 'Canceled';
}

type Trial = NonNullable<SweepJobBody['trials']>[number];

/** The sweep in words, its progress and best trial, then its trials best first (those without an objective last). */
export function sweepDetail(sweep: SweepJobBody): string {
  const spec = sweep.spec;
  const objective = isObjective(spec.objective) ? spec.objective : { goal: 'minimize', primary_metric: '?' };
  const progress = sweep.progress;
  const best = sweep.best;
  const names = Object.keys(isRecord(spec.search_space) ? spec.search_space : {});
  const trials = [...(sweep.trials ?? [])].sort((a, b) => compareTrials(objective.goal, a, b));
  const lines = [
    `name:        ${sweep.name} (sweep)`,
    `display:     ${sweep.displayName}`,
    `state:       ${sweep.state}${sweep.reason ? ` (${sweep.reason})` : ''}`,
    `objective:   ${objective.goal} ${objective.primary_metric}`,
    `experiment:  ${sweep.experimentName} (MLflow run ${sweep.runId})`,
    `submitted:   ${new Date(sweep.submittedAt).toISOString()} by ${sweep.createdBy}`,
    ...(progress
      ? [
          `progress:    ${progress.trials} of ${progress.maxTotalTrials} trials: ${progress.running} running, ${progress.completed} completed, ${progress.stoppedEarly} stopped early, ${progress.failed} failed${progress.withoutObjective > 0 ? `, ${progress.withoutObjective} without an objective` : ''}`,
        ]
      : []),
    `best trial:  ${best ? `${best.job} ${objective.primary_metric}=${best.objective} (${parametersText(best.parameters)})` : '-'}`,
    'trials:',
    renderTable(
      ['TRIAL', 'STATUS', objective.primary_metric.toUpperCase(), 'REPORTS', ...names.map((name) => name.toUpperCase()), 'REASON'],
      trials.map((trial) => [
        trial.job,
        trial.status,
        trial.objective === null ? '-' : String(trial.objective),
        String(trial.reports),
        ...names.map((name) => (trial.parameters[name] === undefined ? '' : String(trial.parameters[name]))),
        trial.stopReason ?? (trial.status === 'Completed' ? '' : (trial.reason ?? '')),
      ]),
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  ];
  return lines.join('\n');
}

/** Follows a sweep until it ends, printing each trial's changes of state on stderr; returns it ended. */
export async function followSweep(client: TrellisClient, workspace: string, name: string): Promise<SweepJobBody> {
  const seen = new Map<string, string>();
  for (;;) {
    const sweep = await client.getSweep(workspace, name);
    for (const trial of sweep.trials ?? []) {
      const said = `${trial.status}${trial.objective !== null && trial.isFinal ? ` objective=${trial.objective}` : ''}${trial.stopReason ? `: ${trial.stopReason}` : ''}`;
      if (seen.get(trial.job) === said) continue;
      seen.set(trial.job, said);
      process.stderr.write(`[trellis] ${trial.job} (${parametersText(trial.parameters)}) ${said}\n`);
    }
    if (sweepEnded(sweep)) return sweep;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function parametersText(parameters: Trial['parameters']): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
}

/** Best first for the goal; trials without an objective after those with one, by index. */
function compareTrials(goal: string, a: Trial, b: Trial): number {
  if (a.objective === null || b.objective === null) return a.objective === null ? (b.objective === null ? a.index - b.index : 1) : -1;
  return goal === 'maximize' ? b.objective - a.objective : a.objective - b.objective;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjective(value: unknown): value is { goal: string; primary_metric: string } {
  return isRecord(value) && typeof value.goal === 'string' && typeof value.primary_metric === 'string';
}
