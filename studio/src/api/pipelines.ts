import type { PipelineJobBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * Pipeline jobs (/api/v1/workspaces/{ws}/pipeline-jobs): the pipeline with its steps, each step
 * with where it stands, the command job that runs it (or the earlier job it reuses), what it waits
 * for and why it ran or was reused. Types are the client's, inferred from the routes.
 */

export type PipelineJob = PipelineJobBody;
export type PipelineStep = NonNullable<PipelineJobBody['steps']>[number];

export const getPipeline = (workspace: string, name: string) => trellis.getPipeline(workspace, name);

/** The newest pipeline jobs first, up to `max` (the route does not page). */
export async function listPipelines(workspace: string, max = 500): Promise<PipelineJob[]> {
  return (await trellis.listPipelines(workspace, { limit: max })).items;
}

/** Asks the pipeline to stop: its running steps are canceled, the waiting ones skipped; the answer is the pipeline as it is now. */
export const cancelPipeline = (workspace: string, name: string) => trellis.cancelPipeline(workspace, name);

/** The pipeline a step's command job belongs to, and the step it runs (the tags the server puts on it). */
export function pipelineOfJob(tags: Record<string, string>): { pipeline: string; step: string } | undefined {
  const pipeline = tags['trellis.pipeline'];
  return pipeline ? { pipeline, step: tags['trellis.step'] ?? '' } : undefined;
}
