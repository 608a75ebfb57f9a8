import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { unlessMissing } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';

const run = promisify(execFile);

/** Where PostgreSQL's client programs are: one folder holding pg_dump and pg_restore of one version. */
export interface PostgresTools {
  folder: string;
  /** pg_dump's major version. */
  major: number;
}

/**
 * Finds pg_dump and pg_restore for a server of major version `serverMajor`: pg_dump must be at
 * least as new as the server, so the closest version from that one up wins. Looked for in
 * TRELLIS_PG_BIN (a folder, preferred when it fits), Debian's /usr/lib/postgresql/<version>/bin, and the PATH.
 * `prefer: 'newest'` takes the newest instead (to read an archive, which needs no server).
 */
export async function findPostgresTools(
  serverMajor: number,
  env: NodeJS.ProcessEnv = process.env,
  prefer: 'closest' | 'newest' = 'closest',
): Promise<PostgresTools> {
  const folders: string[] = [];
  if (env.TRELLIS_PG_BIN) folders.push(env.TRELLIS_PG_BIN);
  const versions = (await unlessMissing(readdir('/usr/lib/postgresql'))) ?? [];
  for (const version of versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(a) - Number(b)))
    folders.push(join('/usr/lib/postgresql', version, 'bin'));
  folders.push(...(env.PATH ?? '').split(delimiter).filter(Boolean));
  const found: PostgresTools[] = [];
  for (const folder of new Set(folders)) {
    const major = await majorOf(join(folder, 'pg_dump'));
    if (major !== undefined && (await majorOf(join(folder, 'pg_restore'))) === major) found.push({ folder, major });
  }
  const fitting = found
    .filter((tools) => tools.major >= serverMajor)
    .sort((a, b) => (prefer === 'closest' ? a.major - b.major : b.major - a.major));
  const best = env.TRELLIS_PG_BIN ? (fitting.find((tools) => tools.folder === env.TRELLIS_PG_BIN) ?? fitting[0]) : fitting[0];
  if (best) return best;
  const seen = found.length === 0 ? 'none was found' : `found only ${found.map((tools) => `${tools.major} (${tools.folder})`).join(', ')}`;
  throw new TrellisError(
    'PgDumpNotFound',
    409,
    `the database is PostgreSQL ${serverMajor}, whose backup needs pg_dump and pg_restore ${serverMajor} or newer; ${seen}. Install the client programs (Debian: postgresql-client-${serverMajor}) or set TRELLIS_PG_BIN to the folder that holds them`,
  );
}

/** The major version a pg_dump/pg_restore program says it is ("pg_dump (PostgreSQL) 15.18 ..."); undefined when it is not there. */
async function majorOf(program: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(program, ['--version'], { timeout: 10_000 });
    const match = /\(PostgreSQL\) (\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch (error) {
    // Not there, or not a program: this folder has no usable one, and the next is tried.
    if ((error as { code?: unknown }).code !== undefined) return undefined;
    throw error;
  }
}

/** A connection URL without its password, and the password for PGPASSWORD (kept out of the process list). */
export function connectionOf(url: string): { url: string; password: string | undefined } {
  const parsed = new URL(url);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password };
}

/** Runs a PostgreSQL client program; a failure is a TrellisError with what it printed. */
export async function runTool(
  tools: PostgresTools,
  program: 'pg_dump' | 'pg_restore',
  args: string[],
  password: string | undefined,
): Promise<string> {
  try {
    const { stdout } = await run(join(tools.folder, program), args, {
      env: { ...process.env, ...(password !== undefined ? { PGPASSWORD: password } : {}) },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new TrellisError('PostgresToolFailed', 500, `${program} failed: ${stderr || (error as Error).message}`, { cause: error });
  }
}
