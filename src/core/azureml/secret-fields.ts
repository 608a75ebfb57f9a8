import type { Note } from './note.js';

/**
 * Fields of Azure ML files that hold secrets. Trellis never stores them: the spec keeps a marker
 * instead, so `show` and the API can never give a password back, and the user is told why.
 */
const secretPaths: ReadonlyArray<readonly string[]> = [['ssh_settings', 'admin_password']];

export const redactedMarker = '<redacted: Trellis does not store secrets>';

/** Returns a copy of the spec with secret values replaced by a marker, and a note for each. */
export function redactSecrets(
  spec: Record<string, unknown>,
  locate: (path: readonly string[]) => number | undefined = () => undefined,
): { spec: Record<string, unknown>; notes: Note[] } {
  const copy = structuredClone(spec);
  const notes: Note[] = [];
  for (const path of secretPaths) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1))
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    const last = path[path.length - 1]!;
    if (node !== null && typeof node === 'object' && typeof (node as Record<string, unknown>)[last] === 'string') {
      (node as Record<string, unknown>)[last] = redactedMarker;
      const line = locate(path);
      notes.push({
        path: path.join('.'),
        ...(line ? { line } : {}),
        message: 'secret not stored: Trellis keeps no passwords from files; use ssh_key_value (a public key) instead',
      });
    }
  }
  return { spec: copy, notes };
}
