import type { Kysely } from 'kysely';
import type { KeyValue, LoggedModel, LoggedModelStatus, MetricPoint } from '../core/tracking/entities.js';
import { mlflowError } from '../core/tracking/mlflow-error.js';
import type { Database } from './database.js';
import { groupBy } from './group-by.js';

export interface NewLoggedModel {
  modelId: string;
  workspace: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  modelType: string | undefined;
  sourceRunId: string | undefined;
  tags: KeyValue[];
  params: KeyValue[];
  now: number;
}

type LoggedModelRow = Database['logged_models'];

/** MLflow 3 logged models, their tags, params and metrics, and the runs that read or wrote them. */
export class LoggedModelRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(model: NewLoggedModel): Promise<void> {
    await this.db
      .insertInto('logged_models')
      .values({
        model_id: model.modelId,
        workspace: model.workspace,
        experiment_id: Number(model.experimentId),
        name: model.name,
        artifact_location: model.artifactLocation,
        creation_timestamp_ms: model.now,
        last_updated_timestamp_ms: model.now,
        model_type: model.modelType ?? null,
        source_run_id: model.sourceRunId ?? null,
        status: 'LOGGED_MODEL_PENDING',
        status_message: null,
        lifecycle_stage: 'active',
      })
      .execute();
    await this.setTags(model.modelId, model.tags, model.now);
    await this.logParams(model.modelId, model.params, model.now);
  }

  /** The model in this workspace; a deleted one only when asked for. */
  async get(workspace: string, modelId: string, allowDeleted = false): Promise<LoggedModel | undefined> {
    let query = this.db.selectFrom('logged_models').selectAll().where('workspace', '=', workspace).where('model_id', '=', modelId);
    if (!allowDeleted) query = query.where('lifecycle_stage', '=', 'active');
    const row = await query.executeTakeFirst();
    return row && (await this.withData([row]))[0];
  }

  async require(workspace: string, modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const model = await this.get(workspace, modelId, allowDeleted);
    if (!model) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${modelId}' not found.`);
    return model;
  }

  /** The live models of some experiments, newest first; search filters them further in memory. */
  async listInExperiments(workspace: string, experimentIds: string[]): Promise<LoggedModel[]> {
    if (experimentIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('logged_models')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('experiment_id', 'in', experimentIds.map(Number))
      .where('lifecycle_stage', '=', 'active')
      .orderBy('creation_timestamp_ms', 'desc')
      .orderBy('model_id')
      .execute();
    return this.withData(rows);
  }

  async finalize(modelId: string, status: LoggedModelStatus, now: number): Promise<void> {
    await this.db.updateTable('logged_models').set({ status, last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
  }

  async delete(modelId: string, now: number): Promise<void> {
    await this.db
      .updateTable('logged_models')
      .set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: now })
      .where('model_id', '=', modelId)
      .execute();
  }

  async setTags(modelId: string, tags: KeyValue[], now: number): Promise<void> {
    const byKey = new Map(tags.map((tag) => [tag.key, tag.value]));
    if (byKey.size === 0) return;
    await this.db
      .insertInto('logged_model_tags')
      .values([...byKey].map(([key, value]) => ({ model_id: modelId, key, value })))
      .onConflict((conflict) => conflict.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
    await this.touch(modelId, now);
  }

  async deleteTag(modelId: string, key: string, now: number): Promise<boolean> {
    const result = await this.db.deleteFrom('logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
    await this.touch(modelId, now);
    return Number(result.numDeletedRows) > 0;
  }

  /** Params of a logged model; the last value of a key wins, as in MLflow's store. */
  async logParams(modelId: string, params: KeyValue[], now: number): Promise<void> {
    const byKey = new Map(params.map((param) => [param.key, param.value]));
    if (byKey.size === 0) return;
    await this.db
      .insertInto('logged_model_params')
      .values([...byKey].map(([key, value]) => ({ model_id: modelId, key, value })))
      .onConflict((conflict) => conflict.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute();
    await this.touch(modelId, now);
  }

  /** Metrics a run logged with a model_id also land with that model. */
  async logMetrics(runId: string, metrics: MetricPoint[]): Promise<void> {
    const rows = metrics
      .filter((m) => m.model_id)
      .map((m) => ({
        model_id: m.model_id!,
        run_uuid: runId,
        key: m.key,
        step: m.step,
        timestamp: m.timestamp,
        value: Number.isNaN(m.value) ? 0 : m.value,
        is_nan: Number.isNaN(m.value) ? 1 : 0,
        dataset_name: m.dataset_name ?? '',
        dataset_digest: m.dataset_digest ?? '',
      }));
    for (let i = 0; i < rows.length; i += 300)
      await this.db
        .insertInto('logged_model_metrics')
        .values(rows.slice(i, i + 300))
        .onConflict((c) => c.doNothing())
        .execute();
  }

  /** Records that a run read (`input`) or produced (`output`) models. */
  async linkRun(runId: string, direction: 'input' | 'output', models: Array<{ modelId: string; step: number }>): Promise<void> {
    if (models.length === 0) return;
    await this.db
      .insertInto('run_models')
      .values(models.map((model) => ({ run_uuid: runId, model_id: model.modelId, direction, step: model.step })))
      .onConflict((c) => c.doNothing())
      .execute();
  }

  /** The models each run read and produced. */
  async modelsOfRuns(
    runIds: string[],
  ): Promise<Map<string, { inputs: Array<{ model_id: string }>; outputs: Array<{ model_id: string; step: number }> }>> {
    const byRun = new Map<string, { inputs: Array<{ model_id: string }>; outputs: Array<{ model_id: string; step: number }> }>();
    if (runIds.length === 0) return byRun;
    const rows = await this.db
      .selectFrom('run_models')
      .selectAll()
      .where('run_uuid', 'in', runIds)
      .orderBy('step')
      .orderBy('model_id')
      .execute();
    for (const row of rows) {
      const entry = byRun.get(row.run_uuid) ?? { inputs: [], outputs: [] };
      if (row.direction === 'input') entry.inputs.push({ model_id: row.model_id });
      else entry.outputs.push({ model_id: row.model_id, step: Number(row.step) });
      byRun.set(row.run_uuid, entry);
    }
    return byRun;
  }

  private async touch(modelId: string, now: number): Promise<void> {
    await this.db.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
  }

  private async withData(rows: LoggedModelRow[]): Promise<LoggedModel[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.model_id);
    const [tags, params, metrics] = await Promise.all([
      this.db.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      this.db
        .selectFrom('logged_model_metrics')
        .selectAll()
        .where('model_id', 'in', ids)
        .orderBy('key')
        .orderBy('step')
        .orderBy('timestamp')
        .execute(),
    ]);
    const [tagsOf, paramsOf, metricsOf] = [
      groupBy(tags, (tag) => tag.model_id),
      groupBy(params, (param) => param.model_id),
      groupBy(metrics, (metric) => metric.model_id),
    ];
    return rows.map((row) => ({
      info: {
        experiment_id: String(row.experiment_id),
        model_id: row.model_id,
        name: row.name,
        artifact_uri: row.artifact_location,
        creation_timestamp_ms: Number(row.creation_timestamp_ms),
        last_updated_timestamp_ms: Number(row.last_updated_timestamp_ms),
        ...(row.model_type !== null ? { model_type: row.model_type } : {}),
        ...(row.source_run_id !== null ? { source_run_id: row.source_run_id } : {}),
        status: row.status as LoggedModelStatus,
        ...(row.status_message !== null ? { status_message: row.status_message } : {}),
        tags: (tagsOf.get(row.model_id) ?? []).map((tag) => ({ key: tag.key, value: tag.value })),
      },
      data: {
        params: (paramsOf.get(row.model_id) ?? []).map((param) => ({ key: param.key, value: param.value })),
        metrics: (metricsOf.get(row.model_id) ?? []).map((metric) => ({
          key: metric.key,
          value: metric.is_nan ? Number.NaN : Number(metric.value),
          timestamp: Number(metric.timestamp),
          step: Number(metric.step),
          run_id: metric.run_uuid,
          model_id: metric.model_id,
          ...(metric.dataset_name ? { dataset_name: metric.dataset_name, dataset_digest: metric.dataset_digest } : {}),
        })),
      },
    }));
  }
}
