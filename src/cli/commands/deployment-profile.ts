import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { DeploymentProfileBody } from '../../client/trellis-client.js';
import { cliContext } from '../cli-context.js';
import { addEndpointNameOption, endpointNameOf } from '../endpoint-flags.js';
import { readUserFile } from '../local-files.js';
import { printData, renderTable } from '../output.js';

/** How often the CLI reads a running profile: a step lasts a second or more. */
const pollMs = 500;

/**
 * `trellis online-deployment profile` (start a load test on the server and follow it step by step)
 * and `show-profile` (a profile kept with the deployment: the latest, or one by --id).
 */
export function registerDeploymentProfile(program: Command): void {
  const deployment = program.commands.find((command) => command.name() === 'online-deployment');
  if (!deployment) throw new Error('online-deployment must be registered before its profile commands');

  const profile = deployment
    .command('profile')
    .description(
      'load-test a deployment in concurrency steps (on the server, against its scoring route): latency p50/p95/p99, throughput, errors, CPU and memory per instance, and the instance type and scale settings that meet the target latency at the target load',
    )
    .requiredOption('-n, --name <name>', 'the deployment')
    .option('-r, --request-file <file>', 'the request each call sends (without it: {})')
    .option('--concurrency <list>', 'concurrent requests per step, e.g. 1,2,4,8', '1,2,4,8')
    .option('--duration <time>', 'how long each step runs: 10s, 10 (seconds) or 2500ms', '10s')
    .option('--target-latency-ms <ms>', 'the p95 latency to stay under', '200')
    .option('--target-rps <n>', 'the load to carry, requests per second (without it: sized for the instances it has)')
    .option('--no-wait', 'return at once with the profile id; follow it with show-profile --id');
  addEndpointNameOption(profile).action(async (options: ProfileFlags, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const endpoint = endpointNameOf(options, 'required');
    const request = options.requestFile ? await readUserFile(options.requestFile, 'pass the path of the request file to send') : '{}';
    let report = await client.startDeploymentProfile(workspace, endpoint, options.name, {
      request,
      concurrency: numbersOf(options.concurrency, '--concurrency'),
      durationSeconds: secondsOf(options.duration),
      targetLatencyMs: numberOf(options.targetLatencyMs, '--target-latency-ms'),
      ...(options.targetRps !== undefined ? { targetRps: numberOf(options.targetRps, '--target-rps') } : {}),
    });
    const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
    progress(
      `profile ${report.id}: ${report.settings.concurrency.length} steps of ${report.settings.durationSeconds} s on ${report.instances} instance(s)`,
    );
    let shown = 0;
    while (options.wait && report.state === 'Running') {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      report = await client.getDeploymentProfile(workspace, endpoint, options.name, report.id);
      for (; shown < report.steps.length; shown++)
        progress(`step ${shown + 1}/${report.settings.concurrency.length}: ${stepLine(report.steps[shown]!)}`);
    }
    printData(output, report, () => profileReport(report));
    if (report.state === 'Failed') process.exitCode = 1;
  });

  const show = deployment
    .command('show-profile')
    .description("a deployment's profile kept with it: the latest, or the one --id names; its steps and recommendation")
    .requiredOption('-n, --name <name>', 'the deployment')
    .option('--id <id>', 'the profile (without it: the latest)');
  addEndpointNameOption(show).action(
    async (options: { name: string; endpointName?: string; endpoint?: string; id?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const endpoint = endpointNameOf(options, 'required');
      const report = options.id
        ? await client.getDeploymentProfile(workspace, endpoint, options.name, options.id)
        : (await client.listDeploymentProfiles(workspace, endpoint, options.name)).items[0];
      if (!report)
        throw new ApiError(
          404,
          'ProfileNotFound',
          `deployment '${options.name}' has no profile yet; start one with: trellis online-deployment profile --name ${options.name} --endpoint-name ${endpoint} --request-file <request.json>`,
        );
      printData(output, report, () => profileReport(report));
    },
  );
}

interface ProfileFlags {
  name: string;
  endpointName?: string;
  endpoint?: string;
  requestFile?: string;
  concurrency: string;
  duration: string;
  targetLatencyMs: string;
  targetRps?: string;
  wait: boolean;
}

type Step = DeploymentProfileBody['steps'][number];

function stepLine(step: Step): string {
  const latency = step.latencyMs
    ? `p50 ${step.latencyMs.p50} ms, p95 ${step.latencyMs.p95} ms, p99 ${step.latencyMs.p99} ms`
    : 'no successful answer';
  return `concurrency ${step.concurrency}: ${step.throughputRps} requests/s, ${latency}, ${step.errors} errors${step.cpuCoresPerInstance === null ? '' : `, ${step.cpuCoresPerInstance} CPU cores and ${step.peakMemoryMiBPerInstance} MiB per instance`}`;
}

/** The steps as a table, then the recommendation and its reasons (or why the profile failed). */
export function profileReport(report: DeploymentProfileBody): string {
  const { settings } = report;
  const lines = [
    `profile ${report.id} of ${report.endpoint}/${report.deployment}: ${report.state}${report.error ? ` — ${report.error}` : ''}`,
    `target: p95 ≤ ${settings.targetLatencyMs} ms${settings.targetRps === null ? '' : ` at ${settings.targetRps} requests/s`}; measured on ${report.instances} instance(s) of ${report.instanceType ?? '(no instance type)'}`,
    renderTable(
      ['CONCURRENCY', 'REQ/S', 'P50 MS', 'P95 MS', 'P99 MS', 'ERRORS', 'CPU/INSTANCE', 'MEMORY MIB'],
      report.steps.map((step) => [
        String(step.concurrency),
        String(step.throughputRps),
        String(step.latencyMs?.p50 ?? '-'),
        String(step.latencyMs?.p95 ?? '-'),
        String(step.latencyMs?.p99 ?? '-'),
        `${step.errors}/${step.requests}`,
        String(step.cpuCoresPerInstance ?? '-'),
        String(step.peakMemoryMiBPerInstance ?? '-'),
      ]),
    ),
  ];
  const recommendation = report.recommendation;
  if (recommendation) {
    lines.push(
      recommendation.isTargetMet
        ? `recommended: instance_type ${recommendation.instanceType ?? '(keep)'}, instance_count ${recommendation.instanceCount}${recommendation.costPerHour === null ? '' : ` ($${recommendation.costPerHour}/h)`}; or scale_settings target_utilization min ${recommendation.scaleSettings?.min_instances} max ${recommendation.scaleSettings?.max_instances} at ${recommendation.scaleSettings?.target_utilization_percentage}%`
        : 'the target cannot be met on this deployment:',
      ...recommendation.reasons.map((reason) => `  - ${reason}`),
    );
  }
  return lines.join('\n');
}

function numberOf(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new ApiError(400, 'InvalidFlag', `${flag}: '${text}' is not a number`);
  return value;
}

function numbersOf(text: string, flag: string): number[] {
  return text.split(',').map((part) => numberOf(part, flag));
}

/** "10s", "10" or "2500ms" → seconds; the server checks the range. */
export function secondsOf(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text);
  if (!match) throw new ApiError(400, 'InvalidFlag', `--duration: '${text}' is not a time; write e.g. 10s, 10 or 2500ms`);
  return match[2] === 'ms' ? Number(match[1]) / 1000 : Number(match[1]);
}
