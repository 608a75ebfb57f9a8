import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { folderNameOf, formatContentUri, parseContentUri } from './content-uri.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('content URIs', () => {
  it('round-trips a file, keeping an unusual file name intact', () => {
    const uri = formatContentUri({ type: 'file', digest, fileName: 'my data.csv' });
    assert.equal(uri, `trellis://content/${digest}/my%20data.csv`);
    assert.deepEqual(parseContentUri(uri), { type: 'file', digest, fileName: 'my data.csv' });
  });
  it('round-trips a folder', () => {
    assert.deepEqual(parseContentUri(formatContentUri({ type: 'folder', digest })), { type: 'folder', digest });
  });
  it('round-trips a model folder with its own name, which the digest alone does not say', () => {
    const uri = formatContentUri({ type: 'folder', digest, folderName: 'my model' });
    assert.equal(uri, `trellis://folders/${digest}/my%20model`);
    assert.deepEqual(parseContentUri(uri), { type: 'folder', digest, folderName: 'my model' });
  });
  it('names a model folder after the last part of the path it was uploaded from', () => {
    assert.equal(folderNameOf('../../model-1/model/'), 'model');
    assert.equal(folderNameOf('file:models'), 'models');
    assert.equal(folderNameOf('.', 'binary-payloads'), 'binary-payloads');
    assert.equal(folderNameOf('..'), undefined);
    assert.equal(folderNameOf('.', '../escape'), undefined);
  });
  it('returns undefined for anything else', () => {
    assert.equal(parseContentUri('https://example.com/x.csv'), undefined);
    assert.equal(parseContentUri('trellis://content/sha256:short/x'), undefined);
    assert.equal(parseContentUri(`trellis://folders/${digest}/a/b`), undefined);
  });
});
