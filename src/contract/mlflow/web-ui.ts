import { z } from 'zod';
import type { MlflowTable } from './route.js';

/**
 * Routes MLflow's server has for its web UI only, outside the proto service: downloads at the
 * workspace's root (`/get-artifact`, `/model-versions/get-artifact`, not under /api/2.0), and
 * calls under `/ajax-api/2.0` alone (upload-artifact, a logged model's file, search-datasets).
 */

const file = {
  description: 'the file as an attachment, with a content type guessed from its name',
  content: { '*/*': { schema: z.string().meta({ format: 'binary' }) } },
};

/** Downloads the web UI links to, at the workspace's root (the server root, or /workspaces/{ws}/mlflow). */
export const mlflowRootDownloadRoutes = {
  getRunArtifact: {
    method: 'GET',
    path: '/get-artifact',
    summary: "Download one file of a run's artifacts",
    request: z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), path: z.string() }),
    response: file,
  },
  getModelVersionArtifact: {
    method: 'GET',
    path: '/model-versions/get-artifact',
    summary: "Download one file of a model version's artifacts",
    request: z.object({ name: z.string(), version: z.string(), path: z.string() }),
    response: file,
  },
} satisfies MlflowTable;

/** The web UI's artifact calls, under /ajax-api/2.0 only: the body of an upload is the file's bytes. */
export const mlflowWebUiArtifactRoutes = {
  uploadRunArtifact: {
    method: 'POST',
    path: '/mlflow/upload-artifact',
    summary: "Add one file to a run's artifacts: run_uuid and path in the query, the bytes (at most 10 MB) in the body",
    request: z.string().meta({ format: 'binary' }),
    consumes: ['application/octet-stream', '*/*'],
    response: { description: 'empty', content: { 'application/json': { schema: z.string() } } },
  },
  getLoggedModelArtifact: {
    method: 'GET',
    path: '/mlflow/logged-models/:model_id/artifacts/files',
    summary: "Download one file of a logged model's artifacts",
    params: z.object({ model_id: z.string() }),
    request: z.object({ artifact_file_path: z.string() }),
    response: file,
  },
} satisfies MlflowTable;

/** The web UI's tracking calls, under /ajax-api/2.0 only. */
export const mlflowWebUiTrackingRoutes = {
  searchDatasets: {
    method: 'POST',
    path: '/mlflow/experiments/search-datasets',
    summary: 'The datasets the runs of some experiments used (at most 1,000), with their context',
    request: z.object({ experiment_ids: z.array(z.string()) }),
    response: z.object({
      dataset_summaries: z.array(
        z.object({ experiment_id: z.string(), name: z.string(), digest: z.string(), context: z.string().optional() }),
      ),
    }),
  },
} satisfies MlflowTable;
