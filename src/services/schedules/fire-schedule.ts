import { isTrellisError, TrellisError } from '../../core/errors.js';
import { firingJobText } from '../../core/schedules/job-template.js';
import { firingsBetween, nextFiring } from '../../core/schedules/next-firing.js';
import { firingJobName, type Schedule, type ScheduleFiring } from '../../core/schedules/schedule.js';
import { isUniqueViolation } from '../../store/sql-errors.js';
import type { Caller, Context } from '../context.js';
import { submitJob } from '../jobs/submit-job.js';
import { runMonitor } from '../monitoring/run-monitor.js';
import { submitPipeline } from '../pipelines/submit-pipeline.js';
import { type FiringView, madeJobState, requireSchedule } from './schedule-service.js';

/** A firing claimed by another pass that stopped before submitting is taken over after this long. */
export const pendingTakeoverMs = 10_000;

/** The most missed slots counted one by one for a catch-up firing; beyond, the record says "more than". */
const missedCountLimit = 10_000;
const hour = 3_600_000;

/**
 * Fires every due schedule once. Each claims its slot by moving its next slot on in the same
 * transaction that records the firing, guarded by the slot it read: of any number of passes on
 * any number of servers, one claims it. Slots missed while no server ran (the slot passed and
 * later ones too) fire once, as one catch-up firing for the latest of them, which records how
 * many it stands for. Returns the firings made.
 */
export async function fireDueSchedules(context: Context, now: number): Promise<ScheduleFiring[]> {
  const fired: ScheduleFiring[] = [];
  for (const schedule of await context.store.repositories.schedules.due(now)) {
    try {
      const firing = await claimSlot(context, schedule, now);
      if (!firing) continue;
      fired.push(await submitFiring(context, schedule, firing, { actor: schedule.createdBy, requestId: null }));
    } catch (error) {
      // One schedule's trouble does not hold up the others; its claimed firing is retried as pending.
      context.logger.error({ err: error, schedule: `${schedule.workspace}/${schedule.name}` }, 'scheduler: a firing failed');
    }
  }
  return fired;
}

async function claimSlot(context: Context, schedule: Schedule, now: number): Promise<ScheduleFiring | undefined> {
  const slot = schedule.nextFireAt;
  if (slot === null) return undefined;
  const missed = missedSlots(schedule, slot, now);
  const kind = missed.count === 1 ? 'scheduled' : 'catch-up';
  const counted = missed.exact ? `${missed.count}` : `more than ${missedCountLimit}`;
  const firing: ScheduleFiring = {
    workspace: schedule.workspace,
    schedule: schedule.name,
    slotAt: missed.latest,
    kind,
    missed: missed.count,
    job: firingJobName(schedule.name, missed.latest, kind),
    state: 'pending',
    reason: kind === 'catch-up' ? `${counted} slots passed while no server ran; fired once, for the latest` : null,
    firedAt: now,
  };
  const fireAt = missed.latest;
  const next = nextFiring(schedule.trigger, Math.max(now, fireAt), schedule.createdAt);
  try {
    const claimed = await context.store.transaction(async (transaction) => {
      if (!(await transaction.schedules.advance(schedule.workspace, schedule.name, slot, next))) return false;
      await transaction.schedules.insertFiring(firing);
      return true;
    });
    return claimed ? firing : undefined;
  } catch (error) {
    // The same slot's firing recorded already (another server, between our read and our claim): theirs.
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}

/**
 * The slots from `slot` (due) to now: the latest, which a catch-up firing stands for, and how
 * many. Counted one by one up to a limit; past it (a minutely schedule after a week down), the
 * latest is found in a window just before now.
 */
function missedSlots(schedule: Schedule, slot: number, now: number): { latest: number; count: number; exact: boolean } {
  const { trigger, createdAt } = schedule;
  const later = firingsBetween(trigger, slot, now, createdAt, missedCountLimit);
  if (later.length < missedCountLimit) return { latest: later.at(-1) ?? slot, count: later.length + 1, exact: true };
  for (const window of [hour, 24 * hour, 32 * 24 * hour, 400 * 24 * hour]) {
    const recent = firingsBetween(trigger, Math.max(slot, now - window), now, createdAt, missedCountLimit);
    const latest = recent.length < missedCountLimit ? recent.at(-1) : undefined;
    if (latest !== undefined) return { latest, count: missedCountLimit + 1, exact: false };
  }
  return { latest: later.at(-1) ?? slot, count: missedCountLimit + 1, exact: false };
}

/**
 * Submits a firing's job, named for its slot. Idempotent: a job of that name already there (a
 * retry after a crash, or another server's) marks the firing submitted without a second job. A
 * job the store refuses now (its compute deleted since, say) marks it failed with the reason.
 */
async function submitFiring(context: Context, schedule: Schedule, firing: ScheduleFiring, caller: Caller): Promise<ScheduleFiring> {
  const repositories = context.store.repositories;
  const exists = async () => (await madeJobState(context, schedule.workspace, firing.job)) !== null;
  const mark = async (state: ScheduleFiring['state'], reason: string | null) => {
    await repositories.schedules.updateFiring(firing.workspace, firing.job, { state, reason });
    return { ...firing, state, reason };
  };
  if (await exists()) return mark('submitted', firing.reason);
  const template = schedule.template;
  // A monitor's firing is a run computed here, recorded under the firing's name (runMonitor records it once).
  if (template.type === 'monitor') {
    const run = await runMonitor(context, schedule, firing.job, firing.slotAt);
    return mark(run.state === 'Completed' ? 'submitted' : 'failed', run.state === 'Completed' ? firing.reason : run.reason);
  }
  const text = firingJobText(
    template.text,
    { schedule: schedule.name, jobName: firing.job, slotAt: firing.slotAt, kind: firing.kind },
    template.fileName,
  );
  const input = { ...template, workspace: schedule.workspace, text };
  try {
    if (template.type === 'pipeline') await submitPipeline(context, caller, input);
    else await submitJob(context, caller, input);
    return mark('submitted', firing.reason);
  } catch (error) {
    if (await exists()) return mark('submitted', firing.reason);
    if (isTrellisError(error) && error.status >= 400 && error.status < 500) return mark('failed', error.message);
    throw error;
  }
}

/** Submits firings claimed on a pass that stopped before submitting them (a server killed in between). */
export async function submitPendingFirings(context: Context, now: number): Promise<number> {
  const repositories = context.store.repositories;
  let count = 0;
  for (const firing of await repositories.schedules.pendingFirings(now - pendingTakeoverMs)) {
    const schedule = await repositories.schedules.get(firing.workspace, firing.schedule);
    if (!schedule) continue;
    try {
      await submitFiring(context, schedule, firing, { actor: schedule.createdBy, requestId: null });
      count += 1;
    } catch (error) {
      context.logger.error({ err: error, job: `${firing.workspace}/${firing.job}` }, 'scheduler: a pending firing failed again');
    }
  }
  return count;
}

/** `trellis schedule trigger`: fires the schedule now, outside its slots, as the caller; its slots are unchanged. */
export async function triggerSchedule(context: Context, caller: Caller, workspace: string, name: string): Promise<FiringView> {
  const schedule = await requireSchedule(context, workspace, name);
  const now = context.clock().getTime();
  const firing: ScheduleFiring = {
    workspace,
    schedule: name,
    slotAt: now,
    kind: 'manual',
    missed: 0,
    job: firingJobName(name, now, 'manual'),
    state: 'pending',
    reason: `fired by ${caller.actor}`,
    firedAt: now,
  };
  try {
    await context.store.repositories.schedules.insertFiring(firing);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new TrellisError(
      'ScheduleTriggered',
      409,
      `schedule '${name}' was triggered this second already (job ${firing.job}); try again in a second`,
    );
  }
  const done = await submitFiring(context, schedule, firing, caller);
  return { ...done, jobState: await madeJobState(context, workspace, done.job) };
}
