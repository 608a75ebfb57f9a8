import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatContentUri, parseContentUri } from './content-uri.js';

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
  it('returns undefined for anything else', () => {
    assert.equal(parseContentUri('https://example.com/x.csv'), undefined);
    assert.equal(parseContentUri('trellis://content/sha256:short/x'), undefined);
  });
});
