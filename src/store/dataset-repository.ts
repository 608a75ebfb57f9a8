import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DatasetInput } from '../core/tracking/entities.js';
import type { Database } from './database.js';
import { groupBy } from './group-by.js';

/** The input tag that says what a dataset was for (training, evaluation): MLflow's MLFLOW_DATASET_CONTEXT. */
const datasetContextTag = 'mlflow.data.context';

/** One row of SearchDatasets: a dataset an experiment's runs read, and what for. */
export interface DatasetSummary {
  experiment_id: string;
  name: string;
  digest: string;
  context: string;
}

/**
 * log-inputs: the datasets a run read. A dataset is stored once per experiment (by name and
 * digest) and linked to each run that used it, with the input's tags (e.g. mlflow.data.context).
 */
export class DatasetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Links datasets to a run; a dataset the run already has keeps its first tags, as in MLflow. */
  async logInputs(workspace: string, experimentId: string, runId: string, inputs: DatasetInput[]): Promise<void> {
    // The same name and digest twice in one call counts once (the first).
    const unique = new Map<string, DatasetInput>();
    for (const input of inputs) {
      const key = JSON.stringify([input.dataset.name, input.dataset.digest]);
      if (!unique.has(key)) unique.set(key, input);
    }
    const linked = await this.db.selectFrom('run_inputs').select(['dataset_uuid']).where('run_uuid', '=', runId).execute();
    const alreadyLinked = new Set(linked.map((row) => row.dataset_uuid));
    let position = linked.length;
    for (const input of unique.values()) {
      const { dataset } = input;
      await this.db
        .insertInto('datasets')
        .values({
          dataset_uuid: randomUUID().replaceAll('-', ''),
          workspace,
          experiment_id: Number(experimentId),
          name: dataset.name,
          digest: dataset.digest,
          source_type: dataset.source_type,
          source: dataset.source,
          schema: dataset.schema ?? null,
          profile: dataset.profile ?? null,
        })
        .onConflict((conflict) => conflict.columns(['workspace', 'experiment_id', 'name', 'digest']).doNothing())
        .execute();
      const stored = await this.db
        .selectFrom('datasets')
        .select('dataset_uuid')
        .where('workspace', '=', workspace)
        .where('experiment_id', '=', Number(experimentId))
        .where('name', '=', dataset.name)
        .where('digest', '=', dataset.digest)
        .executeTakeFirstOrThrow();
      if (alreadyLinked.has(stored.dataset_uuid)) continue;
      alreadyLinked.add(stored.dataset_uuid);
      await this.db.insertInto('run_inputs').values({ run_uuid: runId, dataset_uuid: stored.dataset_uuid, position: position++ }).execute();
      const tags = new Map(input.tags.map((tag) => [tag.key, tag.value]));
      if (tags.size > 0) {
        await this.db
          .insertInto('input_tags')
          .values([...tags].map(([key, value]) => ({ run_uuid: runId, dataset_uuid: stored.dataset_uuid, key, value })))
          .execute();
      }
    }
  }

  /**
   * The datasets the runs of these experiments read, each with its mlflow.data.context tag ('' for
   * none): distinct (experiment, name, digest, context), at most `limit`, as MLflow's _search_datasets.
   */
  async summaries(workspace: string, experimentIds: number[], limit: number): Promise<DatasetSummary[]> {
    if (experimentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('datasets')
      .innerJoin('run_inputs', 'run_inputs.dataset_uuid', 'datasets.dataset_uuid')
      .leftJoin('input_tags', (join) =>
        join
          .onRef('input_tags.run_uuid', '=', 'run_inputs.run_uuid')
          .onRef('input_tags.dataset_uuid', '=', 'run_inputs.dataset_uuid')
          .on('input_tags.key', '=', datasetContextTag),
      )
      .select(['datasets.experiment_id', 'datasets.name', 'datasets.digest', 'input_tags.value'])
      .distinct()
      .where('datasets.workspace', '=', workspace)
      .where('datasets.experiment_id', 'in', experimentIds)
      .orderBy('datasets.experiment_id')
      .orderBy('datasets.name')
      .orderBy('datasets.digest')
      .orderBy('input_tags.value')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ experiment_id: String(row.experiment_id), name: row.name, digest: row.digest, context: row.value ?? '' }));
  }

  /** The dataset inputs of each run, in the order they were logged. */
  async inputsOf(runIds: string[]): Promise<Map<string, DatasetInput[]>> {
    const byRun = new Map<string, DatasetInput[]>();
    if (runIds.length === 0) return byRun;
    const [rows, tags] = await Promise.all([
      this.db
        .selectFrom('run_inputs')
        .innerJoin('datasets', 'datasets.dataset_uuid', 'run_inputs.dataset_uuid')
        .select([
          'run_inputs.run_uuid',
          'run_inputs.dataset_uuid',
          'run_inputs.position',
          'datasets.name',
          'datasets.digest',
          'datasets.source_type',
          'datasets.source',
          'datasets.schema',
          'datasets.profile',
        ])
        .where('run_inputs.run_uuid', 'in', runIds)
        .orderBy('run_inputs.position')
        .execute(),
      this.db.selectFrom('input_tags').selectAll().where('run_uuid', 'in', runIds).orderBy('key').execute(),
    ]);
    const tagsOf = groupBy(tags, (tag) => `${tag.run_uuid}/${tag.dataset_uuid}`);
    for (const row of rows) {
      const list = byRun.get(row.run_uuid) ?? [];
      list.push({
        tags: (tagsOf.get(`${row.run_uuid}/${row.dataset_uuid}`) ?? []).map((tag) => ({ key: tag.key, value: tag.value })),
        dataset: {
          name: row.name,
          digest: row.digest,
          source_type: row.source_type,
          source: row.source,
          ...(row.schema !== null ? { schema: row.schema } : {}),
          ...(row.profile !== null ? { profile: row.profile } : {}),
        },
      });
      byRun.set(row.run_uuid, list);
    }
    return byRun;
  }
}
