import type { Kysely, Selectable } from 'kysely';
import type {
  Deployment,
  DeploymentLineage,
  DeploymentSpecs,
  Endpoint,
  EndpointSecrets,
  EndpointType,
} from '../core/endpoints/endpoint.js';
import type { RolloutState } from '../core/endpoints/rollout.js';
import type { Database, EndpointTables } from './database.js';
import { isSealed } from './secrets/data-key-cipher.js';
import type { SecretSealer } from './secrets/workspace-keys.js';

type EndpointRow = Selectable<EndpointTables['endpoints']>;
type DeploymentRow = Selectable<EndpointTables['endpoint_deployments']>;

export interface StoredRollout {
  workspace: string;
  endpoint: string;
  phase: string;
  state: RolloutState;
  startedBy: string;
  startedAt: number;
  updatedAt: number;
}

export type EndpointChanges = Partial<
  Pick<Endpoint, 'description' | 'tags' | 'authMode' | 'traffic' | 'mirrorTraffic' | 'defaultDeployment' | 'state' | 'updatedAt' | 'etag'>
>;
export type DeploymentChanges = Partial<Pick<Deployment, 'spec' | 'lineage' | 'state' | 'reason' | 'instanceCount' | 'updatedAt' | 'etag'>>;

type SecretsRow = Selectable<EndpointTables['endpoint_secrets']>;

const secretColumns = ['primary_key', 'secondary_key', 'token_secret'] as const;

/** Endpoints, their deployments and their secrets (sealed with the workspace's data key when a sealer is given). */
export class EndpointRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sealer?: SecretSealer,
  ) {}

  async insertEndpoint(endpoint: Endpoint): Promise<void> {
    await this.db.insertInto('endpoints').values(toEndpointRow(endpoint)).execute();
  }

  async getEndpoint(workspace: string, name: string): Promise<Endpoint | undefined> {
    const row = await this.db
      .selectFrom('endpoints')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromEndpointRow(row);
  }

  async listEndpoints(workspace: string, type?: EndpointType): Promise<Endpoint[]> {
    let query = this.db.selectFrom('endpoints').selectAll().where('workspace', '=', workspace);
    if (type) query = query.where('type', '=', type);
    return (await query.orderBy('name').execute()).map(fromEndpointRow);
  }

  /** Every endpoint in every workspace (the serving controller's view after a restart). */
  async allEndpoints(): Promise<Endpoint[]> {
    return (await this.db.selectFrom('endpoints').selectAll().orderBy('workspace').orderBy('name').execute()).map(fromEndpointRow);
  }

  /** Writes the changes when the endpoint's etag is still `expectedEtag` (if given); false when it is not. */
  async updateEndpoint(workspace: string, name: string, changes: EndpointChanges, expectedEtag?: string): Promise<boolean> {
    const values: Partial<EndpointRow> = {};
    if (changes.description !== undefined) values.description = changes.description;
    if (changes.tags !== undefined) values.tags = JSON.stringify(changes.tags);
    if (changes.authMode !== undefined) values.auth_mode = changes.authMode;
    if (changes.traffic !== undefined) values.traffic = JSON.stringify(changes.traffic);
    if (changes.mirrorTraffic !== undefined) values.mirror_traffic = JSON.stringify(changes.mirrorTraffic);
    if (changes.defaultDeployment !== undefined) values.default_deployment = changes.defaultDeployment;
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.updatedAt !== undefined) values.updated_at = changes.updatedAt;
    if (changes.etag !== undefined) values.etag = changes.etag;
    let query = this.db.updateTable('endpoints').set(values).where('workspace', '=', workspace).where('name', '=', name);
    if (expectedEtag !== undefined) query = query.where('etag', '=', expectedEtag);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the endpoint with its deployments and secrets. */
  async deleteEndpoint(workspace: string, name: string): Promise<void> {
    await this.db.deleteFrom('endpoint_rollouts').where('workspace', '=', workspace).where('endpoint', '=', name).execute();
    await this.db.deleteFrom('deployment_profiles').where('workspace', '=', workspace).where('endpoint', '=', name).execute();
    await this.db.deleteFrom('endpoint_secrets').where('workspace', '=', workspace).where('endpoint', '=', name).execute();
    await this.db.deleteFrom('endpoint_deployments').where('workspace', '=', workspace).where('endpoint', '=', name).execute();
    await this.db.deleteFrom('endpoints').where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  async insertDeployment(deployment: Deployment): Promise<void> {
    await this.db.insertInto('endpoint_deployments').values(toDeploymentRow(deployment)).execute();
  }

  async getDeployment(workspace: string, endpoint: string, name: string): Promise<Deployment | undefined> {
    const row = await this.db
      .selectFrom('endpoint_deployments')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromDeploymentRow(row);
  }

  /** A deployment of `endpoint`, its spec typed by the endpoint's type (the schema it was validated with). */
  async getDeploymentOf<Type extends EndpointType>(
    endpoint: Pick<Endpoint<Type>, 'workspace' | 'name' | 'type'>,
    name: string,
  ): Promise<Deployment<Type> | undefined> {
    const row = await this.db
      .selectFrom('endpoint_deployments')
      .selectAll()
      .where('workspace', '=', endpoint.workspace)
      .where('endpoint', '=', endpoint.name)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromDeploymentRow<Type>(row);
  }

  async listDeployments(workspace: string, endpoint: string): Promise<Deployment[]> {
    const rows = await this.db
      .selectFrom('endpoint_deployments')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .orderBy('name')
      .execute();
    return rows.map((row) => fromDeploymentRow(row));
  }

  /** Every deployment of every endpoint of type `type`, in every workspace, its spec typed by that type. */
  async allDeploymentsOf<Type extends EndpointType>(type: Type): Promise<Deployment<Type>[]> {
    const rows = await this.db
      .selectFrom('endpoint_deployments')
      .innerJoin('endpoints', (join) =>
        join
          .onRef('endpoints.workspace', '=', 'endpoint_deployments.workspace')
          .onRef('endpoints.name', '=', 'endpoint_deployments.endpoint'),
      )
      .selectAll('endpoint_deployments')
      .where('endpoints.type', '=', type)
      .orderBy('endpoint_deployments.workspace')
      .orderBy('endpoint_deployments.endpoint')
      .orderBy('endpoint_deployments.name')
      .execute();
    return rows.map((row) => fromDeploymentRow<Type>(row));
  }

  /** Every deployment in every workspace. */
  async allDeployments(): Promise<Deployment[]> {
    const rows = await this.db
      .selectFrom('endpoint_deployments')
      .selectAll()
      .orderBy('workspace')
      .orderBy('endpoint')
      .orderBy('name')
      .execute();
    return rows.map((row) => fromDeploymentRow(row));
  }

  async updateDeployment(
    workspace: string,
    endpoint: string,
    name: string,
    changes: DeploymentChanges,
    expectedEtag?: string,
  ): Promise<boolean> {
    const values: Partial<DeploymentRow> = {};
    if (changes.spec !== undefined) values.spec = JSON.stringify(changes.spec);
    if (changes.lineage !== undefined) values.lineage = JSON.stringify(changes.lineage);
    if (changes.state !== undefined) values.state = changes.state;
    if (changes.reason !== undefined) values.reason = changes.reason;
    if (changes.instanceCount !== undefined) values.instance_count = changes.instanceCount;
    if (changes.updatedAt !== undefined) values.updated_at = changes.updatedAt;
    if (changes.etag !== undefined) values.etag = changes.etag;
    let query = this.db
      .updateTable('endpoint_deployments')
      .set(values)
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('name', '=', name);
    if (expectedEtag !== undefined) query = query.where('etag', '=', expectedEtag);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteDeployment(workspace: string, endpoint: string, name: string): Promise<void> {
    // Its profiles measured it: a deployment created later under the name starts with none.
    await this.db
      .deleteFrom('deployment_profiles')
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('deployment', '=', name)
      .execute();
    await this.db
      .deleteFrom('endpoint_deployments')
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .where('name', '=', name)
      .execute();
  }

  /** The endpoint's latest rollout (running or finished), as stored. */
  async getRollout(workspace: string, endpoint: string): Promise<StoredRollout | undefined> {
    const row = await this.db
      .selectFrom('endpoint_rollouts')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
    return row && rolloutFromRow(row);
  }

  /** Rollouts still moving traffic, in every workspace. */
  async activeRollouts(): Promise<StoredRollout[]> {
    const rows = await this.db.selectFrom('endpoint_rollouts').selectAll().where('phase', 'in', ['pending', 'observing']).execute();
    return rows.map(rolloutFromRow);
  }

  async putRollout(rollout: StoredRollout): Promise<void> {
    const values = {
      phase: rollout.phase,
      state: JSON.stringify(rollout.state),
      started_by: rollout.startedBy,
      started_at: rollout.startedAt,
      updated_at: rollout.updatedAt,
    };
    await this.db
      .insertInto('endpoint_rollouts')
      .values({ workspace: rollout.workspace, endpoint: rollout.endpoint, ...values })
      .onConflict((conflict) => conflict.columns(['workspace', 'endpoint']).doUpdateSet(values))
      .execute();
  }

  /** The endpoint's keys and token secret, opened; a row still in the clear is sealed on the way. */
  async getSecrets(workspace: string, endpoint: string): Promise<EndpointSecrets | undefined> {
    const row = await this.db
      .selectFrom('endpoint_secrets')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('endpoint', '=', endpoint)
      .executeTakeFirst();
    if (!row) return undefined;
    const secrets = await this.openRow(row);
    if (this.sealer && secretColumns.some((column) => !isSealed(row[column]))) await this.putSecrets(workspace, endpoint, secrets);
    return secrets;
  }

  async putSecrets(workspace: string, endpoint: string, secrets: EndpointSecrets): Promise<void> {
    const values = {
      primary_key: await this.sealSecret(workspace, endpoint, 'primary', secrets.primaryKey),
      secondary_key: await this.sealSecret(workspace, endpoint, 'secondary', secrets.secondaryKey),
      token_secret: await this.sealSecret(workspace, endpoint, 'token', secrets.tokenSecret),
    };
    await this.db
      .insertInto('endpoint_secrets')
      .values({ workspace, endpoint, ...values })
      .onConflict((conflict) => conflict.columns(['workspace', 'endpoint']).doUpdateSet(values))
      .execute();
  }

  /** Seals every row still in the clear (kept from before encryption at rest); returns how many. */
  async sealPlaintextSecrets(): Promise<number> {
    if (!this.sealer) return 0;
    const rows = await this.db.selectFrom('endpoint_secrets').selectAll().execute();
    const plain = rows.filter((row) => secretColumns.some((column) => !isSealed(row[column])));
    for (const row of plain) await this.putSecrets(row.workspace, row.endpoint, await this.openRow(row));
    return plain.length;
  }

  private async openRow(row: SecretsRow): Promise<EndpointSecrets> {
    const open = async (column: (typeof secretColumns)[number], which: string) => {
      const value = row[column];
      return this.sealer && isSealed(value) ? this.sealer.open(row.workspace, secretPurpose(row.endpoint, which), value) : value;
    };
    return {
      primaryKey: await open('primary_key', 'primary'),
      secondaryKey: await open('secondary_key', 'secondary'),
      tokenSecret: await open('token_secret', 'token'),
    };
  }

  private async sealSecret(workspace: string, endpoint: string, which: string, value: string): Promise<string> {
    return this.sealer ? this.sealer.seal(workspace, secretPurpose(endpoint, which), value) : value;
  }
}

/** What a sealed endpoint secret is, bound into its authenticated data: moved to another row, it does not open. */
function secretPurpose(endpoint: string, which: string): string {
  return `endpoint-secrets/${endpoint}/${which}`;
}

function toEndpointRow(endpoint: Endpoint): EndpointRow {
  return {
    workspace: endpoint.workspace,
    name: endpoint.name,
    type: endpoint.type,
    description: endpoint.description,
    tags: JSON.stringify(endpoint.tags),
    auth_mode: endpoint.authMode,
    traffic: JSON.stringify(endpoint.traffic),
    mirror_traffic: JSON.stringify(endpoint.mirrorTraffic),
    default_deployment: endpoint.defaultDeployment,
    compute: endpoint.compute,
    state: endpoint.state,
    created_by: endpoint.createdBy,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
    etag: endpoint.etag,
  };
}

function fromEndpointRow(row: EndpointRow): Endpoint {
  return {
    workspace: row.workspace,
    name: row.name,
    type: row.type as EndpointType,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    authMode: row.auth_mode as Endpoint['authMode'],
    traffic: JSON.parse(row.traffic) as Record<string, number>,
    mirrorTraffic: JSON.parse(row.mirror_traffic) as Record<string, number>,
    defaultDeployment: row.default_deployment,
    compute: row.compute,
    state: row.state as Endpoint['state'],
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    etag: row.etag,
  };
}

function toDeploymentRow(deployment: Deployment): DeploymentRow {
  return {
    workspace: deployment.workspace,
    endpoint: deployment.endpoint,
    name: deployment.name,
    spec: JSON.stringify(deployment.spec),
    lineage: JSON.stringify(deployment.lineage),
    state: deployment.state,
    reason: deployment.reason,
    instance_count: deployment.instanceCount,
    created_by: deployment.createdBy,
    created_at: deployment.createdAt,
    updated_at: deployment.updatedAt,
    etag: deployment.etag,
  };
}

/**
 * The store's boundary from a deployment row to a typed deployment: its spec was validated by the
 * schema of its endpoint's type before it was written, so that type tells the spec's.
 */
function fromDeploymentRow<Type extends EndpointType = EndpointType>(row: DeploymentRow): Deployment<Type> {
  return {
    workspace: row.workspace,
    endpoint: row.endpoint,
    name: row.name,
    spec: JSON.parse(row.spec) as DeploymentSpecs[Type],
    lineage: JSON.parse(row.lineage) as DeploymentLineage,
    state: row.state as Deployment['state'],
    reason: row.reason,
    instanceCount: row.instance_count,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    etag: row.etag,
  };
}

/** A stored rollout from its row: its state JSON parsed, its times as numbers (PostgreSQL's bigint arrives as a string). */
function rolloutFromRow(row: Selectable<Database['endpoint_rollouts']>): StoredRollout {
  return {
    workspace: row.workspace,
    endpoint: row.endpoint,
    phase: row.phase,
    state: JSON.parse(row.state) as RolloutState,
    startedBy: row.started_by,
    startedAt: Number(row.started_at),
    updatedAt: Number(row.updated_at),
  };
}
