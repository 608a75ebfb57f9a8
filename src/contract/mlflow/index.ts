// MLflow's REST API as Trellis serves it: every route declared once, keyed by operationId. The api pairs each with a handler.
export { mlflowArtifactRoutes } from './artifacts.js';
export { mlflowExperimentRoutes } from './experiments.js';
export { mlflowLoggedModelRoutes } from './logged-models.js';
export { mlflowRegistryRoutes } from './registry.js';
export * from './route.js';
export { mlflowRunRoutes } from './runs.js';
export * from './schemas.js';
export * from './graphql.js';
export { mlflowApiV3Base, mlflowOtlpRoutes, mlflowTraceRoutesV2, mlflowTraceRoutesV3, mlflowTraceWebUiRoutes } from './traces.js';
export { mlflowRootDownloadRoutes, mlflowWebUiArtifactRoutes, mlflowWebUiTrackingRoutes } from './web-ui.js';
