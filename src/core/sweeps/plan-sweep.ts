import { cancelEventOf } from '../jobs/cancel-request.js';
import type { JobState } from '../jobs/job-lifecycle.js';
import { evaluatePolicy } from './policies/evaluate-policy.js';
import { figure } from './policies/figure.js';
import type { SweepState } from './sweep-job.js';
import type { EarlyTermination, Goal, MetricReport, Parameters, StopDecision } from './sweep-types.js';

/** What the planner sees of one trial: its job's state and the primary metric it reported so far. */
export interface TrialStatus {
  index: number;
  job: string;
  parameters: Parameters;
  jobState: JobState;
  /** A cancel was asked of the trial's job and not yet seen through. */
  isStopping: boolean;
  reports: readonly MetricReport[];
  /** Set when the early-termination policy stopped it. */
  stopReason: string | null;
}

export interface SweepPlanInput {
  state: SweepState;
  /** A cancel asked of the sweep ('cancel:<by>'), or null. */
  stopRequest: string | null;
  startedAt: number | null;
  now: number;
  goal: Goal;
  policy: EarlyTermination | undefined;
  /** The most trials the sweep runs: max_total_trials, or the grid's size when that is smaller. */
  totalTrials: number;
  maxConcurrentTrials: number;
  timeoutSeconds: number;
  /** The sampler has no more points (a grid walked through). */
  isExhausted: boolean;
  trials: readonly TrialStatus[];
}

/** A running trial to cancel, and why, in words. */
export interface TrialCancel {
  index: number;
  job: string;
  reason: string;
  /** True when the early-termination policy stops it (its reason is then kept with the trial). */
  isEarlyTermination: boolean;
}

export interface SweepPlan {
  cancel: TrialCancel[];
  /** How many new trials to sample and submit now. */
  submit: number;
  /** The sweep's new state, when it changes. */
  next?: { state: SweepState; reason: string };
}

const endedStates: readonly JobState[] = ['Completed', 'Failed', 'Canceled'];

export function isEnded(state: JobState): boolean {
  return endedStates.includes(state);
}

/** A trial's objective: the last value it reported of the primary metric, or null when it reported none. */
export function objectiveOf(reports: readonly MetricReport[]): number | null {
  return reports.length === 0 ? null : (reports[reports.length - 1]?.value ?? null);
}

/** Whether `candidate` is better than `incumbent` for the goal. */
export function isBetter(goal: Goal, candidate: number, incumbent: number): boolean {
  return goal === 'minimize' ? candidate < incumbent : candidate > incumbent;
}

/** The completed trial with the best objective (the earliest among equals), or undefined when none completed with one. */
export function bestTrial<T extends { index: number; jobState: JobState; objective: number | null }>(
  goal: Goal,
  trials: readonly T[],
): T | undefined {
  let best: T | undefined;
  for (const trial of trials) {
    if (trial.jobState !== 'Completed' || trial.objective === null || Number.isNaN(trial.objective)) continue;
    if (!best || best.objective === null || isBetter(goal, trial.objective, best.objective)) best = trial;
  }
  return best;
}

/**
 * Decides one pass of a sweep, from what is stored only (so it converges after any restart):
 * which running trials to cancel — all of them when the sweep is canceled or its timeout passed,
 * else those the early-termination policy stops — how many trials to start (up to
 * max_concurrent_trials running, max_total_trials in all, while the sampler has points), and
 * whether the sweep moves on: Running with its first trial; when the last trial ended, Completed
 * (Failed when no trial completed having reported the primary metric), or Canceled after a cancel
 * or the timeout.
 */
export function planSweep(input: SweepPlanInput): SweepPlan {
  const { trials, now } = input;
  if (input.state === 'Completed' || input.state === 'Failed' || input.state === 'Canceled') return { cancel: [], submit: 0 };
  const running = trials.filter((trial) => !isEnded(trial.jobState));
  const cancelAll = (reason: string): TrialCancel[] =>
    running
      .filter((trial) => !trial.isStopping)
      .map((trial) => ({ index: trial.index, job: trial.job, reason, isEarlyTermination: false }));

  const canceled = cancelEventOf(input.stopRequest);
  const stopping = canceled
    ? { state: 'Canceled' as const, why: `canceled by ${canceled.by}` }
    : input.startedAt !== null && now - input.startedAt >= input.timeoutSeconds * 1000
      ? { state: 'Canceled' as const, why: `the sweep's timeout of ${input.timeoutSeconds} s passed` }
      : undefined;
  if (stopping) {
    const cancel = cancelAll(`${stopping.why}: its running trials are canceled`);
    if (running.length > 0) return { cancel, submit: 0 };
    return { cancel, submit: 0, next: { state: stopping.state, reason: `${stopping.why}; ${summary(input)}` } };
  }

  const cancel: TrialCancel[] = [];
  if (input.policy) {
    const stops: StopDecision[] = evaluatePolicy(
      input.policy,
      input.goal,
      trials.map((trial) => ({ index: trial.index, reports: trial.reports, isRunning: !isEnded(trial.jobState) })),
    );
    for (const stop of stops) {
      const trial = trials.find((candidate) => candidate.index === stop.index);
      if (!trial || isEnded(trial.jobState) || trial.isStopping) continue;
      cancel.push({ index: trial.index, job: trial.job, reason: stop.reason, isEarlyTermination: true });
    }
  }

  const remaining = input.isExhausted ? 0 : Math.max(0, input.totalTrials - trials.length);
  const submit = Math.min(remaining, Math.max(0, input.maxConcurrentTrials - running.length));
  if (running.length === 0 && submit === 0) {
    // Without a completed trial that reported the primary metric there is no best trial: the sweep failed.
    const completed = trials.some((trial) => trial.jobState === 'Completed' && trial.reports.length > 0);
    return {
      cancel,
      submit,
      next: {
        state: completed ? 'Completed' : 'Failed',
        reason: `${completed ? '' : 'no trial completed with an objective; '}${summary(input)}`,
      },
    };
  }
  if (input.state === 'Queued' && (submit > 0 || trials.length > 0))
    return { cancel, submit, next: { state: 'Running', reason: `running: up to ${input.maxConcurrentTrials} trials at once` } };
  return { cancel, submit };
}

/** The trials in a line: how many ran, completed, were stopped early, failed, gave no objective, and the best. */
export function summary(input: Pick<SweepPlanInput, 'trials' | 'goal'>): string {
  const { trials, goal } = input;
  const count = (predicate: (trial: TrialStatus) => boolean) => trials.filter(predicate).length;
  const stopped = count((trial) => trial.stopReason !== null);
  const completed = count((trial) => trial.jobState === 'Completed');
  const failed = count((trial) => trial.jobState === 'Failed');
  const canceled = count((trial) => trial.jobState === 'Canceled' && trial.stopReason === null);
  const noObjective = count((trial) => isEnded(trial.jobState) && trial.reports.length === 0);
  const best = bestTrial(
    goal,
    trials.map((trial) => ({ ...trial, objective: objectiveOf(trial.reports) })),
  );
  const parts = [
    `${trials.length} trial${trials.length === 1 ? '' : 's'}: ${completed} completed`,
    ...(stopped > 0 ? [`${stopped} stopped early`] : []),
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(canceled > 0 ? [`${canceled} canceled`] : []),
    ...(noObjective > 0 ? [`${noObjective} without an objective (never logged the primary metric)`] : []),
  ];
  return `${parts.join(', ')}${best && best.objective !== null ? `; best trial ${best.job} (${figure(best.objective)})` : ''}`;
}
