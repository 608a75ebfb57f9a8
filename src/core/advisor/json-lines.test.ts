import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { FieldPath } from '../yaml/field-path.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { jsonLineLocator } from './json-lines.js';

/** Every path of a parsed JSON value, with a few that the text lacks below each. */
function pathsOf(value: unknown, prefix: FieldPath = []): FieldPath[] {
  const paths: FieldPath[] = [prefix, [...prefix, 'absent'], [...prefix, 7]];
  if (Array.isArray(value)) for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, index]));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

/** The lines the YAML reader gives the same text (JSON is YAML), which the locator must agree with. */
function assertAgreesWithYaml(text: string): void {
  const located = parseYaml(text, 'main.json');
  const locate = jsonLineLocator(text);
  for (const path of pathsOf(JSON.parse(text)))
    assert.equal(locate(path), located.locate(path).line, `line of ${JSON.stringify(path)} in ${text.slice(0, 60)}`);
}

describe('jsonLineLocator', () => {
  it('gives the line of the key, of a list item, and of the nearest parent for a path the text lacks, as the YAML reader does', () => {
    assertAgreesWithYaml(
      JSON.stringify(
        {
          $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
          resources: [
            { type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', properties: { publicNetworkAccess: 'Disabled' } },
            { type: 'x', name: 'ws/c', sku: { capacity: 3 }, properties: { list: [1, 2.5e3, true, null, [], {}, 'a,b]}'] } },
          ],
          'quoted "key"': 'with \\ escapes \n and \u00e9',
          '0': 'a numeric key',
          empty: {},
          none: [],
        },
        null,
        2,
      ),
    );
  });

  it('reads compact, irregularly spaced and CRLF text alike', () => {
    assertAgreesWithYaml('{"a":{"b":[1,{"c":2}]},"d":"e"}');
    assertAgreesWithYaml('\n\n  {\n"a" :\n\n  {"b"\n:\n[ 1 ,\n {"c"  : 2}\n]\n}\n,\t"d": "e"}\n');
    assertAgreesWithYaml(JSON.stringify({ resources: [{ type: 'x', properties: { a: [1, { b: 2 }] } }] }, null, '\t'));
    assertAgreesWithYaml('{\r\n  "a": {\r\n    "b": [\r\n      1\r\n    ]\r\n  }\r\n}\r\n');
  });

  it('reads the ARM fixture as the YAML reader does', () => {
    assertAgreesWithYaml(readFileSync(new URL('../../../test/fixtures/advisor/azuredeploy.json', import.meta.url), 'utf8'));
  });

  it('keeps no lines when an object repeats a key (the YAML reader refuses it)', () => {
    const text = '{\n  "a": 1,\n  "b": {\n    "c": 1,\n    "c": 2\n  }\n}\n';
    assert.throws(() => parseYaml(text, 'main.json'));
    const locate = jsonLineLocator(text);
    assert.equal(locate(['a']), undefined);
    assert.equal(locate([]), undefined);
  });
});
