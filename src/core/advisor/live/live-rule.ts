import type { AdvisorRule, Check, ResourceRef } from '../advisor-rule.js';
import { isUndecided, type Undecided } from '../static-rule.js';
import type { LiveSnapshot } from './live-snapshot.js';

/** A rule over the running system: checked against a snapshot of one workspace (and its server). */
export interface LiveRule extends AdvisorRule {
  /** Every resource of the snapshot the rule applies to, checked: passed, failed or unknown. */
  evaluate(snapshot: LiveSnapshot): Check[];
}

export interface LiveRuleDefinition<Subject> extends AdvisorRule {
  /** The resources it applies to; one it does not apply to is not counted in the score. */
  subjects(snapshot: LiveSnapshot): readonly Subject[];
  /** How a finding names the subject. */
  resource(subject: Subject): ResourceRef;
  /** What is wrong with the subject, each naming the value it found (none: it passes), or why it cannot tell. */
  check(subject: Subject, snapshot: LiveSnapshot): string[] | Undecided;
}

/** Makes a LiveRule from a definition: each subject checked, each message a finding with the rule's fix. */
export function defineLiveRule<Subject>(definition: LiveRuleDefinition<Subject>): LiveRule {
  const { subjects, resource, check, ...rule } = definition;
  return {
    ...rule,
    evaluate(snapshot) {
      return subjects(snapshot).map((subject): Check => {
        const base = { ruleId: rule.id, pillar: rule.pillar, severity: rule.severity, resource: resource(subject) };
        const verdict = check(subject, snapshot);
        if (isUndecided(verdict)) return { ...base, outcome: 'unknown', findings: [], reason: verdict.undecided };
        const findings = verdict.map((message) => ({ ...base, message, fix: rule.fix }));
        return { ...base, outcome: findings.length === 0 ? 'passed' : 'failed', findings };
      });
    },
  };
}

/** `3 h 20 min`, `2 d 4 h`: a span for people. */
export function span(milliseconds: number): string {
  const minutes = Math.round(milliseconds / 60_000);
  if (minutes < 1) return `${Math.round(milliseconds / 1000)} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return [`${hours} h`, minutes % 60 ? `${minutes % 60} min` : ''].filter(Boolean).join(' ');
  const days = Math.floor(hours / 24);
  return [`${days} d`, hours % 24 ? `${hours % 24} h` : ''].filter(Boolean).join(' ');
}

/** When a job stops counting as unfinished: its terminal states. */
export const finishedJobStates: readonly string[] = ['Completed', 'Failed', 'Canceled'];

/** Whether a job or sweep is still unfinished. */
export function isUnfinished(job: { state: string }): boolean {
  return !finishedJobStates.includes(job.state);
}

/** Seconds a job has held its nodes so far, per node: the attempts that ended, and the running one up to now. */
export function runningSeconds(
  job: { nodeSeconds: number; instanceCount: number; startedAt: number | null; state: string },
  now: number,
): number {
  const ended = job.nodeSeconds / Math.max(1, job.instanceCount);
  const running = job.startedAt !== null && isUnfinished(job) ? Math.max(0, now - job.startedAt) / 1000 : 0;
  return ended + running;
}

/** Whether a job or sweep was unfinished, submitted or ended within `window` before now. */
export function isRecent(item: { state: string; submittedAt: number; endedAt: number | null }, now: number, window: number): boolean {
  return isUnfinished(item) || item.submittedAt >= now - window || (item.endedAt ?? 0) >= now - window;
}
