import type { Deployment, Endpoint } from '../core/endpoints/endpoint.js';

/** Azure's names for an endpoint's fields, beside Trellis's (`az ml online-endpoint show --query provisioning_state`). */
export function azureEndpointNames(endpoint: Endpoint, scoringUri: string) {
  return { provisioning_state: endpoint.state, auth_mode: endpoint.authMode, scoring_uri: scoringUri };
}

/** Azure's names for a deployment's fields, beside Trellis's. */
export function azureDeploymentNames(deployment: Deployment) {
  return { provisioning_state: deployment.state, endpoint_name: deployment.endpoint };
}
