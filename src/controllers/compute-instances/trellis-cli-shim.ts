import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The CLI entry of this server's own build: `dist/cli/main.js` beside `dist/controllers/`, the
 * file `trellis up` runs and the package's `bin` names. Run from the sources (tsx), `src/cli/main.ts`
 * with the same loader flags this process has. Undefined when neither is there (a bundled server).
 */
export function locateCliEntry(): { entry: string; nodeArgs: string[] } | undefined {
  const built = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  if (existsSync(built)) return { entry: built, nodeArgs: [] };
  const source = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
  if (existsSync(source)) return { entry: source, nodeArgs: process.execArgv };
  return undefined;
}

/**
 * Writes `<binDir>/trellis`, a shell script that runs this server's CLI with this server's node,
 * as Azure ML's compute instances come with the az ml CLI: put first on the PATH of JupyterLab, a
 * notebook's `subprocess.run(['trellis', ...])` and a terminal's `trellis` reach the server with
 * the instance's TRELLIS_URL, TRELLIS_TOKEN and TRELLIS_WORKSPACE. Returns false when the CLI was
 * not found (the instance runs without it).
 */
export async function writeTrellisShim(binDir: string): Promise<boolean> {
  const cli = locateCliEntry();
  if (cli === undefined) return false;
  await mkdir(binDir, { recursive: true });
  const command = [process.execPath, ...cli.nodeArgs, cli.entry].map(shellQuote).join(' ');
  await writeFile(join(binDir, 'trellis'), `#!/bin/sh\nexec ${command} "$@"\n`);
  await chmod(join(binDir, 'trellis'), 0o755);
  return true;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
