import { parseSignal } from '../../core/azureml/monitor-schema.js';
import type { ScheduleFile } from '../../core/azureml/schedule-schema.js';
import { collectionsOf } from '../../core/endpoints/data-collection.js';
import { invalidInput, isTrellisError, type Problem } from '../../core/errors.js';
import { type DataSource, type MonitorDefinition, monitorDefinition, type SignalData } from '../../core/monitoring/monitor-definition.js';
import { monitorPeriodMs } from '../../core/monitoring/monitor-period.js';
import type { JobTemplate } from '../../core/schedules/schedule.js';
import { type FieldPath, formatFieldPath } from '../../core/yaml/field-path.js';
import type { SourcePosition } from '../../core/yaml/parse-yaml.js';
import { stringifyYaml } from '../../core/yaml/stringify-yaml.js';
import { existingNames, findAsset } from '../asset-lookup.js';
import type { Context } from '../context.js';
import { sourceFiles } from './monitor-data.js';
import { readRows } from './summarize-data.js';

/**
 * A monitor schedule's `create_monitor` checked against the workspace when the schedule is made,
 * so that what Azure ML would fail at run time is refused now, every problem listed: the
 * endpoint and deployment exist, each signal has production data (a data asset, or a deployment
 * that collects the payloads it needs) and reference data that exists, listed features are
 * columns of the reference, and a model performance signal names its thresholds.
 */
export async function monitorTemplate(
  context: Context,
  workspace: string,
  file: ScheduleFile,
  fileName: string,
  locate: (path: FieldPath) => Partial<SourcePosition>,
): Promise<JobTemplate> {
  const written = file.create_monitor!;
  const definition = monitorDefinition(written, monitorPeriodMs(file.trigger), parseSignal);
  const problems = await monitorProblems(context, workspace, definition);
  if (problems.length > 0)
    throw invalidInput(
      fileName,
      problems.map((problem) => ({ ...problem, ...located(locate, problem.at) })).map(({ at: _at, ...problem }) => problem),
    );
  return { type: 'monitor', fileName, text: stringifyYaml(written), uploads: {}, inlined: {}, source: 'create_monitor' };
}

type LocatedProblem = Problem & { at: FieldPath };

function located(locate: (path: FieldPath) => Partial<SourcePosition>, at: FieldPath): Partial<Problem> {
  const { line, column } = locate(at);
  return { ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) };
}

async function monitorProblems(context: Context, workspace: string, definition: MonitorDefinition): Promise<LocatedProblem[]> {
  const problems: LocatedProblem[] = [];
  const problem = (at: FieldPath, message: string) => problems.push({ path: formatFieldPath(at), at, message });
  const targetAt: FieldPath = ['create_monitor', 'monitoring_target', 'endpoint_deployment_id'];
  const repositories = context.store.repositories;
  let collects: { inputs: boolean; outputs: boolean } | undefined;
  if (definition.endpoint && definition.deployment) {
    const endpoint = await repositories.endpoints.getEndpoint(workspace, definition.endpoint);
    const deployment =
      endpoint?.type === 'online'
        ? await repositories.endpoints.getDeploymentOf<'online'>({ ...endpoint, type: 'online' }, definition.deployment)
        : undefined;
    if (endpoint?.type !== 'online')
      problem(
        targetAt,
        `there is no online endpoint '${definition.endpoint}' in workspace '${workspace}'; list them with: trellis online-endpoint list`,
      );
    else if (!deployment)
      problem(
        targetAt,
        `endpoint '${definition.endpoint}' has no online deployment '${definition.deployment}'; list them with: trellis online-deployment list --endpoint-name ${definition.endpoint}`,
      );
    else {
      const collection = collectionsOf(deployment);
      collects = { inputs: collection?.inputs ?? false, outputs: collection?.outputs ?? false };
    }
  }
  for (const signal of definition.signals) {
    const at: FieldPath = ['create_monitor', 'monitoring_signals', signal.name];
    const sides: Array<[string, SignalData]> =
      signal.type === 'feature_attribution_drift'
        ? [
            ['production_data', signal.production.inputs],
            ['production_data', signal.production.outputs],
            ['reference_data', signal.reference],
          ]
        : [
            ['production_data', signal.production],
            ['reference_data', signal.reference],
          ];
    for (const [field, data] of sides) {
      const message = await sourceProblem(context, workspace, data.source, signal.type, definition, collects);
      if (message) problem([...at, field], message);
    }
    if (signal.type === 'model_performance' && Object.keys(signal.thresholds).length === 0)
      problem(
        [...at, 'metric_thresholds'],
        'name the metrics to hold the model to, with thresholds: accuracy: 0.9 (classification) or mae: 2.5 (regression)',
      );
    const needsTarget = signal.type === 'feature_attribution_drift' || ('features' in signal && signal.features.kind === 'top');
    if (needsTarget && signal.reference.source.kind === 'asset' && !signal.reference.targetColumn)
      problem(
        [...at, 'reference_data'],
        'ranking features by importance needs the label: name it in reference_data.data_column_names.target_column',
      );
    if ('features' in signal && signal.features.kind === 'listed' && signal.reference.source.kind === 'asset') {
      const columns = await referenceColumns(context, workspace, signal.reference);
      const missing = columns ? signal.features.names.filter((name) => !columns.includes(name)) : [];
      if (columns && missing.length > 0)
        problem(
          [...at, 'features'],
          `${missing.map((name) => `'${name}'`).join(', ')} ${missing.length === 1 ? 'is not a column' : 'are not columns'} of ${signal.reference.source.reference}; its columns: ${columns.join(', ')}`,
        );
    }
  }
  return problems;
}

/** Why a signal's data cannot be read, or undefined when it can. */
async function sourceProblem(
  context: Context,
  workspace: string,
  source: DataSource,
  signalType: string,
  definition: MonitorDefinition,
  collects: { inputs: boolean; outputs: boolean } | undefined,
): Promise<string | undefined> {
  if (source.kind === 'collected') {
    if (!collects) return undefined; // the endpoint problem is reported once, at monitoring_target
    const wanted = source.collection === 'model_inputs' ? collects.inputs : collects.outputs;
    if (wanted) return undefined;
    return `${signalType} needs ${source.collection} and deployment ${definition.endpoint}/${definition.deployment} does not collect them: enable data_collector.collections.${source.collection} in its deployment file, or give input_data here`;
  }
  if (source.reference === '')
    return `${signalType} needs data: give input_data (azureml:<data asset>:<version>), or monitoring_target.endpoint_deployment_id of a deployment that collects its payloads`;
  const asset = await findAsset(context, workspace, 'data', source.reference);
  if (!asset)
    return `data asset '${source.reference}' does not exist in workspace '${workspace}'; data assets: ${await existingNames(context, workspace, 'data')}`;
  return undefined;
}

/** The column names of a reference data asset, from its first file's first row; undefined when it cannot be read now (the run says why). */
async function referenceColumns(context: Context, workspace: string, data: SignalData): Promise<string[] | undefined> {
  try {
    const { files } = await sourceFiles(context, workspace, data.source);
    const first = files[0];
    if (!first) return undefined;
    // The first row names them: the file is not read further.
    for await (const item of readRows(first, { isAnswer: false }, null)) if ('row' in item) return Object.keys(item.row);
    return undefined;
  } catch (error) {
    if (isTrellisError(error)) return undefined;
    throw error;
  }
}
