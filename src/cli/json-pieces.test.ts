import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeJsonInPieces } from './json-pieces.js';

/** What writeJsonInPieces writes, joined, and how many pieces. */
function written(value: Record<string, unknown>, slice?: number): { text: string; pieces: number } {
  const pieces: string[] = [];
  writeJsonInPieces(value, (piece) => pieces.push(piece), slice);
  return { text: pieces.join(''), pieces: pieces.length };
}

const expected = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('writeJsonInPieces', () => {
  const check = (index: number) => ({
    ruleId: `TRL-COST-00${index % 7}`,
    resource: { kind: 'compute', name: `cpu-${index}`, file: 'a/"b"\\c.yml', line: index, pointer: '/x~1y' },
    outcome: index % 3 === 0 ? 'failed' : 'passed',
    findings: index % 3 === 0 ? [{ message: `über ${index}\n\ttab`, nested: [[], {}, [1, [2, null]]] }] : [],
    reason: index % 5 === 0 ? undefined : 'why',
  });
  const report = {
    checked: ['a.yml', 'b.yml', 'c.yml'],
    skipped: [],
    invalid: [{ file: 'bad.yml', message: 'line\nbreak', problems: [{ path: '', message: 'x', line: 1 }] }],
    checks: Array.from({ length: 25 }, (_, index) => check(index)),
    findings: Array.from({ length: 7 }, (_, index) => check(index * 3)),
    empty: {},
    nothing: null,
    left: undefined,
    run: () => 1,
    score: { overall: 55.2, pillars: { cost: { score: null, passed: 1 } } },
  };

  it('writes what JSON.stringify(value, null, 2) writes, for every slice size', () => {
    for (const slice of [1, 2, 3, 7, 24, 25, 26, 1000]) assert.equal(written(report, slice).text, expected(report), `slice ${slice}`);
  });

  it('writes a long list in slices', () => {
    assert.ok(written(report, 5).pieces > written(report, 1000).pieces);
  });

  it('writes lists with holes and undefined items, empty objects and odd keys as JSON.stringify does', () => {
    // A list with a hole, made as a long list would come.
    const holey: unknown[] = [undefined, null];
    holey[3] = 'x';
    const odd = { 2: 'two', 'quote"key': holey, 1: [{}, []], ü: { a: undefined } };
    for (const slice of [1, 2, 3]) assert.equal(written(odd, slice).text, expected(odd));
    assert.equal(written({}).text, expected({}));
    assert.equal(written({ only: undefined }).text, expected({ only: undefined }));
  });
});
