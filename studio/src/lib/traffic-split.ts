/**
 * A traffic split as the user types it (one text box per deployment) checked the way the server
 * checks it: whole percents from 0 to 100 that add up to 100, or all 0 (no live traffic).
 */
export type SplitCheck = { ok: true; traffic: Record<string, number> } | { ok: false; problem: string };

export function checkSplit(typed: Record<string, string>): SplitCheck {
  const traffic: Record<string, number> = {};
  for (const [name, text] of Object.entries(typed)) {
    const value = text.trim() === '' ? 0 : Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 100)
      return { ok: false, problem: `${name}: '${text}' is not a whole percent from 0 to 100` };
    traffic[name] = value;
  }
  const total = Object.values(traffic).reduce((sum, value) => sum + value, 0);
  if (total !== 0 && total !== 100)
    return { ok: false, problem: `the weights add up to ${total}%; they must add up to 100% (or all be 0 for no live traffic)` };
  return { ok: true, traffic };
}

export interface SplitChange {
  deployment: string;
  from: number;
  to: number;
}

/** What applying `next` changes, deployment by deployment (those that stay the same left out). */
export function splitChanges(current: Record<string, number>, next: Record<string, number>): SplitChange[] {
  const names = [...new Set([...Object.keys(current), ...Object.keys(next)])].sort();
  return names
    .map((deployment) => ({ deployment, from: current[deployment] ?? 0, to: next[deployment] ?? 0 }))
    .filter((change) => change.from !== change.to);
}

/** "blue 90% · green 10%", or a dash for no live traffic. */
export function describeSplit(traffic: Record<string, number>): string {
  const parts = Object.entries(traffic)
    .filter(([, percent]) => percent > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, percent]) => `${name} ${percent}%`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}
