import { roleGrants } from './action-match.js';
import type { RoleDefinition } from './role-definition.js';

const ml = 'Microsoft.MachineLearningServices/workspaces';

/**
 * The writes that change what production serves or runs: models, data, jobs, endpoints and their
 * deployments. A role granting any of them is a writer, however it was put together (Contributor,
 * AzureML Data Scientist, a custom role).
 */
export const productionWriteActions: readonly string[] = [
  `${ml}/models/write`,
  `${ml}/data/write`,
  `${ml}/jobs/write`,
  `${ml}/onlineEndpoints/write`,
  `${ml}/onlineEndpoints/deployments/write`,
  `${ml}/batchEndpoints/write`,
];

/** Which of the production writes a role grants (none: it only reads, or does something else). */
export function productionWritesOf(role: Pick<RoleDefinition, 'permissions'>): string[] {
  return productionWriteActions.filter((action) => roleGrants(role, action));
}
