import type { StopDecision, TrialProgress } from '../sweep-types.js';

/**
 * The loop every policy shares. The sweep runner re-evaluates on every pass, and after a restart,
 * from the full report histories, so a decision can depend on nothing but those histories: each
 * running trial is judged once, at the latest point it has reached where the policy applies
 * (`pointOf`: an applied interval, or a rung for asha), against every trial's values at that same
 * point as they stand now. It is never judged again at a point it has already passed: whether a
 * pass happened to look while it stood there, and with which company, is not in the histories,
 * so judging old points would make the outcome hang on how often the runner looked. Ended trials
 * are never stopped; they only count as company.
 *
 * `judge` returns the reason to stop the trial at that point, or null to let it run.
 */
export function judgeRunningTrials(
  trials: readonly TrialProgress[],
  pointOf: (reportCount: number) => number | null,
  judge: (trial: TrialProgress, point: number) => string | null,
): StopDecision[] {
  const stops: StopDecision[] = [];
  for (const trial of trials) {
    if (!trial.isRunning) continue;
    const point = pointOf(trial.reports.length);
    if (point === null) continue;
    const reason = judge(trial, point);
    if (reason !== null) stops.push({ index: trial.index, reason });
  }
  return stops;
}

/** A function of an interval (or rung) computed once per call, since every trial judged there shares its company. */
export function oncePerPoint<Result>(compute: (point: number) => Result): (point: number) => Result {
  const known = new Map<number, Result>();
  return (point) => {
    if (known.has(point)) return known.get(point)!;
    const result = compute(point);
    known.set(point, result);
    return result;
  };
}
