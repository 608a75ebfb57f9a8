import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { isTrellisError } from '../../core/errors.js';
import {
  createSealingStream,
  DEFAULT_CHUNK_SIZE,
  isSealed,
  openSealedObject,
  plaintextSizeOf,
  readSealedHeader,
  type SealedSource,
} from './chunked-cipher.js';

const key = randomBytes(32);
const scope = 'ws';

async function seal(plaintext: Buffer, options: { identity?: string; chunkSize?: number; pieces?: number } = {}): Promise<Buffer> {
  const pieces: Buffer[] = [];
  const step = Math.max(1, Math.ceil(plaintext.length / (options.pieces ?? 3)));
  for (let at = 0; at < plaintext.length; at += step) pieces.push(plaintext.subarray(at, at + step));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    createSealingStream({ key, keyId: 'dk-test', scope, identity: () => options.identity ?? 'object:a', chunkSize: options.chunkSize }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    },
  );
  return Buffer.concat(out);
}

function memory(sealed: Buffer): SealedSource {
  return { size: sealed.length, read: async (position, length) => Buffer.from(sealed.subarray(position, position + length)) };
}

async function unseal(
  sealed: Buffer,
  options: { identity?: string; range?: { start: number; end: number }; key?: Buffer; scope?: string } = {},
): Promise<Buffer> {
  const source = memory(sealed);
  const header = await readSealedHeader(source, 'artifact a');
  assert.ok(header, 'sealed form');
  const opened = await openSealedObject(source, header, {
    key: options.key ?? key,
    scope: options.scope ?? scope,
    identity: options.identity ?? 'object:a',
    what: 'artifact a',
  });
  return buffer(Readable.from(opened.read(options.range)));
}

/** Collects what a read yields before it fails, and the failure. */
async function unsealPartly(sealed: Buffer, range?: { start: number; end: number }): Promise<{ yielded: Buffer; error: unknown }> {
  const got: Buffer[] = [];
  try {
    const source = memory(sealed);
    const header = await readSealedHeader(source, 'artifact a');
    assert.ok(header);
    const opened = await openSealedObject(source, header, { key, scope, identity: 'object:a', what: 'artifact a' });
    for await (const chunk of opened.read(range)) got.push(chunk);
  } catch (error) {
    return { yielded: Buffer.concat(got), error };
  }
  return { yielded: Buffer.concat(got), error: undefined };
}

function assertUnreadable(error: unknown): void {
  assert.ok(isTrellisError(error), String(error));
  assert.equal(error.code, 'ArtifactUnreadable');
  assert.equal(error.status, 500);
  assert.match(error.message, /artifact a cannot be decrypted/);
}

describe('chunked cipher', () => {
  it('round-trips 0, 1, a chunk - 1, a chunk, a chunk + 1 and 1 MB of random bytes, with plaintext sizes from file sizes', async () => {
    for (const size of [0, 1, DEFAULT_CHUNK_SIZE - 1, DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE + 1, 1_000_000]) {
      const plaintext = randomBytes(size);
      const sealed = await seal(plaintext);
      assert.ok(isSealed(sealed));
      const header = await readSealedHeader(memory(sealed), 'a');
      assert.ok(header);
      assert.equal(plaintextSizeOf(header, sealed.length, 'a'), size, `size ${size}`);
      assert.ok(plaintext.length < 16 || !sealed.includes(plaintext.subarray(0, 16)), 'no plaintext in the sealed form');
      assert.ok((await unseal(sealed)).equals(plaintext), `round trip of ${size} bytes`);
    }
  });

  it('reads every range of a small object with small chunks, decrypting only the chunks it covers', async () => {
    const plaintext = randomBytes(50);
    const sealed = await seal(plaintext, { chunkSize: 7, pieces: 9 });
    for (let start = 0; start < plaintext.length; start += 1) {
      for (let end = start; end < plaintext.length; end += 1) {
        assert.ok((await unseal(sealed, { range: { start, end } })).equals(plaintext.subarray(start, end + 1)), `${start}-${end}`);
      }
    }
    // Reads only the header, the trailer and the chunks of the range.
    const reads: Array<[number, number]> = [];
    const source: SealedSource = {
      size: sealed.length,
      read: async (position, length) => {
        reads.push([position, length]);
        return Buffer.from(sealed.subarray(position, position + length));
      },
    };
    const header = await readSealedHeader(source, 'a');
    assert.ok(header);
    const opened = await openSealedObject(source, header, { key, scope, identity: 'object:a', what: 'a' });
    assert.ok((await buffer(Readable.from(opened.read({ start: 15, end: 16 })))).equals(plaintext.subarray(15, 17)));
    assert.deepEqual(reads.slice(2), [[header.bytes.length + 2 * 23, 23]]);
  });

  it('refuses a tampered byte, without yielding the bad chunk', async () => {
    const plaintext = randomBytes(3 * DEFAULT_CHUNK_SIZE);
    const sealed = await seal(plaintext);
    const header = await readSealedHeader(memory(sealed), 'a');
    assert.ok(header);
    const tampered = Buffer.from(sealed);
    const inSecondChunk = header.bytes.length + DEFAULT_CHUNK_SIZE + 16 + 100;
    tampered[inSecondChunk] = (tampered[inSecondChunk] ?? 0) ^ 1;
    const { yielded, error } = await unsealPartly(tampered);
    assertUnreadable(error);
    assert.match(String(error), /chunk 1 does not authenticate/);
    assert.ok(yielded.equals(plaintext.subarray(0, DEFAULT_CHUNK_SIZE)), 'only the good first chunk came out');
    // A range inside the bad chunk yields nothing at all.
    const ranged = await unsealPartly(tampered, { start: DEFAULT_CHUNK_SIZE + 5, end: DEFAULT_CHUNK_SIZE + 10 });
    assertUnreadable(ranged.error);
    assert.equal(ranged.yielded.length, 0);
    // The header is authenticated too.
    const badHeader = Buffer.from(sealed);
    badHeader[header.bytes.length - 1] = (badHeader[header.bytes.length - 1] ?? 0) ^ 1;
    assertUnreadable((await unsealPartly(badHeader)).error);
  });

  it('refuses a truncated last chunk, a dropped last chunk, and swapped chunks', async () => {
    const plaintext = randomBytes(2 * DEFAULT_CHUNK_SIZE + 500);
    const sealed = await seal(plaintext);
    const header = await readSealedHeader(memory(sealed), 'a');
    assert.ok(header);
    const h = header.bytes.length;
    const full = DEFAULT_CHUNK_SIZE + 16;
    const trailer = sealed.subarray(sealed.length - 16);

    const cut = Buffer.concat([sealed.subarray(0, sealed.length - 16 - 100), trailer]);
    assertUnreadable((await unsealPartly(cut)).error);
    const dropped = Buffer.concat([sealed.subarray(0, h + 2 * full), trailer]);
    assertUnreadable((await unsealPartly(dropped)).error);
    const droppedToo = sealed.subarray(0, h + 2 * full);
    assertUnreadable((await unsealPartly(droppedToo)).error);

    const chunk0 = sealed.subarray(h, h + full);
    const chunk1 = sealed.subarray(h + full, h + 2 * full);
    const swapped = Buffer.concat([sealed.subarray(0, h), chunk1, chunk0, sealed.subarray(h + 2 * full)]);
    const result = await unsealPartly(swapped);
    assertUnreadable(result.error);
    assert.equal(result.yielded.length, 0);
  });

  it('refuses a file moved to another object, another workspace, or opened with another key', async () => {
    const plaintext = randomBytes(1000);
    const sealed = await seal(plaintext, { identity: 'object:a' });
    await assert.rejects(unseal(sealed, { identity: 'object:b' }), (error) => {
      assertUnreadable(error);
      return true;
    });
    await assert.rejects(unseal(sealed, { scope: 'other' }), (error) => {
      assertUnreadable(error);
      return true;
    });
    await assert.rejects(unseal(sealed, { key: randomBytes(32) }), (error) => {
      assertUnreadable(error);
      return true;
    });
    // A chunk from another object of the same workspace and key does not open in this one.
    const other = await seal(randomBytes(1000), { identity: 'object:a' });
    const header = await readSealedHeader(memory(sealed), 'a');
    assert.ok(header);
    const spliced = Buffer.concat([sealed.subarray(0, header.bytes.length), other.subarray(header.bytes.length)]);
    assertUnreadable((await unsealPartly(spliced)).error);
  });

  it('treats bytes without the magic as plaintext, and the identity is asked for at the end', async () => {
    assert.equal(await readSealedHeader(memory(Buffer.from('plain text')), 'a'), undefined);
    assert.equal(await readSealedHeader(memory(Buffer.alloc(0)), 'a'), undefined);
    let asked = 0;
    const sealing = createSealingStream({
      key,
      keyId: 'dk-test',
      scope,
      identity: () => {
        asked += 1;
        return 'content:late';
      },
    });
    const out: Buffer[] = [];
    await pipeline(Readable.from([Buffer.from('abc')]), sealing, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    });
    assert.equal(asked, 1);
    assert.equal((await unseal(Buffer.concat(out), { identity: 'content:late' })).toString(), 'abc');
  });
});
