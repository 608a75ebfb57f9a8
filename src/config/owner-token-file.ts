import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where `trellis up` leaves the owner's token for the CLI on the same machine. */
export function ownerTokenPath(home: string): string {
  return join(home, 'owner-token');
}

/** Writes the token readable by its owner only, replacing the previous one in one step. */
export async function writeOwnerToken(home: string, token: string): Promise<void> {
  const path = ownerTokenPath(home);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'w' });
  await rename(temporary, path);
}

/** The token `trellis up` wrote under this home, if there is one this user can read. */
export function readOwnerToken(home: string): string | undefined {
  try {
    return readFileSync(ownerTokenPath(home), 'utf8').trim() || undefined;
  } catch {
    // No file (no server started under this home), or not ours to read: the CLI goes without.
    return undefined;
  }
}
