import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  type StoragePipelineOptions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { BucketPage, GetResult, ListPageOptions, ObjectBucket, ObjectHead } from '../object-store/object-bucket.js';
import { mapConcurrently } from '../object-store/upload-parts.js';
import { artifactWriteConflict, objectStoreFailed } from '../artifact-errors.js';
import { azureFailure, azureRequest } from './azure-blob-errors.js';

/** How Trellis signs in to the storage account. */
export type AzureBlobCredential =
  /** The account's shared key; the account name comes from the URL unless given. */
  | { accountKey: string; accountName?: string | undefined }
  /** A SAS token (with or without its leading '?') for the account or the container. */
  | { sasToken: string }
  /** A connection string, which names the account's endpoint itself. */
  | { connectionString: string };

export interface AzureBlobBucketOptions {
  /** The account's blob endpoint, e.g. https://<account>.blob.core.windows.net or Azurite's http://127.0.0.1:10000/devstoreaccount1. Unused with a connection string. */
  accountUrl?: string | undefined;
  container: string;
  credential: AzureBlobCredential;
  /** Bytes per staged block (default 8 MiB: objects up to 390 GiB in Azure's 50,000 blocks). */
  partSize?: number;
  /** Blocks staged at once per upload (default 3). */
  concurrency?: number;
}

/** Short retries: an unreachable account fails a request within seconds, not after a minute of backoff. */
const pipelineOptions: StoragePipelineOptions = { retryOptions: { maxTries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 4000 } };

/** A copy that has not (or not successfully) finished: its destination is not the object yet. */
const unfinishedCopies = new Set(['pending', 'aborted', 'failed']);

/**
 * An Azure Blob Storage container as an ObjectBucket, through @azure/storage-blob. Uploads of more
 * than one part are staged as blocks and committed with one block list, which Azure applies
 * atomically; blocks staged but never committed are never listed, and Azure drops them when the next
 * block list is committed there or after a week. Copies are the service's (Copy Blob, within the
 * account); a destination still being copied reads as absent.
 */
export class AzureBlobBucket implements ObjectBucket {
  readonly description: string;
  readonly partSize: number;
  readonly resumesFromCursor = true;
  readonly #container: ContainerClient;
  readonly #concurrency: number;
  /** The last write under way of each blob written through this bucket, for #inTurn. */
  readonly #writes = new Map<string, Promise<void>>();

  constructor(options: AzureBlobBucketOptions) {
    const service = serviceClient(options);
    this.#container = service.getContainerClient(options.container);
    this.description = `Azure Blob container '${options.container}' at ${withoutQuery(service.url)}`;
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.#concurrency = options.concurrency ?? 3;
  }

  /** The container's client, for tests that look at what is stored. */
  get container(): ContainerClient {
    return this.#container;
  }

  async ensureReady(): Promise<void> {
    await azureRequest(this.description, 'checking it at start', async () => {
      try {
        await this.#container.createIfNotExists({ abortSignal: AbortSignal.timeout(60_000) });
      } catch (error) {
        // A SAS for the container alone may not make containers: that the container lists is enough then.
        if (azureFailure(error).status !== 403) throw error;
        await this.#container.listBlobsFlat().byPage({ maxPageSize: 1 }).next();
      }
    });
  }

  async putObject(key: string, bytes: Buffer, options: { ifAbsent: boolean }): Promise<boolean> {
    return this.#inTurn(key, () => this.#putObjectNow(key, bytes, options));
  }

  async #putObjectNow(key: string, bytes: Buffer, options: { ifAbsent: boolean }): Promise<boolean> {
    return this.#request('writing an object', async () => {
      try {
        await this.#container
          .getBlockBlobClient(key)
          .upload(bytes, bytes.length, { conditions: options.ifAbsent ? { ifNoneMatch: '*' } : {} });
        return true;
      } catch (error) {
        if (options.ifAbsent && isAlreadyThere(error)) return false;
        throw error;
      }
    });
  }

  async putParts(key: string, parts: AsyncIterable<Buffer>): Promise<void> {
    return this.#inTurn(key, () => this.#putPartsNow(key, parts));
  }

  async #putPartsNow(key: string, parts: AsyncIterable<Buffer>): Promise<void> {
    const blob = this.#container.getBlockBlobClient(key);
    // Every block id of every upload has the same length, which Azure requires of the blocks of one blob.
    const upload = randomBytes(12).toString('hex');
    const blockIds = await mapConcurrently(parts, this.#concurrency, async (part, index) => {
      const blockId = Buffer.from(`${upload}-${String(index).padStart(6, '0')}`).toString('base64');
      await this.#request('staging a block', () => blob.stageBlock(blockId, part, part.length));
      return blockId;
    });
    await this.#request('committing a block list', async () => {
      try {
        await blob.commitBlockList(blockIds);
      } catch (error) {
        // Another upload committed its block list here meanwhile, and Azure dropped the blocks of this one.
        if (azureFailure(error).code === 'InvalidBlockList') throw artifactWriteConflict(key);
        throw error;
      }
    });
  }

  async discardParts(key: string): Promise<void> {
    const blob = this.#container.getBlockBlobClient(key);
    try {
      // Committing an empty list drops the staged blocks; the empty blob it leaves goes next.
      await blob.commitBlockList([]);
      await blob.deleteIfExists();
    } catch {
      // Best effort, on a key no one else uses: Azure drops uncommitted blocks by itself within a week.
    }
  }

  async copyObject(from: string, to: string, options: { size: number; ifAbsent: boolean }): Promise<boolean> {
    const source = this.#container.getBlobClient(from);
    return this.#request('copying an object', async () => {
      try {
        const poller = await this.#container
          .getBlobClient(to)
          .beginCopyFromURL(source.url, { conditions: options.ifAbsent ? { ifNoneMatch: '*' } : {}, intervalInMs: 250 });
        const copied = await poller.pollUntilDone();
        if (copied.copyStatus !== undefined && copied.copyStatus !== 'success') {
          throw objectStoreFailed(this.description, 'copying an object', `the copy ended ${copied.copyStatus}`);
        }
        return true;
      } catch (error) {
        if (options.ifAbsent && isAlreadyThere(error)) return false;
        throw error;
      }
    });
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    return this.#request('reading an object', async () => {
      try {
        const properties = await this.#container.getBlobClient(key).getProperties();
        if (properties.copyStatus !== undefined && unfinishedCopies.has(properties.copyStatus)) return undefined;
        return { size: properties.contentLength ?? 0, modifiedAt: properties.lastModified ?? new Date(0) };
      } catch (error) {
        if (azureFailure(error).status === 404) return undefined;
        throw error;
      }
    });
  }

  async get(key: string, range?: { start: number; end?: number | undefined }): Promise<GetResult> {
    const blob = this.#container.getBlobClient(key);
    return this.#request('reading an object', async () => {
      try {
        const start = range?.start ?? 0;
        const count = range?.end === undefined ? undefined : range.end - start + 1;
        const response = await blob.download(start, count, { maxRetryRequests: 3 });
        const body = response.readableStreamBody;
        if (response.copyStatus !== undefined && unfinishedCopies.has(response.copyStatus)) {
          body?.resume();
          return { status: 'missing' };
        }
        // Azure sends no Range header for offset 0 without a count: an empty blob then answers 200, not 416.
        if (range !== undefined && response.contentLength === 0) return { status: 'pastEnd', size: 0 };
        if (body === undefined) return { status: 'found', body: Readable.from([]) };
        return { status: 'found', body: body instanceof Readable ? body : Readable.from(body) };
      } catch (error) {
        const { status } = azureFailure(error);
        if (status === 404) return { status: 'missing' };
        if (status === 416) {
          const head = await this.head(key);
          return head === undefined ? { status: 'missing' } : { status: 'pastEnd', size: head.size };
        }
        throw error;
      }
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.#request('deleting an object', async () => (await this.#container.getBlobClient(key).deleteIfExists()).succeeded);
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (;;) {
      const page = await this.listPage(prefix, { delimiter: false, maxResults: 1000 });
      if (page.objects.length === 0) return;
      await mapConcurrently(page.objects, 8, (object) => this.delete(object.key));
    }
  }

  async listPage(prefix: string, options: ListPageOptions): Promise<BucketPage> {
    return this.#request('listing objects', async () => {
      const paging = { maxPageSize: options.maxResults, ...(options.cursor === undefined ? {} : { continuationToken: options.cursor }) };
      if (options.delimiter) {
        const page = (await this.#container.listBlobsByHierarchy('/', { prefix }).byPage(paging).next()).value;
        return {
          objects: (page?.segment.blobItems ?? []).map(listed),
          prefixes: (page?.segment.blobPrefixes ?? []).map((folder: { name: string }) => folder.name),
          cursor: page?.continuationToken || undefined,
        };
      }
      const page = (await this.#container.listBlobsFlat({ prefix }).byPage(paging).next()).value;
      return { objects: (page?.segment.blobItems ?? []).map(listed), prefixes: [], cursor: page?.continuationToken || undefined };
    });
  }

  /**
   * Runs the writes of one blob made through this bucket one after another. Committing a blob (a block
   * list, or a whole upload) drops every block another upload has staged there, so two at once would
   * fail the later one; in turn, the last to finish wins, as on a filesystem. Writers in other processes
   * (other servers) can still meet: the one whose blocks were dropped fails with ArtifactWriteConflict.
   */
  async #inTurn<T>(key: string, write: () => Promise<T>): Promise<T> {
    const previous = this.#writes.get(key) ?? Promise.resolve();
    const result = previous.then(write);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    // Only the order is kept here; the write's own outcome reaches its caller through `result`.
    this.#writes.set(key, done);
    try {
      return await result;
    } finally {
      if (this.#writes.get(key) === done) this.#writes.delete(key);
    }
  }

  #request<T>(doing: string, request: () => Promise<T>): Promise<T> {
    return azureRequest(this.description, doing, request);
  }
}

function listed(item: { name: string; properties: { contentLength?: number | undefined; lastModified: Date } }) {
  return { key: item.name, size: item.properties.contentLength ?? 0, modifiedAt: item.properties.lastModified };
}

/** 409 BlobAlreadyExists or 412 ConditionNotMet: an If-None-Match: * write found the blob there. */
function isAlreadyThere(error: unknown): boolean {
  const { status } = azureFailure(error);
  return status === 409 || status === 412;
}

function serviceClient(options: AzureBlobBucketOptions): BlobServiceClient {
  const { credential } = options;
  if ('connectionString' in credential) return BlobServiceClient.fromConnectionString(credential.connectionString, pipelineOptions);
  const accountUrl = (options.accountUrl ?? '').replace(/\/+$/, '');
  if ('sasToken' in credential) {
    return new BlobServiceClient(`${accountUrl}?${credential.sasToken.replace(/^\?/, '')}`, new AnonymousCredential(), pipelineOptions);
  }
  const accountName = credential.accountName ?? accountNameOf(accountUrl);
  return new BlobServiceClient(accountUrl, new StorageSharedKeyCredential(accountName, credential.accountKey), pipelineOptions);
}

/**
 * The storage account an endpoint URL names: the first label of `<account>.blob.core.windows.net`, or
 * the first segment of the path on an emulator's (Azurite's http://127.0.0.1:10000/devstoreaccount1).
 */
export function accountNameOf(accountUrl: string): string {
  const url = new URL(accountUrl);
  return url.pathname.split('/').find((segment) => segment !== '') ?? url.hostname.split('.')[0] ?? '';
}

/** A URL without its query, so a SAS token never reaches a message. */
function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString().replace(/\/+$/, '');
}
