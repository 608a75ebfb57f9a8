import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The databases a suite runs against: SQLite always, PostgreSQL when the test runner started
 * one (scripts/run-tests.mjs sets TRELLIS_TEST_POSTGRES_URL). Each call makes a fresh database.
 */
export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  /** undefined for SQLite: Trellis uses <home>/trellis.db. */
  url: string | undefined;
  drop(): Promise<void>;
}

export function testDialects(): Array<'sqlite' | 'postgres'> {
  if (process.env.TRELLIS_TEST_POSTGRES_URL) return ['sqlite', 'postgres'];
  if (process.env.CI) throw new Error('TRELLIS_TEST_POSTGRES_URL is not set: run the suite with npm test, which starts PostgreSQL');
  console.warn('TRELLIS_TEST_POSTGRES_URL is not set: PostgreSQL tests are skipped (npm test starts one)');
  return ['sqlite'];
}

export async function createTestDatabase(dialect: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (dialect === 'sqlite') return { dialect, url: undefined, drop: async () => undefined };
  const adminUrl = process.env.TRELLIS_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('TRELLIS_TEST_POSTGRES_URL is not set');
  const name = `trellis_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`create database ${name}`));
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    dialect,
    url,
    drop: () => withAdmin(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
