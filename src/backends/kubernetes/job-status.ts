import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { AttemptState } from '../compute-backend.js';
import { mainContainerName, uploadContainerName } from './job-manifest.js';

/**
 * What a Kubernetes Job and its pods say about an attempt, as the job runner needs it: running,
 * exited with the user's exit code, or lost (evicted, preempted, node gone, deleted) so the
 * runner requeues it. Pure: the backend reads the objects, this decides.
 */

/** Pod `status.reason`s the kubelet and node lifecycle write when they, not the job, ended the pod. */
const disruptionReasons = new Set([
  'Evicted',
  'NodeLost',
  'Preempting',
  'Shutdown',
  'NodeShutdown',
  'Terminated',
  'UnexpectedAdmissionError',
]);

/** Exit code reported when limits.timeout ended the job and no process left one (as GNU timeout does). */
export const timeoutExitCode = 124;

/** True once the Job has finished by failing: then its pods say why. */
export function hasFailed(job: V1Job): boolean {
  return hasCondition(job, 'Failed');
}

/** The attempt's state from its Job (undefined when the Job is gone) and, once it failed, its pods. */
export function attemptState(job: V1Job | undefined, pods: V1Pod[]): AttemptState {
  if (!job) return { state: 'lost', reason: 'the Kubernetes Job is gone: it was deleted outside Trellis' };
  const completions = job.spec?.completions ?? 1;
  if (hasCondition(job, 'Complete') || (job.status?.succeeded ?? 0) >= completions) return { state: 'exited', exitCode: 0 };
  if (!hasFailed(job)) return { state: 'running' };

  // Peers of an evicted pod fail too (their rendezvous breaks), so a disruption explains the rest.
  const disrupted = pods.map(disruption).find((reason) => reason !== undefined);
  if (disrupted) return { state: 'lost', reason: disrupted };

  const failure = firstFailure(pods);
  const condition = job.status?.conditions?.find((candidate) => candidate.type === 'Failed' && candidate.status === 'True');
  if (condition?.reason === 'DeadlineExceeded') return { state: 'exited', exitCode: failure?.exitCode ?? timeoutExitCode };
  if (failure) return { state: 'exited', exitCode: failure.exitCode };

  const fetchFailure = pods.map(initFailure).find((reason) => reason !== undefined);
  if (fetchFailure) return { state: 'lost', reason: fetchFailure };
  // The job's processes succeeded but their logs, outputs and checkpoints never reached Trellis.
  const uploadFailure = pods.map(resultsFailure).find((reason) => reason !== undefined);
  if (uploadFailure) return { state: 'lost', reason: uploadFailure };
  const why = [condition?.reason, condition?.message].filter(Boolean).join(': ');
  return { state: 'lost', reason: `the Kubernetes Job failed without an exit code${why ? ` (${why})` : ''}` };
}

function hasCondition(job: V1Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((condition) => condition.type === type && condition.status === 'True');
}

/** Why the platform ended a pod, or undefined when it did not. */
function disruption(pod: V1Pod): string | undefined {
  const name = pod.metadata?.name ?? 'a pod';
  const target = (pod.status?.conditions ?? []).find((condition) => condition.type === 'DisruptionTarget' && condition.status === 'True');
  if (target)
    return `pod ${name} was ended by the platform (${target.reason ?? 'DisruptionTarget'}${target.message ? `: ${target.message}` : ''})`;
  const reason = pod.status?.reason;
  if (reason && disruptionReasons.has(reason))
    return `pod ${name} was ended by the platform (${reason}${pod.status?.message ? `: ${pod.status.message}` : ''})`;
  return undefined;
}

/** The main container's non-zero exit that happened first, across the pods. */
function firstFailure(pods: V1Pod[]): { exitCode: number; finishedAt: number } | undefined {
  const failures = pods.flatMap((pod) => {
    const terminated = (pod.status?.containerStatuses ?? []).find((status) => status.name === mainContainerName)?.state?.terminated;
    if (!terminated || terminated.exitCode === 0) return [];
    return [
      {
        exitCode: terminated.exitCode,
        finishedAt: terminated.finishedAt ? new Date(terminated.finishedAt).getTime() : Number.POSITIVE_INFINITY,
      },
    ];
  });
  return failures.sort((a, b) => a.finishedAt - b.finishedAt)[0];
}

/** Why the init container that downloads the attempt's folder failed, if it did. */
function initFailure(pod: V1Pod): string | undefined {
  for (const status of pod.status?.initContainerStatuses ?? []) {
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      return `pod ${pod.metadata?.name ?? ''} could not download the attempt's folder (init container ${status.name} exited with ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''})`;
    }
  }
  return undefined;
}

/** Why the container that sends the attempt's results back failed, if it did. */
function resultsFailure(pod: V1Pod): string | undefined {
  const terminated = (pod.status?.containerStatuses ?? []).find((status) => status.name === uploadContainerName)?.state?.terminated;
  if (!terminated || terminated.exitCode === 0) return undefined;
  return `pod ${pod.metadata?.name ?? ''} could not send the attempt's logs, outputs and checkpoints to Trellis (container ${uploadContainerName} exited with ${terminated.exitCode}); check that pods reach Trellis at its public_url`;
}
