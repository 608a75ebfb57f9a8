import type { Kysely, Selectable } from 'kysely';
import { TrellisError } from '../core/errors.js';
import type { Tags } from '../core/resources/resource.js';
import type { SpecOf } from '../core/resources/resource-spec.js';
import type { Database, WorkspacesTable } from './database.js';
import { makeEtag } from './etag.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { Page, ResourceChanges } from './resource-repository.js';
import { workspaceMissing } from './resource-repository.js';
import { resourceFromRow, type StoredResource } from './resource-from-row.js';
import { isUniqueViolation } from './sql-errors.js';

export interface WorkspaceDraft {
  name: string;
  spec: SpecOf<'workspace'>;
  status: Record<string, unknown>;
  tags: Tags;
  description: string | null;
}

type Row = Selectable<WorkspacesTable>;
type Workspace = StoredResource<'workspace'>;

/** Workspaces: the isolation unit every other resource belongs to. */
export class WorkspaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<Workspace | undefined> {
    const row = await this.getRow(name);
    return row && toResource(row);
  }

  /** Workspaces by name; registries' storage spaces ('@<registry>') are not workspaces and are left out. */
  async list(limit: number, pageToken?: string): Promise<Page<Workspace>> {
    let select = this.db.selectFrom('workspaces').selectAll().where('name', 'not like', '@%');
    if (pageToken) select = select.where('name', '>', decodePageToken(pageToken).name);
    const rows = await select
      .orderBy('name', 'asc')
      .limit(limit + 1)
      .execute();
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return { items: pageRows.map(toResource), nextPageToken: hasMore && last ? encodePageToken({ name: last.name, id: 0 }) : null };
  }

  async insert(draft: WorkspaceDraft, actor: string, now: string): Promise<Workspace> {
    const revision = 1;
    // Names differing only in case would share a folder on a case-insensitive file system.
    const clash = await this.getIgnoringCase(draft.name);
    if (clash) {
      const same = clash.name === draft.name;
      throw new TrellisError(
        'ResourceAlreadyExists',
        409,
        same
          ? `workspace '${draft.name}' already exists; update it instead, or pick another name`
          : `workspace '${clash.name}' already exists, and workspace names must differ by more than case; use '${clash.name}', or pick another name`,
      );
    }
    try {
      const row = await this.db
        .insertInto('workspaces')
        .values({
          name: draft.name,
          spec: JSON.stringify(draft.spec),
          status: JSON.stringify(draft.status),
          tags: JSON.stringify(draft.tags),
          description: draft.description,
          created_by: actor,
          created_at: now,
          updated_at: now,
          etag: makeEtag(revision, draft),
          revision,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toResource(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new TrellisError(
          'ResourceAlreadyExists',
          409,
          `workspace '${draft.name}' already exists; update it instead, or pick another name`,
        );
      }
      throw error;
    }
  }

  async update(name: string, changes: ResourceChanges, now: string, expectedEtag?: string): Promise<Workspace> {
    const row = await this.getRow(name);
    if (!row) throw workspaceMissing(name);
    const current = toResource(row);
    if (expectedEtag !== undefined && expectedEtag !== current.etag) throw stale(name, expectedEtag, current.etag);
    const next = {
      spec: changes.spec ?? current.spec,
      status: changes.status ?? current.status,
      tags: changes.tags ?? current.tags,
      description: changes.description === undefined ? current.description : changes.description,
    };
    const revision = row.revision + 1;
    const updated = await this.db
      .updateTable('workspaces')
      .set({
        spec: JSON.stringify(next.spec),
        status: JSON.stringify(next.status),
        tags: JSON.stringify(next.tags),
        description: next.description,
        updated_at: now,
        etag: makeEtag(revision, next),
        revision,
      })
      .where('name', '=', name)
      .where('etag', '=', current.etag)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw stale(name, expectedEtag ?? current.etag, '(changed by another writer)');
    return toResource(updated);
  }

  /** The workspace whose name equals `name` but for case, if any (names are unique regardless of case). */
  async getIgnoringCase(name: string): Promise<Workspace | undefined> {
    const row = await this.db
      .selectFrom('workspaces')
      .selectAll()
      .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
      .executeTakeFirst();
    return row && toResource(row);
  }

  /**
   * What a workspace holds, per kind, leaving out kinds it holds none of: its resources by kind
   * (compute, data, model, ...), MLflow experiments, runs and registered models, jobs (and how
   * many are not finished), online and batch endpoints and their deployments.
   */
  async holdings(name: string): Promise<WorkspaceHolding[]> {
    const count = async (
      table: 'experiments' | 'runs' | 'registered_models' | 'pipeline_jobs' | 'schedules' | 'jobs' | 'endpoints' | 'endpoint_deployments',
    ) =>
      Number(
        (
          await this.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('count'))
            .where('workspace', '=', name)
            .executeTakeFirst()
        )?.count ?? 0,
      );
    const resources = await this.db
      .selectFrom('resources')
      .select(['kind', (eb) => eb.fn.countAll().as('count')])
      .where('workspace', '=', name)
      .groupBy('kind')
      .orderBy('kind')
      .execute();
    const unfinishedJobs = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('workspace', '=', name)
      .where('state', 'not in', ['Completed', 'Failed', 'Canceled'])
      .executeTakeFirst();
    const holdings: WorkspaceHolding[] = [
      ...resources.map((row) => ({ kind: row.kind, count: Number(row.count) })),
      { kind: 'experiment', count: await count('experiments') },
      { kind: 'run', count: await count('runs') },
      { kind: 'registered model', count: await count('registered_models') },
      { kind: 'pipeline job', count: await count('pipeline_jobs') },
      { kind: 'schedule', count: await count('schedules') },
      { kind: 'job', count: await count('jobs') },
      { kind: 'unfinished job', count: Number(unfinishedJobs?.count ?? 0) },
      { kind: 'endpoint', count: await count('endpoints') },
      { kind: 'deployment', count: await count('endpoint_deployments') },
    ];
    return holdings.filter((holding) => holding.count > 0);
  }

  /**
   * Deletes the workspace row after checking its etag; refuses (409) while it holds anything.
   * `deleteContents` first removes everything in it: call both in one transaction.
   */
  async delete(name: string, expectedEtag?: string): Promise<Workspace> {
    const current = await this.get(name);
    if (!current) throw workspaceMissing(name);
    if (expectedEtag !== undefined && expectedEtag !== current.etag) throw stale(name, expectedEtag, current.etag);
    const holdings = await this.holdings(name);
    if (holdings.length > 0) throw notEmpty(name, holdings);
    await this.db.deleteFrom('workspaces').where('name', '=', name).where('etag', '=', current.etag).execute();
    return current;
  }

  /**
   * Deletes every row a workspace holds, the workspace row aside. Tables that hang off these
   * (tags, params, metrics, job events, deployments, secrets, ...) go with them by their
   * foreign keys' ON DELETE CASCADE. The audit log stays: it is the record of the deletion.
   */
  async deleteContents(name: string): Promise<void> {
    for (const table of [
      'resources',
      'traces',
      'experiments',
      'registered_models',
      'schedules',
      'monitor_runs',
      'monitor_file_summaries',
      'sweep_jobs',
      'pipeline_jobs',
      'jobs',
      'compute_nodes',
      'endpoints',
      'datastores',
    ] as const) {
      await this.db.deleteFrom(table).where('workspace', '=', name).execute();
    }
  }

  private async getRow(name: string): Promise<Row | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst();
  }
}

/** A stored workspace: the row, typed at the store's one JSON boundary. */
function toResource(row: Row): Workspace {
  return resourceFromRow<'workspace'>({ ...row, kind: 'workspace', workspace: row.name, version: null });
}

/** One kind of thing a workspace holds, and how many. */
export interface WorkspaceHolding {
  kind: string;
  count: number;
}

function notEmpty(name: string, holdings: WorkspaceHolding[]): TrellisError {
  const listed = holdings.map((holding) => `${holding.count} ${holding.kind}${holding.count === 1 ? '' : 's'}`).join(', ');
  return new TrellisError(
    'WorkspaceNotEmpty',
    409,
    `workspace '${name}' still holds ${listed}; delete them first, or delete the workspace with everything in it, files included: trellis workspace delete --name ${name} --force`,
    { problems: holdings.map((holding) => ({ path: holding.kind, message: String(holding.count) })), details: { holdings } },
  );
}

function stale(name: string, sent: string, current: string): TrellisError {
  return new TrellisError(
    'EtagMismatch',
    412,
    `workspace '${name}' was changed since you read it (you sent If-Match ${sent}, it is now ${current}); read it again, re-apply your change and retry`,
  );
}
