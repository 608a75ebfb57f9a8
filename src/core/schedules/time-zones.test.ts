import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayClock, ianaZone, resolveTimeZone, wallClock } from './time-zones.js';

describe('resolveTimeZone', () => {
  it('is UTC when the trigger names no zone', () => {
    assert.deepEqual(resolveTimeZone(undefined), { zone: 'UTC' });
  });

  it('takes IANA names as they are, in Intl spelling', () => {
    assert.deepEqual(resolveTimeZone('Europe/Berlin'), { zone: 'Europe/Berlin' });
    assert.deepEqual(resolveTimeZone('America/New_York'), { zone: 'America/New_York' });
    assert.deepEqual(resolveTimeZone('europe/london'), { zone: 'Europe/London' });
  });

  it('translates the Windows names Azure ML uses to their canonical IANA zone', () => {
    assert.deepEqual(resolveTimeZone('Pacific Standard Time'), { zone: 'America/Los_Angeles' });
    assert.deepEqual(resolveTimeZone('W. Europe Standard Time'), { zone: 'Europe/Berlin' });
    assert.deepEqual(resolveTimeZone('Eastern Standard Time'), { zone: 'America/New_York' });
    assert.deepEqual(resolveTimeZone('GMT Standard Time'), { zone: 'Europe/London' });
    assert.deepEqual(resolveTimeZone('UTC'), { zone: 'UTC' });
    assert.deepEqual(resolveTimeZone('UTC-11'), { zone: 'Etc/GMT+11' });
    assert.deepEqual(resolveTimeZone('pacific standard time'), { zone: 'America/Los_Angeles' });
    const india = resolveTimeZone('India Standard Time');
    assert.ok('zone' in india && ['Asia/Calcutta', 'Asia/Kolkata'].includes(india.zone), JSON.stringify(india));
  });

  it('refuses an unknown zone, saying what is accepted', () => {
    const resolved = resolveTimeZone('Mars/Olympus_Mons');
    assert.ok('problem' in resolved);
    assert.match(resolved.problem, /'Mars\/Olympus_Mons' is not a time zone/);
    assert.match(resolved.problem, /IANA name such as Europe\/Berlin or a Windows name such as "Pacific Standard Time"/);
  });

  it('suggests the zone a typo meant', () => {
    const resolved = resolveTimeZone('Pacifc Standard Time');
    assert.ok('problem' in resolved);
    assert.match(resolved.problem, /did you mean 'Pacific Standard Time'\?/);
    const berlin = resolveTimeZone('Europe/Berln');
    assert.ok('problem' in berlin);
    assert.match(berlin.problem, /did you mean 'Europe\/Berlin'\?/);
  });

  it('refuses an empty name', () => {
    assert.ok('problem' in resolveTimeZone(''));
  });
});

describe('dayClock', () => {
  const newYork = ianaZone('America/New_York');
  const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
  const time = (hours: number, minutes: number) => (hours * 60 + minutes) * 60_000;

  it('reads an ordinary day with one offset', () => {
    const clock = dayClock(newYork, dayNumber('2026-01-15'));
    assert.equal(clock.isMonotonic, true);
    assert.equal(clock.instant(time(9, 0)), Date.parse('2026-01-15T09:00:00-05:00'));
  });

  it('shifts a time in the spring-forward gap forward by the gap', () => {
    const clock = dayClock(newYork, dayNumber('2026-03-08'));
    assert.equal(clock.isMonotonic, false);
    assert.equal(clock.instant(time(1, 59)), Date.parse('2026-03-08T01:59:00-05:00'));
    assert.equal(clock.instant(time(2, 30)), Date.parse('2026-03-08T03:30:00-04:00'));
    assert.equal(clock.instant(time(3, 0)), Date.parse('2026-03-08T03:00:00-04:00'));
  });

  it('takes the first occurrence of a time that occurs twice at fall-back', () => {
    const clock = dayClock(newYork, dayNumber('2026-11-01'));
    assert.equal(clock.instant(time(1, 30)), Date.parse('2026-11-01T01:30:00-04:00'));
    assert.equal(clock.instant(time(2, 0)), Date.parse('2026-11-01T02:00:00-05:00'));
  });

  it('gives the local date and time of an instant', () => {
    assert.deepEqual(wallClock(newYork, Date.parse('2026-01-15T02:00:00Z')), { day: dayNumber('2026-01-14'), msOfDay: time(21, 0) });
  });
});
