import { link, open, realpath, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { hasCode, unlessMissing } from '../../core/error-codes.js';
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
import { LocalArtifactStore } from '../local/local-artifact-store.js';
import { assertInside, blobKey, ensureDirectory, syncDirectory, writeTemporaryFile } from '../local/local-files.js';
import {
  artifactUnreadable,
  createSealingStream,
  openSealedObject,
  plaintextSizeOf,
  readSealedHeader,
  type SealedHeader,
  type SealedSource,
} from './chunked-cipher.js';

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

/**
 * The local filesystem store (same layout, same atomic writes) with every byte it writes sealed by
 * the workspace's data key (chunked AES-256-GCM, see chunked-cipher.ts); temp files are sealed too.
 * Content keeps the address of its plaintext digest, so uploads dedupe and client digests match;
 * sizes reported are plaintext sizes. Objects without the sealed header are read as they are: those
 * stored before the workspace asked for encryption. Range reads decrypt only the chunks they cover.
 */
export class EncryptedArtifactStore implements ArtifactStore {
  readonly #local: LocalArtifactStore;
  readonly #root: string;
  readonly #options: EncryptedArtifactStoreOptions;

  constructor(root: string, options: EncryptedArtifactStoreOptions) {
    this.#root = resolve(root);
    this.#local = new LocalArtifactStore(this.#root);
    this.#options = options;
  }

  async putContent(source: Readable, options: PutContentOptions = {}): Promise<PutContentResult> {
    if (!(await this.#shouldEncrypt())) return this.#local.putContent(source, options);
    const expected = options.expectedDigest;
    if (expected !== undefined) parseContentDigest(expected);
    const plaintext = new DigestingStream(options.maxBytes);
    // The address is the plaintext's digest, known only once the last byte has passed the hasher.
    const sealed = await this.#sealed(source, plaintext, () => `content:${plaintext.digest}`);
    const temp = await writeTemporaryFile(join(this.#root, 'tmp'), sealed, undefined, { hash: false });
    try {
      if (expected !== undefined && plaintext.digest !== expected) throw digestMismatch(expected, plaintext.digest);
      const isNew = await this.#placeContent(blobKey(plaintext.digest), temp.tempPath, temp.size);
      return { digest: plaintext.digest, size: plaintext.size, isNew };
    } finally {
      await rm(temp.tempPath, { force: true });
    }
  }

  async openContent(digest: string): Promise<Readable> {
    return this.#openFile('blobs', blobKey(digest), undefined, `content ${digest}`, `content:${digest}`);
  }

  async hasContent(digest: string): Promise<{ size: number } | undefined> {
    const file = await this.#statFile('blobs', blobKey(digest), `content ${digest}`);
    return file && { size: file.size };
  }

  deleteContent(digest: string): Promise<boolean> {
    return this.#local.deleteContent(digest);
  }

  async put(path: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    if (!(await this.#shouldEncrypt())) return this.#local.put(path, source, options);
    const key = validateArtifactPath(path);
    const plaintext = new DigestingStream(options.maxBytes);
    // The local store writes the sealed bytes (temp file, fsync, rename); the limit applies to the plaintext.
    // The digest that counts is the plaintext's, taken above: the local store only counts the sealed bytes.
    await this.#local.put(key, await this.#sealed(source, plaintext, () => `object:${key}`), { unhashed: true });
    return { size: plaintext.size, digest: plaintext.digest };
  }

  async open(path: string, range?: ByteRange): Promise<Readable> {
    const key = validateArtifactPath(path);
    return this.#openFile('objects', key, range, `artifact '${key}'`, `object:${key}`);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const key = validateArtifactPath(path);
    const file = await this.#statFile('objects', key, `artifact '${key}'`);
    return file && { size: file.size, modifiedAt: file.modifiedAt };
  }

  async list(prefix: string, options?: ListOptions): Promise<ArtifactListing> {
    const listing = await this.#local.list(prefix, options);
    const items: ArtifactListItem[] = [];
    // A page holds up to 1000 objects: read their headers a few at a time, not 1000 open files at once.
    for (let at = 0; at < listing.items.length; at += 32) {
      const batch = listing.items.slice(at, at + 32).map(async (item) => {
        if (item.isDirectory) return item;
        // Deleted since it was listed: keep what the listing saw.
        const file = await this.#statFile('objects', item.path, `artifact '${item.path}'`);
        return file ? { ...item, size: file.size } : item;
      });
      items.push(...(await Promise.all(batch)));
    }
    return { ...listing, items };
  }

  delete(path: string): Promise<boolean> {
    return this.#local.delete(path);
  }

  deleteAll(): Promise<void> {
    return this.#local.deleteAll();
  }

  /** As LocalArtifactStore's: removes temp files writes killed mid-way left behind. */
  sweepTemporaryFiles(olderThanMs?: number): Promise<number> {
    return this.#local.sweepTemporaryFiles(olderThanMs);
  }

  #shouldEncrypt(): Promise<boolean> {
    return this.#options.shouldEncrypt?.() ?? Promise.resolve(true);
  }

  /** `source` through `plaintext` (hashing, counting, limiting) and then the sealing stream; errors of any reach the end. */
  async #sealed(source: Readable, plaintext: DigestingStream, identity: () => string): Promise<Readable> {
    const { id, key } = await this.#options.keys.currentKey();
    const sealing = createSealingStream({ key, keyId: id, scope: this.#options.workspace, identity, chunkSize: this.#options.chunkSize });
    return pipeline(source, plaintext, sealing, () => {
      // A failure destroys every stream with it; whoever reads the sealed end sees the error.
    });
  }

  /** The real path of `key` in an area, or undefined; InvalidArtifactPath when a link leads out of the area. */
  async #existing(area: 'objects' | 'blobs', key: string): Promise<string | undefined> {
    const areaPath = join(this.#root, area === 'objects' ? 'objects' : join('blobs', 'sha256'));
    const areaDir = await unlessMissing(realpath(areaPath));
    const real = areaDir === undefined ? undefined : await unlessMissing(realpath(join(areaDir, key)));
    if (areaDir === undefined || real === undefined) return undefined;
    return assertInside(areaDir, real, key);
  }

  async #openFile(area: 'objects' | 'blobs', key: string, range: ByteRange | undefined, what: string, identity: string): Promise<Readable> {
    const path = await this.#existing(area, key);
    const handle = path === undefined ? undefined : await unlessMissing(open(path, 'r'));
    if (handle === undefined) throw artifactNotFound(what);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw artifactNotFound(what);
      // Every read below uses this one handle, so a concurrent replace cannot mix two files.
      const source = fileSource(handle, stats.size);
      const opened = await this.#sealing(source, what);
      if (!opened) return handle.createReadStream(range === undefined ? {} : resolveByteRange(range, stats.size));
      const { header, key } = opened;
      const sealed = await openSealedObject(source, header, {
        key,
        scope: this.#options.workspace,
        identity,
        what,
      });
      const span = range === undefined ? undefined : resolveByteRange(range, sealed.size);
      const stream = Readable.from(sealed.read(span), { objectMode: false });
      stream.once('close', () => {
        handle.close().catch(() => {
          // Closing a read-only handle has nothing to lose; the stream's own outcome is what counts.
        });
      });
      return stream;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Plaintext size and modification time of a file, or undefined when there is none. */
  async #statFile(area: 'objects' | 'blobs', key: string, what: string): Promise<{ size: number; modifiedAt: Date } | undefined> {
    const path = await this.#existing(area, key);
    const handle = path === undefined ? undefined : await unlessMissing(open(path, 'r'));
    if (handle === undefined) return undefined;
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return undefined;
      const opened = await this.#sealing(fileSource(handle, stats.size), what);
      return { size: opened ? plaintextSizeOf(opened.header, stats.size, what) : stats.size, modifiedAt: stats.mtime };
    } finally {
      await handle.close();
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

  /** Gives a sealed temp file its content address unless that exists (as LocalArtifactStore does); true when new. */
  async #placeContent(key: string, tempPath: string, size: number): Promise<boolean> {
    const areaPath = join(this.#root, 'blobs', 'sha256');
    await ensureDirectory(join(areaPath, dirname(key)));
    const areaDir = await realpath(areaPath);
    const parent = assertInside(areaDir, await realpath(join(areaDir, dirname(key))), key);
    const target = join(parent, basename(key));
    let isNew = true;
    try {
      // link, unlike rename, fails if the name exists: exactly one of two concurrent writers is "new".
      await link(tempPath, target);
    } catch (error) {
      if (!hasCode(error, 'EEXIST', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP')) throw error;
      const existing = await unlessMissing(stat(target));
      isNew = existing === undefined;
      // Same name means same plaintext; replace a damaged copy (or one stored as plaintext before) with the sealed one.
      if (existing === undefined || existing.size !== size) await rename(tempPath, target);
    }
    await syncDirectory(parent);
    return isNew;
  }
}

function fileSource(handle: FileHandle, size: number): SealedSource {
  return {
    size,
    async read(position, length) {
      const bytes = Buffer.alloc(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return bytes.subarray(0, filled);
    },
  };
}
