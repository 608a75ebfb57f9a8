// The HTTP contract of Trellis's own API: every route declared once. The api registers these, the client calls them.
export { applyRequest, applyResponse, applyRoutes } from './apply.js';
export { auditEvent, auditRoutes } from './audit.js';
export { listQuery, metadataPatch, namedParams, resourceErrors, resourcePage, workspaceParams } from './common.js';
export { computeNode, computeRoutes, nodeUsage } from './computes.js';
export { endpointStatsRoutes, secondPointSchema } from './endpoint-stats.js';
export { healthRoutes } from './health.js';
export { jobLineageSchema } from './job-lineage.js';
export { jobErrors, type JobLogEvent, jobRoutes, jobSchema } from './jobs.js';
export { type ProblemBody, problemSchema } from './problem.js';
export { assetRoutes, type ContainedKind, kindRoutes, namedRoutes, resolveRoute } from './resources.js';
export * from './route.js';
export { uploadRoutes } from './uploads.js';
export { workspaceRoutes } from './workspaces.js';
