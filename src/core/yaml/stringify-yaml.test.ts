import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml } from './parse-yaml.js';
import { stringifyYaml } from './stringify-yaml.js';

describe('stringifyYaml', () => {
  it('round-trips through parseYaml: yes/no/on/off and number-like strings stay strings', () => {
    const document = {
      name: 'no',
      flags: { a: 'yes', b: 'on', c: 'Off', d: 'y' },
      version: '1.10',
      count: 2,
      enabled: true,
      list: ['n', 3],
    };
    assert.deepEqual(parseYaml(stringifyYaml(document), 'round-trip.yml').value, document);
  });
});
