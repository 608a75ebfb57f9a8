/**
 * When a job held its nodes, from its state history: each attempt from entering Running to
 * leaving it (Finalizing, Failed, Canceled, or back to Queued when evicted), as the runner
 * counts a job's node_seconds. The jobs table keeps only the last attempt's started_at; its
 * job_events keep every attempt, so usage intervals are read from these.
 */
export function runningSpans(events: ReadonlyArray<{ at: number; state: string }>): Array<{ start: number; end: number | null }> {
  const spans: Array<{ start: number; end: number | null }> = [];
  let openedAt: number | undefined;
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    if (event.state === 'Running') openedAt ??= event.at;
    else if (openedAt !== undefined) {
      spans.push({ start: openedAt, end: event.at });
      openedAt = undefined;
    }
  }
  if (openedAt !== undefined) spans.push({ start: openedAt, end: null });
  return spans;
}
