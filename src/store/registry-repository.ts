import type { Kysely } from 'kysely';
import type { KeyValue } from '../core/tracking/entities.js';
import type { Database } from './database.js';
import { isUniqueViolation } from './sql-errors.js';
import { groupBy } from './group-by.js';

export interface RegisteredModelRow {
  name: string;
  description: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  /** The highest version number the model ever had, deleted ones included. */
  lastVersion: number;
  tags: KeyValue[];
  aliases: Array<{ alias: string; version: string }>;
}

/** A name that has Trellis model assets, with when its first and last asset version were created. */
export interface ModelAssetSummary {
  name: string;
  firstCreatedAt: string;
  lastCreatedAt: string;
}

/** What MLflow's registry keeps beside Trellis model assets: registered models' own metadata and aliases. */
export class RegistryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the registered model; false when the name is taken (the caller's transaction is then spent). */
  async create(workspace: string, name: string, description: string | null, tags: KeyValue[], now: number): Promise<boolean> {
    try {
      await this.db
        .insertInto('registered_models')
        .values({ workspace, name, description, creation_timestamp: now, last_updated_timestamp: now })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
    await this.setTags(workspace, name, tags);
    return true;
  }

  /** Makes the row for a name that so far existed only as Trellis model assets, dated like them. */
  async ensure(workspace: string, name: string, creationTimestamp: number, lastUpdatedTimestamp: number): Promise<void> {
    await this.db
      .insertInto('registered_models')
      .values({ workspace, name, description: null, creation_timestamp: creationTimestamp, last_updated_timestamp: lastUpdatedTimestamp })
      .onConflict((c) => c.columns(['workspace', 'name']).doNothing())
      .execute();
  }

  async get(workspace: string, name: string): Promise<RegisteredModelRow | undefined> {
    const [row] = await this.list(workspace, [name]);
    return row;
  }

  /** Registered models of a workspace (only the named ones, when given), by name. */
  async list(workspace: string, names?: readonly string[]): Promise<RegisteredModelRow[]> {
    if (names !== undefined && names.length === 0) return [];
    let rows = this.db.selectFrom('registered_models').selectAll().where('workspace', '=', workspace);
    let tags = this.db.selectFrom('registered_model_tags').selectAll().where('workspace', '=', workspace);
    let aliases = this.db.selectFrom('registered_model_aliases').selectAll().where('workspace', '=', workspace);
    if (names !== undefined) {
      rows = rows.where('name', 'in', names);
      tags = tags.where('name', 'in', names);
      aliases = aliases.where('name', 'in', names);
    }
    const [modelRows, tagRows, aliasRows] = await Promise.all([
      rows.orderBy('name').execute(),
      tags.orderBy('key').execute(),
      aliases.orderBy('alias').execute(),
    ]);
    const tagsByName = groupBy(tagRows, (tag) => tag.name);
    const aliasesByName = groupBy(aliasRows, (alias) => alias.name);
    return modelRows.map((row) => ({
      name: row.name,
      description: row.description,
      creationTimestamp: Number(row.creation_timestamp),
      lastUpdatedTimestamp: Number(row.last_updated_timestamp),
      lastVersion: Number(row.last_version),
      tags: (tagsByName.get(row.name) ?? []).map((tag) => ({ key: tag.key, value: tag.value })),
      aliases: (aliasesByName.get(row.name) ?? []).map((alias) => ({ alias: alias.alias, version: alias.version })),
    }));
  }

  /** Every name with Trellis model assets in a workspace, one row each, without reading the assets. */
  async modelAssetSummaries(workspace: string, name?: string): Promise<ModelAssetSummary[]> {
    let query = this.db
      .selectFrom('resources')
      .select((eb) => ['name', eb.fn.min('created_at').as('first_created_at'), eb.fn.max('created_at').as('last_created_at')])
      .where('workspace', '=', workspace)
      .where('kind', '=', 'model');
    if (name !== undefined) query = query.where('name', '=', name);
    const rows = await query.groupBy('name').orderBy('name').execute();
    return rows.map((row) => ({
      name: row.name,
      firstCreatedAt: String(row.first_created_at),
      lastCreatedAt: String(row.last_created_at),
    }));
  }

  async setDescription(workspace: string, name: string, description: string | null, now: number): Promise<void> {
    await this.db
      .updateTable('registered_models')
      .set({ description, last_updated_timestamp: now })
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .execute();
  }

  async touch(workspace: string, name: string, now: number): Promise<void> {
    await this.db
      .updateTable('registered_models')
      .set({ last_updated_timestamp: now })
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .execute();
  }

  /**
   * Takes the row's write lock for a new version and reads the highest number given so far: a
   * second writer waits here until the first commits, then reads the first one's number.
   */
  async lockForNewVersion(workspace: string, name: string, now: number): Promise<number> {
    const row = await this.db
      .updateTable('registered_models')
      .set({ last_updated_timestamp: now })
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return Number(row.last_version);
  }

  async setLastVersion(workspace: string, name: string, version: number): Promise<void> {
    await this.db
      .updateTable('registered_models')
      .set({ last_version: version })
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .where('last_version', '<', version)
      .execute();
  }

  /** Renames the model; its tags and aliases follow (ON UPDATE CASCADE). */
  async rename(workspace: string, from: string, to: string, now: number): Promise<void> {
    await this.db
      .updateTable('registered_models')
      .set({ name: to, last_updated_timestamp: now })
      .where('workspace', '=', workspace)
      .where('name', '=', from)
      .execute();
  }

  async delete(workspace: string, name: string): Promise<void> {
    await this.db.deleteFrom('registered_models').where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  async setTags(workspace: string, name: string, tags: KeyValue[]): Promise<void> {
    const byKey = new Map(tags.map((tag) => [tag.key, tag.value]));
    if (byKey.size === 0) return;
    await this.db
      .insertInto('registered_model_tags')
      .values([...byKey].map(([key, value]) => ({ workspace, name, key, value })))
      .onConflict((c) => c.columns(['workspace', 'name', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
  }

  async deleteTag(workspace: string, name: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('registered_model_tags')
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .where('key', '=', key)
      .execute();
  }

  async setAlias(workspace: string, name: string, alias: string, version: string): Promise<void> {
    await this.db
      .insertInto('registered_model_aliases')
      .values({ workspace, name, alias, version })
      .onConflict((c) => c.columns(['workspace', 'name', 'alias']).doUpdateSet({ version }))
      .execute();
  }

  async deleteAlias(workspace: string, name: string, alias: string): Promise<void> {
    await this.db
      .deleteFrom('registered_model_aliases')
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .where('alias', '=', alias)
      .execute();
  }

  async deleteAliasesOf(workspace: string, name: string, version: string): Promise<void> {
    await this.db
      .deleteFrom('registered_model_aliases')
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .where('version', '=', version)
      .execute();
  }
}
