/** What long work reports as it goes: counts and bytes of the current step, with their totals. */
export interface BackupProgress {
  step: 'metadata' | 'files' | 'objects';
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

export type ProgressListener = (progress: BackupProgress) => void;

/** Calls `listener` at most every `intervalMs` (and always for the last item), so a million small files do not print a million lines. */
export function throttled(listener: ProgressListener | undefined, intervalMs = 1000, now: () => number = Date.now): ProgressListener {
  let last = 0;
  return (progress) => {
    if (!listener) return;
    const time = now();
    if (progress.done < progress.total && time - last < intervalMs) return;
    last = time;
    listener(progress);
  };
}
