import type { Kysely } from 'kysely';
import { TrellisError } from '../core/errors.js';
import type { Database } from './database.js';

export interface AuditEvent {
  id: number;
  workspace: string;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  version: string | null;
  beforeDigest: string | null;
  afterDigest: string | null;
  requestId: string | null;
  summary: string | null;
}

export type AuditEventDraft = Omit<AuditEvent, 'id'>;

export interface AuditQuery {
  workspace: string;
  kind?: string;
  name?: string;
  limit: number;
  /** Newest first: events with an id below this one. */
  pageToken?: string;
}

/** The append-only audit log: who changed what, when, with digests before and after. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(event: AuditEventDraft): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        workspace: event.workspace,
        at: event.at,
        actor: event.actor,
        action: event.action,
        kind: event.kind,
        name: event.name,
        version: event.version,
        before_digest: event.beforeDigest,
        after_digest: event.afterDigest,
        request_id: event.requestId,
        summary: event.summary,
      })
      .execute();
  }

  async list(query: AuditQuery): Promise<{ items: AuditEvent[]; nextPageToken: string | null }> {
    let select = this.db.selectFrom('audit_events').selectAll().where('workspace', '=', query.workspace);
    if (query.kind) select = select.where('kind', '=', query.kind);
    if (query.name) select = select.where('name', '=', query.name);
    if (query.pageToken) {
      const before = Number(query.pageToken);
      if (!Number.isInteger(before) || before < 1) {
        throw new TrellisError(
          'InvalidPageToken',
          400,
          `page token '${query.pageToken}' is not one this server issued; pass nextPageToken unchanged`,
        );
      }
      select = select.where('id', '<', before);
    }
    const rows = await select
      .orderBy('id', 'desc')
      .limit(query.limit + 1)
      .execute();
    const hasMore = rows.length > query.limit;
    const items = (hasMore ? rows.slice(0, query.limit) : rows).map((row) => ({
      id: Number(row.id),
      workspace: row.workspace,
      at: row.at,
      actor: row.actor,
      action: row.action,
      kind: row.kind,
      name: row.name,
      version: row.version,
      beforeDigest: row.before_digest,
      afterDigest: row.after_digest,
      requestId: row.request_id,
      summary: row.summary,
    }));
    const last = items[items.length - 1];
    return { items, nextPageToken: hasMore && last ? String(last.id) : null };
  }
}
