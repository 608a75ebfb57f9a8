import type { Readable } from 'node:stream';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { listAll } from '../../artifacts/list-all.js';
import type { ObjectBucket } from '../../artifacts/object-store/object-bucket.js';
import { readParts } from '../../artifacts/object-store/upload-parts.js';
import { TrellisError } from '../../core/errors.js';

/**
 * The files of one datastore, by path relative to its root: what a job's inputs read and its outputs
 * write. Over the workspace's own artifact store (the built-in datastores, under a prefix there), or
 * over an Azure Blob container or S3 bucket with the datastore's own credentials.
 */
export interface DatastoreFiles {
  /** Names the storage in messages; never a secret. */
  readonly description: string;
  /** Every file under folder `prefix` ('' for all), recursively, paths relative to the datastore's root. */
  listFiles(prefix: string): Promise<Array<{ path: string; size: number }>>;
  /** The size of the file at `path`, or undefined when there is none. */
  stat(path: string): Promise<{ size: number } | undefined>;
  /** Opens the file at `path`; DatastorePathNotFound (404) when there is none. */
  open(path: string): Promise<Readable>;
  /** Writes `source` as the file at `path`, replacing one already there. */
  put(path: string, source: Readable): Promise<void>;
  /** Reaches the storage with the datastore's credentials (lists one object); throws the service's reason when it cannot. */
  check(): Promise<void>;
}

function notFound(description: string, path: string): TrellisError {
  return new TrellisError('DatastorePathNotFound', 404, `'${path}' does not exist in ${description}`);
}

/** A datastore over a folder of the workspace's artifact store (`prefix`: '' or ending in '/'). */
export function artifactStoreFiles(store: ArtifactStore, prefix: string, description: string): DatastoreFiles {
  const strip = (path: string) => path.slice(prefix.length);
  return {
    description,
    async listFiles(folder) {
      const items = await listAll(store, `${prefix}${folder}`.replace(/\/+$/, ''), { recursive: true });
      return items.filter((item) => !item.isDirectory).map((item) => ({ path: strip(item.path), size: item.size ?? 0 }));
    },
    async stat(path) {
      const found = await store.stat(`${prefix}${path}`);
      return found && { size: found.size };
    },
    async open(path) {
      if (!(await store.stat(`${prefix}${path}`))) throw notFound(description, path);
      return store.open(`${prefix}${path}`);
    },
    async put(path, source) {
      await store.put(`${prefix}${path}`, source);
    },
    async check() {
      await store.list(prefix.replace(/\/+$/, ''), { limit: 1 });
    },
  };
}

/** A datastore over a whole container or bucket: its paths are the objects' keys. */
export function bucketFiles(bucket: ObjectBucket): DatastoreFiles {
  const description = bucket.description;
  return {
    description,
    async listFiles(folder) {
      const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`;
      const found: Array<{ path: string; size: number }> = [];
      let cursor: string | undefined;
      let startAfter: string | undefined;
      do {
        const page = await bucket.listPage(prefix, { delimiter: false, maxResults: 1000, cursor, startAfter });
        found.push(
          ...page.objects.filter((object) => !object.key.endsWith('/')).map((object) => ({ path: object.key, size: object.size })),
        );
        cursor = page.cursor;
        startAfter = page.objects.at(-1)?.key;
      } while (cursor !== undefined);
      return found;
    },
    async stat(path) {
      const head = await bucket.head(path);
      return head && { size: head.size };
    },
    async open(path) {
      const got = await bucket.get(path);
      if (got.status !== 'found') throw notFound(description, path);
      return got.body;
    },
    async put(path, source) {
      const parts = readParts(source, bucket.partSize);
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) {
        await bucket.putObject(path, first.done ? Buffer.alloc(0) : first.value, { ifAbsent: false });
        return;
      }
      async function* all(): AsyncGenerator<Buffer> {
        if (!first.done) yield first.value;
        if (!second.done) yield second.value;
        yield* parts;
      }
      await bucket.putParts(path, all());
    },
    async check() {
      await bucket.listPage('', { delimiter: true, maxResults: 1 });
    },
  };
}
