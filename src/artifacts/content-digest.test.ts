import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { isTrellisError } from '../core/errors.js';
import { resolveByteRange } from './byte-range.js';
import { DigestingStream, isContentDigest, parseContentDigest } from './content-digest.js';

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('content digests', () => {
  it('parses sha256:<hex> and refuses anything else with InvalidDigest', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(parseContentDigest(`sha256:${hex}`), hex);
    assert.ok(isContentDigest(`sha256:${hex}`));
    for (const bad of ['', hex, `md5:${hex}`, `sha256:${hex.toUpperCase()}`, `sha256:${hex}0`, 'sha256:../../x']) {
      assert.equal(isContentDigest(bad), false);
      assert.throws(
        () => parseContentDigest(bad),
        (error) => isTrellisError(error) && error.code === 'InvalidDigest',
      );
    }
  });

  it('hashes and counts what passes through', async () => {
    const hasher = new DigestingStream();
    await pipeline(Readable.from([Buffer.from('hello '), 'world']), hasher, sink());
    assert.equal(hasher.size, 11);
    assert.equal(hasher.digest, `sha256:${createHash('sha256').update('hello world').digest('hex')}`);
  });

  it('stops an endless source at the first chunk past maxBytes', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled += 1;
          yield Buffer.alloc(1024);
        }
      })(),
    );
    await assert.rejects(pipeline(endless, new DigestingStream(10_000), sink()), (error) => {
      return isTrellisError(error) && error.code === 'ArtifactTooLarge' && error.status === 413;
    });
    assert.ok(pulled < 100, `pulled ${pulled} chunks`);
    assert.ok(endless.destroyed);
  });
});

describe('byte ranges', () => {
  it('clamps the end and refuses ranges past the end (416) or malformed (400)', () => {
    assert.deepEqual(resolveByteRange({ start: 2 }, 10), { start: 2, end: 9 });
    assert.deepEqual(resolveByteRange({ start: 2, end: 99 }, 10), { start: 2, end: 9 });
    assert.deepEqual(resolveByteRange({ start: 9, end: 9 }, 10), { start: 9, end: 9 });
    const status = (start: number, end?: number) => {
      try {
        resolveByteRange(end === undefined ? { start } : { start, end }, 10);
      } catch (error) {
        return isTrellisError(error) ? `${error.status} ${error.code}` : 'not a TrellisError';
      }
      return 'accepted';
    };
    assert.equal(status(10), '416 RangeNotSatisfiable');
    assert.equal(status(-1), '400 InvalidRange');
    assert.equal(status(1.5), '400 InvalidRange');
    assert.equal(status(5, 4), '400 InvalidRange');
  });
});
