import type { Kysely, Selectable } from 'kysely';
import type { Registry, RegistrySpec } from '../core/registries/registry-schema.js';
import type { Database, RegistriesTable } from './database.js';

type Row = Selectable<RegistriesTable>;

/** Azure ML registries (not MLflow's model registry, which is RegistryRepository): the registry records themselves. */
export class AssetRegistryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<Registry | undefined> {
    const row = await this.db.selectFrom('registries').selectAll().where('name', '=', name).executeTakeFirst();
    return row && fromRow(row);
  }

  /** Registries by name; all of them when `names` is undefined. */
  async list(names?: readonly string[]): Promise<Registry[]> {
    if (names !== undefined && names.length === 0) return [];
    let select = this.db.selectFrom('registries').selectAll();
    if (names !== undefined) select = select.where('name', 'in', [...names]);
    return (await select.orderBy('name').execute()).map(fromRow);
  }

  async insert(registry: Registry): Promise<void> {
    await this.db.insertInto('registries').values(toRow(registry)).execute();
  }

  /** Replaces spec, tags and description while the etag is still `expectedEtag`; false when it is not. */
  async update(registry: Registry, expectedEtag: string): Promise<boolean> {
    const { name: _name, created_by: _by, created_at: _at, ...changes } = toRow(registry);
    const result = await this.db
      .updateTable('registries')
      .set(changes)
      .where('name', '=', registry.name)
      .where('etag', '=', expectedEtag)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('registries').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

function toRow(registry: Registry): Row {
  return {
    name: registry.name,
    spec: JSON.stringify(registry.spec),
    tags: JSON.stringify(registry.tags),
    description: registry.description,
    created_by: registry.createdBy,
    created_at: registry.createdAt,
    updated_at: registry.updatedAt,
    etag: registry.etag,
  };
}

function fromRow(row: Row): Registry {
  return {
    name: row.name,
    spec: JSON.parse(row.spec) as RegistrySpec,
    tags: JSON.parse(row.tags) as Record<string, string>,
    description: row.description,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    etag: row.etag,
  };
}
