import { createHmac, timingSafeEqual } from 'node:crypto';
import { TrellisError } from '../../core/errors.js';

/**
 * The credential the init container of an online deployment's instances on a Kubernetes compute
 * uses to download that version's model and code: a token in the URL, an HMAC of the version's
 * identity (workspace, endpoint, deployment, etag) under the server secret that signs attempt
 * tokens (attempt-token.ts), in a domain of its own so neither token opens the other's files.
 * Nothing is stored per version; one version's token opens no other version.
 */

export interface DeploymentVersionIdentity {
  workspace: string;
  endpoint: string;
  deployment: string;
  /** The version's etag. */
  version: string;
}

/** The folders of a prepared version (serving/<ws>/<endpoint>/<deployment>/<etag>/) that the bundle carries; logs stay here. */
export const deploymentBundleFolders = ['azureml-models', 'code'] as const;

/** The token of one version. Pure. */
export function deploymentBundleToken(secret: Buffer, identity: DeploymentVersionIdentity): string {
  // Newline-separated: names and etags cannot hold one, so two identities never sign the same text.
  return createHmac('sha256', secret)
    .update(`trellis-deployment-bundle\n${identity.workspace}\n${identity.endpoint}\n${identity.deployment}\n${identity.version}`)
    .digest('base64url');
}

/** Throws a 403 TrellisError unless `token` is the version's; compares in constant time. */
export function checkDeploymentBundleToken(secret: Buffer, identity: DeploymentVersionIdentity, token: string | undefined): void {
  const expected = Buffer.from(deploymentBundleToken(secret, identity));
  const given = Buffer.from(token ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TrellisError(
      'DeploymentBundleTokenInvalid',
      403,
      `the token does not open version ${identity.version} of deployment '${identity.deployment}' of endpoint '${identity.endpoint}' in workspace '${identity.workspace}'; only the instances Trellis started for that version hold it`,
    );
  }
}

/** The URL an instance of the version downloads its model and code from, with the version's token. Pure. */
export function deploymentBundleUrl(publicUrl: string, secret: Buffer, identity: DeploymentVersionIdentity): string {
  const segment = encodeURIComponent;
  return `${publicUrl.replace(/\/+$/, '')}/api/v1/workspaces/${segment(identity.workspace)}/online-endpoints/${segment(identity.endpoint)}/deployments/${segment(identity.deployment)}/versions/${segment(identity.version)}/bundle.tar?token=${deploymentBundleToken(secret, identity)}`;
}
