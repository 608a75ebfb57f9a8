import { Readable } from 'node:stream';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { collectedFolder } from '../core/endpoints/data-collection.js';

/**
 * Sampled collection of scoring payloads (a deployment's `data_collector`), for the drift
 * monitors of a later issue: each sampled request body goes to the `model_inputs` collection and
 * its answer to `model_outputs`, as JSON lines, into the workspace's artifact store under Azure ML's
 * layout `collected/<endpoint>/<deployment>/<collection>/<yyyy>/<mm>/<dd>/<hh>/`. Lines are
 * buffered and written as one file per flush (the store has no append), at most every
 * `flushMs` or `maxLines` lines, so the scoring path never waits on storage.
 */

export interface CollectedPayload {
  /** When the request arrived (ms since the epoch). */
  at: number;
  requestId: string;
  deployment: string;
  status: number;
  contentType: string;
  body: Buffer;
}

interface Batch {
  workspace: string;
  prefix: string;
  lines: string[];
}

export class PayloadCollector {
  private readonly batches = new Map<string, Batch>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(
    private readonly artifactsFor: (workspace: string) => ArtifactStore,
    private readonly options: { flushMs?: number; maxLines?: number; onError: (error: Error) => void },
  ) {}

  /** The folder (in the workspace's artifact store) a collection of a deployment is written under. */
  static folderOf(endpoint: string, deployment: string, collection: string): string {
    return collectedFolder(endpoint, deployment, collection);
  }

  /** Queues one payload; never throws and never waits. */
  collect(workspace: string, endpoint: string, collection: string, payload: CollectedPayload): void {
    const hour = new Date(payload.at).toISOString();
    const prefix = `${PayloadCollector.folderOf(endpoint, payload.deployment, collection)}/${hour.slice(0, 4)}/${hour.slice(5, 7)}/${hour.slice(8, 10)}/${hour.slice(11, 13)}`;
    const key = `${workspace}\u0000${prefix}`;
    let batch = this.batches.get(key);
    if (!batch) {
      batch = { workspace, prefix, lines: [] };
      this.batches.set(key, batch);
    }
    batch.lines.push(JSON.stringify(lineOf(payload)));
    if (batch.lines.length >= (this.options.maxLines ?? 500)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 1000).unref();
  }

  /** Writes every buffered line now (also on close). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.batches.values()].filter((batch) => batch.lines.length > 0);
    this.batches.clear();
    this.flushing = this.flushing.then(async () => {
      for (const batch of batches) {
        const name = `${batch.prefix}/${Date.now()}-${process.pid}-${++this.sequence}.jsonl`;
        try {
          await this.artifactsFor(batch.workspace).put(name, Readable.from([Buffer.from(`${batch.lines.join('\n')}\n`)]));
        } catch (error) {
          // The batch is lost either way; the owner logs it (the server's logger), so nobody is told nothing.
          this.options.onError(error as Error);
        }
      }
    });
    await this.flushing;
  }
}

/** A JSON body is kept as JSON; anything else as base64, with its content type. */
function lineOf(payload: CollectedPayload): Record<string, unknown> {
  const base = {
    time: new Date(payload.at).toISOString(),
    requestId: payload.requestId,
    deployment: payload.deployment,
    status: payload.status,
    contentType: payload.contentType,
  };
  if (payload.contentType.includes('json')) {
    try {
      return { ...base, data: JSON.parse(payload.body.toString('utf8')) as unknown };
    } catch {
      // not JSON after all: kept as bytes below
    }
  }
  return { ...base, dataBase64: payload.body.toString('base64') };
}
