import type { z } from 'zod';
import type { advisorRoutes } from '../contract/advisor.js';
import type { applyRequest, applyRoutes } from '../contract/apply.js';
import type { auditEvent } from '../contract/audit.js';
import type { batchEndpointRoutes } from '../contract/batch-endpoints.js';
import type { computeRoutes } from '../contract/computes.js';
import type { costRoutes } from '../contract/cost.js';
import type { deploymentProfileRoutes } from '../contract/deployment-profiles.js';
import type { datastoreRoutes } from '../contract/datastores.js';
import type { endpointStatsRoutes } from '../contract/endpoint-stats.js';
import type { experimentKeysRoutes } from '../contract/experiment-keys.js';
import type { jobRoutes, JobLogEvent } from '../contract/jobs.js';
import type { metricSeriesRoutes } from '../contract/metric-series.js';
import type { policyRoutes } from '../contract/policy.js';
import type { onlineEndpointRoutes } from '../contract/online-endpoints.js';
import type { pipelineRoutes } from '../contract/pipelines.js';
import type { sweepRoutes } from '../contract/sweeps.js';
import type { monitorRoutes } from '../contract/monitors.js';
import type { projectRoutes } from '../contract/projects.js';
import type { BodyOf, ResponseOf } from '../contract/route.js';
import type { scheduleRoutes } from '../contract/schedules.js';
import type { uploadRoutes } from '../contract/uploads.js';
import type { workspaceRoutes } from '../contract/workspaces.js';

/** What the API answers and takes, as the client types it: each inferred from the route in src/contract, never restated. */

/** One page of a list. */
export interface Page<T> {
  items: T[];
  nextPageToken: string | null;
}

/** A resource as the API sends it: `spec` is the Azure ML document as JSON. */
export type ResourceBody = ResponseOf<typeof workspaceRoutes.get>;
/** One Azure ML YAML file to apply; `uploads` are built from local files and checked by the server, entry by entry. */
export type ApplyRequestBody = Omit<z.input<typeof applyRequest>, 'uploads'> & { uploads?: Record<string, unknown> };
/** What applying a file did. */
export type ApplyResultBody = ResponseOf<typeof applyRoutes.apply>;
/** One event of a workspace's audit log. */
export type AuditEventBody = z.output<typeof auditEvent>;
/** Uploaded content: its digest, size and whether the store had it already. */
export type UploadedBody = ResponseOf<typeof uploadRoutes.file>;
/** A job as the API answers it: `status` is `state` under Azure ML's name. */
export type JobBody = ResponseOf<typeof jobRoutes.get>;
export type PipelineJobBody = ResponseOf<typeof pipelineRoutes.get>;
/** A sweep job with its trials, its best trial and its progress. */
export type SweepJobBody = ResponseOf<typeof sweepRoutes.get>;
/** A model monitor with its latest runs. */
export type MonitorBody = ResponseOf<typeof monitorRoutes.get>;
/** A project: its workspaces and who holds which role there. */
export type ProjectBody = ResponseOf<typeof projectRoutes.get>;
/** One run of a model monitor, whole. */
export type MonitorRunBody = ResponseOf<typeof monitorRoutes.run>;
export type PolicyDefinitionBody = ResponseOf<typeof policyRoutes.getDefinition>;
export type PolicyAssignmentBody = ResponseOf<typeof policyRoutes.getAssignment>;
export type PolicyAssignmentRequest = BodyOf<typeof policyRoutes.createAssignment>;
export type PolicyExemptionRequest = BodyOf<typeof policyRoutes.createExemption>;
export type PolicyStateBody = ResponseOf<typeof policyRoutes.states>['items'][number];
/** A schedule with its next firings and the jobs it made. */
export type ScheduleBody = ResponseOf<typeof scheduleRoutes.get>;
/** One firing of a schedule. */
export type ScheduleFiringBody = ResponseOf<typeof scheduleRoutes.trigger>;
/** One state of a job's history. */
export type JobEventBody = ResponseOf<typeof jobRoutes.events>['items'][number];
/** A cluster's nodes, node-seconds and their costs, priced on the server. */
export type ComputeUsageBody = ResponseOf<typeof computeRoutes.nodes>;
/** Cost in a period by one dimension, with the period day by day. */
export type CostReportBody = ResponseOf<typeof costRoutes.workspace>;
/** A job's cost so far (a sweep's or pipeline's with its children). */
export type JobCostBody = ResponseOf<typeof costRoutes.job>;
/** A workspace budget and where it stands this month. */
export type BudgetBody = ResponseOf<typeof costRoutes.getBudget>;
/** A workspace's use against its quotas. */
export type QuotaUsageBody = ResponseOf<typeof computeRoutes.quotas>['usages'][number];
/** Live numbers of an online endpoint's deployments. */
export type EndpointStatsBody = ResponseOf<typeof endpointStatsRoutes.stats>;
/** An online endpoint as the API answers it, with Azure's names (provisioning_state, scoring_uri, ...) beside Trellis's. */
export type EndpointBody = ResponseOf<typeof onlineEndpointRoutes.get>;
/** Azure's provisioning_state of an endpoint or deployment. */
export type ProvisioningStateBody = EndpointBody['provisioning_state'];
/** An online deployment as the API answers it, with its instances. */
export type DeploymentBody = ResponseOf<typeof onlineEndpointRoutes.getDeployment>;
export type DeploymentProfileBody = ResponseOf<typeof deploymentProfileRoutes.get>;
export type DatastoreBody = ResponseOf<typeof datastoreRoutes.get>;
/** A safe rollout as the API answers it. */
export type RolloutBody = ResponseOf<typeof onlineEndpointRoutes.getRollout>;
/** The keys (key auth) or a fresh token (aml_token auth) of an online endpoint. */
export type EndpointCredentialsBody = ResponseOf<typeof onlineEndpointRoutes.credentials>;
/** A batch endpoint as the API answers it: an endpoint without traffic; its scoring_uri is its invoke URL. */
export type BatchEndpointBody = ResponseOf<typeof batchEndpointRoutes.get>;
/** A batch deployment as the API answers it. */
export type BatchDeploymentBody = ResponseOf<typeof batchEndpointRoutes.getDeployment>;
/** A batch endpoint's scoring job; its output is the data asset `outputDataAsset` once the job ends. */
export type BatchJobBody = ResponseOf<typeof batchEndpointRoutes.invoke>;
/** A metric's history downsampled by the server (LTTB); non-finite values come as MLflow writes them. */
export type MetricSeriesBody = ResponseOf<typeof metricSeriesRoutes.series>;
/** The metric, param and tag keys an experiment's runs use. */
export type ExperimentKeysBody = ResponseOf<typeof experimentKeysRoutes.keys>;
export type { JobLogEvent };
/** The live rules' recommendations for a workspace. */
export type AdvisorRecommendationsBody = ResponseOf<typeof advisorRoutes.recommendations>;
/** A workspace's advisor score per pillar and overall. */
export type AdvisorScoreBody = ResponseOf<typeof advisorRoutes.score>;
