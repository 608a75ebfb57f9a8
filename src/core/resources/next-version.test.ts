import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextVersion } from './next-version.js';

describe('nextVersion', () => {
  it('starts at 1', () => assert.equal(nextVersion([]), '1'));
  it('follows the highest whole number, not the last one created', () => assert.equal(nextVersion(['1', '10', '2']), '11'));
  it('ignores versions that are not whole numbers', () => assert.equal(nextVersion(['2024.06.1', 'v3', '4']), '5'));
});
