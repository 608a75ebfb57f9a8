import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResourceFile } from './parse-resource-file.js';
import { resourceFromFields } from './resource-from-fields.js';

describe('resourceFromFields', () => {
  it('validates with the schema of a file, defaults and all, without YAML text', () => {
    const built = resourceFromFields('compute', { name: 'serverless', type: 'amlcompute', size: 'Standard_DS3_v2' }, 'serverless compute');
    const parsed = parseResourceFile('name: serverless\ntype: amlcompute\nsize: Standard_DS3_v2\n', { fileName: 'c.yml' });
    assert.deepEqual(built, { ...parsed, notes: [] });
    assert.equal(built.spec.type, 'amlcompute');
  });

  it('leaves out undefined fields, as a YAML file would', () => {
    const built = resourceFromFields('model', { name: 'm', version: undefined, path: `trellis://folders/sha256:${'0'.repeat(64)}` }, 'm');
    assert.equal(built.version, null);
    assert.equal(built.spec.type, 'custom_model');
  });

  it('refuses what the schema refuses, naming what built it, with no line numbers', () => {
    assert.throws(
      () => resourceFromFields('data', { name: 'd', path: '' }, "output 'score' of job j1"),
      (error: Error) => /output 'score' of job j1/.test(error.message) && /path/.test(error.message) && !/line \d/.test(error.message),
    );
    assert.throws(() => resourceFromFields('data', { name: 'd', type: 'custom_model', path: 'x' }, 'a data asset'), /a data asset/);
  });
});
