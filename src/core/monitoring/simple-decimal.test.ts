import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededUniform } from '../../../test/support/seeded-random.js';
import { parseSimpleDecimal } from './simple-decimal.js';

describe('reading plain decimals without Number()', () => {
  it('gives exactly the double Number() gives, for 200,000 random decimals of every length and scale', () => {
    const uniform = seededUniform(7);
    for (let index = 0; index < 200_000; index++) {
      const digits = 1 + Math.floor(uniform() * 15);
      let text = '';
      for (let digit = 0; digit < digits; digit++) text += String(Math.floor(uniform() * 10));
      const point = Math.floor(uniform() * digits);
      if (point > 0 && point < digits) text = `${text.slice(0, point)}.${text.slice(point)}`;
      if (uniform() < 0.3) text = `-${text}`;
      const parsed = parseSimpleDecimal(text);
      assert.ok(!Number.isNaN(parsed), text);
      assert.ok(Object.is(parsed, Number(text)), `${text}: ${parsed} vs ${Number(text)}`);
    }
  });

  it('leaves to Number() what is not a plain decimal of at most 15 digits', () => {
    for (const text of [
      '',
      '-',
      '.',
      '1.',
      '.5',
      '-.5',
      '1e3',
      ' 1',
      '1 ',
      '+1',
      '0x1F',
      '1.2.3',
      'NaN',
      'Infinity',
      '1234567890123456',
      '12,5',
    ])
      assert.ok(Number.isNaN(parseSimpleDecimal(text)), JSON.stringify(text));
  });

  it('keeps the sign of a negative zero as Number() does', () => {
    assert.ok(Object.is(parseSimpleDecimal('-0'), -0));
    assert.ok(Object.is(parseSimpleDecimal('-0.000'), Number('-0.000')));
  });
});
