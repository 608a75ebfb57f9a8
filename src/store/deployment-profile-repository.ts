import type { Kysely } from 'kysely';
import type { DeploymentProfile } from '../core/endpoints/deployment-profile.js';
import type { Database } from './database.js';

/** How many profiles `list` answers: the recent ones are the ones that size a deployment. */
const listLimit = 20;

/** Profiles of online deployments: one row each, the whole report as JSON. */
export class DeploymentProfileRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the profile, or replaces its report and state (each step as it is measured). */
  async put(profile: DeploymentProfile): Promise<void> {
    const row = {
      id: profile.id,
      workspace: profile.workspace,
      endpoint: profile.endpoint,
      deployment: profile.deployment,
      state: profile.state,
      report: JSON.stringify(profile),
      started_at: profile.startedAt,
    };
    await this.db
      .insertInto('deployment_profiles')
      .values(row)
      .onConflict((conflict) => conflict.column('id').doUpdateSet({ state: row.state, report: row.report }))
      .execute();
  }

  async get(workspace: string, endpoint: string, deployment: string, id: string): Promise<DeploymentProfile | undefined> {
    const row = await this.db
      .selectFrom('deployment_profiles')
      .select('report')
      .where('id', '=', id)
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('deployment', '=', deployment)
      .executeTakeFirst();
    return row && (JSON.parse(row.report) as DeploymentProfile);
  }

  /** The deployment's latest profiles, newest first. */
  async list(workspace: string, endpoint: string, deployment: string): Promise<DeploymentProfile[]> {
    const rows = await this.db
      .selectFrom('deployment_profiles')
      .select('report')
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('deployment', '=', deployment)
      .orderBy('started_at', 'desc')
      .limit(listLimit)
      .execute();
    return rows.map((row) => JSON.parse(row.report) as DeploymentProfile);
  }
}
