export { packFolder, unpackResults, type UnpackOptions, type UnpackResult } from './attempt-archive.js';
export {
  attemptToken,
  attemptTransferPath,
  attemptTransferUrls,
  checkAttemptToken,
  loadAttemptSecret,
  type AttemptIdentity,
} from './attempt-token.js';
export { renderJobManifests, type JobManifests, type ManifestInput } from './job-manifest.js';
export { attemptState } from './job-status.js';
export { loadKubeConfig } from './kube-config.js';
export { createKubernetesBackend, type KubernetesBackendOptions } from './kubernetes-backend.js';
export {
  createKubernetesComputes,
  kubernetesBackendOptions,
  type KubernetesComputes,
  type KubernetesComputesOptions,
} from './kubernetes-compute.js';
export { resultFolders } from './pod-transfer.js';
