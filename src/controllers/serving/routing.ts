import type { Deployment, Endpoint } from '../../core/endpoints/endpoint.js';
import type { Context } from '../../services/context.js';
import type { DeploymentTarget, EndpointRouter } from '../../serving/endpoint-router.js';
import { collectionsOf } from '../../core/endpoints/data-collection.js';
import { answeringVersion, type ServedDeployments, servedKey } from './served-deployments.js';

/**
 * Keeps the router's view of every online endpoint in step with the store: its keys, its traffic,
 * the deployments that can answer and why the others cannot; the routes of deleted endpoints go.
 */
export class RoutingController {
  /** Endpoints the router has a route for, to drop the routes of deleted ones. */
  private readonly routedEndpoints = new Set<string>();

  constructor(
    private readonly context: Context,
    private readonly router: EndpointRouter,
    private readonly served: ServedDeployments,
  ) {}

  /** Publishes the route of each online endpoint and removes those of endpoints no longer in `endpoints`. */
  async reconcile(endpoints: Endpoint[], deployments: Deployment<'online'>[]): Promise<void> {
    for (const endpoint of endpoints.filter((candidate) => candidate.type === 'online')) await this.publish(endpoint, deployments);
    for (const routeKey of this.routedEndpoints) {
      if (!endpoints.some((endpoint) => `${endpoint.workspace}/${endpoint.name}` === routeKey)) {
        const [workspace, name] = routeKey.split('/') as [string, string];
        this.router.removeRoute(workspace, name);
        this.routedEndpoints.delete(routeKey);
      }
    }
  }

  /** Gives the router the endpoint's keys, traffic, the deployments that can answer, and why the others cannot. */
  private async publish(endpoint: Endpoint, deployments: Deployment<'online'>[]): Promise<void> {
    const secrets = await this.context.store.repositories.endpoints.getSecrets(endpoint.workspace, endpoint.name);
    if (!secrets) return;
    const targets: DeploymentTarget[] = [];
    for (const published of this.served.values()) {
      if (published.deployment.workspace !== endpoint.workspace || published.deployment.endpoint !== endpoint.name) continue;
      // The version that answers is looked up per call, not fixed here: when a new version becomes
      // ready, the status controller retires the previous one before this route is published again,
      // and calls in between must reach the new one, not the draining one.
      const key = published.key;
      const answering = () => answeringVersion(this.served.get(key) ?? published);
      targets.push({
        name: published.deployment.name,
        get lineage() {
          return answering().deployment.lineage;
        },
        call: (call) => answering().pool.call(call),
        isReady: () => answering().pool.readyInstances().length > 0,
        collection: collectionsOf(published.deployment),
      });
    }
    const unavailable = new Map<string, string>();
    for (const deployment of deployments) {
      if (deployment.workspace !== endpoint.workspace || deployment.endpoint !== endpoint.name || this.served.has(servedKey(deployment)))
        continue;
      unavailable.set(
        deployment.name,
        deployment.state === 'Failed'
          ? `it is Failed: ${deployment.reason ?? 'no reason recorded'}`
          : `it is ${deployment.state} (${deployment.reason ?? 'being prepared'})`,
      );
    }
    this.router.setRoute(endpoint, secrets, targets, unavailable);
    this.routedEndpoints.add(`${endpoint.workspace}/${endpoint.name}`);
  }
}
