import type { Migration, MigrationProvider } from 'kysely';
import type { Dialect } from '../dialect.js';
import { initialMigration } from './001-initial.js';
import { trackingMigration } from './002-tracking.js';
import { modelRegistryMigration } from './003-model-registry.js';
import { longTagValuesMigration } from './004-long-tag-values.js';
import { jobsMigration } from './005-jobs.js';
import { endpointsMigration } from './006-endpoints.js';
import { endpointRolloutsMigration } from './007-endpoint-rollouts.js';
import { identityMigration } from './008-identity.js';
import { tokenGroupsMigration } from './010-token-groups.js';
import { workspaceKeysMigration } from './009-workspace-keys.js';
import { pipelinesMigration } from './011-pipelines.js';
import { schedulesMigration } from './012-schedules.js';
import { pipelineSourceMigration } from './013-pipeline-source.js';
import { sweepsMigration } from './014-sweeps.js';
import { monitorsMigration } from './015-monitors.js';
import { policiesMigration } from './016-policies.js';
import { costMigration } from './017-cost.js';
import { tracesMigration } from './018-traces.js';
import { traceIndexesMigration } from './019-trace-indexes.js';
import { registriesMigration } from './020-registries.js';
import { deploymentProfilesMigration } from './021-deployment-profiles.js';
import { controllerLeaseMigration } from './022-controller-lease.js';
import { datastoresMigration } from './023-datastores.js';
import { traceSearchIndexMigration } from './024-trace-search-index.js';
import { trackingStatisticsMigration } from './025-tracking-statistics.js';
import { servingPlacementsMigration } from './026-serving-placements.js';
import { endpointComputeMigration } from './027-endpoint-compute.js';

/** Every migration, in order. Names are never renamed once released: the store records them. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': initialMigration(dialect),
    '002-tracking': trackingMigration(dialect),
    '003-model-registry': modelRegistryMigration(dialect),
    '004-long-tag-values': longTagValuesMigration(dialect),
    '005-jobs': jobsMigration(dialect),
    '006-endpoints': endpointsMigration(dialect),
    '007-endpoint-rollouts': endpointRolloutsMigration(dialect),
    '008-identity': identityMigration(dialect),
    '009-workspace-keys': workspaceKeysMigration(dialect),
    '010-token-groups': tokenGroupsMigration(dialect),
    '011-pipelines': pipelinesMigration(dialect),
    '012-schedules': schedulesMigration(dialect),
    '013-pipeline-source': pipelineSourceMigration(dialect),
    '014-sweeps': sweepsMigration(dialect),
    '015-monitors': monitorsMigration(dialect),
    '016-policies': policiesMigration(dialect),
    '017-cost': costMigration(dialect),
    '018-traces': tracesMigration(),
    '019-trace-indexes': traceIndexesMigration(),
    '020-registries': registriesMigration(),
    '021-deployment-profiles': deploymentProfilesMigration(),
    '022-controller-lease': controllerLeaseMigration(),
    '023-datastores': datastoresMigration(),
    '024-trace-search-index': traceSearchIndexMigration(),
    '025-tracking-statistics': trackingStatisticsMigration(dialect),
    '026-serving-placements': servingPlacementsMigration(),
    '027-endpoint-compute': endpointComputeMigration(),
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrationsFor(dialect) };
}
