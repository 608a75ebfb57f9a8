export * from './artifact-errors.js';
export * from './artifact-path.js';
export * from './artifact-store.js';
export * from './byte-range.js';
export * from './content-digest.js';
export * from './folder-manifest.js';
export * from './list-page.js';
export { LocalArtifactStore } from './local/local-artifact-store.js';
