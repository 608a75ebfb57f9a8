import { useEffect } from 'react';

/** Calls `reload` every `intervalMs` while `isActive` (a job still running, a queue not empty). */
export function usePolling(reload: () => void, isActive: boolean, intervalMs = 3000): void {
  useEffect(() => {
    if (!isActive) return;
    const timer = setInterval(reload, intervalMs);
    return () => clearInterval(timer);
  }, [reload, isActive, intervalMs]);
}
