import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mlflowSafePath } from './safe-artifact-path.js';

describe("MLflow's artifact path check", () => {
  it('passes relative paths, decoded as MLflow decodes them', () => {
    assert.equal(mlflowSafePath('a.txt'), 'a.txt');
    assert.equal(mlflowSafePath('dir/sub/b.pkl'), 'dir/sub/b.pkl');
    assert.equal(mlflowSafePath('a%20b.txt'), 'a b.txt');
    assert.equal(mlflowSafePath('100%'), '100%');
    assert.equal(mlflowSafePath('dir/..a'), 'dir/..a');
  });

  it('writes control characters back as %XX, so a name like log_image writes keeps its form', () => {
    assert.equal(mlflowSafePath('dog%step%100%timestamp%100'), 'dog%step%100%timestamp%100');
  });

  it('refuses traversal, absolute paths, backslashes and fragments, encoded or not', () => {
    for (const path of [
      '../path',
      'a/../../b',
      '..',
      '%2e%2e/x',
      '%252e%252e/x',
      '/etc/passwd',
      '%2Fetc%2Fpasswd',
      'C:/Windows',
      'a\\b',
      '..\\x',
      'a#b',
      'file:///etc/passwd',
      '//host/share',
    ]) {
      assert.equal(mlflowSafePath(path), undefined, path);
    }
  });
});
