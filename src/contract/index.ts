// The HTTP contract of Trellis's own API: every route declared once. The api registers these, the client calls them.
export { advisorRoutes, advisorRuleSchema, recommendationSchema, workspaceScoreSchema } from './advisor.js';
export { applyRequest, applyResponse, applyRoutes } from './apply.js';
export { attemptTransferRoutes } from './attempt-transfer.js';
export { auditEvent, auditRoutes } from './audit.js';
export { authSessionRoutes, studioSessionSchema } from './auth-session.js';
export { batchDeploymentSchema, batchEndpointRoutes, batchEndpointSchema, batchJobSchema } from './batch-endpoints.js';
export { binaryBody, listQuery, metadataPatch, namedParams, resourceErrors, resourcePage, workspaceParams } from './common.js';
export { computeInstanceRoutes, computeInstanceSchema } from './compute-instances.js';
export { computeNode, computeRoutes, nodeUsage } from './computes.js';
export { budgetSchema, costReportSchema, costRoutes, jobCostSchema } from './cost.js';
export { deploymentBundleRoutes } from './deployment-bundle.js';
export { deploymentProfileRoutes, deploymentProfileSchema } from './deployment-profiles.js';
export { datastoreRoutes, datastoreSchema } from './datastores.js';
export { endpointStatsRoutes, secondPointSchema } from './endpoint-stats.js';
export { deploymentLineageSchema, endpointErrors } from './endpoints.js';
export { experimentKeysRoutes } from './experiment-keys.js';
export { healthRoutes } from './health.js';
export {
  identityRoutes,
  principalKind,
  principalSchema,
  roleAssignmentSchema,
  roleDefinitionSchema,
  tokenRecordSchema,
  whoamiSchema,
} from './identity.js';
export { jobLineageSchema } from './job-lineage.js';
export { jobErrors, type JobLogEvent, jobRoutes, jobSchema } from './jobs.js';
export { projectCreationSchema, projectRoutes, projectSchema } from './projects.js';
export { pipelineJobSchema, pipelineRoutes, pipelineStepSchema } from './pipelines.js';
export { sweepJobSchema, sweepRoutes, sweepTrialSchema } from './sweeps.js';
export { metricSeriesRoutes, metricSeriesSchema } from './metric-series.js';
export { onlineDeploymentSchema, onlineEndpointRoutes, onlineEndpointSchema, rolloutSchema } from './online-endpoints.js';
export { type ProblemBody, problemSchema } from './problem.js';
export { registryRoutes, registrySchema, shareRoute } from './registries.js';
export { assetRoutes, type ContainedKind, kindRoutes, namedRoutes, resolveRoute } from './resources.js';
export {
  mlflowApiBase,
  mlflowArtifactRoutes,
  mlflowErrorSchema,
  mlflowExperimentRoutes,
  mlflowLoggedModelRoutes,
  type MlflowParamsOf,
  mlflowRegistryRoutes,
  type MlflowRequestOf,
  type MlflowResponseOf,
  type MlflowRouteSpec,
  mlflowRunRoutes,
  type MlflowTable,
} from './mlflow/index.js';
export * from './route.js';
export { uploadRoutes } from './uploads.js';
export { workspaceRoutes } from './workspaces.js';
