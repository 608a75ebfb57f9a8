import type { UsageInterval } from './usage-interval.js';

/** A cluster node from its creation to its removal (end null: still up), as compute_nodes records it. */
export interface NodeLifetime {
  workspace: string;
  compute: string;
  size: string;
  tier: string;
  start: number;
  end: number | null;
}

/**
 * The time a cluster's nodes were up but running no job — min_instances nodes, nodes waiting out
 * idle_time_before_scale_down — as idle-node intervals. A node costs the same idle or busy, so
 * this time is charged to the compute (and its workspace), not to any job. At each instant the
 * idle count is the nodes up less the nodes that job-node intervals on the same compute, size
 * and tier hold; never below zero. `tags` go on every idle interval (the compute's, finalized).
 */
export function idleNodeIntervals(
  nodes: readonly NodeLifetime[],
  jobs: readonly UsageInterval[],
  tagsOf: (workspace: string, compute: string) => Record<string, string> = () => ({}),
): UsageInterval[] {
  const changes = new Map<string, Array<{ at: number; nodes: number; busy: number }>>();
  const add = (key: string, at: number, nodes: number, busy: number) => {
    const list = changes.get(key) ?? [];
    list.push({ at, nodes, busy });
    changes.set(key, list);
  };
  const keyOf = (usage: { workspace: string; compute?: string | undefined; size: string; tier: string }) =>
    JSON.stringify([usage.workspace, usage.compute, usage.size, usage.tier]);
  for (const node of nodes) {
    add(keyOf(node), node.start, 1, 0);
    if (node.end !== null) add(keyOf(node), node.end, -1, 0);
  }
  const nodeKeys = new Set(changes.keys());
  for (const job of jobs) {
    if (job.kind !== 'job-node' || !nodeKeys.has(keyOf(job))) continue;
    add(keyOf(job), job.start, 0, job.count ?? 1);
    if (job.end !== null) add(keyOf(job), job.end, 0, -(job.count ?? 1));
  }

  const intervals: UsageInterval[] = [];
  for (const [key, list] of changes) {
    const [workspace, compute, size, tier] = JSON.parse(key) as [string, string, string, string];
    const tags = tagsOf(workspace, compute);
    list.sort((a, b) => a.at - b.at);
    let up = 0;
    let busy = 0;
    let open: { start: number; count: number } | undefined;
    for (let index = 0; index < list.length; index += 1) {
      const change = list[index]!;
      up += change.nodes;
      busy += change.busy;
      // Apply every change at the same instant before reading the count.
      if (list[index + 1]?.at === change.at) continue;
      const idle = Math.max(0, up - busy);
      if (open && open.count === idle) continue;
      if (open)
        intervals.push({ kind: 'idle-node', workspace, compute, size, tier, count: open.count, start: open.start, end: change.at, tags });
      open = idle > 0 ? { start: change.at, count: idle } : undefined;
    }
    if (open) intervals.push({ kind: 'idle-node', workspace, compute, size, tier, count: open.count, start: open.start, end: null, tags });
  }
  return intervals.sort((a, b) => a.start - b.start);
}
