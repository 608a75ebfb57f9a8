export { renderJobManifests, type JobManifests, type ManifestInput } from './job-manifest.js';
export { attemptState } from './job-status.js';
export { loadKubeConfig } from './kube-config.js';
export { createKubernetesBackend, type KubernetesBackendOptions } from './kubernetes-backend.js';
