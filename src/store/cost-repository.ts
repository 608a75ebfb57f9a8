import type { Kysely } from 'kysely';
import { isComputeOfType, sizeOf, tierOf } from '../core/compute/compute-spec.js';
import { idleNodeIntervals, type NodeLifetime } from '../core/cost/idle-nodes.js';
import { runningSpans } from '../core/cost/job-running-spans.js';
import type { UsageInterval } from '../core/cost/usage-interval.js';
import type { SpecOf } from '../core/resources/resource-spec.js';
import type { Database } from './database.js';

/** Which usage to read: the workspaces (all when absent) and the period [from, to) it must touch. */
export interface UsageQuery {
  workspaces?: readonly string[] | undefined;
  from: number;
  to: number;
}

/** An online deployment's instances from `at` on (0: it was deleted), as deployment_usage keeps them. */
export interface DeploymentUsageEntry {
  workspace: string;
  endpoint: string;
  deployment: string;
  at: number;
  instances: number;
  size: string;
  tier: string;
  compute: string | null;
  tags: Record<string, string>;
}

type Tags = Record<string, string>;
const chunk = 500;

/**
 * The usage that cost is computed from, as machine intervals (core/cost/usage-interval.ts): each
 * job's attempts from its state history on the size and tier it was placed on, with the sweeps and
 * pipelines above it and the tags it inherits; cluster nodes' idle time around those jobs; online
 * deployments' instances from their append-only history, which outlives the deployment.
 */
export class CostRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every interval of the workspaces' usage that touches [from, to): jobs' nodes, idle nodes and endpoint instances. */
  async usageIntervals(query: UsageQuery): Promise<UsageInterval[]> {
    const workspaceTags = await this.workspaceTags(query.workspaces);
    const workspaces = [...workspaceTags.keys()];
    if (workspaces.length === 0) return [];
    const computes = await this.computes(workspaces);
    const jobs = await this.jobIntervals(workspaces, query, workspaceTags, computes);
    const nodes = await this.nodeLifetimes(workspaces, query);
    const tagsOfCompute = (workspace: string, compute: string) => ({
      ...(workspaceTags.get(workspace) ?? {}),
      ...(computes.get(`${workspace}/${compute}`)?.tags ?? {}),
    });
    const idle = idleNodeIntervals(nodes, jobs, tagsOfCompute);
    const instances = await this.instanceIntervals(workspaces, query, workspaceTags);
    const touches = (interval: UsageInterval) => interval.start < query.to && (interval.end === null || interval.end > query.from);
    return [...jobs, ...idle, ...instances].filter(touches);
  }

  /**
   * Appends an online deployment's instance count (and size) from `at` on, unless its latest entry
   * already says the same: the autoscaler and updates call it freely.
   */
  async recordDeploymentUsage(entry: DeploymentUsageEntry): Promise<void> {
    const latest = await this.db
      .selectFrom('deployment_usage')
      .select(['instances', 'size', 'tier', 'compute', 'tags'])
      .where('workspace', '=', entry.workspace)
      .where('endpoint', '=', entry.endpoint)
      .where('deployment', '=', entry.deployment)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const tags = JSON.stringify(entry.tags);
    if (
      latest &&
      Number(latest.instances) === entry.instances &&
      latest.size === entry.size &&
      latest.tier === entry.tier &&
      latest.compute === entry.compute &&
      latest.tags === tags
    )
      return;
    // A deployment that never had instances recorded need not record that it has none.
    if (!latest && entry.instances === 0) return;
    await this.db
      .insertInto('deployment_usage')
      .values({
        workspace: entry.workspace,
        endpoint: entry.endpoint,
        deployment: entry.deployment,
        at: entry.at,
        instances: entry.instances,
        size: entry.size,
        tier: entry.tier,
        compute: entry.compute,
        tags,
      })
      .execute();
  }

  /** A deployment's history of instances, oldest first. */
  async deploymentUsage(workspace: string, endpoint: string, deployment: string): Promise<DeploymentUsageEntry[]> {
    const rows = await this.db
      .selectFrom('deployment_usage')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('deployment', '=', deployment)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      workspace: row.workspace,
      endpoint: row.endpoint,
      deployment: row.deployment,
      at: Number(row.at),
      instances: Number(row.instances),
      size: row.size,
      tier: row.tier,
      compute: row.compute,
      tags: JSON.parse(row.tags) as Tags,
    }));
  }

  /** The names of the workspaces asked for that exist (all when none are named), with their tags. */
  private async workspaceTags(names: readonly string[] | undefined): Promise<Map<string, Tags>> {
    if (names !== undefined && names.length === 0) return new Map();
    let select = this.db.selectFrom('workspaces').select(['name', 'tags']).where('name', 'not like', '@%');
    if (names !== undefined) select = select.where('name', 'in', [...names]);
    const rows = await select.orderBy('name').execute();
    return new Map(rows.map((row) => [row.name, userTags(row.tags)]));
  }

  /** The computes of the workspaces by `<workspace>/<name>`: the size and tier of their nodes, and their tags. */
  private async computes(workspaces: string[]): Promise<Map<string, { size: string; tier: string; tags: Tags }>> {
    const rows = await this.db
      .selectFrom('resources')
      .select(['workspace', 'name', 'spec', 'tags'])
      .where('kind', '=', 'compute')
      .where('workspace', 'in', workspaces)
      .execute();
    return new Map(
      rows.map((row) => {
        const spec = JSON.parse(row.spec) as SpecOf<'compute'>;
        // As the scheduler shapes a cluster: attached computes' machines are their own (tier attached).
        const isManaged = isComputeOfType(spec, 'amlcompute') || isComputeOfType(spec, 'computeinstance');
        return [
          `${row.workspace}/${row.name}`,
          { size: sizeOf(spec), tier: isManaged ? tierOf(spec) : 'attached', tags: userTags(row.tags) },
        ];
      }),
    );
  }

  private async jobIntervals(
    workspaces: string[],
    query: UsageQuery,
    workspaceTags: Map<string, Tags>,
    computes: Map<string, { size: string; tier: string }>,
  ): Promise<UsageInterval[]> {
    const jobs = await this.db
      .selectFrom('jobs')
      .select(['workspace', 'name', 'tags', 'compute', 'instance_count', 'size', 'tier'])
      .where('workspace', 'in', workspaces)
      .where('submitted_at', '<', query.to)
      .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', query.from)]))
      .execute();
    const intervals: UsageInterval[] = [];
    for (const workspace of workspaces) {
      const mine = jobs.filter((job) => job.workspace === workspace);
      if (mine.length === 0) continue;
      const names = mine.map((job) => job.name);
      const events = await this.eventsOf(workspace, names);
      const { ancestorsOf, tagsOf } = await this.lineage(workspace, names);
      for (const job of mine) {
        const placed =
          job.size !== null && job.tier !== null ? { size: job.size, tier: job.tier } : computes.get(`${workspace}/${job.compute}`);
        const ancestors = ancestorsOf(job.name);
        // Nearest wins: the workspace's tags, then each ancestor's from the root down, then the job's own.
        const tags = Object.assign({}, workspaceTags.get(workspace), ...[...ancestors].reverse().map(tagsOf), userTags(job.tags));
        for (const span of runningSpans(events.get(job.name) ?? [])) {
          intervals.push({
            kind: 'job-node',
            workspace,
            compute: job.compute,
            size: placed?.size ?? 'unknown',
            tier: placed?.tier ?? 'attached',
            count: Number(job.instance_count),
            start: span.start,
            end: span.end,
            job: { name: job.name, ...(ancestors.length > 0 ? { ancestors } : {}) },
            tags,
          });
        }
      }
    }
    return intervals;
  }

  private async eventsOf(workspace: string, names: string[]): Promise<Map<string, Array<{ at: number; state: string }>>> {
    const events = new Map<string, Array<{ at: number; state: string }>>();
    for (let start = 0; start < names.length; start += chunk) {
      const rows = await this.db
        .selectFrom('job_events')
        .select(['job', 'at', 'state'])
        .where('workspace', '=', workspace)
        .where('job', 'in', names.slice(start, start + chunk))
        .orderBy('seq')
        .execute();
      for (const row of rows) {
        const list = events.get(row.job) ?? [];
        list.push({ at: Number(row.at), state: row.state });
        events.set(row.job, list);
      }
    }
    return events;
  }

  /**
   * The sweeps and pipelines above each job, nearest first (trial → sweep → pipeline), from the
   * sweeps' trials and the pipelines' steps (a reused step's job belongs to the pipeline that ran
   * it, not to this one), and the tags of each of them.
   */
  private async lineage(
    workspace: string,
    names: string[],
  ): Promise<{ ancestorsOf: (name: string) => string[]; tagsOf: (name: string) => Tags }> {
    const parents = new Map<string, string>();
    let look = [...new Set(names)];
    for (let depth = 0; depth < 8 && look.length > 0; depth++) {
      const found: string[] = [];
      for (let start = 0; start < look.length; start += chunk) {
        const part = look.slice(start, start + chunk);
        const trials = await this.db
          .selectFrom('sweep_trials')
          .select(['job', 'sweep'])
          .where('workspace', '=', workspace)
          .where('job', 'in', part)
          .execute();
        const steps = await this.db
          .selectFrom('pipeline_steps')
          .select(['job', 'pipeline'])
          .where('workspace', '=', workspace)
          .where('job', 'in', part)
          .where('state', '!=', 'Reused')
          .execute();
        for (const { job, parent } of [
          ...trials.map((row) => ({ job: row.job, parent: row.sweep })),
          ...steps.map((row) => ({ job: row.job ?? '', parent: row.pipeline })),
        ]) {
          if (job === '' || parents.has(job) || job === parent) continue;
          parents.set(job, parent);
          found.push(parent);
        }
      }
      look = [...new Set(found)].filter((name) => !parents.has(name));
    }
    const above = [...new Set(parents.values())];
    const tags = new Map<string, Tags>();
    for (let start = 0; start < above.length; start += chunk) {
      const part = above.slice(start, start + chunk);
      for (const table of ['sweep_jobs', 'pipeline_jobs'] as const) {
        const rows = await this.db
          .selectFrom(table)
          .select(['name', 'tags'])
          .where('workspace', '=', workspace)
          .where('name', 'in', part)
          .execute();
        for (const row of rows) tags.set(row.name, userTags(row.tags));
      }
    }
    return {
      ancestorsOf: (name) => {
        const chain: string[] = [];
        for (let parent = parents.get(name); parent !== undefined && !chain.includes(parent); parent = parents.get(parent))
          chain.push(parent);
        return chain;
      },
      tagsOf: (name) => tags.get(name) ?? {},
    };
  }

  private async nodeLifetimes(workspaces: string[], query: UsageQuery): Promise<NodeLifetime[]> {
    const rows = await this.db
      .selectFrom('compute_nodes')
      .select(['workspace', 'compute', 'size', 'tier', 'created_at', 'removed_at'])
      .where('workspace', 'in', workspaces)
      .where('created_at', '<', query.to)
      .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', query.from)]))
      .execute();
    return rows.map((row) => ({
      workspace: row.workspace,
      compute: row.compute,
      size: row.size,
      tier: row.tier,
      start: Number(row.created_at),
      end: row.removed_at === null ? null : Number(row.removed_at),
    }));
  }

  private async instanceIntervals(workspaces: string[], query: UsageQuery, workspaceTags: Map<string, Tags>): Promise<UsageInterval[]> {
    // Entries are changes, few per deployment: each one holds until the next.
    const rows = await this.db
      .selectFrom('deployment_usage')
      .selectAll()
      .where('workspace', 'in', workspaces)
      .where('at', '<', query.to)
      .orderBy('workspace')
      .orderBy('endpoint')
      .orderBy('deployment')
      .orderBy('id')
      .execute();
    const intervals: UsageInterval[] = [];
    rows.forEach((row, index) => {
      const next = rows[index + 1];
      const isSameDeployment = next?.workspace === row.workspace && next.endpoint === row.endpoint && next.deployment === row.deployment;
      const end = isSameDeployment ? Number(next.at) : null;
      if (Number(row.instances) === 0 || (end !== null && end <= query.from)) return;
      intervals.push({
        kind: 'endpoint-instance',
        workspace: row.workspace,
        compute: row.compute ?? undefined,
        size: row.size,
        tier: row.tier,
        count: Number(row.instances),
        start: Number(row.at),
        end,
        endpoint: { name: row.endpoint, deployment: row.deployment },
        tags: { ...(workspaceTags.get(row.workspace) ?? {}), ...(JSON.parse(row.tags) as Tags) },
      });
    });
    return intervals;
  }
}

/** A tags column without Trellis's own bookkeeping tags (trellis.pipeline, trellis.sweep, ...): what chargeback groups by. */
function userTags(text: string): Tags {
  const tags = JSON.parse(text) as Tags;
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith('trellis.')));
}
