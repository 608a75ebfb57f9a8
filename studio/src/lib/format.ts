/** How the studio writes times, durations and numbers. */

/** A moment in the browser's time zone, date and time alike: 2026-12-07 21:00:00. */
export function formatTime(epochMs: number | undefined): string {
  if (epochMs === undefined || epochMs === 0) return '—';
  const date = new Date(epochMs);
  const two = (value: number) => String(value).padStart(2, '0');
  // The date was UTC's while the time was local: in Tokyo, 23:30 UTC read as the next morning of the same day.
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${date.toTimeString().slice(0, 8)}`;
}

export function formatDuration(startMs: number | undefined, endMs: number | undefined, now = Date.now()): string {
  if (!startMs) return '—';
  const seconds = Math.max(0, ((endMs || now) - startMs) / 1000);
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6) ? value.toExponential(4) : String(Number(value.toPrecision(6)));
}
