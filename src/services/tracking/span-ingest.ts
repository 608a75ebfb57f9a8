import { spansInTrackingStore, type TraceState, traceKeys } from '../../core/tracing/trace-info.js';
import type { Repositories, Store } from '../../store/store.js';
import type { SpanRow } from '../../store/trace-repository.js';
import type { Context } from '../context.js';
import { ensureDefaultExperiment } from './experiment-service.js';
import { activeExperiment, artifactLocationOf, refuseForeignTrace } from './trace-service.js';

/** What the spans of one trace, as sent, say of the trace (the root span's times, state and previews). */
export interface SpanSummary {
  requestTimeMs: number;
  executionDurationMs: number | null;
  state: TraceState;
  requestPreview: string | null;
  responsePreview: string | null;
  metadata: Record<string, string>;
  /** Trace tags the root span carries (mlflow.traceTag.<key> attributes). */
  tags: Record<string, string>;
}

/** The spans of one trace in an OTLP request, as stored, with what they say of the trace. */
export interface SpanBatch {
  traceId: string;
  spans: SpanRow[];
  summary: SpanSummary;
}

/** One OTLP request's spans, waiting for the commit that makes them durable. */
interface PendingWrite {
  workspace: string;
  experimentId: string;
  batches: readonly SpanBatch[];
  runId: string | undefined;
  settle: (error?: unknown) => void;
}

/** At most this many requests share a commit, so one commit stays short while many clients send. */
const maxWritesPerCommit = 64;

/**
 * Group commit of span writes: the requests that arrive while a commit is under way are written
 * together in the next transaction, so their spans share one commit (one fsync of SQLite's WAL)
 * instead of one each. Each request is answered only once the commit holding its spans is done, so
 * an acknowledged request is as durable as before. A request refused by its checks (an inactive
 * experiment, a trace of another workspace) fails alone, having written nothing; a write that fails
 * midway rolls the group back, and its requests are then written one transaction each, so only the
 * one at fault fails.
 */
class SpanWriter {
  private readonly queue: PendingWrite[] = [];
  private isScheduled = false;

  constructor(private readonly store: Store) {}

  write(write: Omit<PendingWrite, 'settle'>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...write, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (this.isScheduled) return;
      this.isScheduled = true;
      // After the I/O callbacks of this turn: requests that arrived together are decoded before the first commit.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commit(this.queue.splice(0, maxWritesPerCommit));
    } finally {
      this.isScheduled = false;
    }
  }

  private async commit(group: PendingWrite[]): Promise<void> {
    const refused = new Map<PendingWrite, unknown>();
    try {
      await this.store.transaction(async (repositories) => {
        // An experiment found active once is so for the whole transaction: checked once for the writes to it.
        const activeExperiments = new Map<string, string>();
        for (const write of group) {
          let checked: CheckedWrite;
          try {
            checked = await checkWrite(repositories, write, activeExperiments);
          } catch (error) {
            // Refused before it wrote anything: it alone fails, the others go on in this transaction.
            refused.set(write, error);
            continue;
          }
          await applyWrite(repositories, write, checked);
        }
      });
    } catch (error) {
      if (group.length === 1) {
        group[0]?.settle(error);
        return;
      }
      // One write failed midway and the group rolled back: each again alone, so only its own request fails.
      for (const write of group) await this.commit([write]);
      return;
    }
    for (const write of group) write.settle(refused.get(write));
  }
}

/** What a write may go on with: its experiment's artifact location, and which of its traces are stored already. */
interface CheckedWrite {
  artifactLocation: string;
  known: ReadonlySet<string>;
}

/**
 * Refuses an inactive experiment or a trace of another workspace, before anything of the write is
 * written. `activeExperiments`: the artifact location of each experiment already found active, by workspace and id.
 */
async function checkWrite(repositories: Repositories, write: PendingWrite, activeExperiments: Map<string, string>): Promise<CheckedWrite> {
  const experimentKey = JSON.stringify([write.workspace, write.experimentId]);
  let artifactLocation = activeExperiments.get(experimentKey);
  if (artifactLocation === undefined) {
    artifactLocation = (await activeExperiment(repositories, write.workspace, write.experimentId)).artifact_location;
    activeExperiments.set(experimentKey, artifactLocation);
  }
  const known = new Set<string>();
  for (const batch of write.batches) {
    if (await refuseForeignTrace(repositories, write.workspace, batch.traceId)) known.add(batch.traceId);
  }
  return { artifactLocation, known };
}

async function applyWrite(repositories: Repositories, write: PendingWrite, { artifactLocation, known }: CheckedWrite): Promise<void> {
  const { workspace, experimentId } = write;
  const spansTag = { [traceKeys.spansLocation]: spansInTrackingStore };
  for (const batch of write.batches) {
    const hasRoot = batch.spans.some((span) => span.parentSpanId === null);
    const isKnown = known.has(batch.traceId);
    if (isKnown) {
      const info = await repositories.traces.ingestState(batch.traceId, traceKeys.infoFinalized);
      if (info && !info.isFinalized) {
        await repositories.traces.update(
          batch.traceId,
          hasRoot
            ? {
                requestTime: batch.summary.requestTimeMs,
                executionDuration: batch.summary.executionDurationMs,
                state: batch.summary.state,
                requestPreview: batch.summary.requestPreview,
                responsePreview: batch.summary.responsePreview,
              }
            : { requestTime: Math.min(info.requestTime, batch.summary.requestTimeMs) },
        );
        if (hasRoot) await repositories.traces.setMetadata(batch.traceId, batch.summary.metadata);
      }
      await repositories.traces.setTags(batch.traceId, { ...batch.summary.tags, ...spansTag });
    } else {
      await repositories.traces.insert(
        workspace,
        {
          traceId: batch.traceId,
          experimentId,
          clientRequestId: null,
          requestTime: batch.summary.requestTimeMs,
          executionDuration: hasRoot ? batch.summary.executionDurationMs : null,
          state: hasRoot ? batch.summary.state : 'IN_PROGRESS',
          requestPreview: batch.summary.requestPreview,
          responsePreview: batch.summary.responsePreview,
          metadata: { [traceKeys.schemaVersion]: '3', ...batch.summary.metadata },
          tags: {
            ...batch.summary.tags,
            ...spansTag,
            [traceKeys.artifactLocation]: artifactLocationOf(artifactLocation, batch.traceId),
          },
        },
        new Set(batch.spans.map((span) => span.spanId)).size,
      );
    }
    await repositories.traces.upsertSpans(batch.traceId, batch.spans, !isKnown);
    if (write.runId && hasRoot) await repositories.traces.linkRuns([batch.traceId], write.runId);
  }
}

const writers = new WeakMap<Store, SpanWriter>();

/**
 * Spans sent over OTLP (MLflow's client sends each as it ends, an OpenTelemetry SDK in batches):
 * stored in the tracking store, creating each trace they belong to on first sight. Until the
 * client's StartTraceV3 finalizes a trace, its root span's times, state and previews are the trace's.
 * Resolves once they are committed (group-committed with concurrent requests, see SpanWriter).
 */
export async function logSpans(
  context: Context,
  workspace: string,
  experimentId: string,
  batches: readonly SpanBatch[],
  runId?: string,
): Promise<void> {
  await ensureDefaultExperiment(context, workspace);
  let writer = writers.get(context.store);
  if (!writer) {
    writer = new SpanWriter(context.store);
    writers.set(context.store, writer);
  }
  await writer.write({ workspace, experimentId, batches, runId });
}
