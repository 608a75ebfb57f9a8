/** The allowed name closest to `name` if it is plausibly a typo of it, else undefined. */
export function closestName(name: string, allowed: readonly string[]): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  // A third of the length catches dropped/swapped letters without suggesting unrelated words.
  const tolerance = Math.max(1, Math.floor(name.length / 3));
  if (best && best.distance <= tolerance) return best.name;
  // A shortened name (`dockerfile` for `dockerfile_path`) is a typo too.
  if (wanted.length < 4) return undefined;
  return allowed.find((candidate) => candidate.toLowerCase().startsWith(wanted) || wanted.startsWith(candidate.toLowerCase()));
}

/** Levenshtein distance: insertions, deletions and substitutions each cost one. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
