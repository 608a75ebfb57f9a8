import { pipeline, Readable } from 'node:stream';
import { isTrellisError } from '../../core/errors.js';
import { artifactNotFound, digestMismatch } from '../artifact-errors.js';
import { validateArtifactPath } from '../artifact-path.js';
import type {
  ArtifactListItem,
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  ListOptions,
  PutContentOptions,
  PutContentResult,
  PutOptions,
  PutResult,
} from '../artifact-store.js';
import { type ByteRange, resolveByteRange } from '../byte-range.js';
import { DigestingStream, parseContentDigest } from '../content-digest.js';
import {
  artifactUnreadable,
  createSealingStream,
  openSealedObject,
  plaintextSizeOf,
  readSealedHeader,
  type SealedHeader,
  type SealedSource,
} from './chunked-cipher.js';
import { storedObjectSource } from './stored-object-source.js';

/** The data keys of one workspace, as the artifacts layer needs them (the store's WorkspaceKeys provides them). */
export interface ArtifactKeys {
  /** The key new objects are sealed with, made on first use. */
  currentKey(): Promise<{ id: string; key: Buffer }>;
  /** A key by the id a sealed object names; undefined when the workspace has no such key. */
  keyById(id: string): Promise<Buffer | undefined>;
}

export interface EncryptedArtifactStoreOptions {
  workspace: string;
  keys: ArtifactKeys;
  /** Asked before every write: false stores that write as plaintext. Reads take either form. Default: always encrypt. */
  shouldEncrypt?: () => Promise<boolean>;
  /** Plaintext bytes per sealed chunk (tests use small ones). */
  chunkSize?: number;
}

/**
 * Which workspaces keep their artifacts encrypted at rest, from the workspace's Azure ML YAML: one
 * with `hbi_workspace: true` ("high business impact", for which Azure encrypts more) or with a
 * `customer_managed_key` (its data key is then wrapped by that key). Changing it later changes only
 * new writes; objects already stored stay in the form they were written in, and both forms read.
 */
export function requiresEncryptedArtifacts(spec: {
  hbi_workspace?: boolean | undefined;
  customer_managed_key?: object | undefined;
}): boolean {
  return spec.hbi_workspace === true || spec.customer_managed_key !== undefined;
}

/** One object of the store underneath, as this store reads it: a named object, or content by digest. */
interface StoredObject {
  what: string;
  /** What the sealing binds the object to: `object:<path>` or `content:<digest>`. */
  identity: string;
  stat(): Promise<{ size: number; modifiedAt?: Date } | undefined>;
  open(range?: ByteRange): Promise<Readable>;
}

/**
 * Any ArtifactStore (the local filesystem, an Azure Blob container, an S3 bucket) with every byte written
 * to it sealed by the workspace's data key (chunked AES-256-GCM, see chunked-cipher.ts); the store
 * underneath keeps its own atomic writes, so its temp files and uploads in flight are sealed too.
 * Content keeps the address of its plaintext digest, so uploads dedupe and client digests match;
 * sizes reported are plaintext sizes. Objects without the sealed header are read as they are: those
 * stored before the workspace asked for encryption. Range reads decrypt only the chunks they cover.
 * A read racing a replace of the same object fails (ArtifactUnreadable) rather than mixing the two:
 * every chunk is bound to its object's header.
 */
export class EncryptedArtifactStore implements ArtifactStore {
  readonly #inner: ArtifactStore;
  readonly #options: EncryptedArtifactStoreOptions;

  constructor(inner: ArtifactStore, options: EncryptedArtifactStoreOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  async putContent(source: Readable, options: PutContentOptions = {}): Promise<PutContentResult> {
    if (!(await this.#shouldEncrypt())) return this.#inner.putContent(source, options);
    const expected = options.expectedDigest;
    if (expected !== undefined) parseContentDigest(expected);
    const plaintext = new DigestingStream(options.maxBytes);
    // The address is the plaintext's digest, known only once the last byte has passed the hasher.
    const sealed = await this.#sealed(source, plaintext, () => `content:${plaintext.digest}`);
    const stored = await this.#inner.putContent(sealed, {
      storeAs: () => {
        if (expected !== undefined && plaintext.digest !== expected) throw digestMismatch(expected, plaintext.digest);
        return plaintext.digest;
      },
    });
    return { digest: plaintext.digest, size: plaintext.size, isNew: stored.isNew };
  }

  async openContent(digest: string, range?: ByteRange): Promise<Readable> {
    return this.#open(this.#content(digest), range);
  }

  async hasContent(digest: string): Promise<{ size: number } | undefined> {
    const file = await this.#stat(this.#content(digest));
    return file && { size: file.size };
  }

  deleteContent(digest: string): Promise<boolean> {
    return this.#inner.deleteContent(digest);
  }

  async put(path: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    if (!(await this.#shouldEncrypt())) return this.#inner.put(path, source, options);
    const key = validateArtifactPath(path);
    const plaintext = new DigestingStream(options.maxBytes);
    // The store underneath writes the sealed bytes atomically; the limit applies to the plaintext.
    // The digest that counts is the plaintext's, taken above: the store underneath only counts the sealed bytes.
    await this.#inner.put(key, await this.#sealed(source, plaintext, () => `object:${key}`), { unhashed: true });
    return { size: plaintext.size, digest: plaintext.digest };
  }

  async open(path: string, range?: ByteRange): Promise<Readable> {
    return this.#open(this.#object(validateArtifactPath(path)), range);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const file = await this.#stat(this.#object(validateArtifactPath(path)));
    return file && { size: file.size, modifiedAt: file.modifiedAt ?? new Date(0) };
  }

  async list(prefix: string, options?: ListOptions): Promise<ArtifactListing> {
    const listing = await this.#inner.list(prefix, options);
    const items: ArtifactListItem[] = [];
    // A page holds up to 1000 objects: read their headers a few at a time, not 1000 at once.
    for (let at = 0; at < listing.items.length; at += 32) {
      const batch = listing.items.slice(at, at + 32).map(async (item) => {
        if (item.isDirectory) return item;
        // Deleted since it was listed: keep what the listing saw.
        const file = await this.#stat(this.#object(item.path));
        return file ? { ...item, size: file.size } : item;
      });
      items.push(...(await Promise.all(batch)));
    }
    return { ...listing, items };
  }

  delete(path: string): Promise<boolean> {
    return this.#inner.delete(path);
  }

  deleteAll(): Promise<void> {
    return this.#inner.deleteAll();
  }

  #shouldEncrypt(): Promise<boolean> {
    return this.#options.shouldEncrypt?.() ?? Promise.resolve(true);
  }

  #object(key: string): StoredObject {
    return {
      what: `artifact '${key}'`,
      identity: `object:${key}`,
      stat: () => this.#inner.stat(key),
      open: (range) => this.#inner.open(key, range),
    };
  }

  #content(digest: string): StoredObject {
    parseContentDigest(digest);
    return {
      what: `content ${digest}`,
      identity: `content:${digest}`,
      stat: () => this.#inner.hasContent(digest),
      open: (range) => this.#inner.openContent(digest, range),
    };
  }

  /** `source` through `plaintext` (hashing, counting, limiting) and then the sealing stream; errors of any reach the end. */
  async #sealed(source: Readable, plaintext: DigestingStream, identity: () => string): Promise<Readable> {
    const { id, key } = await this.#options.keys.currentKey();
    const sealing = createSealingStream({ key, keyId: id, scope: this.#options.workspace, identity, chunkSize: this.#options.chunkSize });
    return pipeline(source, plaintext, sealing, () => {
      // A failure destroys every stream with it; whoever reads the sealed end sees the error.
    });
  }

  async #open(object: StoredObject, range: ByteRange | undefined): Promise<Readable> {
    const stored = await object.stat();
    if (stored === undefined) throw artifactNotFound(object.what);
    const source = storedObjectSource(stored.size, (span) => object.open(span));
    try {
      const opened = await this.#sealing(source, object.what);
      if (!opened) {
        source.close();
        return await object.open(range);
      }
      const sealed = await openSealedObject(source, opened.header, {
        key: opened.key,
        scope: this.#options.workspace,
        identity: object.identity,
        what: object.what,
      });
      const span = range === undefined ? undefined : resolveByteRange(range, sealed.size);
      const stream = Readable.from(sealed.read(span), { objectMode: false });
      stream.once('close', () => source.close());
      return stream;
    } catch (error) {
      source.close();
      throw error;
    }
  }

  /** Plaintext size and modification time of an object, or undefined when there is none. */
  async #stat(object: StoredObject): Promise<{ size: number; modifiedAt?: Date | undefined } | undefined> {
    const stored = await object.stat();
    if (stored === undefined) return undefined;
    const source = storedObjectSource(stored.size, (span) => object.open(span));
    try {
      const opened = await this.#sealing(source, object.what);
      return { size: opened ? plaintextSizeOf(opened.header, stored.size, object.what) : stored.size, modifiedAt: stored.modifiedAt };
    } finally {
      source.close();
    }
  }

  /**
   * The header of a sealed object and the data key that opens it; undefined for a plaintext one.
   * A file of a workspace that does not encrypt, whose bytes merely start as a sealed object's do
   * (an upload of one, say) but name no data key of the workspace, is plaintext too; in a
   * workspace that encrypts, that is a damaged or foreign object (ArtifactUnreadable).
   */
  async #sealing(source: SealedSource, what: string): Promise<{ header: SealedHeader; key: Buffer } | undefined> {
    let header: SealedHeader | undefined;
    try {
      header = await readSealedHeader(source, what);
    } catch (error) {
      if (isTrellisError(error) && !(await this.#shouldEncrypt())) return undefined;
      throw error;
    }
    if (!header) return undefined;
    const key = await this.#options.keys.keyById(header.keyId);
    if (key) return { header, key };
    if (!(await this.#shouldEncrypt())) return undefined;
    throw artifactUnreadable(
      what,
      `it was sealed with data key '${header.keyId}', which workspace '${this.#options.workspace}' does not have`,
    );
  }
}
