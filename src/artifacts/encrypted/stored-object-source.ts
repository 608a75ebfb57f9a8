import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { ByteRange } from '../byte-range.js';
import type { SealedSource } from './chunked-cipher.js';

/** Reads up to this many bytes ask for exactly those bytes: a header, a trailer. */
const SMALL_READ_BYTES = 64 * 1024;
/** A larger read opens a window of the object this long (or as long as the read), which the reads after it take from. */
const WINDOW_BYTES = 16 * 1024 * 1024;

/** A SealedSource that must be closed: it may hold an open stream of the object. */
export interface ClosableSealedSource extends SealedSource {
  /** Ends the open window, if any; safe to call more than once. */
  close(): void;
}

interface Window {
  stream: Readable;
  chunks: AsyncIterator<Buffer>;
  /** The object's position of the next byte the window gives, and of its last. */
  next: number;
  end: number;
  pending: Buffer;
  isDone: boolean;
}

/**
 * Random-access reads of a stored object of `size` bytes through its store's ranged open (a file, a blob
 * with range requests), for openSealedObject. Sealed chunks are read in order, a megabyte at a time: a read
 * that goes on where the last one stopped takes its bytes from the window that one opened, so a whole
 * object streams through one request per window rather than one per read. Every open asks for a bounded
 * range, so a read of a few bytes in the middle of a large object never fetches the rest of it.
 */
export function storedObjectSource(size: number, open: (range: ByteRange) => Promise<Readable>): ClosableSealedSource {
  let window: Window | undefined;

  const close = () => {
    window?.stream.destroy();
    window = undefined;
  };

  /** Up to `length` bytes from the window at its position; fewer only when its stream ended. */
  const take = async (current: Window, length: number): Promise<Buffer> => {
    while (current.pending.length < length && !current.isDone) {
      const step = await current.chunks.next();
      if (step.done) current.isDone = true;
      else current.pending = current.pending.length === 0 ? step.value : Buffer.concat([current.pending, step.value]);
    }
    const bytes = current.pending.subarray(0, Math.min(length, current.pending.length));
    current.pending = current.pending.subarray(bytes.length);
    current.next += bytes.length;
    if (current.isDone && current.pending.length === 0) close();
    return bytes;
  };

  return {
    size,
    close,
    async read(position, length) {
      const wanted = Math.max(0, Math.min(length, size - position));
      if (wanted === 0) return Buffer.alloc(0);
      if (wanted <= SMALL_READ_BYTES && window?.next !== position)
        return buffer(await open({ start: position, end: position + wanted - 1 }));
      const pieces: Buffer[] = [];
      let at = position;
      while (at < position + wanted) {
        const left = position + wanted - at;
        if (window?.next !== at) {
          close();
          const end = Math.min(size, at + Math.max(left, WINDOW_BYTES)) - 1;
          const stream = await open({ start: at, end });
          window = { stream, chunks: stream[Symbol.asyncIterator](), next: at, end, pending: Buffer.alloc(0), isDone: false };
        }
        const current = window;
        const piece = await take(current, left);
        pieces.push(piece);
        at += piece.length;
        // The stream ended before its range did: the object is shorter than it was stored with. Give what there is;
        // the caller says it is cut short.
        if (piece.length === 0 || (current.isDone && current.next <= current.end)) break;
      }
      return pieces.length === 1 ? (pieces[0] ?? Buffer.alloc(0)) : Buffer.concat(pieces);
    },
  };
}
