import type { PipelineJobBody, TrellisClient } from '../../client/trellis-client.js';
import { renderTable } from '../output.js';

/** A pipeline job ended: Completed, Failed or Canceled. */
export function pipelineEnded(pipeline: Pick<PipelineJobBody, 'state'>): boolean {
  return pipeline.state === 'Completed' || pipeline.state === 'Failed' || pipeline.state === 'Canceled';
}

/** The pipeline in words, then its steps as a table: where each stands, the job that runs it, what it waits for. */
export function pipelineDetail(pipeline: PipelineJobBody): string {
  const lines = [
    `name:        ${pipeline.name} (pipeline)`,
    `display:     ${pipeline.displayName}`,
    `state:       ${pipeline.state}${pipeline.reason ? ` (${pipeline.reason})` : ''}`,
    `experiment:  ${pipeline.experimentName} (MLflow run ${pipeline.runId})`,
    `submitted:   ${new Date(pipeline.submittedAt).toISOString()} by ${pipeline.createdBy}`,
    'steps:',
    renderTable(
      ['STEP', 'STATUS', 'JOB', 'WAITS FOR', 'WHY IT RAN OR WAS REUSED', 'REASON'],
      (pipeline.steps ?? []).map((step) => [
        step.step,
        step.status,
        step.job ?? '-',
        step.dependsOn.join(', ') || '-',
        step.reuseNote ?? '',
        step.reason ?? '',
      ]),
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  ];
  return lines.join('\n');
}

/** Follows a pipeline until it ends, printing each step's changes of state on stderr; returns it ended. */
export async function followPipeline(client: TrellisClient, workspace: string, name: string): Promise<PipelineJobBody> {
  const seen = new Map<string, string>();
  for (;;) {
    const pipeline = await client.getPipeline(workspace, name);
    for (const step of pipeline.steps ?? []) {
      const said = `${step.status}${step.reason ? `: ${step.reason}` : ''}`;
      if (seen.get(step.step) === said) continue;
      seen.set(step.step, said);
      process.stderr.write(`[trellis] ${step.step} ${said}\n`);
    }
    if (pipelineEnded(pipeline)) return pipeline;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
