import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../core/errors.js';
import { artifactPathProblem, compareArtifactPaths, validateArtifactPath, validateArtifactPrefix } from './artifact-path.js';

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal(error.code, 'InvalidArtifactPath');
    assert.equal(error.status, 400);
    return error.message;
  }
  assert.fail('expected InvalidArtifactPath');
}

describe('artifact paths', () => {
  it('accepts relative, slash-separated keys', () => {
    for (const path of ['a', 'outputs/model.pkl', 'dir with spaces/ü.txt', '.hidden/x', 'a/.../b', 'metrics:loss', '日本/語']) {
      assert.equal(validateArtifactPath(path), path);
    }
  });

  it('refuses anything a filesystem would interpret or rewrite', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /is empty/],
      ['../x', /'\.\.' segment/],
      ['a/../../b', /'\.\.' segment/],
      ['a/..', /'\.\.' segment/],
      ['./a', /'\.' segment/],
      ['a/./b', /'\.' segment/],
      ['/etc/passwd', /absolute/],
      ['C:\\x', /backslash/],
      ['C:/x', /drive letter/],
      ['c:x', /drive letter/],
      ['a\\b', /backslash/],
      ['a\0b', /control character/],
      ['a\nb', /control character/],
      ['a\u0085b', /control character/],
      ['a//b', /empty segment/],
      ['a/', /empty segment/],
      ['a\ud800b', /surrogate/],
      ['x'.repeat(1025), /1025 characters long; the limit is 1024/],
      [`${'é'.repeat(128)}/b`, /longer than 255 bytes/],
    ];
    for (const [path, expected] of cases) {
      const message = refusal(() => validateArtifactPath(path));
      assert.match(message, expected, `for ${JSON.stringify(path)}`);
      assert.match(message, /use a relative path of '\/'-separated names/);
    }
  });

  it('shows the offending path escaped and cut short in the message', () => {
    assert.match(
      refusal(() => validateArtifactPath('a\0b')),
      /"a\\u0000b"/,
    );
    assert.ok(refusal(() => validateArtifactPath('y'.repeat(2000))).length < 400);
  });

  it('reports a problem without throwing', () => {
    assert.equal(artifactPathProblem('ok/path'), undefined);
    assert.equal(artifactPathProblem('a//b'), "has an empty segment ('//' or a trailing '/')");
  });

  it('takes a folder prefix with or without a trailing slash, and the empty root', () => {
    assert.equal(validateArtifactPrefix(''), '');
    assert.equal(validateArtifactPrefix('runs/1'), 'runs/1');
    assert.equal(validateArtifactPrefix('runs/1/'), 'runs/1');
    for (const prefix of ['/', 'runs//', '../runs', '/etc', 'a\0']) refusal(() => validateArtifactPrefix(prefix));
  });

  it('orders keys by UTF-8 bytes, as blob stores list them', () => {
    // In UTF-8, U+FF61 (EF BD A1) sorts before U+1F600 (F0 9F 98 80).
    const keys = ['b', 'a/b', 'a-b', '\u{1F600}', '\uFF61', 'a'];
    assert.deepEqual(keys.sort(compareArtifactPaths), ['a', 'a-b', 'a/b', 'b', '\uFF61', '\u{1F600}']);
    // UTF-16 order differs: the surrogate pair of U+1F600 (D83D) sorts before U+FF61.
    assert.deepEqual(['\uFF61', '\u{1F600}'].sort(), ['\u{1F600}', '\uFF61']);
  });
});
