/**
 * The version an asset gets when its file names none: one more than the highest whole-number
 * version so far, or "1". Non-numeric versions (2024.06.1, v2) are left out of the count.
 */
export function nextVersion(existing: readonly string[]): string {
  let highest = 0;
  for (const version of existing) {
    if (/^\d+$/.test(version)) highest = Math.max(highest, Number(version));
  }
  return String(highest + 1);
}
