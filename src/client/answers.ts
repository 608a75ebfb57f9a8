import type { z } from 'zod';
import type { applyRequest, applyRoutes } from '../contract/apply.js';
import type { auditEvent } from '../contract/audit.js';
import type { computeRoutes } from '../contract/computes.js';
import type { endpointStatsRoutes } from '../contract/endpoint-stats.js';
import type { jobRoutes, JobLogEvent } from '../contract/jobs.js';
import type { ResponseOf } from '../contract/route.js';
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
/** One state of a job's history. */
export type JobEventBody = ResponseOf<typeof jobRoutes.events>['items'][number];
/** A cluster's nodes, node-seconds and their costs, priced on the server. */
export type ComputeUsageBody = ResponseOf<typeof computeRoutes.nodes>;
/** A workspace's use against its quotas. */
export type QuotaUsageBody = ResponseOf<typeof computeRoutes.quotas>['usages'][number];
/** Live numbers of an online endpoint's deployments. */
export type EndpointStatsBody = ResponseOf<typeof endpointStatsRoutes.stats>;
export type { JobLogEvent };
