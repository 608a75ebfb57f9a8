import { isMarkedProduction, isProductionWorkspace } from '../production.js';
import type { DeploymentFacts, LiveSnapshot } from './live-snapshot.js';

/** How the live rules relate the facts of a snapshot to one another. */

/** Whether a deployment serves production: its workspace, its endpoint or itself is marked so (production.ts). */
export function isProductionDeployment(deployment: DeploymentFacts, snapshot: LiveSnapshot): boolean {
  if (isProductionWorkspace(snapshot.workspace) || isMarkedProduction(deployment.tags)) return true;
  const endpoint = snapshot.endpoints.find((candidate) => candidate.name === deployment.endpoint);
  return endpoint !== undefined && isMarkedProduction(endpoint.tags);
}

/** The online deployments that serve production. */
export function productionOnlineDeployments(snapshot: LiveSnapshot): DeploymentFacts[] {
  return snapshot.deployments.filter((deployment) => deployment.type === 'online' && isProductionDeployment(deployment, snapshot));
}

/** `endpoint/deployment`, as findings name a deployment. */
export function deploymentName(deployment: { endpoint: string; name: string }): string {
  return `${deployment.endpoint}/${deployment.name}`;
}
