import { IANAZone } from 'luxon';
import { findIana, WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { closestName } from '../azureml/did-you-mean.js';

/**
 * Time zones of schedules: Azure ML writes them as Windows names ("Pacific Standard Time"),
 * Trellis also takes IANA names (Europe/Berlin); both resolve to an IANA zone that Intl knows.
 * Also the one piece of time-zone arithmetic schedules need: a local wall-clock time to an
 * instant, with the daylight-saving gap and overlap decided the same way every time.
 */

const hour = 3_600_000;
const minute = 60_000;

/** The IANA zone for a schedule's `time_zone`: UTC when absent, an IANA name as is, a Windows name translated. */
export function resolveTimeZone(name: string | undefined): { zone: string } | { problem: string } {
  if (name === undefined) return { zone: 'UTC' };
  // Cached: every firing computation resolves its zone, and Intl formatters are slow to build.
  let resolved = resolvedZones.get(name);
  if (!resolved) {
    resolved = resolveUncached(name);
    if (resolvedZones.size > 1000) resolvedZones.clear();
    resolvedZones.set(name, resolved);
  }
  return resolved;
}

const resolvedZones = new Map<string, { zone: string } | { problem: string }>();

function resolveUncached(name: string): { zone: string } | { problem: string } {
  const text = name.trim();
  // IANA first, so "UTC" (a Windows name too) stays UTC; Intl's spelling, so europe/berlin reads Europe/Berlin in tables.
  if (text !== '' && IANAZone.isValidZone(text))
    return { zone: new Intl.DateTimeFormat('en-US', { timeZone: text }).resolvedOptions().timeZone };
  const windowsName = windowsNames().find((candidate) => candidate.toLowerCase() === text.toLowerCase());
  if (windowsName) {
    // The first IANA zone of a Windows name is its canonical one (Pacific Standard Time → America/Los_Angeles).
    const zone = findIana(windowsName).find((candidate) => IANAZone.isValidZone(candidate));
    if (zone) return { zone };
  }
  const suggestion = closestName(text, [...windowsNames(), ...ianaNames()]);
  const hint = suggestion ? ` (did you mean '${suggestion}'?)` : '';
  return {
    problem: `'${name}' is not a time zone${hint}: use an IANA name such as Europe/Berlin or a Windows name such as "Pacific Standard Time"`,
  };
}

let windowsNameList: string[] | undefined;
function windowsNames(): string[] {
  windowsNameList ??= [...new Set(WINDOWS_TO_IANA_MAP.map((entry) => entry.windowsName))];
  return windowsNameList;
}

let ianaNameList: string[] | undefined;
function ianaNames(): string[] {
  ianaNameList ??= Intl.supportedValuesOf('timeZone');
  return ianaNameList;
}

/**
 * Turns wall-clock times of one local calendar day into instants. `day` counts days since
 * 1970-01-01 (the local date, not a UTC one); `msOfDay` is the wall-clock time within it.
 * A time in the spring-forward gap does not exist: it is shifted forward by the gap (02:30
 * becomes 03:30 when clocks jump from 02:00 to 03:00), as cron daemons and Azure ML do, so the
 * firing is late rather than lost. A time that occurs twice at fall-back is its first occurrence,
 * so it fires once. `isMonotonic` says no offset change touches the day, so later times are later instants.
 */
export interface DayClock {
  instant(msOfDay: number): number;
  isMonotonic: boolean;
  /** The zone's offset (ms) at an instant from 15 h before the day's UTC midnight to 37 h after it. */
  offsetAt(instant: number): number;
}

export function dayClock(zone: IANAZone, day: number): DayClock {
  // Cached: listing missed firings asks for the same few days again and again, and offsets cost an Intl call each.
  const key = `${zone.name} ${day}`;
  let clock = dayClocks.get(key);
  if (!clock) {
    clock = computeDayClock(zone, day);
    if (dayClocks.size > 10_000) dayClocks.clear();
    dayClocks.set(key, clock);
  }
  return clock;
}

const dayClocks = new Map<string, DayClock>();

function computeDayClock(zone: IANAZone, day: number): DayClock {
  const midnight = day * 24 * hour;
  // Every wall time of the day lies within this window of instants (offsets run from -12 h to +14 h).
  const windowStart = midnight - 15 * hour;
  const windowEnd = midnight + 37 * hour;
  const offsetBefore = zone.offset(windowStart) * minute;
  const offsetAfter = zone.offset(windowEnd) * minute;
  if (offsetBefore === offsetAfter) {
    return { instant: (msOfDay) => midnight + msOfDay - offsetBefore, isMonotonic: true, offsetAt: () => offsetBefore };
  }
  // One transition in the window (zones never change offset twice within two days); find it to the minute.
  let low = windowStart / minute;
  let high = windowEnd / minute;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle * minute) * minute === offsetBefore) low = middle;
    else high = middle;
  }
  const transition = high * minute;
  return {
    isMonotonic: false,
    offsetAt: (instant) => (instant < transition ? offsetBefore : offsetAfter),
    instant(msOfDay) {
      const wall = midnight + msOfDay;
      const early = wall - offsetBefore;
      const late = wall - offsetAfter;
      const isEarlyReal = early < transition;
      const isLateReal = late >= transition;
      if (isEarlyReal && isLateReal) return Math.min(early, late);
      if (isEarlyReal) return early;
      if (isLateReal) return late;
      // The gap: the old offset reads the instant as the wall time plus the gap.
      return early;
    },
  };
}

/** The local date (days since 1970-01-01) and wall-clock time within it of an instant in a zone. */
export function wallClock(zone: IANAZone, instant: number): { day: number; msOfDay: number } {
  // The clock of the instant's UTC date covers it, and is likely cached already.
  const wall = instant + dayClock(zone, Math.floor(instant / (24 * hour))).offsetAt(instant);
  const day = Math.floor(wall / (24 * hour));
  return { day, msOfDay: wall - day * 24 * hour };
}

const zones = new Map<string, IANAZone>();
/** The luxon zone of an IANA name, cached (creating one builds an Intl formatter). */
export function ianaZone(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
}
