import type { Kysely, Selectable } from 'kysely';
import { TrellisError } from '../core/errors.js';
import type { ResourceKind } from '../core/resources/kinds.js';
import type { ResourceDraft, Tags } from '../core/resources/resource.js';
import type { AnySpec } from '../core/resources/resource-spec.js';
import type { Database, ResourcesTable } from './database.js';
import { makeEtag } from './etag.js';
import { resourceFromRow, type StoredResource } from './resource-from-row.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql-errors.js';

export interface ResourceKey<Kind extends ResourceKind = ResourceKind> {
  workspace: string;
  kind: Kind;
  name: string;
  /** null for kinds that are not versioned. */
  version: string | null;
}

export interface TagFilter {
  key: string;
  /** Absent: the tag must exist with any value. */
  value?: string;
}

export interface ListQuery<Kind extends ResourceKind = ResourceKind> {
  workspace: string;
  kind: Kind;
  /** Only the versions of this name, newest first. */
  name?: string;
  /** One row per name: its newest version. */
  latestOnly?: boolean;
  /** Archived asset versions too (they are left out unless asked for). */
  includeArchived?: boolean;
  tags?: TagFilter[];
  limit: number;
  pageToken?: string;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

export interface ResourceChanges {
  spec?: AnySpec;
  status?: Record<string, unknown>;
  tags?: Tags;
  description?: string | null;
}

type Row = Selectable<ResourcesTable>;

/**
 * An archived asset version has `archived: true` in its status (server-kept JSON text in both
 * dialects, written by JSON.stringify, so the marker reads the same everywhere; a string inside
 * the status has its quotes escaped and cannot match). No column: archiving is rare and asks no index.
 */
const archivedMarker = '%"archived":true%';

/** Resources (everything but workspaces) in the metadata store. */
export class ResourceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get<Kind extends ResourceKind>(key: ResourceKey<Kind>): Promise<StoredResource<Kind> | undefined> {
    const row = await this.getRow(key);
    return row && resourceFromRow<Kind>(row);
  }

  private async getRow(key: ResourceKey): Promise<Row | undefined> {
    return this.db
      .selectFrom('resources')
      .selectAll()
      .where('workspace', '=', key.workspace)
      .where('kind', '=', key.kind)
      .where('name', '=', key.name)
      .where('version', '=', key.version ?? '')
      .executeTakeFirst();
  }

  /** The newest version of an asset: the one created last (the newest that is not archived, with skipArchived). */
  async getLatest<Kind extends ResourceKind>(
    workspace: string,
    kind: Kind,
    name: string,
    options: { skipArchived?: boolean } = {},
  ): Promise<StoredResource<Kind> | undefined> {
    let select = this.db
      .selectFrom('resources')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('kind', '=', kind)
      .where('name', '=', name);
    if (options.skipArchived) select = select.where('status', 'not like', archivedMarker);
    const row = await select.orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row && resourceFromRow<Kind>(row);
  }

  async listVersions(workspace: string, kind: ResourceKind, name: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('resources')
      .select('version')
      .where('workspace', '=', workspace)
      .where('kind', '=', kind)
      .where('name', '=', name)
      .orderBy('id', 'asc')
      .execute();
    return rows.map((row) => row.version);
  }

  /** Every resource of a kind (of one name, when given), oldest first: for views such as MLflow's registry. */
  async listAll<Kind extends ResourceKind>(workspace: string, kind: Kind, name?: string): Promise<StoredResource<Kind>[]> {
    let select = this.db.selectFrom('resources').selectAll().where('workspace', '=', workspace).where('kind', '=', kind);
    if (name !== undefined) select = select.where('name', '=', name);
    return (await select.orderBy('name').orderBy('id').execute()).map((row) => resourceFromRow<Kind>(row));
  }

  /** Renames every version of a name at once (MLflow's rename of a registered model). */
  async renameAll(workspace: string, kind: ResourceKind, from: string, to: string, now: string): Promise<number> {
    try {
      const result = await this.db
        .updateTable('resources')
        .set({ name: to, updated_at: now })
        .where('workspace', '=', workspace)
        .where('kind', '=', kind)
        .where('name', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new TrellisError('AlreadyExists', 409, `${kind} '${to}' already exists in workspace '${workspace}'`);
      throw error;
    }
  }

  /** Rows ordered by name, then newest first, with a keyset page token. */
  async list<Kind extends ResourceKind>(query: ListQuery<Kind>): Promise<Page<StoredResource<Kind>>> {
    let select = this.db.selectFrom('resources').selectAll().where('workspace', '=', query.workspace).where('kind', '=', query.kind);
    if (query.name !== undefined) select = select.where('name', '=', query.name);
    if (!query.includeArchived) select = select.where('status', 'not like', archivedMarker);
    if (query.latestOnly) {
      select = select.where('id', 'in', (eb) => {
        let latest = eb
          .selectFrom('resources as latest')
          .select((inner) => inner.fn.max('latest.id').as('id'))
          .where('latest.workspace', '=', query.workspace)
          .where('latest.kind', '=', query.kind);
        if (!query.includeArchived) latest = latest.where('latest.status', 'not like', archivedMarker);
        return latest.groupBy('latest.name');
      });
    }
    for (const tag of query.tags ?? []) {
      select = select.where('id', 'in', (eb) => {
        let tagged = eb.selectFrom('resource_tags').select('resource_id').where('key', '=', tag.key);
        if (tag.value !== undefined) tagged = tagged.where('value', '=', tag.value);
        return tagged;
      });
    }
    if (query.pageToken) {
      const after = decodePageToken(query.pageToken);
      select = select.where((eb) => eb.or([eb('name', '>', after.name), eb.and([eb('name', '=', after.name), eb('id', '<', after.id)])]));
    }
    const rows = await select
      .orderBy('name', 'asc')
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const hasMore = rows.length > query.limit;
    const pageRows = hasMore ? rows.slice(0, query.limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map((row) => resourceFromRow<Kind>(row)),
      nextPageToken: hasMore && last ? encodePageToken({ name: last.name, id: Number(last.id) }) : null,
    };
  }

  async countInWorkspace(workspace: string): Promise<number> {
    const row = await this.db
      .selectFrom('resources')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('workspace', '=', workspace)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Inserts a new resource; a resource with the same identity is a 409. */
  async insert<Kind extends ResourceKind>(draft: ResourceDraft<Kind>, actor: string, now: string): Promise<StoredResource<Kind>> {
    const revision = 1;
    const etag = makeEtag(revision, draft);
    try {
      const inserted = await this.db
        .insertInto('resources')
        .values({
          workspace: draft.workspace,
          kind: draft.kind,
          name: draft.name,
          version: draft.version ?? '',
          spec: JSON.stringify(draft.spec),
          status: JSON.stringify(draft.status),
          tags: JSON.stringify(draft.tags),
          description: draft.description,
          created_by: actor,
          created_at: now,
          updated_at: now,
          etag,
          revision,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.writeTags(Number(inserted.id), draft.tags);
      return resourceFromRow<Kind>(inserted);
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists(draft);
      if (isForeignKeyViolation(error)) throw workspaceMissing(draft.workspace);
      throw error;
    }
  }

  /**
   * Applies changes when the stored etag still matches `expectedEtag` (or unconditionally when
   * it is undefined); otherwise 412, so two writers never silently overwrite each other.
   */
  async update<Kind extends ResourceKind>(
    key: ResourceKey<Kind>,
    changes: ResourceChanges,
    now: string,
    expectedEtag?: string,
  ): Promise<StoredResource<Kind>> {
    const row = await this.getRow(key);
    if (!row) throw notFound(key);
    const current = resourceFromRow<Kind>(row);
    if (expectedEtag !== undefined && expectedEtag !== current.etag) throw staleEtag(key, expectedEtag, current.etag);
    const next = {
      spec: changes.spec ?? current.spec,
      status: changes.status ?? current.status,
      tags: changes.tags ?? current.tags,
      description: changes.description === undefined ? current.description : changes.description,
    };
    const revision = row.revision + 1;
    const etag = makeEtag(revision, next);
    const updated = await this.db
      .updateTable('resources')
      .set({
        spec: JSON.stringify(next.spec),
        status: JSON.stringify(next.status),
        tags: JSON.stringify(next.tags),
        description: next.description,
        updated_at: now,
        etag,
        revision,
      })
      .where('workspace', '=', key.workspace)
      .where('kind', '=', key.kind)
      .where('name', '=', key.name)
      .where('version', '=', key.version ?? '')
      // The etag check is repeated in the write itself: a concurrent writer between our read and this update loses.
      .where('etag', '=', current.etag)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw staleEtag(key, expectedEtag ?? current.etag, '(changed by another writer)');
    if (changes.tags) await this.writeTags(Number(updated.id), next.tags);
    return resourceFromRow<Kind>(updated);
  }

  async delete<Kind extends ResourceKind>(key: ResourceKey<Kind>, expectedEtag?: string): Promise<StoredResource<Kind>> {
    const current = await this.get(key);
    if (!current) throw notFound(key);
    if (expectedEtag !== undefined && expectedEtag !== current.etag) throw staleEtag(key, expectedEtag, current.etag);
    const deleted = await this.db
      .deleteFrom('resources')
      .where('workspace', '=', key.workspace)
      .where('kind', '=', key.kind)
      .where('name', '=', key.name)
      .where('version', '=', key.version ?? '')
      .where('etag', '=', current.etag)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) throw staleEtag(key, expectedEtag ?? current.etag, '(changed by another writer)');
    return current;
  }

  private async writeTags(resourceId: number, tags: Tags): Promise<void> {
    await this.db.deleteFrom('resource_tags').where('resource_id', '=', resourceId).execute();
    const rows = Object.entries(tags).map(([key, value]) => ({ resource_id: resourceId, key, value }));
    if (rows.length > 0) await this.db.insertInto('resource_tags').values(rows).execute();
  }
}

export function describeKey(key: ResourceKey): string {
  return `${key.kind} '${key.name}${key.version === null ? '' : `:${key.version}`}' in workspace '${key.workspace}'`;
}

function notFound(key: ResourceKey): TrellisError {
  return new TrellisError(
    'ResourceNotFound',
    404,
    `${describeKey(key)} does not exist; list what exists with: trellis ${key.kind} list -w ${key.workspace}`,
  );
}

function alreadyExists(draft: ResourceDraft): TrellisError {
  const hint =
    draft.version === null
      ? 'update it instead, or pick another name'
      : 'versions are immutable: create a new version (or omit version to get the next one)';
  return new TrellisError('ResourceAlreadyExists', 409, `${describeKey(draft)} already exists; ${hint}`);
}

function staleEtag(key: ResourceKey, sent: string, current: string): TrellisError {
  return new TrellisError(
    'EtagMismatch',
    412,
    `${describeKey(key)} was changed since you read it (you sent If-Match ${sent}, it is now ${current}); read it again, re-apply your change and retry`,
  );
}

export function workspaceMissing(workspace: string): TrellisError {
  return new TrellisError(
    'WorkspaceNotFound',
    404,
    `workspace '${workspace}' does not exist; create it with: trellis workspace create --name ${workspace}`,
  );
}
