import { readFile } from 'node:fs/promises';

/** The version of Trellis running, from its package.json (src/backup and dist/backup sit at the same depth). */
export async function trellisVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = JSON.parse(text).version;
  return typeof version === 'string' ? version : 'unknown';
}
