/**
 * The sealed form of an artifact at rest: chunked AES-256-GCM (node:crypto), so an object of any
 * size streams through in constant memory and a byte range decrypts only the chunks it covers.
 *
 *   header   magic `\x89TRLSENC` | version 1 | chunk size (u32) | key id length (u8) | key id |
 *            object id (16 random bytes) | nonce prefix (8 random bytes)
 *   chunks   each `chunk size` bytes of plaintext sealed alone: ciphertext | 16-byte tag; the last
 *            is shorter (empty only for an empty object). Nonce: prefix | chunk index (u32 BE).
 *            Additional data: the scope (workspace), the whole header, the index and a last-chunk
 *            flag, so chunks cannot be reordered, dropped, cut short or moved between objects.
 *   trailer  a 16-byte tag over no plaintext binding the header to the object's identity (its
 *            path or content digest) and its plaintext size, so a whole file moved to another
 *            name, or truncated at a chunk boundary, does not open. It is written last because a
 *            content digest is known only once every byte has passed.
 *
 * Chunk i starts at header + i × (chunk size + 16); the plaintext size follows from the file size.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TrellisError } from '../../core/errors.js';

/** The first bytes of every sealed object; anything else is an object stored before encryption. */
export const SEALED_MAGIC = Buffer.from([0x89, ...Buffer.from('TRLSENC', 'ascii')]);
/** Plaintext bytes per chunk. */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;
/** How many bytes a read of sealed chunks asks the file for at once. */
const readBytes = 1024 * 1024;
const VERSION = 1;
const TAG_BYTES = 16;
const OBJECT_ID_BYTES = 16;
const NONCE_PREFIX_BYTES = 8;
const KEY_BYTES = 32;
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
// The index the trailer's nonce uses; no chunk may have it.
const TRAILER_INDEX = 0xffffffff;
const FIXED_HEADER_BYTES = SEALED_MAGIC.length + 1 + 4 + 1;
/** The most bytes a header can take, to read it in one go. */
export const MAX_HEADER_BYTES = FIXED_HEADER_BYTES + 255 + OBJECT_ID_BYTES + NONCE_PREFIX_BYTES;

/** Who may open an object and which object it is; both must match at encryption and decryption. */
export interface SealContext {
  /** The space the key belongs to, e.g. the workspace name. */
  scope: string;
  /** The object's name, e.g. `object:runs/1/model.pkl` or `content:sha256:…`; asked for once the last byte has passed. */
  identity: () => string;
}

export interface SealOptions extends SealContext {
  key: Buffer;
  keyId: string;
  chunkSize?: number;
}

/** A parsed header: where the chunks start, and what opens them. */
export interface SealedHeader {
  bytes: Buffer;
  keyId: string;
  chunkSize: number;
  noncePrefix: Buffer;
}

/** Random-access reads of a stored sealed object: a file handle, a blob with range requests. */
export interface SealedSource {
  /** Bytes in the stored (sealed) object. */
  size: number;
  /** Up to `length` bytes from `position`; fewer only at the end. */
  read(position: number, length: number): Promise<Buffer>;
}

/** 500: the stored object is not what was written: altered, cut short, moved, or sealed with a key this space lacks. */
export function artifactUnreadable(what: string, why: string, cause?: unknown): TrellisError {
  return new TrellisError(
    'ArtifactUnreadable',
    500,
    `${what} cannot be decrypted: ${why}; it was altered or damaged on disk, or moved from elsewhere — restore it from a backup, or delete and upload it again`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * A Transform that seals the plaintext written to it into the format above. Holds at most one
 * chunk; the trailer asks `identity()` in flush, after every upstream stream has flushed.
 */
export function createSealingStream(options: SealOptions): Transform {
  return new SealingStream(options);
}

class SealingStream extends Transform {
  readonly #options: SealOptions;
  readonly #header: Buffer;
  readonly #noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
  readonly #chunkSize: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #index = 0;
  #plaintextBytes = 0;

  constructor(options: SealOptions) {
    super();
    checkKey(options.key);
    const keyId = Buffer.from(options.keyId, 'utf8');
    if (keyId.length < 1 || keyId.length > 255) throw new RangeError('a data key id is 1 to 255 bytes');
    this.#chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(this.#chunkSize) || this.#chunkSize < 1 || this.#chunkSize > MAX_CHUNK_SIZE)
      throw new RangeError(`a chunk size is 1 to ${MAX_CHUNK_SIZE} bytes`);
    this.#options = options;
    const fixed = Buffer.alloc(FIXED_HEADER_BYTES);
    SEALED_MAGIC.copy(fixed);
    fixed.writeUInt8(VERSION, SEALED_MAGIC.length);
    fixed.writeUInt32BE(this.#chunkSize, SEALED_MAGIC.length + 1);
    fixed.writeUInt8(keyId.length, SEALED_MAGIC.length + 5);
    this.#header = Buffer.concat([fixed, keyId, randomBytes(OBJECT_ID_BYTES), this.#noncePrefix]);
    this.push(this.#header);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      // Keep a full chunk back until more arrives: only then is it known not to be the last.
      if (this.#pendingBytes > this.#chunkSize) {
        // Joined once, then sealed chunk by chunk from views of it (no copy per chunk).
        const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
        let offset = 0;
        while (all.length - offset > this.#chunkSize) {
          this.#sealChunk(all.subarray(offset, offset + this.#chunkSize), false);
          offset += this.#chunkSize;
        }
        this.#pending = [all.subarray(offset)];
        this.#pendingBytes = all.length - offset;
      }
      callback();
    } catch (error) {
      callback(error instanceof Error ? error : new Error(String(error)));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#sealChunk(Buffer.concat(this.#pending), true);
      this.#pending = [];
      const { key, scope, identity } = this.#options;
      this.push(trailerTag(key, this.#header, this.#noncePrefix, scope, identity(), this.#plaintextBytes));
      callback();
    } catch (error) {
      callback(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #sealChunk(plaintext: Buffer, isLast: boolean): void {
    if (this.#index >= TRAILER_INDEX) throw new RangeError('an object has too many chunks to seal');
    const cipher = createCipheriv('aes-256-gcm', this.#options.key, nonce(this.#noncePrefix, this.#index), { authTagLength: TAG_BYTES });
    cipher.setAAD(chunkData(this.#options.scope, this.#header, this.#index, isLast));
    // Three pushes rather than one joined copy: the file stream writes them as they come.
    this.push(cipher.update(plaintext));
    const rest = cipher.final();
    if (rest.length > 0) this.push(rest);
    this.push(cipher.getAuthTag());
    this.#index += 1;
    this.#plaintextBytes += plaintext.length;
  }
}

/** Whether `prefix` (the first bytes of a stored object) starts the sealed form. */
export function isSealed(prefix: Buffer): boolean {
  return prefix.length >= SEALED_MAGIC.length && prefix.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

/**
 * Parses the header at the start of `source`; undefined when the object is not in the sealed form
 * (stored as plaintext). Throws ArtifactUnreadable for a sealed object with a damaged header.
 */
export async function readSealedHeader(source: SealedSource, what: string): Promise<SealedHeader | undefined> {
  const start = await source.read(0, Math.min(source.size, MAX_HEADER_BYTES));
  if (!isSealed(start)) return undefined;
  if (start.length < FIXED_HEADER_BYTES) throw artifactUnreadable(what, 'its header is cut short');
  const version = start.readUInt8(SEALED_MAGIC.length);
  if (version !== VERSION)
    throw artifactUnreadable(what, `it is sealed in format version ${version}, which this Trellis does not read (it reads ${VERSION})`);
  const chunkSize = start.readUInt32BE(SEALED_MAGIC.length + 1);
  const keyIdLength = start.readUInt8(SEALED_MAGIC.length + 5);
  const length = FIXED_HEADER_BYTES + keyIdLength + OBJECT_ID_BYTES + NONCE_PREFIX_BYTES;
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE || keyIdLength < 1 || start.length < length)
    throw artifactUnreadable(what, 'its header is damaged');
  const bytes = Buffer.from(start.subarray(0, length));
  return {
    bytes,
    keyId: bytes.subarray(FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + keyIdLength).toString('utf8'),
    chunkSize,
    noncePrefix: bytes.subarray(length - NONCE_PREFIX_BYTES),
  };
}

/** A sealed object whose identity checked out: its plaintext size, and its bytes by range. */
export interface OpenedSealedObject {
  size: number;
  /** Plaintext bytes `start` through `end` (inclusive, within the size), or all of them; each chunk is checked before any of it is yielded. */
  read(range?: { start: number; end: number }): AsyncGenerator<Buffer>;
}

/** The plaintext size of a sealed object of `storedSize` bytes with `header`; throws ArtifactUnreadable when no sealing makes that size. */
export function plaintextSizeOf(header: SealedHeader, storedSize: number, what: string): number {
  return requireLayout(header, storedSize, what).size;
}

/**
 * Checks the trailer of a sealed object against `context` (throws ArtifactUnreadable when it was
 * moved, truncated or altered) and returns a reader of its chunks. Reads only the header and trailer.
 */
export async function openSealedObject(
  source: SealedSource,
  header: SealedHeader,
  options: { key: Buffer; scope: string; identity: string; what: string },
): Promise<OpenedSealedObject> {
  checkKey(options.key);
  const { key, scope, identity, what } = options;
  const layout = requireLayout(header, source.size, what);
  const size = layout.size;
  const stored = await source.read(source.size - TAG_BYTES, TAG_BYTES);
  const expected = trailerTag(key, header.bytes, header.noncePrefix, scope, identity, size);
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected))
    throw artifactUnreadable(what, 'it belongs to another object, or was altered or cut short');
  const sealedChunk = header.chunkSize + TAG_BYTES;
  return {
    size,
    async *read(range) {
      const first = range === undefined ? 0 : Math.floor(range.start / header.chunkSize);
      const last = range === undefined ? layout.chunks - 1 : Math.floor(range.end / header.chunkSize);
      // Read a run of chunks at a time (about 1 MiB), then open them one by one from views of it.
      const perRead = Math.max(1, Math.floor(readBytes / sealedChunk));
      let block: { first: number; bytes: Buffer } | undefined;
      for (let index = first; index <= last; index += 1) {
        const isLast = index === layout.chunks - 1;
        const length = isLast ? layout.lastSealedBytes : sealedChunk;
        if (!block || index >= block.first + perRead) {
          const count = Math.min(perRead, last - index + 1);
          const through = index + count - 1;
          const blockLength = (count - 1) * sealedChunk + (through === layout.chunks - 1 ? layout.lastSealedBytes : sealedChunk);
          block = { first: index, bytes: await source.read(header.bytes.length + index * sealedChunk, blockLength) };
        }
        const start = (index - block.first) * sealedChunk;
        const bytes = block.bytes.subarray(start, start + length);
        if (bytes.length !== length) throw artifactUnreadable(what, `chunk ${index} is cut short`);
        const plaintext = openChunk(key, scope, header, index, isLast, bytes, what);
        const offset = index * header.chunkSize;
        const from = range === undefined ? 0 : Math.max(0, range.start - offset);
        const to = range === undefined ? plaintext.length : Math.min(plaintext.length, range.end - offset + 1);
        if (to > from) yield plaintext.subarray(from, to);
      }
    },
  };
}

function openChunk(key: Buffer, scope: string, header: SealedHeader, index: number, isLast: boolean, bytes: Buffer, what: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce(header.noncePrefix, index), { authTagLength: TAG_BYTES });
  decipher.setAAD(chunkData(scope, header.bytes, index, isLast));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    // Nothing of the chunk leaves here until final() has checked its tag.
    const opened = decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES));
    const rest = decipher.final();
    return rest.length === 0 ? opened : Buffer.concat([opened, rest]);
  } catch (error) {
    throw artifactUnreadable(what, `chunk ${index} does not authenticate`, error);
  }
}

/** Chunk count, plaintext size and the sealed length of the last chunk; ArtifactUnreadable for a size no sealing makes. */
function requireLayout(header: SealedHeader, storedSize: number, what: string): { chunks: number; size: number; lastSealedBytes: number } {
  const impossible = () => artifactUnreadable(what, `its size (${storedSize} bytes) is not one a sealed object can have: it was cut short`);
  const body = storedSize - header.bytes.length - TAG_BYTES;
  if (body < TAG_BYTES) throw impossible();
  const sealedChunk = header.chunkSize + TAG_BYTES;
  const chunks = Math.max(1, Math.ceil(body / sealedChunk));
  const lastSealedBytes = body - (chunks - 1) * sealedChunk;
  // Only an empty object has an empty last chunk.
  if (lastSealedBytes < TAG_BYTES || (chunks > 1 && lastSealedBytes === TAG_BYTES)) throw impossible();
  return { chunks, size: body - chunks * TAG_BYTES, lastSealedBytes };
}

function nonce(prefix: Buffer, index: number): Buffer {
  const value = Buffer.alloc(NONCE_PREFIX_BYTES + 4);
  prefix.copy(value);
  value.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  return value;
}

function chunkData(scope: string, header: Buffer, index: number, isLast: boolean): Buffer {
  const position = Buffer.alloc(5);
  position.writeUInt32BE(index);
  position.writeUInt8(isLast ? 1 : 0, 4);
  return lengthPrefixed(['trellis-artifact-chunk/v1', scope, header, position]);
}

function trailerTag(key: Buffer, header: Buffer, noncePrefix: Buffer, scope: string, identity: string, size: number): Buffer {
  const sizeBytes = Buffer.alloc(8);
  sizeBytes.writeBigUInt64BE(BigInt(size));
  const cipher = createCipheriv('aes-256-gcm', key, nonce(noncePrefix, TRAILER_INDEX), { authTagLength: TAG_BYTES });
  cipher.setAAD(lengthPrefixed(['trellis-artifact-binding/v1', scope, header, identity, sizeBytes]));
  cipher.final();
  return cipher.getAuthTag();
}

// Length-prefixed fields, so no choice of names makes two different contexts the same bytes.
function lengthPrefixed(fields: Array<string | Buffer>): Buffer {
  return Buffer.concat(
    fields.flatMap((field) => {
      const bytes = typeof field === 'string' ? Buffer.from(field, 'utf8') : field;
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

function checkKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`a data key is ${KEY_BYTES} bytes, not ${key.length}`);
}
