import type { Kysely } from 'kysely';
import type { ActorActivity, JobFacts, NodeFacts, TokenFacts } from '../core/advisor/live/live-snapshot.js';
import type { DeploymentLineage, DeploymentSpec, EndpointType } from '../core/endpoints/endpoint.js';
import type { JobLineage } from '../core/jobs/job.js';
import type { SweepJobSpec } from '../core/sweeps/sweep-job.js';
import type { Database } from './database.js';

/** A job as the advisor reads it: the few columns its rules need, and when it first left the queue. */
export type AdvisorJobRow = Pick<
  JobFacts,
  'name' | 'compute' | 'state' | 'submittedAt' | 'dequeuedAt' | 'startedAt' | 'endedAt' | 'instanceCount' | 'nodeSeconds'
> & { lineage: JobLineage };

export interface AdvisorSweepRow {
  name: string;
  state: string;
  submittedAt: number;
  endedAt: number | null;
  spec: SweepJobSpec;
}

export interface AdvisorDeploymentRow {
  endpoint: string;
  name: string;
  type: EndpointType;
  spec: DeploymentSpec;
  lineage: DeploymentLineage;
  state: string;
  instanceCount: number;
  updatedAt: number;
}

const terminal = ['Completed', 'Failed', 'Canceled'];
const number = (value: number | string | null) => (value === null ? null : Number(value));

/**
 * What the advisor reads of a workspace in bulk, in a few queries of the columns its live rules
 * need (services/advisor/advisor-snapshot.ts): jobs, nodes and sweeps within a window, every
 * deployment, the audit log's actors, personal access tokens, and how much a workspace holds.
 */
export class AdvisorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Jobs unfinished, or submitted or ended at `since` or later. */
  async jobsSince(workspace: string, since: number): Promise<AdvisorJobRow[]> {
    const [rows, dequeued] = await Promise.all([
      this.db
        .selectFrom('jobs')
        .select(['name', 'compute', 'state', 'submitted_at', 'started_at', 'ended_at', 'instance_count', 'node_seconds', 'lineage'])
        .where('workspace', '=', workspace)
        .where((eb) => eb.or([eb('state', 'not in', terminal), eb('submitted_at', '>=', since), eb('ended_at', '>=', since)]))
        .orderBy('name')
        .execute(),
      this.db
        .selectFrom('job_events')
        .select(['job', (eb) => eb.fn.min('at').as('at')])
        .where('workspace', '=', workspace)
        .where('state', '=', 'Preparing')
        .where('at', '>=', since)
        .groupBy('job')
        .execute(),
    ]);
    const firstPrepared = new Map(dequeued.map((row) => [row.job, Number(row.at)]));
    return rows.map((row) => ({
      name: row.name,
      compute: row.compute,
      state: row.state,
      submittedAt: Number(row.submitted_at),
      dequeuedAt: firstPrepared.get(row.name) ?? null,
      startedAt: number(row.started_at),
      endedAt: number(row.ended_at),
      instanceCount: Number(row.instance_count),
      nodeSeconds: Number(row.node_seconds),
      lineage: JSON.parse(row.lineage) as JobLineage,
    }));
  }

  /** Cluster nodes up at some time since `since` (removed ones too), in every compute of the workspace. */
  async nodesUpSince(workspace: string, since: number): Promise<NodeFacts[]> {
    const rows = await this.db
      .selectFrom('compute_nodes')
      .select(['compute', 'node_id', 'created_at', 'removed_at'])
      .where('workspace', '=', workspace)
      .where((eb) => eb.or([eb('removed_at', 'is', null), eb('removed_at', '>=', since)]))
      .orderBy('compute')
      .orderBy('node_id')
      .execute();
    return rows.map((row) => ({
      compute: row.compute,
      nodeId: row.node_id,
      createdAt: Number(row.created_at),
      removedAt: number(row.removed_at),
    }));
  }

  /** Sweep jobs unfinished, or submitted or ended at `since` or later. */
  async sweepsSince(workspace: string, since: number): Promise<AdvisorSweepRow[]> {
    const rows = await this.db
      .selectFrom('sweep_jobs')
      .select(['name', 'state', 'submitted_at', 'ended_at', 'spec'])
      .where('workspace', '=', workspace)
      .where((eb) => eb.or([eb('state', 'not in', terminal), eb('submitted_at', '>=', since), eb('ended_at', '>=', since)]))
      .orderBy('name')
      .execute();
    return rows.map((row) => ({
      name: row.name,
      state: row.state,
      submittedAt: Number(row.submitted_at),
      endedAt: number(row.ended_at),
      spec: JSON.parse(row.spec) as SweepJobSpec,
    }));
  }

  /** Every deployment of the workspace, online and batch, with its endpoint's type (which tells its spec's). */
  async deployments(workspace: string): Promise<AdvisorDeploymentRow[]> {
    const rows = await this.db
      .selectFrom('endpoint_deployments')
      .innerJoin('endpoints', (join) =>
        join
          .onRef('endpoints.workspace', '=', 'endpoint_deployments.workspace')
          .onRef('endpoints.name', '=', 'endpoint_deployments.endpoint'),
      )
      .select([
        'endpoint_deployments.endpoint',
        'endpoint_deployments.name',
        'endpoints.type',
        'endpoint_deployments.spec',
        'endpoint_deployments.lineage',
        'endpoint_deployments.state',
        'endpoint_deployments.instance_count',
        'endpoint_deployments.updated_at',
      ])
      .where('endpoint_deployments.workspace', '=', workspace)
      .orderBy('endpoint_deployments.endpoint')
      .orderBy('endpoint_deployments.name')
      .execute();
    return rows.map((row) => ({
      endpoint: row.endpoint,
      name: row.name,
      type: row.type === 'batch' ? 'batch' : 'online',
      spec: JSON.parse(row.spec) as DeploymentSpec,
      lineage: JSON.parse(row.lineage) as DeploymentLineage,
      state: row.state,
      instanceCount: Number(row.instance_count),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** Each actor of the audit log since `since` (ISO time), with the workspaces it changed ('/' for the server). */
  async actorScopesSince(since: string): Promise<ActorActivity[]> {
    const rows = await this.db.selectFrom('audit_events').select(['actor', 'workspace']).distinct().where('at', '>=', since).execute();
    const scopes = new Map<string, string[]>();
    for (const row of rows) scopes.set(row.actor, [...(scopes.get(row.actor) ?? []), row.workspace]);
    return [...scopes].map(([actor, list]) => ({ actor, scopes: list.sort() }));
  }

  /** Personal access tokens neither revoked nor expired at `now`. */
  async validPersonalTokens(now: number): Promise<TokenFacts[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .select(['id', 'name', 'principal', 'created_at', 'expires_at', 'last_used_at'])
      .where('kind', '=', 'pat')
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      principal: row.principal,
      createdAt: Number(row.created_at),
      expiresAt: number(row.expires_at),
      lastUsedAt: number(row.last_used_at),
    }));
  }

  /** How much the workspace holds at rest: asset versions (data, model, code), jobs and endpoints. */
  async holdings(workspace: string): Promise<{ assets: number; jobs: number; endpoints: number }> {
    const [assets, jobs, endpoints] = await Promise.all([
      this.db
        .selectFrom('resources')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('workspace', '=', workspace)
        .where('kind', 'in', ['data', 'model', 'code'])
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('workspace', '=', workspace)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('endpoints')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('workspace', '=', workspace)
        .executeTakeFirstOrThrow(),
    ]);
    return { assets: Number(assets.count), jobs: Number(jobs.count), endpoints: Number(endpoints.count) };
  }
}
