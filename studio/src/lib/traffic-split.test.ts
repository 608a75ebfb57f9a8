import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSplit, describeSplit, splitChanges } from './traffic-split.js';

describe('traffic split', () => {
  it('takes whole percents that add up to 100, or all 0', () => {
    assert.deepEqual(checkSplit({ blue: '50', green: '50' }), { ok: true, traffic: { blue: 50, green: 50 } });
    assert.deepEqual(checkSplit({ blue: '0', green: '' }), { ok: true, traffic: { blue: 0, green: 0 } });
  });

  it('refuses a sum other than 100, and values that are not whole percents, saying which', () => {
    const short = checkSplit({ blue: '60', green: '30' });
    assert.equal(short.ok, false);
    assert.match(!short.ok ? short.problem : '', /add up to 90%/);
    assert.match(
      !checkSplit({ blue: '50.5', green: '49.5' }).ok ? (checkSplit({ blue: '50.5', green: '49.5' }) as { problem: string }).problem : '',
      /blue: '50.5'/,
    );
    assert.equal(checkSplit({ blue: '120', green: '-20' }).ok, false);
    assert.equal(checkSplit({ blue: 'x' }).ok, false);
  });

  it('lists what changes, and describes a split in words', () => {
    assert.deepEqual(splitChanges({ blue: 100 }, { blue: 50, green: 50 }), [
      { deployment: 'blue', from: 100, to: 50 },
      { deployment: 'green', from: 0, to: 50 },
    ]);
    assert.deepEqual(splitChanges({ blue: 100, green: 0 }, { blue: 100, green: 0 }), []);
    assert.equal(describeSplit({ green: 10, blue: 90, red: 0 }), 'blue 90% · green 10%');
    assert.equal(describeSplit({}), '—');
  });
});
