import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * A pipeline job keeps the file it was submitted as (its registered components inline), so that a
 * schedule can take it as its template (`create_job: azureml:<pipeline job>`): the stored spec is
 * the parsed form, which is not a file. Pipelines submitted before have none.
 */
export function pipelineSourceMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('pipeline_jobs').addColumn('source', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('pipeline_jobs').dropColumn('source').execute();
    },
  };
}
