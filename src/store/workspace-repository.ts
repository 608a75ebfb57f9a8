import type { Kysely, Selectable } from 'kysely';
import { TrellisError } from '../core/errors.js';
import type { Resource, Tags } from '../core/resources/resource.js';
import type { Database, WorkspacesTable } from './database.js';
import { makeEtag } from './etag.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import type { Page, ResourceChanges } from './resource-repository.js';
import { workspaceMissing } from './resource-repository.js';
import { isUniqueViolation } from './sql-errors.js';

export interface WorkspaceDraft {
  name: string;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  tags: Tags;
  description: string | null;
}

type Row = Selectable<WorkspacesTable>;

/** Workspaces: the isolation unit every other resource belongs to. */
export class WorkspaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<Resource | undefined> {
    const row = await this.getRow(name);
    return row && toResource(row);
  }

  async list(limit: number, pageToken?: string): Promise<Page<Resource>> {
    let select = this.db.selectFrom('workspaces').selectAll();
    if (pageToken) select = select.where('name', '>', decodePageToken(pageToken).name);
    const rows = await select.orderBy('name', 'asc').limit(limit + 1).execute();
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return { items: pageRows.map(toResource), nextPageToken: hasMore && last ? encodePageToken({ name: last.name, id: 0 }) : null };
  }

  async insert(draft: WorkspaceDraft, actor: string, now: string): Promise<Resource> {
    const revision = 1;
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
        throw new TrellisError('ResourceAlreadyExists', 409, `workspace '${draft.name}' already exists; update it instead, or pick another name`);
      }
      throw error;
    }
  }

  async update(name: string, changes: ResourceChanges, now: string, expectedEtag?: string): Promise<Resource> {
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

  /** Deletes an empty workspace; one that still holds resources is refused. */
  async delete(name: string, resourceCount: number, expectedEtag?: string): Promise<Resource> {
    const current = await this.get(name);
    if (!current) throw workspaceMissing(name);
    if (expectedEtag !== undefined && expectedEtag !== current.etag) throw stale(name, expectedEtag, current.etag);
    if (resourceCount > 0) {
      throw new TrellisError('WorkspaceNotEmpty', 409, `workspace '${name}' still holds ${resourceCount} resource(s); delete them first (trellis <kind> list -w ${name})`);
    }
    await this.db.deleteFrom('workspaces').where('name', '=', name).where('etag', '=', current.etag).execute();
    return current;
  }

  private async getRow(name: string): Promise<Row | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('name', '=', name).executeTakeFirst();
  }
}

function toResource(row: Row): Resource {
  return {
    kind: 'workspace',
    workspace: row.name,
    name: row.name,
    version: null,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    status: JSON.parse(row.status) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as Tags,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    etag: row.etag,
  };
}

function stale(name: string, sent: string, current: string): TrellisError {
  return new TrellisError('EtagMismatch', 412, `workspace '${name}' was changed since you read it (you sent If-Match ${sent}, it is now ${current}); read it again, re-apply your change and retry`);
}
