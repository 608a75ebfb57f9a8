import type { Kysely } from 'kysely';
import type { KeyValue } from '../core/tracking/entities.js';
import type { Database } from './database.js';

export interface RegisteredModelRow {
  name: string;
  description: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  tags: KeyValue[];
  aliases: Array<{ alias: string; version: string }>;
}

/** What MLflow's registry keeps beside Trellis model assets: registered models' own metadata and aliases. */
export class RegistryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(workspace: string, name: string, description: string | null, tags: KeyValue[], now: number): Promise<void> {
    await this.db.insertInto('registered_models').values({ workspace, name, description, creation_timestamp: now, last_updated_timestamp: now }).execute();
    await this.setTags(workspace, name, tags);
  }

  /** Makes the row for a name that so far existed only as Trellis model assets. */
  async ensure(workspace: string, name: string, now: number): Promise<void> {
    await this.db
      .insertInto('registered_models')
      .values({ workspace, name, description: null, creation_timestamp: now, last_updated_timestamp: now })
      .onConflict((c) => c.columns(['workspace', 'name']).doNothing())
      .execute();
  }

  async exists(workspace: string, name: string): Promise<boolean> {
    return (await this.db.selectFrom('registered_models').select('name').where('workspace', '=', workspace).where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  async list(workspace: string, name?: string): Promise<RegisteredModelRow[]> {
    let rows = this.db.selectFrom('registered_models').selectAll().where('workspace', '=', workspace);
    let tags = this.db.selectFrom('registered_model_tags').selectAll().where('workspace', '=', workspace);
    let aliases = this.db.selectFrom('registered_model_aliases').selectAll().where('workspace', '=', workspace);
    if (name !== undefined) {
      rows = rows.where('name', '=', name);
      tags = tags.where('name', '=', name);
      aliases = aliases.where('name', '=', name);
    }
    const [modelRows, tagRows, aliasRows] = await Promise.all([rows.orderBy('name').execute(), tags.orderBy('key').execute(), aliases.orderBy('alias').execute()]);
    return modelRows.map((row) => ({
      name: row.name,
      description: row.description,
      creationTimestamp: Number(row.creation_timestamp),
      lastUpdatedTimestamp: Number(row.last_updated_timestamp),
      tags: tagRows.filter((tag) => tag.name === row.name).map((tag) => ({ key: tag.key, value: tag.value })),
      aliases: aliasRows.filter((alias) => alias.name === row.name).map((alias) => ({ alias: alias.alias, version: alias.version })),
    }));
  }

  async setDescription(workspace: string, name: string, description: string | null, now: number): Promise<void> {
    await this.db.updateTable('registered_models').set({ description, last_updated_timestamp: now }).where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  async touch(workspace: string, name: string, now: number): Promise<void> {
    await this.db.updateTable('registered_models').set({ last_updated_timestamp: now }).where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  /** Renames the model; its tags and aliases follow (ON UPDATE CASCADE). */
  async rename(workspace: string, from: string, to: string, now: number): Promise<void> {
    await this.db.updateTable('registered_models').set({ name: to, last_updated_timestamp: now }).where('workspace', '=', workspace).where('name', '=', from).execute();
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

  async deleteTag(workspace: string, name: string, key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('registered_model_tags').where('workspace', '=', workspace).where('name', '=', name).where('key', '=', key).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async setAlias(workspace: string, name: string, alias: string, version: string): Promise<void> {
    await this.db
      .insertInto('registered_model_aliases')
      .values({ workspace, name, alias, version })
      .onConflict((c) => c.columns(['workspace', 'name', 'alias']).doUpdateSet({ version }))
      .execute();
  }

  async deleteAlias(workspace: string, name: string, alias: string): Promise<boolean> {
    const result = await this.db.deleteFrom('registered_model_aliases').where('workspace', '=', workspace).where('name', '=', name).where('alias', '=', alias).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async deleteAliasesOf(workspace: string, name: string, version: string): Promise<void> {
    await this.db.deleteFrom('registered_model_aliases').where('workspace', '=', workspace).where('name', '=', name).where('version', '=', version).execute();
  }
}
