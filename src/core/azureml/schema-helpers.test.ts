import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { closestName } from './did-you-mean.js';
import { azureEnum, closedObject, countField, flagField } from './schema-helpers.js';

describe('schema helpers', () => {
  it('closedObject refuses each unknown field at its own path, with the other problems', () => {
    const schema = closedObject({ size: z.string().optional(), count: z.number().optional() });
    const issues = schema.safeParse({ sise: 'big', count: 'x', extra: 1 }).error?.issues ?? [];
    assert.deepEqual(
      issues.map((issue) => issue.path.join('.')),
      ['count', 'sise', 'extra'],
    );
    assert.match(issues[1]?.message ?? '', /did you mean 'size'/);
    assert.match(issues[2]?.message ?? '', /allowed fields here: size, count/);
  });

  it('closedObject accepts unlisted fields without offering them', () => {
    const schema = closedObject({ name: z.string(), id: z.unknown().optional() }, ['id']);
    assert.equal(schema.safeParse({ name: 'a', id: 'x' }).success, true);
    assert.match(schema.safeParse({ name: 'a', other: 1 }).error?.issues[0]?.message ?? '', /allowed fields here: name$/);
  });

  it('azureEnum ignores case and underscores and yields the canonical value', () => {
    const tier = azureEnum(['dedicated', 'low_priority']);
    assert.equal(tier.parse('LowPriority'), 'low_priority');
    assert.equal(tier.parse('DEDICATED'), 'dedicated');
    assert.match(tier.safeParse('spot').error?.issues[0]?.message ?? '', /must be one of dedicated, low_priority; got 'spot'/);
  });

  it('countField takes whole numbers >= 0, also quoted', () => {
    const count = countField();
    assert.equal(count.parse(3), 3);
    assert.equal(count.parse('7'), 7);
    for (const bad of [-1, 1.5, 'two', true, null]) assert.equal(count.safeParse(bad).success, false, String(bad));
  });

  it('flagField takes the spellings marshmallow takes', () => {
    const flag = flagField();
    for (const yes of [true, 'true', 'True', 'yes', 'on', 1, '1']) assert.equal(flag.parse(yes), true, String(yes));
    for (const no of [false, 'false', 'no', 'off', 0, 'F']) assert.equal(flag.parse(no), false, String(no));
    assert.equal(flag.safeParse('maybe').success, false);
  });

  it('closestName suggests near misses only', () => {
    const fields = ['min_instances', 'max_instances', 'idle_time_before_scale_down', 'dockerfile_path'];
    assert.equal(closestName('min_instance', fields), 'min_instances');
    assert.equal(closestName('MAX_INSTANCES', fields), 'max_instances');
    assert.equal(closestName('dockerfile', fields), 'dockerfile_path');
    assert.equal(closestName('colour', fields), undefined);
    assert.equal(closestName('id', fields), undefined);
  });
});
