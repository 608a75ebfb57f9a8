import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/** A session opened with an OpenID Connect token keeps the groups the token listed (JSON), so group roles apply in the studio too. */
export function tokenGroupsMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tokens').addColumn('groups', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('tokens').dropColumn('groups').execute();
    },
  };
}
