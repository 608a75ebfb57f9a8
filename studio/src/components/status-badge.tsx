export type Tone = 'ok' | 'bad' | 'busy' | 'idle';

/** What a run's, a job's or a pipeline step's state means: done well, gone wrong, under way, or not started (waiting, skipped). */
export function toneOf(status: string): Tone {
  if (/^(FINISHED|Completed|Succeeded|Reused)$/.test(status)) return 'ok';
  if (/^(FAILED|Failed|KILLED|Canceled|NotSubmitted)$/.test(status)) return 'bad';
  if (/^(RUNNING|Running|Starting|Preparing|Finalizing)$/.test(status)) return 'busy';
  return 'idle';
}

/** A run's or a job's state, coloured by what it means. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge ${toneOf(status)}`}>{status}</span>;
}
