import { randomUUID } from 'node:crypto';
import { checkedTraceTag, truncatedValues } from '../../core/tracing/trace-limits.js';
import { dumpPythonJson, type JsonValue, pyJsonOf } from '../../core/tracing/python-json.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { spansInTrackingStore, type TraceInfo, type TraceState, traceKeys } from '../../core/tracing/trace-info.js';
import type { Repositories } from '../../store/store.js';
import type { SpanRow } from '../../store/trace-repository.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from './experiment-service.js';
import { pathUnderRoot } from './mlflow-artifacts.js';

export interface TraceWithSpans {
  info: TraceInfo;
  spans: SpanRow[];
}

/** The folder under an experiment's artifact location where a trace's traces.json and attachments live (as MLflow). */
export function artifactLocationOf(experimentArtifactLocation: string, traceId: string): string {
  return `${experimentArtifactLocation.replace(/\/+$/, '')}/traces/${traceId}/artifacts`;
}

export async function activeExperiment(repositories: Repositories, workspace: string, experimentId: string) {
  const experiment = await repositories.experiments.require(workspace, experimentId);
  if (experiment.lifecycle_stage !== 'active')
    throw mlflowError(
      'INVALID_STATE',
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
    );
  return experiment;
}

/** A trace of another workspace is as absent as one that never was. */
async function requireTraceHere(repositories: Repositories, workspace: string, traceId: string): Promise<TraceInfo> {
  const [info] = await repositories.traces.infos(workspace, [traceId]);
  if (!info) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Trace with ID '${traceId}' not found.`);
  return info;
}

/** That the trace is this workspace's, without reading its tags, metadata and assessments. */
async function requireTraceIdHere(repositories: Repositories, workspace: string, traceId: string): Promise<void> {
  const existing = await repositories.traces.exists(traceId);
  if (existing?.workspace !== workspace) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Trace with ID '${traceId}' not found.`);
}

/** Refuses a trace id taken by another workspace: ids are global, and one workspace never sees or changes another's. */
export async function refuseForeignTrace(repositories: Repositories, workspace: string, traceId: string): Promise<boolean> {
  const existing = await repositories.traces.exists(traceId);
  if (existing && existing.workspace !== workspace)
    throw mlflowError('RESOURCE_ALREADY_EXISTS', `Trace with ID '${traceId}' already exists in another workspace.`);
  return existing !== undefined;
}

/**
 * StartTraceV3, which MLflow's client calls when a trace has ended: records its info, or, when its
 * spans came first over OTLP, completes the trace they created (the client's info wins; tags and
 * metadata merge).
 */
export async function startTrace(context: Context, workspace: string, input: TraceInfo): Promise<TraceInfo> {
  if (!input.traceId) throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'trace.trace_info.trace_id'.");
  await ensureDefaultExperiment(context, workspace);
  return context.store.transaction(async (repositories) => {
    const experiment = await activeExperiment(repositories, workspace, input.experimentId);
    const metadata = { ...truncatedValues(input.metadata), [traceKeys.infoFinalized]: 'true' };
    const tags = {
      ...truncatedValues(input.tags),
      [traceKeys.artifactLocation]: artifactLocationOf(experiment.artifact_location, input.traceId),
    };
    if (await refuseForeignTrace(repositories, workspace, input.traceId)) {
      await repositories.traces.update(input.traceId, {
        experimentId: input.experimentId,
        requestTime: input.requestTime,
        executionDuration: input.executionDuration,
        state: input.state,
        clientRequestId: input.clientRequestId,
        ...(input.requestPreview !== null ? { requestPreview: input.requestPreview } : {}),
        ...(input.responsePreview !== null ? { responsePreview: input.responsePreview } : {}),
      });
      await repositories.traces.setTags(input.traceId, tags);
      await repositories.traces.setMetadata(input.traceId, metadata);
    } else {
      await repositories.traces.insert(workspace, { ...input, metadata, tags });
    }
    for (const assessment of input.assessments) {
      await insertAssessment(repositories, input.traceId, assessment, context.clock().getTime());
    }
    return requireTraceHere(repositories, workspace, input.traceId);
  });
}

export async function getTraceInfo(context: Context, workspace: string, traceId: string): Promise<TraceInfo> {
  return requireTraceHere(context.store.repositories, workspace, traceId);
}

/** A trace with its spans, which must be in the tracking store (MLflow answers the same for a trace whose spans are an artifact). */
export async function getTrace(context: Context, workspace: string, traceId: string): Promise<TraceWithSpans> {
  const repositories = context.store.repositories;
  const info = await requireTraceHere(repositories, workspace, traceId);
  return { info, spans: await repositories.traces.spans(traceId) };
}

/** The traces of these ids this workspace has (with spans), optionally only those of some experiments. */
export async function batchGetTraces(
  context: Context,
  workspace: string,
  traceIds: readonly string[],
  experimentIds?: readonly string[],
): Promise<TraceWithSpans[]> {
  const repositories = context.store.repositories;
  const infos = (await repositories.traces.infos(workspace, traceIds)).filter(
    (info) => experimentIds === undefined || experimentIds.includes(info.experimentId),
  );
  return Promise.all(infos.map(async (info) => ({ info, spans: await repositories.traces.spans(info.traceId) })));
}

export async function batchGetTraceInfos(
  context: Context,
  workspace: string,
  traceIds: readonly string[],
  experimentIds?: readonly string[],
): Promise<TraceInfo[]> {
  return (await context.store.repositories.traces.infos(workspace, traceIds)).filter(
    (info) => experimentIds === undefined || experimentIds.includes(info.experimentId),
  );
}

export interface DeleteTracesOptions {
  maxTimestampMillis?: number;
  maxTraces?: number;
  traceIds?: readonly string[];
}

/** Deletes an experiment's traces: older than a time (at most N, oldest first) or by id; the count deleted. */
export async function deleteTraces(
  context: Context,
  workspace: string,
  experimentId: string,
  options: DeleteTracesOptions,
): Promise<number> {
  const byIds = options.traceIds !== undefined && options.traceIds.length > 0;
  if (byIds && (options.maxTimestampMillis !== undefined || options.maxTraces !== undefined))
    throw mlflowError('INVALID_PARAMETER_VALUE', 'Only one of `max_timestamp_millis` and `request_ids` can be specified.');
  if (!byIds && options.maxTimestampMillis === undefined)
    throw mlflowError('INVALID_PARAMETER_VALUE', 'Either `max_timestamp_millis` or `request_ids` must be specified.');
  if (options.maxTraces !== undefined && options.maxTraces <= 0)
    throw mlflowError('INVALID_PARAMETER_VALUE', `max_traces must be a positive integer, received ${options.maxTraces}`);
  return context.store.transaction(async (repositories) => {
    await repositories.experiments.require(workspace, experimentId);
    const ids = await repositories.traces.idsToDelete(workspace, experimentId, options);
    return repositories.traces.delete(ids);
  });
}

/** Tags MLflow's server keeps for itself and refuses to let a client set or delete. */
const systemTraceTags = new Set([traceKeys.artifactLocation, traceKeys.spansLocation, 'mlflow.trace.archiveLocation']);

function refuseSystemTag(key: string, operation: 'set' | 'deleted'): void {
  if (systemTraceTags.has(key))
    throw mlflowError('INVALID_PARAMETER_VALUE', `Tag '${key}' is immutable and cannot be ${operation} on a trace.`);
}

export async function setTraceTag(context: Context, workspace: string, traceId: string, key: string, value: string): Promise<void> {
  refuseSystemTag(key, 'set');
  const tag = checkedTraceTag(key, value);
  await context.store.transaction(async (repositories) => {
    await requireTraceIdHere(repositories, workspace, traceId);
    await repositories.traces.setTags(traceId, { [tag.key]: tag.value });
  });
}

export async function deleteTraceTag(context: Context, workspace: string, traceId: string, key: string): Promise<void> {
  refuseSystemTag(key, 'deleted');
  await context.store.transaction(async (repositories) => {
    await requireTraceIdHere(repositories, workspace, traceId);
    if (!(await repositories.traces.deleteTag(traceId, key)))
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No trace tag with key '${key}' for trace with ID '${traceId}'`);
  });
}

/** Links traces to a run (each must be this workspace's; the run too). */
export async function linkTracesToRun(context: Context, workspace: string, traceIds: readonly string[], runId: string): Promise<void> {
  if (traceIds.length > 100)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Cannot link more than 100 traces to a run in a single request. Provided ${traceIds.length} traces.`,
    );
  await context.store.transaction(async (repositories) => {
    const run = await repositories.runs.get(workspace, runId);
    if (!run) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
    const found = await repositories.traces.infos(workspace, traceIds);
    const missing = traceIds.filter((id) => !found.some((info) => info.traceId === id));
    if (missing.length > 0) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Trace(s) not found: ${missing.join(', ')}`);
    await repositories.traces.linkRuns(traceIds, runId);
  });
}

/** Where a trace's traces.json comes from: its stored spans, or the artifact an older client uploaded. */
export type TraceData = { kind: 'spans'; spans: SpanRow[] } | { kind: 'artifact'; path: string };

export async function traceData(context: Context, workspace: string, traceId: string): Promise<TraceData> {
  const repositories = context.store.repositories;
  const info = await requireTraceHere(repositories, workspace, traceId);
  const spans = await repositories.traces.spans(traceId);
  if (spans.length > 0 || info.tags[traceKeys.spansLocation] === spansInTrackingStore) return { kind: 'spans', spans };
  const location = info.tags[traceKeys.artifactLocation];
  if (!location) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Trace with ID '${traceId}' has no span data.`);
  return { kind: 'artifact', path: pathUnderRoot(location, 'traces.json') };
}

/** The legacy V2 start: a new trace in progress with a server-made id. */
export async function startTraceV2(
  context: Context,
  workspace: string,
  input: { experimentId: string; timestampMs: number; metadata: Record<string, string>; tags: Record<string, string> },
): Promise<TraceInfo> {
  const traceId = `tr-${randomUUID().replaceAll('-', '')}`;
  await ensureDefaultExperiment(context, workspace);
  return context.store.transaction(async (repositories) => {
    const experiment = await activeExperiment(repositories, workspace, input.experimentId);
    await repositories.traces.insert(workspace, {
      traceId,
      experimentId: input.experimentId,
      clientRequestId: null,
      requestTime: input.timestampMs,
      executionDuration: null,
      state: 'IN_PROGRESS',
      requestPreview: null,
      responsePreview: null,
      metadata: input.metadata,
      tags: { ...input.tags, [traceKeys.artifactLocation]: artifactLocationOf(experiment.artifact_location, traceId) },
    });
    return requireTraceHere(repositories, workspace, traceId);
  });
}

/** The legacy V2 end: the trace's end time, status, and more metadata and tags. */
export async function endTraceV2(
  context: Context,
  workspace: string,
  traceId: string,
  input: { timestampMs: number; state: TraceState; metadata: Record<string, string>; tags: Record<string, string> },
): Promise<TraceInfo> {
  return context.store.transaction(async (repositories) => {
    const info = await requireTraceHere(repositories, workspace, traceId);
    await repositories.traces.update(traceId, { executionDuration: input.timestampMs - info.requestTime, state: input.state });
    await repositories.traces.setMetadata(traceId, input.metadata);
    await repositories.traces.setTags(traceId, input.tags);
    return requireTraceHere(repositories, workspace, traceId);
  });
}

// ---- Assessments: feedback and expectations on a trace (MLflow's assessments.proto) ----

function assessmentTypeOf(assessment: Record<string, unknown>): 'feedback' | 'expectation' {
  if (assessment.expectation !== undefined && assessment.expectation !== null) return 'expectation';
  if (assessment.feedback !== undefined && assessment.feedback !== null) return 'feedback';
  throw mlflowError('INVALID_PARAMETER_VALUE', "An assessment must have either 'feedback' or 'expectation' set.");
}

/**
 * An expectation whose value is a list or an object is kept as MLflow keeps it: serialized_value,
 * the value as Python's json.dumps writes it (what MLflow's Expectation.to_proto sends back).
 */
function withSerializedExpectation(assessment: Record<string, unknown>): Record<string, unknown> {
  const expectation = assessment.expectation;
  if (expectation === null || typeof expectation !== 'object' || Array.isArray(expectation)) return assessment;
  const { value, ...rest }: Record<string, unknown> = { ...expectation };
  if (value === null || typeof value !== 'object' || !isJsonValue(value)) return assessment;
  const serialized = dumpPythonJson(pyJsonOf(value));
  return { ...assessment, expectation: { ...rest, serialized_value: { serialization_format: 'JSON_FORMAT', value: serialized } } };
}

/** A value a JSON body can hold (what request bodies parse to). */
function isJsonValue(value: unknown): value is JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return typeof value === 'object' && Object.values(value).every(isJsonValue);
}

async function insertAssessment(
  repositories: Repositories,
  traceId: string,
  assessment: Record<string, unknown>,
  now: number,
): Promise<Record<string, unknown>> {
  const name = assessment.assessment_name;
  if (typeof name !== 'string' || name === '')
    throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'assessment.assessment_name'.");
  const type = assessmentTypeOf(assessment);
  const assessmentId =
    typeof assessment.assessment_id === 'string' && assessment.assessment_id
      ? assessment.assessment_id
      : `a-${randomUUID().replaceAll('-', '')}`;
  const overrides = typeof assessment.overrides === 'string' && assessment.overrides ? assessment.overrides : undefined;
  if (overrides) {
    const old = await repositories.traces.assessment(traceId, overrides);
    if (!old) throw mlflowError('INVALID_PARAMETER_VALUE', `Assessment with ID '${overrides}' not found for trace '${traceId}'`);
    await repositories.traces.replaceAssessment({ ...old, valid: false, content: { ...old.content, valid: false } });
  }
  const timestamp = new Date(now).toISOString();
  const content: Record<string, unknown> = {
    ...withSerializedExpectation(assessment),
    assessment_id: assessmentId,
    trace_id: traceId,
    create_time: typeof assessment.create_time === 'string' ? assessment.create_time : timestamp,
    last_update_time: typeof assessment.last_update_time === 'string' ? assessment.last_update_time : timestamp,
    valid: assessment.valid !== false,
  };
  await repositories.traces.insertAssessment({
    assessmentId,
    traceId,
    name,
    type,
    spanId: typeof assessment.span_id === 'string' && assessment.span_id ? assessment.span_id : null,
    content,
    valid: content.valid === true,
    createdAt: now,
    updatedAt: now,
  });
  return content;
}

export async function createAssessment(context: Context, workspace: string, traceId: string, assessment: Record<string, unknown>) {
  return context.store.transaction(async (repositories) => {
    await requireTraceIdHere(repositories, workspace, traceId);
    return insertAssessment(repositories, traceId, { ...assessment, assessment_id: undefined }, context.clock().getTime());
  });
}

async function requireAssessment(repositories: Repositories, workspace: string, traceId: string, assessmentId: string) {
  await requireTraceIdHere(repositories, workspace, traceId);
  const found = await repositories.traces.assessment(traceId, assessmentId);
  if (!found) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Assessment with ID '${assessmentId}' not found for trace '${traceId}'`);
  return found;
}

export async function getAssessment(context: Context, workspace: string, traceId: string, assessmentId: string) {
  return (await requireAssessment(context.store.repositories, workspace, traceId, assessmentId)).content;
}

/** The fields an update may change (update_mask paths), as MLflow allows. */
const updatableAssessmentFields = new Set(['assessment_name', 'expectation', 'feedback', 'rationale', 'metadata']);

export async function updateAssessment(
  context: Context,
  workspace: string,
  traceId: string,
  assessmentId: string,
  changes: Record<string, unknown>,
  updateMask: readonly string[],
) {
  const refused = updateMask.filter((path) => !updatableAssessmentFields.has(path));
  if (refused.length > 0)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Cannot update field(s) ${refused.join(', ')} of an assessment; updatable fields: ${[...updatableAssessmentFields].join(', ')}.`,
    );
  return context.store.transaction(async (repositories) => {
    const old = await requireAssessment(repositories, workspace, traceId, assessmentId);
    const paths = updateMask.length > 0 ? updateMask : Object.keys(changes).filter((key) => updatableAssessmentFields.has(key));
    const content: Record<string, unknown> = { ...old.content };
    const normalized = withSerializedExpectation(changes);
    for (const path of paths) content[path] = normalized[path];
    if (paths.includes('feedback') && old.type === 'expectation')
      throw mlflowError('INVALID_PARAMETER_VALUE', 'Cannot change an expectation into feedback; create a new assessment instead.');
    if (paths.includes('expectation') && old.type === 'feedback')
      throw mlflowError('INVALID_PARAMETER_VALUE', 'Cannot change feedback into an expectation; create a new assessment instead.');
    const now = context.clock().getTime();
    content.last_update_time = new Date(now).toISOString();
    const name = typeof content.assessment_name === 'string' && content.assessment_name ? content.assessment_name : old.name;
    await repositories.traces.replaceAssessment({ ...old, name, content, updatedAt: now });
    return content;
  });
}

export async function deleteAssessment(context: Context, workspace: string, traceId: string, assessmentId: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    const old = await requireAssessment(repositories, workspace, traceId, assessmentId);
    await repositories.traces.deleteAssessment(assessmentId);
    // Deleting an override makes the assessment it overrode valid again, as in MLflow.
    const overridden = typeof old.content.overrides === 'string' ? old.content.overrides : undefined;
    if (overridden) {
      const previous = await repositories.traces.assessment(traceId, overridden);
      if (previous)
        await repositories.traces.replaceAssessment({ ...previous, valid: true, content: { ...previous.content, valid: true } });
    }
  });
}
