/**
 * One scheduling decision for a compute cluster, the way an Azure ML amlcompute cluster behaves:
 * jobs wait in one queue, highest priority first and then first come, first served (no
 * back-filling, so a big job is never starved by small ones); nodes are added while jobs wait,
 * up to max_instances and the workspace's quota; a node idle for idle_time_before_scale_down is
 * removed, down to min_instances. A job that cannot start says why. Pure: the caller applies the
 * decision (starts processes, records node-seconds) and asks again when something changes.
 */

export interface ClusterShape {
  minInstances: number;
  maxInstances: number;
  idleSeconds: number;
  /** vCPUs of one node of the cluster's size, and the size's family (for vCPU quotas). */
  vcpusPerNode: number;
  family: string;
}

export interface NodeState {
  id: string;
  /** starting: being provisioned; idle: ready, no job; busy: running a job. */
  state: 'starting' | 'idle' | 'busy';
  /** When an idle node became idle (ms since epoch). */
  idleSince?: number;
}

export interface QueuedJob {
  name: string;
  /** Larger runs first (Azure ML queue_settings.priority: low 1, medium 2, high 3). */
  priority: number;
  submittedAt: number;
  instanceCount: number;
}

/** What the workspace may still use beyond this cluster's own nodes; undefined means no limit. */
export interface QuotaRoom {
  nodes?: number | undefined;
  vcpusInFamily?: number | undefined;
}

export interface Decision {
  /** Jobs to start now, each on these idle nodes. */
  start: Array<{ job: string; nodes: string[] }>;
  /** Nodes to add (they come up as `starting`). */
  addNodes: number;
  /** Idle nodes to remove. */
  removeNodes: string[];
  /** Jobs that stay queued, with the reason a person sees. */
  waiting: Array<{ job: string; reason: string }>;
}

export function decide(now: number, cluster: ClusterShape, nodes: NodeState[], queue: QueuedJob[], quota: QuotaRoom = {}): Decision {
  const ordered = [...queue].sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt || a.name.localeCompare(b.name));
  const idle = nodes.filter((node) => node.state === 'idle').sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0));
  const starting = nodes.filter((node) => node.state === 'starting').length;
  const decision: Decision = { start: [], addNodes: 0, removeNodes: [], waiting: [] };

  // Nodes the cluster may still add: its own maximum, then the workspace's node and vCPU quotas.
  const roomByMax = cluster.maxInstances - nodes.length;
  const roomByNodes = quota.nodes ?? Number.POSITIVE_INFINITY;
  const roomByVcpus = quota.vcpusInFamily === undefined ? Number.POSITIVE_INFINITY : Math.floor(quota.vcpusInFamily / cluster.vcpusPerNode);
  let room = Math.max(0, Math.min(roomByMax, roomByNodes, roomByVcpus));
  let free = idle.length;
  let coming = starting;
  let blocker: string | undefined;

  for (const job of ordered) {
    if (blocker !== undefined) {
      decision.waiting.push({
        job: job.name,
        reason: `queued behind job '${blocker}' (highest priority first, then first come, first served)`,
      });
      continue;
    }
    if (job.instanceCount > cluster.maxInstances) {
      decision.waiting.push({
        job: job.name,
        reason: `needs ${job.instanceCount} nodes but the cluster's max_instances is ${cluster.maxInstances}`,
      });
      blocker = job.name;
      continue;
    }
    if (free >= job.instanceCount) {
      const taken = idle.splice(0, job.instanceCount);
      free -= job.instanceCount;
      decision.start.push({ job: job.name, nodes: taken.map((node) => node.id) });
      continue;
    }
    const missing = job.instanceCount - free - coming;
    const add = Math.max(0, Math.min(missing, room));
    decision.addNodes += add;
    room -= add;
    coming += add;
    if (free + coming >= job.instanceCount) {
      decision.waiting.push({ job: job.name, reason: `waiting for ${job.instanceCount - free} node(s) to start` });
    } else if (roomByMax <= roomByNodes && roomByMax <= roomByVcpus) {
      decision.waiting.push({ job: job.name, reason: `waiting for busy nodes: the cluster is at max_instances (${cluster.maxInstances})` });
    } else {
      // Every quota that holds the job back is named, so raising one alone is not a surprise.
      const limits = [];
      if (roomByNodes < roomByMax && roomByNodes < missing)
        limits.push(`the workspace's max_nodes quota has room for ${Math.max(0, roomByNodes)} more node(s)`);
      if (roomByVcpus < roomByMax && roomByVcpus < missing)
        limits.push(`the workspace's vCPU quota for the ${cluster.family} family has room for ${Math.max(0, roomByVcpus)} more node(s)`);
      decision.waiting.push({ job: job.name, reason: `waiting for quota: ${limits.join(', and ')}` });
    }
    // Nodes freed or started for this job are its own: later jobs wait behind it.
    coming = Math.max(0, coming - Math.max(0, job.instanceCount - free));
    free = 0;
    blocker = job.name;
  }

  // Scale down: idle nodes past their idle time, never below min_instances, and none while jobs wait for nodes.
  if (decision.waiting.length === 0) {
    let count = nodes.length;
    for (const node of idle) {
      if (count <= cluster.minInstances) break;
      if (node.idleSince !== undefined && now - node.idleSince >= cluster.idleSeconds * 1000) {
        decision.removeNodes.push(node.id);
        count--;
      }
    }
  }
  // Keep min_instances up even with nothing queued.
  const total = nodes.length + decision.addNodes - decision.removeNodes.length;
  if (total < cluster.minInstances) decision.addNodes += cluster.minInstances - total;
  return decision;
}
