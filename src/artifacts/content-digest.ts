import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { artifactTooLarge, invalidDigest } from './artifact-errors.js';

/**
 * Hashing and size limits for uploads, shared by every backend: bytes are hashed and counted
 * as they pass, so nothing is buffered and an oversized upload stops at the first chunk too many.
 */

/** True for a well-formed `sha256:<64 lowercase hex>` digest. */
export function isContentDigest(value: unknown): value is string {
  return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value);
}

/** Returns the hex part of a `sha256:<64 lowercase hex>` digest; throws InvalidDigest (400) otherwise. */
export function parseContentDigest(digest: string): string {
  if (typeof digest !== 'string' || !digest.startsWith('sha256:')) {
    throw invalidDigest(digest, "does not start with 'sha256:'");
  }
  const hex = digest.slice('sha256:'.length);
  if (!/^[0-9a-f]{64}$/.test(hex)) throw invalidDigest(digest, 'is not followed by 64 lowercase hex digits');
  return hex;
}

/**
 * A pass-through stream that hashes (sha256) and counts what flows through it, and fails with
 * ArtifactTooLarge (413) as soon as more than `maxBytes` arrive. Read `digest`/`size` after it ends.
 */
export class DigestingStream extends Transform {
  readonly #hash: Hash | undefined;
  readonly #maxBytes: number;
  #size = 0;
  #hex: string | undefined;

  /** `hash: false` only counts (and bounds): for bytes whose digest the caller takes elsewhere. */
  constructor(maxBytes = Number.POSITIVE_INFINITY, options: { hash?: boolean } = {}) {
    super();
    this.#hash = options.hash === false ? undefined : createHash('sha256');
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a number >= 0, got ${maxBytes}`);
    this.#maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.#maxBytes) {
      callback(artifactTooLarge(this.#maxBytes));
      return;
    }
    this.#hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#hex = this.#hash?.digest('hex') ?? '';
    callback();
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size;
  }

  /** `sha256:<hex>` of everything that passed; only once the stream has ended. */
  get digest(): string {
    if (this.#hex === undefined) throw new Error('DigestingStream: digest read before the stream ended');
    return `sha256:${this.#hex}`;
  }
}
