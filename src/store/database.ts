import type { Generated } from 'kysely';

/** Table types as kysely sees them. JSON columns hold canonical JSON text on both dialects. */
export interface Database {
  workspaces: WorkspacesTable;
  resources: ResourcesTable;
  resource_tags: ResourceTagsTable;
  audit_events: AuditEventsTable;
}

export interface WorkspacesTable {
  name: string;
  spec: string;
  status: string;
  tags: string;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  etag: string;
  revision: number;
}

export interface ResourcesTable {
  id: Generated<number>;
  workspace: string;
  kind: string;
  name: string;
  /** '' for kinds that are not versioned (compute); the version string for assets. */
  version: string;
  spec: string;
  status: string;
  tags: string;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  etag: string;
  revision: number;
}

/** Tags again, one row each, so tag filters are indexed lookups on both dialects. */
export interface ResourceTagsTable {
  resource_id: number;
  key: string;
  value: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  workspace: string;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  version: string | null;
  before_digest: string | null;
  after_digest: string | null;
  request_id: string | null;
  summary: string | null;
}
