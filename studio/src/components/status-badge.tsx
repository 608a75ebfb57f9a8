/** A run's or a job's state, coloured by what it means. */
export function StatusBadge({ status }: { status: string }) {
  const tone = /^(FINISHED|Completed|Succeeded)$/.test(status)
    ? 'ok'
    : /^(FAILED|Failed|KILLED|Canceled)$/.test(status)
      ? 'bad'
      : /^(RUNNING|Running|Starting|Preparing|Finalizing)$/.test(status)
        ? 'busy'
        : 'idle';
  return <span className={`badge ${tone}`}>{status}</span>;
}
