import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdentityCache } from './identity-cache.js';
import type { StoredToken } from './identity-repository.js';

const record: StoredToken = {
  id: 'tok_1',
  principal: 'alice',
  name: 'ci',
  kind: 'pat',
  workspace: null,
  identity: null,
  groups: [],
  createdBy: 'user:alice',
  createdAt: 0,
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
};

describe('IdentityCache', () => {
  it('remembers a lookup for its time to live, and forgets everything at a change', () => {
    let now = 1000;
    const cache = new IdentityCache(10_000, () => now);
    cache.rememberToken('h', record, cache.current());
    assert.equal(cache.token('h')?.id, 'tok_1');
    now += 10_001;
    assert.equal(cache.token('h'), undefined, 'past its time to live');
    cache.rememberToken('h', record, cache.current());
    cache.changed();
    assert.equal(cache.token('h'), undefined, 'a revocation forgets it');
  });

  it('does not remember a lookup that started before a change (it may have read the row before the revocation)', () => {
    const cache = new IdentityCache();
    const generation = cache.current();
    cache.changed();
    cache.rememberToken('h', record, generation);
    assert.equal(cache.token('h'), undefined);
    cache.rememberPrincipal({ name: 'alice', kind: 'user', displayName: null, createdBy: 'x', createdAt: 0 }, generation);
    assert.equal(cache.principal('alice'), undefined);
  });

  it('keeps the last use it is told of', () => {
    const cache = new IdentityCache();
    cache.rememberToken('h', record, cache.current());
    cache.touched('tok_1', 5000);
    assert.equal(cache.token('h')?.lastUsedAt, 5000);
  });
});
