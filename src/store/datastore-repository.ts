import type { Kysely } from 'kysely';
import type { Datastore } from '../core/datastores/datastore.js';
import type { DatastoreCredentialType, DatastoreSecret, DatastoreSpec } from '../core/datastores/datastore-schema.js';
import type { Database } from './database.js';
import type { SecretSealer } from './secrets/workspace-keys.js';

/** A datastore as written: what it is, and its secret to seal. */
export interface NewDatastore {
  workspace: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  spec: DatastoreSpec;
  secret: DatastoreSecret | null;
  createdBy: string;
  at: number;
}

/** Datastores of workspaces; their credentials sealed with the workspace's data key before they reach the database. */
export class DatastoreRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer: SecretSealer,
  ) {}

  /** Inserts the datastore, or replaces it (spec, secret, description, tags) keeping when it was made. */
  async put(datastore: NewDatastore): Promise<void> {
    const sealed =
      datastore.secret === null
        ? null
        : await this.sealer.seal(datastore.workspace, secretPurpose(datastore.name), JSON.stringify(datastore.secret));
    const row = {
      workspace: datastore.workspace,
      name: datastore.name,
      description: datastore.description,
      tags: JSON.stringify(datastore.tags),
      spec: JSON.stringify(datastore.spec),
      credential_type: datastore.secret?.type ?? 'none',
      sealed_credentials: sealed,
      created_by: datastore.createdBy,
      created_at: datastore.at,
      updated_at: datastore.at,
    };
    await this.db
      .insertInto('datastores')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['workspace', 'name']).doUpdateSet({
          description: row.description,
          tags: row.tags,
          spec: row.spec,
          credential_type: row.credential_type,
          sealed_credentials: row.sealed_credentials,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }

  async get(workspace: string, name: string): Promise<Datastore | undefined> {
    const row = await this.db
      .selectFrom('datastores')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && datastoreOf(row);
  }

  async list(workspace: string): Promise<Datastore[]> {
    const rows = await this.db.selectFrom('datastores').selectAll().where('workspace', '=', workspace).orderBy('name').execute();
    return rows.map(datastoreOf);
  }

  /** The datastore's secret, opened: for the server's own calls to the storage service only, never for an answer. */
  async secretOf(workspace: string, name: string): Promise<DatastoreSecret | null> {
    const row = await this.db
      .selectFrom('datastores')
      .select('sealed_credentials')
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row?.sealed_credentials) return null;
    return JSON.parse(await this.sealer.open(workspace, secretPurpose(name), row.sealed_credentials)) as DatastoreSecret;
  }

  /** Deletes the datastore; true when it was there. */
  async delete(workspace: string, name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('datastores').where('workspace', '=', workspace).where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function secretPurpose(name: string): string {
  return `datastore-credentials/${name}`;
}

function datastoreOf(row: Database['datastores']): Datastore {
  return {
    workspace: row.workspace,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    spec: JSON.parse(row.spec) as DatastoreSpec,
    credentials: { type: row.credential_type as DatastoreCredentialType },
    isBuiltIn: false,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
