import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../core/errors.js';
import { sha256Hex } from '../core/resources/digest.js';
import { canonicalManifestJson, createFolderManifest, folderManifestDigest, parseFolderManifest } from './folder-manifest.js';

const digestA = `sha256:${'a'.repeat(64)}`;
const digestB = `sha256:${'b'.repeat(64)}`;

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal(error.code, 'InvalidInput');
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  assert.fail('expected InvalidInput');
}

describe('folder manifests', () => {
  it('sorts files by path and keeps only path, digest and size', () => {
    const extra = { path: 'b.txt', digest: digestB, size: 2, mode: 0o644 } as never;
    const manifest = createFolderManifest([extra, { path: 'a/x.csv', digest: digestA, size: 1 }]);
    assert.deepEqual(manifest.files, [
      { path: 'a/x.csv', digest: digestA, size: 1 },
      { path: 'b.txt', digest: digestB, size: 2 },
    ]);
  });

  it('gives the same digest for the same folder, whatever the order, and a new one for any change', () => {
    const files = [
      { path: 'data/train.csv', digest: digestA, size: 10 },
      { path: 'data-2/x', digest: digestB, size: 3 },
      { path: 'README.md', digest: digestB, size: 3 },
    ];
    const digest = folderManifestDigest({ files });
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(folderManifestDigest({ files: [...files].reverse() }), digest);
    assert.notEqual(folderManifestDigest({ files: [{ ...files[0]!, size: 11 }, ...files.slice(1)] }), digest);
    assert.notEqual(folderManifestDigest({ files: [{ ...files[0]!, path: 'data/Train.csv' }, ...files.slice(1)] }), digest);
  });

  it('digests the canonical JSON, so storing that JSON as content gives the folder digest', () => {
    const manifest = { files: [{ size: 1, digest: digestA, path: 'z' }] };
    const json = canonicalManifestJson(manifest);
    assert.equal(json, `{"files":[{"digest":"${digestA}","path":"z","size":1}]}`);
    assert.equal(folderManifestDigest(manifest), `sha256:${sha256Hex(json)}`);
    assert.equal(folderManifestDigest({ files: [] }), `sha256:${sha256Hex('{"files":[]}')}`);
  });

  it('lists every bad entry, with artifact-path rules for paths', () => {
    const problems = problemsOf(() =>
      createFolderManifest([
        { path: '../escape', digest: digestA, size: 1 },
        { path: 'ok', digest: 'md5:abc', size: -1 },
        { path: 'ok', digest: digestA, size: 1.5 },
        { path: 'ok/inner', digest: digestA, size: 1 },
        { path: 'C:\\x', digest: digestA, size: 1 },
      ]),
    );
    assert.deepEqual(problems, [
      "/files/0/path: '../escape' has a '..' segment",
      '/files/1/digest: must look like sha256:<64 lowercase hex digits>',
      '/files/1/size: must be a whole number of bytes >= 0, got -1',
      "/files/2/path: 'ok' is listed twice",
      '/files/2/size: must be a whole number of bytes >= 0, got 1.5',
      "/files/3/path: 'ok/inner' is inside 'ok', which is a file",
      "/files/4/path: 'C:\\x' contains a backslash; separate folders with '/'",
    ]);
  });

  it('parses untrusted JSON through a schema first', () => {
    const manifest = parseFolderManifest(
      JSON.parse(`{"files":[{"path":"b","digest":"${digestB}","size":0},{"path":"a","digest":"${digestA}","size":4}]}`),
    );
    assert.deepEqual(
      manifest.files.map((file) => file.path),
      ['a', 'b'],
    );
    assert.deepEqual(problemsOf(() => parseFolderManifest({ files: [{ path: 'a', size: '1' }] })).length, 2);
    assert.ok(problemsOf(() => parseFolderManifest(null))[0]?.startsWith('/: '));
  });
});
