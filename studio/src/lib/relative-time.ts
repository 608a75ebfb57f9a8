/**
 * How far `at` is from `now`, in the largest unit that fits, rounded down: "in 12 min",
 * "3 h ago", "in 2 d 4 h"; "now" within a minute either way.
 */
export function formatRelative(at: number, now: number): string {
  const minutes = Math.floor(Math.abs(at - now) / 60_000);
  if (minutes === 0) return 'now';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const span =
    days > 0
      ? `${days} d${hours > 0 ? ` ${hours} h` : ''}`
      : hours > 0
        ? `${hours} h${minutes % 60 > 0 ? ` ${minutes % 60} min` : ''}`
        : `${minutes} min`;
  return at > now ? `in ${span}` : `${span} ago`;
}
