import type { Kysely } from 'kysely';
import type { Experiment, KeyValue } from '../core/tracking/entities.js';
import { mlflowError } from '../core/tracking/mlflow-error.js';
import { writeRefusals } from '../core/tracking/write-refusals.js';
import type { Database } from './database.js';
import { groupBy } from './group-by.js';
import { isUniqueViolation } from './sql-errors.js';

/** MLflow experiments; ids count within a workspace, so every query names the workspace. */
export class ExperimentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Creates an experiment with the next id of its workspace (or the id given, for Default's "0").
   * The name is checked first, because after a failed statement PostgreSQL refuses every further
   * query of the transaction; a unique violation left over means another writer took the same id
   * at the same moment, and the caller retries the whole transaction (see isIdRace).
   */
  async create(
    workspace: string,
    name: string,
    artifactLocation: (id: string) => string,
    tags: KeyValue[],
    now: number,
    fixedId?: number,
  ): Promise<string> {
    const existing = await this.db
      .selectFrom('experiments')
      .select('experiment_id')
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    if (existing) throw mlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
    const next = await this.db
      .selectFrom('experiments')
      .select((eb) => eb.fn.max('experiment_id').as('highest'))
      .where('workspace', '=', workspace)
      .executeTakeFirst();
    const id = fixedId ?? Math.max(0, Number(next?.highest ?? 0)) + 1;
    try {
      await this.db
        .insertInto('experiments')
        .values({
          workspace,
          experiment_id: id,
          name,
          artifact_location: artifactLocation(String(id)),
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
        })
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ExperimentIdRace(error);
      throw error;
    }
    if (tags.length > 0)
      await this.db
        .insertInto('experiment_tags')
        .values(tags.map((tag) => ({ workspace, experiment_id: id, key: tag.key, value: tag.value })))
        .execute();
    return String(id);
  }

  async get(workspace: string, experimentId: string): Promise<Experiment | undefined> {
    const id = Number(experimentId);
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.db
      .selectFrom('experiments')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('experiment_id', '=', id)
      .executeTakeFirst();
    return row && this.withTags(row);
  }

  async require(workspace: string, experimentId: string): Promise<Experiment> {
    const found = await this.get(workspace, experimentId);
    if (!found) throw writeRefusals.experimentNotFound(experimentId);
    return found;
  }

  /** The active experiment of that name, else a deleted one (as MLflow answers get-by-name). */
  async getByName(workspace: string, name: string): Promise<Experiment | undefined> {
    const row = await this.db
      .selectFrom('experiments')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && this.withTags(row);
  }

  async list(workspace: string): Promise<Experiment[]> {
    const rows = await this.db.selectFrom('experiments').selectAll().where('workspace', '=', workspace).orderBy('experiment_id').execute();
    const tags = await this.db
      .selectFrom('experiment_tags')
      .select(['experiment_id', 'key', 'value'])
      .where('workspace', '=', workspace)
      .orderBy('key')
      .execute();
    const tagsOf = groupBy(tags, (tag) => Number(tag.experiment_id));
    return rows.map((row) => toExperiment(row, tagsOf.get(Number(row.experiment_id)) ?? []));
  }

  async setLifecycle(workspace: string, experimentId: string, stage: 'active' | 'deleted', now: number): Promise<void> {
    await this.db
      .updateTable('experiments')
      .set({ lifecycle_stage: stage, last_update_time: now })
      .where('workspace', '=', workspace)
      .where('experiment_id', '=', Number(experimentId))
      .execute();
  }

  async rename(workspace: string, experimentId: string, name: string, now: number): Promise<void> {
    try {
      await this.db
        .updateTable('experiments')
        .set({ name, last_update_time: now })
        .where('workspace', '=', workspace)
        .where('experiment_id', '=', Number(experimentId))
        .execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw mlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
      throw error;
    }
  }

  async setTag(workspace: string, experimentId: string, tag: KeyValue): Promise<void> {
    await this.db
      .insertInto('experiment_tags')
      .values({ workspace, experiment_id: Number(experimentId), key: tag.key, value: tag.value })
      .onConflict((conflict) => conflict.columns(['workspace', 'experiment_id', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteTag(workspace: string, experimentId: string, key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('experiment_tags')
      .where('workspace', '=', workspace)
      .where('experiment_id', '=', Number(experimentId))
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private async withTags(row: ExperimentRow & { workspace: string }): Promise<Experiment> {
    const tags = await this.db
      .selectFrom('experiment_tags')
      .select(['key', 'value'])
      .where('workspace', '=', row.workspace)
      .where('experiment_id', '=', Number(row.experiment_id))
      .orderBy('key')
      .execute();
    return toExperiment(row, tags);
  }
}

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number | string;
  last_update_time: number | string;
}

function toExperiment(row: ExperimentRow, tags: KeyValue[]): Experiment {
  return {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location,
    lifecycle_stage: row.lifecycle_stage as Experiment['lifecycle_stage'],
    last_update_time: Number(row.last_update_time),
    creation_time: Number(row.creation_time),
    tags: tags.map((tag) => ({ key: tag.key, value: tag.value })),
  };
}

/** Two experiments were created at the same moment (same id or same name): retry the transaction. */
export class ExperimentIdRace extends Error {
  constructor(cause: unknown) {
    super('another experiment was created at the same moment', { cause });
  }
}
