import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadCachedBundle } from './cached-bundle.js';

describe('loadCachedBundle', () => {
  const folder = mkdtempSync(join(tmpdir(), 'trellis-cached-bundle-'));
  after(() => rmSync(folder, { recursive: true, force: true }));
  const bundle = join(folder, 'bundle.cjs');
  const answer = (exports: unknown) =>
    typeof exports === 'object' && exports !== null && 'answer' in exports ? exports.answer : undefined;

  it('runs a CommonJS bundle as require would, then with the code cache it saved', () => {
    writeFileSync(
      bundle,
      "const { basename } = require('node:path');\nexports.answer = () => `${basename(__filename)} ${typeof module.exports} first`;\n",
    );
    const first = loadCachedBundle(bundle);
    assert.equal(first.isCached, false, 'no cache yet');
    const run = answer(first.exports);
    assert.equal(typeof run === 'function' ? run() : undefined, 'bundle.cjs object first');
    first.saveCache();
    const second = loadCachedBundle(bundle);
    assert.equal(second.isCached, true, 'V8 takes the cache it made');
    const again = answer(second.exports);
    assert.equal(typeof again === 'function' ? again() : undefined, 'bundle.cjs object first');
  });

  it('finds no cache for a bundle rebuilt with other content of the same length', () => {
    writeFileSync(
      bundle,
      "const { basename } = require('node:path');\nexports.answer = () => `${basename(__filename)} ${typeof module.exports} other`;\n",
    );
    const rebuilt = loadCachedBundle(bundle);
    assert.equal(rebuilt.isCached, false, "the first bundle's cache is not taken");
    const run = answer(rebuilt.exports);
    assert.equal(typeof run === 'function' ? run() : undefined, 'bundle.cjs object other');
    assert.equal(readdirSync(folder).filter((name) => name.endsWith('.cache')).length, 1);
  });
});
