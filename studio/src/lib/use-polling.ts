import { useCallback, useEffect } from 'react';
import { isTerminal } from '../api/jobs.js';
import type { Loaded } from './use-api.js';

/** Calls `reload` every `intervalMs` while `isActive` (a job still running, a queue not empty). */
export function usePolling(reload: () => void, isActive: boolean, intervalMs = 3000): void {
  useEffect(() => {
    if (!isActive) return;
    const timer = setInterval(reload, intervalMs);
    return () => clearInterval(timer);
  }, [reload, isActive, intervalMs]);
}

/** Re-reads a compute view's nodes and jobs every few seconds while a node is up or a job has not ended. */
export function useClusterRefresh(
  usage: Loaded<{ nodes: readonly unknown[] }>,
  jobs: Loaded<{ items: ReadonlyArray<{ state: string }> }>,
): void {
  const isBusy = (usage.data?.nodes.length ?? 0) > 0 || (jobs.data?.items ?? []).some((job) => !isTerminal(job.state));
  const { reload: reloadUsage } = usage;
  const { reload: reloadJobs } = jobs;
  const refresh = useCallback(() => {
    reloadUsage();
    reloadJobs();
  }, [reloadUsage, reloadJobs]);
  usePolling(refresh, isBusy);
}
