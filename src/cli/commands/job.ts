import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { JobBody, PipelineJobBody, SweepJobBody, TrellisClient } from '../../client/trellis-client.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import type { JobRunningTime } from '../../core/jobs/running-time.js';
import { skipOutsideLinksFlag, uploadOptionsFrom } from '../apply-files.js';
import { downloadContent } from '../download-content.js';
import { readUserFile } from '../local-files.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';
import { prepareJob } from '../prepare-job.js';
import { followPipeline, pipelineDetail } from './pipeline-job.js';
import { formatCost } from './cost.js';
import { followSweep, sweepDetail } from './sweep-job.js';

const terminal = new Set(['Completed', 'Failed', 'Canceled']);

/** trellis job create/show/list/stream/cancel/download, as `az ml job` does them. */
export function registerJob(program: Command): void {
  const job = program.command('job').description('command jobs: submit Azure ML v2 job YAML, follow, cancel, download');

  job
    .command('create')
    .description('submit a command, pipeline or sweep job from an Azure ML v2 YAML file')
    .requiredOption('-f, --file <path>', 'the job YAML (type: command, pipeline or sweep)')
    .option('-n, --name <name>', "the job name (default: the file's name, else a generated one)")
    .option('--set <key=value...>', 'override fields, e.g. --set inputs.epochs=5 compute=azureml:gpu', collect, [])
    .option('--stream', "follow the log until the job ends; exit with the job's outcome")
    .option(...skipOutsideLinksFlag)
    .action(
      async (options: { file: string; name?: string; set: string[]; stream?: boolean; skipOutsideLinks?: boolean }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        const file = options.file;
        const original = await readUserFile(file, 'pass the path of a job YAML file');
        const overrides = options.name ? [...options.set, `name=${options.name}`] : options.set;
        const written = applySetOverrides(original, overrides, file);
        const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
        const { type, body } = await prepareJob(client, workspace, file, written, progress, uploadOptionsFrom(options));
        if (type === 'sweep') {
          const sweep = await client.submitSweep(workspace, body);
          if (options.stream) progress(`sweep job ${sweep.name} submitted; following its trials (Ctrl-C stops following, not the job)`);
          const shown = options.stream ? await followSweep(client, workspace, sweep.name) : sweep;
          printData(output, shown, () => sweepDetail(shown));
          if (options.stream && shown.state !== 'Completed') process.exitCode = 1;
          return;
        }
        if (type === 'pipeline') {
          const pipeline = await client.submitPipeline(workspace, body);
          if (options.stream)
            progress(`pipeline job ${pipeline.name} submitted; following its steps (Ctrl-C stops following, not the job)`);
          const shown = options.stream ? await followPipeline(client, workspace, pipeline.name) : pipeline;
          printData(output, shown, () => pipelineDetail(shown));
          if (options.stream && shown.state !== 'Completed') process.exitCode = 1;
          return;
        }
        const submitted = await client.submitJob(workspace, body);
        if (!options.stream) {
          printData(output, submitted, () => jobDetail(submitted));
          return;
        }
        progress(`job ${submitted.name} submitted to ${submitted.compute}; streaming its log (Ctrl-C stops following, not the job)`);
        const final = await stream(client, workspace, submitted.name);
        printData(output, final, () => jobDetail(final));
        if (final.state !== 'Completed') process.exitCode = 1;
      },
    );

  job
    .command('show')
    .description('one job: state, reason, lineage, timings')
    .requiredOption('-n, --name <name>', 'the job name')
    .option('--web', "also print the job's page in the studio (on stderr; az opens it in a browser)")
    .action(async (options: { name: string; web?: boolean }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      // Its cost (with its trials' or steps') for people; -o json prints the job exactly as the API answers it.
      const cost = async () => (output === 'table' ? costLine(client, workspace, options.name) : '');
      const pipeline = await pipelineNamed(client, workspace, options.name);
      if (pipeline) {
        const line = await cost();
        printData(output, pipeline, () => `${pipelineDetail(pipeline)}${line}`);
        return;
      }
      const sweep = await sweepNamed(client, workspace, options.name);
      if (sweep) {
        const line = await cost();
        printData(output, sweep, () => `${sweepDetail(sweep)}${line}`);
        return;
      }
      const found = await client.getJob(workspace, options.name);
      if (options.web)
        process.stderr.write(
          `studio: ${client.baseUrl}/studio/w/${encodeURIComponent(workspace)}/jobs/${encodeURIComponent(found.name)}\n`,
        );
      const events = output === 'table' ? (await client.jobEvents(workspace, options.name)).items : [];
      const line = await cost();
      printData(
        output,
        found,
        () =>
          `${jobDetail(found)}${line}\nhistory:\n${events.map((event) => `  ${new Date(event.at).toISOString()}  ${event.state.padEnd(10)} ${event.reason ?? ''}`.trimEnd()).join('\n')}`,
      );
    });

  job
    .command('list')
    .description('jobs, newest first')
    .option('--compute <name>', 'only jobs on this compute')
    .option('--max-results <n>', 'how many', '50')
    .action(async (options: { compute?: string; maxResults: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const limit = Number(options.maxResults);
      const page = await client.listJobs(workspace, { limit, ...(options.compute ? { compute: options.compute } : {}) });
      // Pipeline jobs are jobs too, as in az ml job list (they run on no compute of their own).
      const pipelines = options.compute ? [] : (await client.listPipelines(workspace, { limit })).items;
      const sweeps = options.compute ? [] : (await client.listSweeps(workspace, { limit })).items;
      const rows = [
        ...page.items.map((item) => ({
          submittedAt: item.submittedAt,
          name: item.name,
          cells: [item.name, item.displayName, item.state, item.compute, duration(item), item.reason ?? ''],
        })),
        ...pipelines.map((item) => ({
          submittedAt: item.submittedAt,
          name: item.name,
          cells: [item.name, item.displayName, item.state, '(pipeline)', duration(item), item.reason ?? ''],
        })),
        ...sweeps.map((item) => ({
          submittedAt: item.submittedAt,
          name: item.name,
          cells: [item.name, item.displayName, item.state, '(sweep)', duration(item), item.reason ?? ''],
        })),
      ]
        .sort((a, b) => b.submittedAt - a.submittedAt || b.name.localeCompare(a.name))
        .slice(0, limit);
      printData(output, { ...page, pipelines, sweeps }, () =>
        renderTable(
          ['NAME', 'DISPLAY NAME', 'STATE', 'COMPUTE', 'SUBMITTED', 'DURATION', 'REASON'],
          rows.map(({ submittedAt, cells }) => [
            ...cells.slice(0, 4),
            new Date(submittedAt).toISOString().replace('T', ' ').slice(0, 19),
            ...cells.slice(4),
          ]),
        ),
      );
    });

  job
    .command('stream')
    .description("follow a job's log until it ends")
    .requiredOption('-n, --name <name>', 'the job name')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const final = await stream(client, workspace, options.name);
      printData(output, final, () => jobDetail(final));
      if (final.state !== 'Completed') process.exitCode = 1;
    });

  job
    .command('cancel')
    .description('cancel a queued or running job (SIGTERM, a grace period, then SIGKILL)')
    .requiredOption('-n, --name <name>', 'the job name')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      if (await pipelineNamed(client, workspace, options.name)) {
        const pipeline = await client.cancelPipeline(workspace, options.name);
        printData(
          output,
          pipeline,
          () =>
            `${pipeline.name}: ${pipeline.state === 'Canceled' ? 'canceled' : 'cancel requested (its running steps are canceled, the others skipped)'}`,
        );
        return;
      }
      if (await sweepNamed(client, workspace, options.name)) {
        const sweep = await client.cancelSweep(workspace, options.name);
        printData(
          output,
          sweep,
          () =>
            `${sweep.name}: ${sweep.state === 'Canceled' ? 'canceled' : 'cancel requested (its running trials are canceled, no more are started)'}`,
        );
        return;
      }
      const canceled = await client.cancelJob(workspace, options.name);
      printData(output, canceled, () => `${canceled.name}: ${canceled.state === 'Canceled' ? 'canceled' : 'cancel requested'}`);
    });

  job
    .command('download')
    .description("download a job's logs and ./outputs (its MLflow run artifacts), or one named output (--output-name)")
    .requiredOption('-n, --name <name>', 'the job name')
    .option('--output-name <output>', "a named output of the job (its data asset), e.g. a batch scoring job's 'score'")
    .option('--download-path <dir>', 'where to put them', '.')
    .action(async (options: { name: string; downloadPath: string; outputName?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      // A sweep's outputs are its best trial's, as az ml job download gives them.
      const sweep = await sweepNamed(client, workspace, options.name);
      if (sweep && !sweep.best)
        throw new ApiError(
          404,
          'NoBestTrial',
          `sweep ${sweep.name} has no best trial (${sweep.state}: no trial completed with its primary metric yet); nothing to download`,
        );
      const found = await client.getJob(workspace, sweep?.best?.job ?? options.name);
      if (sweep) progress(output, `sweep ${sweep.name}: downloading its best trial, ${found.name}`);
      if (options.outputName !== undefined) {
        const outputName = options.outputName;
        const asset = (
          await client.list(workspace, 'data', { tag: [`trellis.job=${found.name}`, `trellis.output=${outputName}`], limit: 1 })
        ).items[0];
        if (!asset) {
          const declared = Object.keys(isPlainObject(found.spec.outputs) ? found.spec.outputs : {});
          throw new ApiError(
            404,
            'OutputNotFound',
            `job ${found.name} has no registered output '${outputName}' (state ${found.state}); its outputs: ${declared.join(', ') || '(none)'}. An output is registered when the job ends`,
          );
        }
        const target = join(options.downloadPath, found.name, outputName);
        const files = await downloadContent(client, workspace, typeof asset.spec.path === 'string' ? asset.spec.path : '', target);
        printData(
          output,
          { job: found.name, output: outputName, asset: `${asset.name}:${asset.version}`, path: target, files },
          () =>
            `${files.length} file(s) of output ${outputName} (${asset.name}:${asset.version}) in ${target}\n${files.map((file) => `  ${file}`).join('\n')}`,
        );
        return;
      }
      const base = workspace === 'default' ? client.baseUrl : `${client.baseUrl}/workspaces/${encodeURIComponent(workspace)}/mlflow`;
      const target = join(options.downloadPath, found.name);
      const files = await downloadRunArtifacts(client, base, found.runId, '', target);
      printData(
        output,
        { job: found.name, path: target, files },
        () => `${files.length} file(s) of job ${found.name} in ${target}\n${files.map((file) => `  ${file}`).join('\n')}`,
      );
    });
}

async function stream(client: TrellisClient, workspace: string, name: string): Promise<JobBody> {
  await client.followJobLog(workspace, name, (event) => {
    if (event.event === 'log') process.stdout.write(event.text);
    else process.stderr.write(`[trellis] ${event.state}${event.reason ? `: ${event.reason}` : ''}\n`);
  });
  let found = await client.getJob(workspace, name);
  while (!terminal.has(found.state)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    found = await client.getJob(workspace, name);
  }
  return found;
}

/** Walks the run's artifacts through the MLflow artifact proxy, as any MLflow client would. */
async function downloadRunArtifacts(client: TrellisClient, base: string, runId: string, path: string, target: string): Promise<string[]> {
  const url = new URL(`${base}/api/2.0/mlflow/artifacts/list`);
  url.searchParams.set('run_id', runId);
  if (path) url.searchParams.set('path', path);
  // Through the client: it sends the caller's token and trusts the configured CA.
  const listing = (await (await client.fetch(url)).json()) as { root_uri?: string; files?: Array<{ path: string; is_dir: boolean }> };
  const downloaded: string[] = [];
  for (const file of listing.files ?? []) {
    if (file.is_dir) {
      downloaded.push(...(await downloadRunArtifacts(client, base, runId, file.path, target)));
      continue;
    }
    const root = (listing.root_uri ?? '').replace(/^mlflow-artifacts:\/*/, '');
    const response = await client.fetch(new URL(`${base}/api/2.0/mlflow-artifacts/artifacts/${root}/${file.path}`));
    if (!response.ok || !response.body)
      throw new ApiError(response.status, 'DownloadFailed', `could not download ${file.path}: HTTP ${response.status}`);
    const local = join(target, ...file.path.split('/'));
    await mkdir(dirname(local), { recursive: true });
    await pipeline(Readable.fromWeb(response.body), createWriteStream(local));
    downloaded.push(file.path);
  }
  return downloaded;
}

function progress(output: string, line: string): void {
  if (output === 'table') process.stderr.write(`${line}\n`);
}

/** The pipeline job of that name, or undefined when there is none (a command job's name, say). */
function pipelineNamed(client: TrellisClient, workspace: string, name: string): Promise<PipelineJobBody | undefined> {
  return unlessNotFound(client.getPipeline(workspace, name));
}

/** The sweep job of that name, or undefined when there is none. */
function sweepNamed(client: TrellisClient, workspace: string, name: string): Promise<SweepJobBody | undefined> {
  return unlessNotFound(client.getSweep(workspace, name));
}

/**
 * `\ncost:        0.0125 USD (90.0 node-seconds)` when the job's time is priced; nothing when it is
 * not, or when the caller may not read cost (a role without Microsoft.CostManagement/query/read).
 */
async function costLine(client: TrellisClient, workspace: string, name: string): Promise<string> {
  try {
    const cost = await client.jobCost(workspace, name);
    if (cost.nodeSeconds === 0) return '';
    const unpriced = cost.unpricedSeconds > 0 ? `, ${cost.unpricedSeconds.toFixed(1)} of them unpriced` : '';
    return `\ncost:        ${formatCost(cost.cost, cost.currency)} (${cost.nodeSeconds.toFixed(1)} node-seconds${unpriced})`;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 403 || error.status === 404)) return '';
    throw error;
  }
}

/** What the server answered, or undefined when it answered 404. */
async function unlessNotFound<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

function jobDetail(job: JobBody): string {
  const lines = [
    `name:        ${job.name}`,
    `display:     ${job.displayName}`,
    `state:       ${job.state}${job.reason ? ` (${job.reason})` : ''}`,
    ...(job.exitCode !== null ? [`exit code:   ${job.exitCode}`] : []),
    `compute:     ${job.compute}${job.nodes.length > 0 ? ` on ${job.nodes.join(', ')}` : ''}`,
    `experiment:  ${job.experimentName} (MLflow run ${job.runId})`,
    `attempts:    ${job.attempt}${job.retries > 0 ? `, ${job.retries} infrastructure retr${job.retries === 1 ? 'y' : 'ies'}` : ''}`,
    `submitted:   ${new Date(job.submittedAt).toISOString()} by ${job.createdBy}`,
    `duration:    ${job.runningTime ? runningTimeText(job.runningTime) : duration(job)}`,
    `node-secs:   ${job.nodeSeconds.toFixed(1)}`,
  ];
  return lines.join('\n');
}

/** The running time of the latest attempt (lists carry no state history), or of a pipeline. */
function duration(job: Pick<JobBody, 'startedAt' | 'endedAt'>): string {
  if (job.startedAt === null) return '-';
  return seconds(((job.endedAt ?? Date.now()) - job.startedAt) / 1000);
}

/** `16.0 s over 2 attempts (13.8 s evicted, 2.2 s)`: the total, then each attempt's share. */
function runningTimeText(time: JobRunningTime): string {
  if (time.attempts.length === 0) return '-';
  if (time.attempts.length === 1) return seconds(time.seconds);
  const each = time.attempts.map(
    (attempt) =>
      `${seconds(attempt.seconds)}${attempt.endedAs === 'Queued' ? ' until requeued' : attempt.endedAs === null ? ' so far' : ''}`,
  );
  return `${seconds(time.seconds)} over ${time.attempts.length} attempts (${each.join(', ')})`;
}

function seconds(value: number): string {
  return value < 60 ? `${value.toFixed(1)} s` : `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
