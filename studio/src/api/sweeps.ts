import type { SweepJobBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * Sweep jobs (/api/v1/workspaces/{ws}/sweep-jobs): the sweep with its trials (each a command job
 * `<sweep>_<index>` with its hyperparameters, its objective so far, its reports and, when the
 * early-termination policy stopped it, why), its best trial and its progress. Types are the
 * client's, inferred from the routes.
 */

export type SweepJob = SweepJobBody;
export type SweepTrial = NonNullable<SweepJobBody['trials']>[number];
export type SweepProgress = NonNullable<SweepJobBody['progress']>;

export const getSweep = (workspace: string, name: string) => trellis.getSweep(workspace, name);

/** The newest sweep jobs first, up to `max` (the route does not page; lists carry no trials). */
export async function listSweeps(workspace: string, max = 500): Promise<SweepJob[]> {
  return (await trellis.listSweeps(workspace, { limit: max })).items;
}

/** Asks the sweep to stop: its running trials are canceled and no more are started; the answer is the sweep as it is now. */
export const cancelSweep = (workspace: string, name: string) => trellis.cancelSweep(workspace, name);

export function sweepPagePath(workspace: string, name: string): string {
  return `/w/${workspace}/sweeps/${encodeURIComponent(name)}`;
}

/** The sweep a trial's command job belongs to, and its trial index (the tags the server puts on it). */
export function sweepOfJob(tags: Record<string, string>): { sweep: string; trial: string } | undefined {
  const sweep = tags['trellis.sweep'];
  return sweep ? { sweep, trial: tags['trellis.trial'] ?? '' } : undefined;
}
