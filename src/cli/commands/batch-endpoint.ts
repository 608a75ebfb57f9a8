import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { BatchDeploymentBody, BatchEndpointBody, BatchJobBody } from '../../client/trellis-client.js';
import { parseBatchDeployment } from '../../core/azureml/parse-endpoint-file.js';
import type { LocalPath } from '../../core/azureml/parse-resource-file.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { isTrellisError } from '../../core/errors.js';
import { uploadLocalPaths } from '../apply-files.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/**
 * `trellis batch-endpoint create|update|show|list|delete|invoke|list-jobs` and
 * `trellis batch-deployment create|update|show|list|delete`, as `az ml` has them. An invocation
 * is a scoring job (see `trellis job show|stream`); its output is a data asset.
 */
export function registerBatchEndpoints(program: Command): void {
  const endpoint = program.command('batch-endpoint').description('batch endpoints: score a data asset or folder in a job, in mini-batches');

  for (const verb of ['create', 'update'] as const) {
    endpoint
      .command(verb)
      .description(`${verb} a batch endpoint from Azure ML YAML (batchEndpoint)`)
      .requiredOption('-f, --file <file>', 'the endpoint YAML')
      .option('-n, --name <name>', "the endpoint (overrides the file's)")
      .option('--set <key=value...>', 'override fields, e.g. --set defaults.deployment_name=blue', collect, [])
      .action(async (options: { file: string; name?: string; set: string[] }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        const text = applySetOverridesForCli(await readText(options.file), options.set, options.file);
        const result = await client.applyBatchEndpoint(workspace, { fileName: options.file, text, ...(options.name ? { name: options.name } : {}) });
        printData(output, result.endpoint, () => `${result.action}: ${endpointDetail(result.endpoint)}`);
      });
  }

  endpoint
    .command('show')
    .description('one batch endpoint and its deployments')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getBatchEndpoint(workspace, options.name);
      const deployments = (await client.listBatchDeployments(workspace, options.name)).items;
      printData(output, { ...found, deployments }, () => `${endpointDetail(found)}\n\n${deploymentTable(deployments)}`);
    });

  endpoint
    .command('list')
    .description('list batch endpoints')
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listBatchEndpoints(workspace);
      printData(output, items, () => renderTable(['NAME', 'DEFAULT DEPLOYMENT', 'AUTH', 'STATE'], items.map((item) => [item.name, item.defaultDeployment ?? '-', item.authMode, item.state])));
    });

  endpoint
    .command('delete')
    .description('delete a batch endpoint and its deployments (its jobs and outputs stay)')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteBatchEndpoint(workspace, options.name);
      printData(output, { deleted: options.name }, () => `deleted batch endpoint ${options.name}`);
    });

  endpoint
    .command('invoke')
    .description('score a data asset (azureml:<name>:<version>), a URI, or a local folder (uploaded) in a job')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .requiredOption('-i, --input <input>', 'azureml:<data>:<version>, https://..., or a local folder')
    .option('--input-type <type>', 'uri_folder or uri_file', 'uri_folder')
    .option('-d, --deployment-name <name>', "the deployment (default: the endpoint's default)")
    .action(async (options: { name: string; input: string; inputType: string; deploymentName?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      if (options.inputType !== 'uri_folder' && options.inputType !== 'uri_file') throw new ApiError(400, 'InvalidInputType', `--input-type must be uri_folder or uri_file, got '${options.inputType}'`);
      let uploads: Record<string, unknown> = {};
      if (remoteScheme(options.input) === undefined) {
        const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
        const local: LocalPath = { pointer: ['input'], value: options.input, use: 'upload' };
        // Relative paths are relative to where the command runs.
        uploads = (await uploadLocalPaths(client, workspace, { file: join(process.cwd(), 'invoke'), parsed: { localPaths: [local] } }, progress)).uploads;
      }
      const job = await client.invokeBatchEndpoint(workspace, options.name, { input: options.input, inputType: options.inputType, uploads, ...(options.deploymentName ? { deployment: options.deploymentName } : {}) });
      printData(output, job, () => `submitted job ${job.name} (deployment ${job.deployment ?? '-'}, ${job.state}); follow it with: trellis job stream -n ${job.name}\noutput data asset when it ends: ${job.outputDataAsset}`);
    });

  endpoint
    .command('list-jobs')
    .description("a batch endpoint's scoring jobs, newest first")
    .requiredOption('-n, --name <name>', 'the endpoint')
    .option('-d, --deployment-name <name>', 'only this deployment')
    .action(async (options: { name: string; deploymentName?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listBatchJobs(workspace, options.name, options.deploymentName);
      printData(output, items, () => jobTable(items));
    });

  const deployment = program.command('batch-deployment').description('deployments of batch endpoints: a model, a compute, and mini-batch settings');

  for (const verb of ['create', 'update'] as const) {
    deployment
      .command(verb)
      .description(`${verb} a batch deployment from Azure ML YAML (modelBatchDeployment); a local model folder is uploaded`)
      .requiredOption('-f, --file <file>', 'the deployment YAML')
      .option('-n, --name <name>', "the deployment (overrides the file's)")
      .option('-e, --endpoint-name <name>', "the endpoint (overrides the file's endpoint_name)")
      .option('--set <key=value...>', 'override fields, e.g. --set settings.mini_batch_size=5', collect, [])
      .action(async (options: { file: string; name?: string; endpointName?: string; set: string[] }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        const overrides = [...options.set, ...(options.name ? [`name=${options.name}`] : []), ...(options.endpointName ? [`endpoint_name=${options.endpointName}`] : [])];
        const text = applySetOverridesForCli(await readText(options.file), overrides, options.file);
        let parsed;
        try {
          parsed = parseBatchDeployment(text, options.file);
        } catch (error) {
          if (isTrellisError(error)) throw new ApiError(error.status, error.code, error.message, error.problems);
          throw error;
        }
        const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
        const content = await uploadLocalPaths(client, workspace, { file: options.file, parsed: { localPaths: parsed.localPaths } }, progress);
        const result = await client.applyBatchDeployment(workspace, parsed.spec.endpoint_name, { fileName: options.file, text, uploads: content.uploads });
        printData(output, result.deployment, () => `${result.action}: ${deploymentDetail(result.deployment)}`);
      });
  }

  deployment
    .command('show')
    .description('one batch deployment: model, compute, settings')
    .requiredOption('-n, --name <name>', 'the deployment')
    .requiredOption('-e, --endpoint-name <name>', 'the endpoint')
    .action(async (options: { name: string; endpointName: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getBatchDeployment(workspace, options.endpointName, options.name);
      printData(output, found, () => deploymentDetail(found));
    });

  deployment
    .command('list')
    .description("a batch endpoint's deployments")
    .requiredOption('-e, --endpoint-name <name>', 'the endpoint')
    .action(async (options: { endpointName: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listBatchDeployments(workspace, options.endpointName);
      printData(output, items, () => deploymentTable(items));
    });

  deployment
    .command('delete')
    .description('delete a batch deployment (not the default one while others exist)')
    .requiredOption('-n, --name <name>', 'the deployment')
    .requiredOption('-e, --endpoint-name <name>', 'the endpoint')
    .action(async (options: { name: string; endpointName: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteBatchDeployment(workspace, options.endpointName, options.name);
      printData(output, { deleted: `${options.endpointName}/${options.name}` }, () => `deleted batch deployment ${options.endpointName}/${options.name}`);
    });
}

function applySetOverridesForCli(text: string, overrides: string[], file: string): string {
  try {
    return applySetOverrides(text, overrides, file);
  } catch (error) {
    if (isTrellisError(error)) throw new ApiError(error.status, error.code, error.message, error.problems);
    throw error;
  }
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ApiError(400, 'FileNotReadable', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function endpointDetail(endpoint: BatchEndpointBody): string {
  return `batch endpoint ${endpoint.name} (${endpoint.state}), auth ${endpoint.authMode}, default deployment ${endpoint.defaultDeployment ?? '(none)'}`;
}

function modelOf(deployment: BatchDeploymentBody): string {
  const model = deployment.lineage.model as { name: string; version: string } | null | undefined;
  return model ? `${model.name}:${model.version}` : '-';
}

function deploymentDetail(deployment: BatchDeploymentBody): string {
  const settings = (deployment.spec.settings ?? {}) as Record<string, unknown>;
  const shown = ['mini_batch_size', 'max_concurrency_per_instance', 'output_action', 'output_file_name', 'error_threshold'].map((key) => `${key} ${JSON.stringify(settings[key] ?? null)}`).join(', ');
  return `batch deployment ${deployment.endpoint}/${deployment.name} (${deployment.state}): model ${modelOf(deployment)} on ${String(deployment.spec.compute ?? '-')}\n${shown}`;
}

function deploymentTable(deployments: BatchDeploymentBody[]): string {
  return renderTable(['NAME', 'MODEL', 'COMPUTE', 'STATE'], deployments.map((item) => [item.name, modelOf(item), String(item.spec.compute ?? '-'), item.state]));
}

function jobTable(jobs: BatchJobBody[]): string {
  return renderTable(['JOB', 'DEPLOYMENT', 'STATE', 'SUBMITTED', 'OUTPUT'], jobs.map((job) => [job.name, job.deployment ?? '-', job.state, new Date(job.submittedAt).toISOString(), job.outputDataAsset]));
}
