import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../client/api-error.js';
import type { BatchDeploymentBody, BatchEndpointBody, BatchJobBody, TrellisClient } from '../../client/trellis-client.js';
import { parseBatchDeployment } from '../../core/azureml/parse-endpoint-file.js';
import type { LocalPath } from '../../core/azureml/parse-resource-file.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { skipOutsideLinksFlag, uploadLocalPaths, uploadOptionsFrom } from '../apply-files.js';
import { cliContext } from '../cli-context.js';
import {
  addDeploymentNameOption,
  addEndpointNameOption,
  batchEndpointYamlFromFlags,
  deploymentNameOf,
  endpointNameOf,
} from '../endpoint-flags.js';
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
      .description(
        `${verb} a batch endpoint from Azure ML YAML (batchEndpoint), or ${verb === 'create' ? 'from --name alone' : 'change the stored one with --name and --set alone'}`,
      )
      .option(
        '-f, --file <file>',
        verb === 'create'
          ? 'the endpoint YAML (without it: --name)'
          : 'the endpoint YAML (without it: --set changes the endpoint as it is stored)',
      )
      .option('-n, --name <name>', "the endpoint (overrides the file's)")
      .option('--set <key=value...>', 'override fields, e.g. --set defaults.deployment_name=blue', collect, [])
      .option('--no-wait', 'accepted as az has it; a batch endpoint is ready once the command returns')
      .action(async (options: { file?: string; name?: string; set: string[] }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        let request: { fileName: string; text: string };
        if (options.file) request = { fileName: options.file, text: await readText(options.file) };
        else if (options.name && (verb === 'create' || options.set.length > 0)) {
          const current = verb === 'update' ? await client.getBatchEndpoint(workspace, options.name) : undefined;
          request = {
            fileName: options.set.length > 0 ? '--set' : 'flags',
            text: batchEndpointYamlFromFlags({ name: options.name }, current),
          };
        } else {
          throw new ApiError(
            400,
            'MissingFile',
            verb === 'create'
              ? 'give --file <endpoint.yml>, or --name <endpoint>'
              : 'give --file <endpoint.yml>, or --name with --set field=value (e.g. --set defaults.deployment_name=blue)',
          );
        }
        const text = applySetOverrides(request.text, options.set, request.fileName);
        const result = await client.applyBatchEndpoint(workspace, {
          fileName: request.fileName,
          text,
          ...(options.name ? { name: options.name } : {}),
        });
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
      printData(output, items, () =>
        renderTable(
          ['NAME', 'DEFAULT DEPLOYMENT', 'AUTH', 'STATE'],
          items.map((item) => [item.name, item.defaultDeployment ?? '-', item.authMode, item.state]),
        ),
      );
    });

  endpoint
    .command('delete')
    .description('delete a batch endpoint and its deployments (its jobs and outputs stay)')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .option('-y, --yes', 'accepted as az has it: delete asks nothing')
    .option('--no-wait', 'accepted as az has it: the endpoint is gone when the command returns')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteBatchEndpoint(workspace, options.name);
      printData(output, { deleted: options.name }, () => `deleted batch endpoint ${options.name}`);
    });

  const invoke = endpoint
    .command('invoke')
    .description('score a data asset (azureml:<name>:<version>), a URI, or a local folder (uploaded) in a job')
    .requiredOption('-n, --name <name>', 'the endpoint')
    .requiredOption(
      '-i, --input <input>',
      'azureml:<data>:<version>, azureml://datastores/<name>/paths/<path>, https://..., or a local folder',
    )
    .option('--input-type <type>', 'uri_folder or uri_file', 'uri_folder')
    .option(...skipOutsideLinksFlag);
  addDeploymentNameOption(invoke, "the deployment (default: the endpoint's default)").action(
    async (
      options: { name: string; input: string; inputType: string; deploymentName?: string; deployment?: string; skipOutsideLinks?: boolean },
      command: Command,
    ) => {
      const { client, workspace, output } = cliContext(command);
      const deploymentName = deploymentNameOf(options);
      if (options.inputType !== 'uri_folder' && options.inputType !== 'uri_file')
        throw new ApiError(400, 'InvalidInputType', `--input-type must be uri_folder or uri_file, got '${options.inputType}'`);
      let uploads: Record<string, unknown> = {};
      if (remoteScheme(options.input) === undefined) {
        const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
        const local: LocalPath = { pointer: ['input'], value: options.input, use: 'upload' };
        // Relative paths are relative to where the command runs.
        uploads = (
          await uploadLocalPaths(
            client,
            workspace,
            { file: join(process.cwd(), 'invoke'), parsed: { localPaths: [local] } },
            progress,
            uploadOptionsFrom(options),
          )
        ).uploads;
      }
      const job = await client.invokeBatchEndpoint(workspace, options.name, {
        input: options.input,
        inputType: options.inputType,
        uploads,
        ...(deploymentName ? { deployment: deploymentName } : {}),
      });
      printData(
        output,
        job,
        () =>
          `submitted job ${job.name} (deployment ${job.deployment ?? '-'}, ${job.state}); follow it with: trellis job stream -n ${job.name}\noutput data asset when it ends: ${job.outputDataAsset}`,
      );
    },
  );

  addDeploymentNameOption(
    endpoint
      .command('list-jobs')
      .description("a batch endpoint's scoring jobs, newest first")
      .requiredOption('-n, --name <name>', 'the endpoint'),
    'only this deployment',
  ).action(async (options: { name: string; deploymentName?: string; deployment?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const { items } = await client.listBatchJobs(workspace, options.name, deploymentNameOf(options));
    printData(output, items, () => jobTable(items));
  });

  const deployment = program
    .command('batch-deployment')
    .description('deployments of batch endpoints: a model, a compute, and mini-batch settings');

  for (const verb of ['create', 'update'] as const) {
    const create = deployment
      .command(verb)
      .description(`${verb} a batch deployment from Azure ML YAML (modelBatchDeployment); a local model folder is uploaded`)
      .requiredOption('-f, --file <file>', 'the deployment YAML')
      .option('-n, --name <name>', "the deployment (overrides the file's)");
    addEndpointNameOption(create, "the endpoint (overrides the file's endpoint_name)")
      .option('--set <key=value...>', 'override fields, e.g. --set settings.mini_batch_size=5', collect, [])
      .option('--set-default', "make it the endpoint's default deployment (the one an invoke without --deployment-name runs)")
      .option('--no-wait', 'accepted as az has it; a batch deployment is ready once the command returns')
      .option(...skipOutsideLinksFlag)
      .action(
        async (
          options: {
            file: string;
            name?: string;
            endpointName?: string;
            endpoint?: string;
            set: string[];
            setDefault?: boolean;
            skipOutsideLinks?: boolean;
          },
          command: Command,
        ) => {
          const { client, workspace, output } = cliContext(command);
          const endpointName = endpointNameOf(options);
          const overrides = [
            ...options.set,
            ...(options.name ? [`name=${options.name}`] : []),
            ...(endpointName ? [`endpoint_name=${endpointName}`] : []),
          ];
          const text = applySetOverrides(await readText(options.file), overrides, options.file);
          const parsed = parseBatchDeployment(text, options.file);
          const progress = (line: string) => output === 'table' && process.stderr.write(`${line}\n`);
          const content = await uploadLocalPaths(
            client,
            workspace,
            { file: options.file, parsed: { localPaths: parsed.localPaths } },
            progress,
            uploadOptionsFrom(options),
          );
          const result = await client.applyBatchDeployment(workspace, parsed.spec.endpoint_name, {
            fileName: options.file,
            text,
            ...content,
          });
          const owner = options.setDefault
            ? await setDefaultDeployment(client, workspace, result.deployment.endpoint, result.deployment.name)
            : undefined;
          printData(
            output,
            result.deployment,
            () =>
              `${result.action}: ${deploymentDetail(result.deployment)}${owner ? `\ndefault deployment of ${owner.name}: ${owner.defaultDeployment ?? '(none)'}` : ''}`,
          );
        },
      );
  }

  addEndpointNameOption(
    deployment
      .command('show')
      .description('one batch deployment: model, compute, settings')
      .requiredOption('-n, --name <name>', 'the deployment'),
  ).action(async (options: { name: string; endpointName?: string; endpoint?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const found = await client.getBatchDeployment(workspace, endpointNameOf(options, 'required'), options.name);
    printData(output, found, () => deploymentDetail(found));
  });

  addEndpointNameOption(deployment.command('list').description("a batch endpoint's deployments")).action(
    async (options: { endpointName?: string; endpoint?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listBatchDeployments(workspace, endpointNameOf(options, 'required'));
      printData(output, items, () => deploymentTable(items));
    },
  );

  addEndpointNameOption(
    deployment
      .command('list-jobs')
      .description("a batch deployment's scoring jobs, newest first")
      .requiredOption('-n, --name <name>', 'the deployment'),
  ).action(async (options: { name: string; endpointName?: string; endpoint?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const { items } = await client.listBatchJobs(workspace, endpointNameOf(options, 'required'), options.name);
    printData(output, items, () => jobTable(items));
  });

  const remove = deployment
    .command('delete')
    .description('delete a batch deployment (not the default one while others exist)')
    .requiredOption('-n, --name <name>', 'the deployment')
    .option('-y, --yes', 'accepted as az has it: delete asks nothing')
    .option('--no-wait', 'accepted as az has it: the deployment is gone when the command returns');
  addEndpointNameOption(remove).action(async (options: { name: string; endpointName?: string; endpoint?: string }, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const endpointName = endpointNameOf(options, 'required');
    await client.deleteBatchDeployment(workspace, endpointName, options.name);
    printData(output, { deleted: `${endpointName}/${options.name}` }, () => `deleted batch deployment ${endpointName}/${options.name}`);
  });
}

/** `batch-deployment create --set-default`: the endpoint as stored, with defaults.deployment_name set to the deployment. */
async function setDefaultDeployment(
  client: TrellisClient,
  workspace: string,
  endpointName: string,
  deploymentName: string,
): Promise<BatchEndpointBody> {
  const current = await client.getBatchEndpoint(workspace, endpointName);
  if (current.defaultDeployment === deploymentName) return current;
  const text = applySetOverrides(
    batchEndpointYamlFromFlags({ name: endpointName }, current),
    [`defaults.deployment_name=${deploymentName}`],
    '--set-default',
  );
  return (await client.applyBatchEndpoint(workspace, { fileName: '--set-default', text })).endpoint;
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
  const settings = isPlainObject(deployment.spec.settings) ? deployment.spec.settings : {};
  const shown = ['mini_batch_size', 'max_concurrency_per_instance', 'output_action', 'output_file_name', 'error_threshold']
    .map((key) => `${key} ${JSON.stringify(settings[key] ?? null)}`)
    .join(', ');
  return `batch deployment ${deployment.endpoint}/${deployment.name} (${deployment.state}): model ${modelOf(deployment)} on ${computeOf(deployment)}\n${shown}`;
}

/** The compute a deployment names, as the server sent it ('-' for none). */
function computeOf(deployment: BatchDeploymentBody): string {
  const compute = deployment.spec.compute;
  return typeof compute === 'string' ? compute : '-';
}

function deploymentTable(deployments: BatchDeploymentBody[]): string {
  return renderTable(
    ['NAME', 'MODEL', 'COMPUTE', 'STATE'],
    deployments.map((item) => [item.name, modelOf(item), computeOf(item), item.state]),
  );
}

function jobTable(jobs: BatchJobBody[]): string {
  return renderTable(
    ['JOB', 'DEPLOYMENT', 'STATE', 'SUBMITTED', 'OUTPUT'],
    jobs.map((job) => [job.name, job.deployment ?? '-', job.state, new Date(job.submittedAt).toISOString(), job.outputDataAsset]),
  );
}
