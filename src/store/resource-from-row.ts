import type { Selectable } from 'kysely';
import type { ResourceKind } from '../core/resources/kinds.js';
import type { ResourceOf, Tags } from '../core/resources/resource.js';
import type { ResourcesTable } from './database.js';

/** A stored resource of kind `Kind` (any kind when `Kind` is the union). */
export type StoredResource<Kind extends ResourceKind = ResourceKind> = ResourceOf<Kind>;

/** The columns a resource is read from (the resources table's, JSON still as text); a workspace row passes version null. */
export type ResourceColumns = Omit<Selectable<ResourcesTable>, 'id' | 'version'> & { version: string | null };

/**
 * The store's one boundary from JSON columns to typed resources: a spec was validated by its kind's
 * schema before it was written (apply, or a typed draft), so the row's kind tells the spec's type.
 */
export function resourceFromRow<Kind extends ResourceKind = ResourceKind>(row: ResourceColumns): StoredResource<Kind> {
  const resource = {
    kind: row.kind,
    workspace: row.workspace,
    name: row.name,
    version: row.version === '' ? null : row.version,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    status: JSON.parse(row.status) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as Tags,
    description: row.description,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    etag: row.etag,
  };
  return resource as StoredResource<Kind>;
}
