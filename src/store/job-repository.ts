import type { Kysely, Selectable } from 'kysely';
import type { Job, JobEvent, JobLineage, JobSpec } from '../core/jobs/job.js';
import type { JobState } from '../core/jobs/job-lifecycle.js';
import type { Database, JobTables } from './database.js';

type JobRow = Selectable<JobTables['jobs']>;
type NodeRow = Selectable<JobTables['compute_nodes']>;

/** A change to a job: the columns that move as it runs. */
export interface JobChanges {
  state?: JobState;
  reason?: string | null;
  exitCode?: number | null;
  retries?: number;
  attempt?: number;
  startedAt?: number | null;
  endedAt?: number | null;
  nodeSeconds?: number;
  nodes?: string[] | null;
  handle?: string | null;
  stopRequest?: string | null;
  /** The size and tier of the nodes an attempt is placed on (set when it starts): what its node-seconds cost. */
  size?: string;
  tier?: string;
}

export interface ComputeNode {
  workspace: string;
  compute: string;
  nodeId: string;
  state: 'starting' | 'idle' | 'busy' | 'removed';
  job: string | null;
  size: string;
  tier: string;
  createdAt: number;
  idleSince: number | null;
  removedAt: number | null;
  removedReason: string | null;
}

/** Jobs, their state history, and the nodes of compute clusters. */
export class JobRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(job: Job, at: number): Promise<void> {
    await this.db.insertInto('jobs').values(toRow(job)).execute();
    await this.db
      .insertInto('job_events')
      .values({ workspace: job.workspace, job: job.name, seq: 1, at, state: job.state, reason: job.reason })
      .execute();
  }

  async get(workspace: string, name: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('workspace', '=', workspace).where('name', '=', name).executeTakeFirst();
    return row && fromRow(row);
  }

  /** The jobs of these names that exist, in no particular order: one query per 500 names, not one per name. */
  async getMany(workspace: string, names: readonly string[]): Promise<Job[]> {
    const unique = [...new Set(names)];
    const jobs: Job[] = [];
    for (let start = 0; start < unique.length; start += 500) {
      const rows = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('workspace', '=', workspace)
        .where('name', 'in', unique.slice(start, start + 500))
        .execute();
      jobs.push(...rows.map(fromRow));
    }
    return jobs;
  }

  /** Newest first; `before` is the (submittedAt, name) of the last job of the previous page. */
  async list(
    workspace: string,
    options: {
      limit: number;
      before?: { submittedAt: number; name: string } | undefined;
      states?: JobState[] | undefined;
      compute?: string | undefined;
    },
  ): Promise<Job[]> {
    let query = this.db.selectFrom('jobs').selectAll().where('workspace', '=', workspace);
    if (options.states && options.states.length > 0) query = query.where('state', 'in', options.states);
    if (options.compute) query = query.where('compute', '=', options.compute);
    const before = options.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([
          eb('submitted_at', '<', before.submittedAt),
          eb.and([eb('submitted_at', '=', before.submittedAt), eb('name', '<', before.name)]),
        ]),
      );
    }
    const rows = await query.orderBy('submitted_at', 'desc').orderBy('name', 'desc').limit(options.limit).execute();
    return rows.map(fromRow);
  }

  /** Every job not yet Completed, Failed or Canceled, in every workspace: the scheduler's work. */
  async live(): Promise<Job[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'not in', ['Completed', 'Failed', 'Canceled'])
      .orderBy('submitted_at')
      .orderBy('name')
      .execute();
    return rows.map(fromRow);
  }

  /** Writes the changes; a new state (or a new reason) is appended to the job's history. */
  async update(workspace: string, name: string, changes: JobChanges, at: number): Promise<void> {
    const values: Partial<JobRow> = {};
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.reason !== undefined) values.reason = changes.reason;
    if (changes.exitCode !== undefined) values.exit_code = changes.exitCode;
    if (changes.retries !== undefined) values.retries = changes.retries;
    if (changes.attempt !== undefined) values.attempt = changes.attempt;
    if (changes.startedAt !== undefined) values.started_at = changes.startedAt;
    if (changes.endedAt !== undefined) values.ended_at = changes.endedAt;
    if (changes.nodeSeconds !== undefined) values.node_seconds = changes.nodeSeconds;
    if (changes.nodes !== undefined) values.nodes = changes.nodes === null ? null : JSON.stringify(changes.nodes);
    if (changes.handle !== undefined) values.handle = changes.handle;
    if (changes.stopRequest !== undefined) values.stop_request = changes.stopRequest;
    if (changes.size !== undefined) values.size = changes.size;
    if (changes.tier !== undefined) values.tier = changes.tier;
    const state = changes.state;
    if (state === undefined) {
      if (Object.keys(values).length > 0)
        await this.db.updateTable('jobs').set(values).where('workspace', '=', workspace).where('name', '=', name).execute();
      return;
    }
    const write = async (db: Kysely<Database>) => {
      await db.updateTable('jobs').set(values).where('workspace', '=', workspace).where('name', '=', name).execute();
      const last = await db
        .selectFrom('job_events')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('workspace', '=', workspace)
        .where('job', '=', name)
        .executeTakeFirst();
      await db
        .insertInto('job_events')
        .values({ workspace, job: name, seq: Number(last?.seq ?? 0) + 1, at, state, reason: changes.reason ?? null })
        .execute();
    };
    // The state and its history entry land together: one commit (one sync to disk) instead of two.
    if (this.db.isTransaction) await write(this.db);
    else await this.db.transaction().execute(write);
  }

  /**
   * Gives many jobs one reason in one statement per 1,000 names (the scheduler's waiting reasons:
   * every job behind the head of a queue says the same thing). Like any reason-only change, it
   * adds no history entry.
   */
  async setReason(workspace: string, names: string[], reason: string): Promise<void> {
    for (let start = 0; start < names.length; start += 1000) {
      await this.db
        .updateTable('jobs')
        .set({ reason })
        .where('workspace', '=', workspace)
        .where('name', 'in', names.slice(start, start + 1000))
        .execute();
    }
  }

  async events(workspace: string, name: string): Promise<JobEvent[]> {
    const rows = await this.db
      .selectFrom('job_events')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('job', '=', name)
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({ seq: Number(row.seq), at: Number(row.at), state: row.state as JobState, reason: row.reason }));
  }

  async insertNode(node: ComputeNode): Promise<void> {
    await this.db.insertInto('compute_nodes').values(toNodeRow(node)).execute();
  }

  async updateNode(
    workspace: string,
    nodeId: string,
    changes: Partial<Pick<ComputeNode, 'state' | 'job' | 'idleSince' | 'removedAt' | 'removedReason'>>,
  ): Promise<void> {
    const values: Partial<NodeRow> = {};
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.job !== undefined) values.job = changes.job;
    if (changes.idleSince !== undefined) values.idle_since = changes.idleSince;
    if (changes.removedAt !== undefined) values.removed_at = changes.removedAt;
    if (changes.removedReason !== undefined) values.removed_reason = changes.removedReason;
    await this.db.updateTable('compute_nodes').set(values).where('workspace', '=', workspace).where('node_id', '=', nodeId).execute();
  }

  /** The nodes a cluster has now (not removed). */
  async liveNodes(workspace: string, compute?: string): Promise<ComputeNode[]> {
    let query = this.db.selectFrom('compute_nodes').selectAll().where('workspace', '=', workspace).where('removed_at', 'is', null);
    if (compute !== undefined) query = query.where('compute', '=', compute);
    return (await query.orderBy('created_at').orderBy('node_id').execute()).map(fromNodeRow);
  }

  /** A cluster's nodes that were up at some time since `since` (removed ones too): its history of nodes. */
  async nodesSince(workspace: string, compute: string, since: number): Promise<ComputeNode[]> {
    const rows = await this.db
      .selectFrom('compute_nodes')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('compute', '=', compute)
      .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', since)]))
      .orderBy('created_at')
      .orderBy('node_id')
      .execute();
    return rows.map(fromNodeRow);
  }

  /** Every node not removed, in every workspace. */
  async allLiveNodes(): Promise<ComputeNode[]> {
    return (await this.db.selectFrom('compute_nodes').selectAll().where('removed_at', 'is', null).orderBy('created_at').execute()).map(
      fromNodeRow,
    );
  }

  /** Node-seconds of a workspace's nodes (idle ones cost too), per compute, up to `now` for live nodes. */
  async nodeSeconds(
    workspace: string,
    now: number,
  ): Promise<Array<{ compute: string; size: string; tier: string; nodeSeconds: number; nodes: number }>> {
    const rows = await this.db
      .selectFrom('compute_nodes')
      .select(['compute', 'size', 'tier', 'created_at', 'removed_at'])
      .where('workspace', '=', workspace)
      .execute();
    const totals = new Map<string, { compute: string; size: string; tier: string; nodeSeconds: number; nodes: number }>();
    for (const row of rows) {
      const key = `${row.compute}\u0000${row.size}\u0000${row.tier}`;
      const total = totals.get(key) ?? { compute: row.compute, size: row.size, tier: row.tier, nodeSeconds: 0, nodes: 0 };
      total.nodeSeconds += ((row.removed_at === null ? now : Number(row.removed_at)) - Number(row.created_at)) / 1000;
      total.nodes += 1;
      totals.set(key, total);
    }
    return [...totals.values()].sort((a, b) => a.compute.localeCompare(b.compute));
  }
}

function toRow(job: Job): JobRow {
  return {
    workspace: job.workspace,
    name: job.name,
    display_name: job.displayName,
    experiment_name: job.experimentName,
    description: job.description,
    tags: JSON.stringify(job.tags),
    compute: job.compute,
    spec: JSON.stringify(job.spec),
    lineage: JSON.stringify(job.lineage),
    state: job.state,
    reason: job.reason,
    exit_code: job.exitCode,
    retries: job.retries,
    attempt: job.attempt,
    priority: job.priority,
    instance_count: job.instanceCount,
    submitted_at: job.submittedAt,
    started_at: job.startedAt,
    ended_at: job.endedAt,
    run_id: job.runId,
    created_by: job.createdBy,
    node_seconds: job.nodeSeconds,
    nodes: job.nodes.length > 0 ? JSON.stringify(job.nodes) : null,
    handle: job.handle,
    stop_request: job.stopRequest,
    size: null,
    tier: null,
  };
}

function fromRow(row: JobRow): Job {
  const number = (value: number | null) => (value === null ? null : Number(value));
  return {
    workspace: row.workspace,
    name: row.name,
    displayName: row.display_name,
    experimentName: row.experiment_name,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    compute: row.compute,
    spec: JSON.parse(row.spec) as JobSpec,
    lineage: JSON.parse(row.lineage) as JobLineage,
    state: row.state as JobState,
    reason: row.reason,
    exitCode: number(row.exit_code),
    retries: Number(row.retries),
    attempt: Number(row.attempt),
    priority: Number(row.priority),
    instanceCount: Number(row.instance_count),
    submittedAt: Number(row.submitted_at),
    startedAt: number(row.started_at),
    endedAt: number(row.ended_at),
    runId: row.run_id,
    createdBy: row.created_by,
    nodeSeconds: Number(row.node_seconds),
    nodes: row.nodes ? (JSON.parse(row.nodes) as string[]) : [],
    handle: row.handle,
    stopRequest: row.stop_request,
  };
}

function toNodeRow(node: ComputeNode): NodeRow {
  return {
    workspace: node.workspace,
    compute: node.compute,
    node_id: node.nodeId,
    state: node.state,
    job: node.job,
    size: node.size,
    tier: node.tier,
    created_at: node.createdAt,
    idle_since: node.idleSince,
    removed_at: node.removedAt,
    removed_reason: node.removedReason,
  };
}

function fromNodeRow(row: NodeRow): ComputeNode {
  return {
    workspace: row.workspace,
    compute: row.compute,
    nodeId: row.node_id,
    state: row.state as ComputeNode['state'],
    job: row.job,
    size: row.size,
    tier: row.tier,
    createdAt: Number(row.created_at),
    idleSince: row.idle_since === null ? null : Number(row.idle_since),
    removedAt: row.removed_at === null ? null : Number(row.removed_at),
    removedReason: row.removed_reason,
  };
}
