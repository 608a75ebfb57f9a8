import type { KubeConfig } from '@kubernetes/client-node';
import { computeSpecOf } from '../../core/compute/compute-spec.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { Resource } from '../../core/resources/resource.js';
import { deploymentBundleUrl } from './deployment-bundle-token.js';
import { defaultTransferImage } from './job-manifest.js';
import { loadKubeConfig } from './kube-config.js';
import type { OnlineManifestInput } from './online-deployment-manifest.js';
import { kubernetesInstanceSet } from './online-instance-set.js';
import { createKubernetesInstances } from './online-instances.js';

/**
 * The instance set of one prepared version of an online deployment on a stored `type: kubernetes`
 * compute: the compute's kubeconfig and namespace, its size (when the deployment gives neither
 * resources nor instance_type) and tier, and the version's bundle URL on this server's public
 * URL, signed for that version. What the serving controller hands to `clusterInstances`.
 */

export interface OnlineVersion {
  workspace: string;
  endpoint: string;
  deployment: string;
  /** The version's etag. */
  version: string;
  spec: OnlineManifestInput['spec'];
  image?: string | undefined;
  env: Record<string, string>;
  /** The model's and the code's folders inside the prepared version's folder (and under /var/azureml-app in the pods). */
  modelFolder: string;
  codeFolder: string;
}

export interface OnlineComputeOptions {
  /** How pods reach this server (config public_url). */
  publicUrl: string;
  /** The server secret that signs bundle tokens (the attempt-transfer key). */
  secret: Buffer;
  /** Reads a compute's kubeconfig; tests may pass their own. */
  kubeConfigFor?: (properties: Record<string, unknown> | undefined) => KubeConfig;
  /** Where scoring calls go; the Service's cluster DNS name by default. */
  address?: (name: string, namespace: string) => string;
}

/** The `ClusterInstanceSet` of `version` on `compute` (throws when the compute's kubeconfig cannot be read). */
export function onlineInstanceSetFor(compute: Resource, version: OnlineVersion, options: OnlineComputeOptions) {
  const spec = computeSpecOf(compute, 'kubernetes');
  const kubeConfig = (options.kubeConfigFor ?? ((properties) => loadKubeConfig(properties)))(spec.properties);
  const transferImage = spec.properties?.transfer_image;
  const { workspace, endpoint, deployment } = version;
  return kubernetesInstanceSet(
    createKubernetesInstances({ kubeConfig, namespace: spec.namespace }),
    {
      workspace,
      endpoint,
      deployment,
      version: version.version,
      namespace: spec.namespace,
      spec: version.spec,
      image: version.image,
      computeSize: spec.size === undefined ? undefined : findSku(spec.size),
      isLowPriority: spec.tier === 'low_priority',
      env: version.env,
      modelFolder: version.modelFolder,
      codeFolder: version.codeFolder,
      delivery: {
        kind: 'bundle',
        url: deploymentBundleUrl(options.publicUrl, options.secret, { workspace, endpoint, deployment, version: version.version }),
        transferImage: typeof transferImage === 'string' ? transferImage : defaultTransferImage,
      },
    },
    options.address,
  );
}
