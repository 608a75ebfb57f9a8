import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { looksLikeTrellisToken, newToken, tokenHash, tokenKindOf } from './token-format.js';

describe('token format', () => {
  it('makes tokens with a recognisable prefix and a checksum that tells them from random strings', () => {
    const token = newToken('pat');
    assert.match(token, /^trls_pat_[0-9A-Za-z]{46}$/);
    assert.equal(tokenKindOf(token), 'pat');
    assert.equal(tokenKindOf(newToken('job')), 'job');
    assert.ok(looksLikeTrellisToken(token));
  });

  it('refuses a token with one character changed, a truncated one, and other strings', () => {
    const token = newToken('pat');
    const last = token.at(-1) === 'a' ? 'b' : 'a';
    assert.equal(tokenKindOf(token.slice(0, -1) + last), undefined);
    const middle = 20;
    const swapped = token.slice(0, middle) + (token[middle] === 'x' ? 'y' : 'x') + token.slice(middle + 1);
    assert.equal(tokenKindOf(swapped), undefined);
    assert.equal(tokenKindOf(token.slice(0, -2)), undefined);
    assert.equal(tokenKindOf('trls_pat_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'), undefined);
    assert.equal(tokenKindOf('eyJhbGciOiJSUzI1NiJ9.e30.sig'), undefined);
  });

  it('hashes with SHA-256 and never twice the same token', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newToken('pat')));
    assert.equal(tokens.size, 200);
    assert.equal(tokenHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
