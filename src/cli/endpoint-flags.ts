import { type Command, Option } from 'commander';
import { ApiError } from '../client/api-error.js';
import type { BatchEndpointBody } from '../client/trellis-client.js';
import { parseBatchEndpoint, parseOnlineEndpoint } from '../core/azureml/parse-endpoint-file.js';
import { checkFlagDocument } from './flag-check.js';

/**
 * The endpoint flags as `az ml` spells them: `--endpoint-name`, `--endpoint` and `-e` are one flag
 * there, as are `--deployment-name`, `--deployment` and `-d` on invoke; and the endpoint a command
 * creates or updates from flags alone (`online-endpoint create -n X`, `batch-endpoint update -n X
 * --set defaults.deployment_name=Y`).
 */

/** Adds `-e, --endpoint-name <name>` and its other spelling `--endpoint <name>`. */
export function addEndpointNameOption(command: Command, description = 'the endpoint'): Command {
  return command
    .option('-e, --endpoint-name <name>', `${description} (also --endpoint)`)
    .addOption(new Option('--endpoint <name>', 'the same as --endpoint-name').hideHelp());
}

/** Adds `-d, --deployment-name <name>` and its other spelling `--deployment <name>`. */
export function addDeploymentNameOption(command: Command, description: string): Command {
  return command
    .option('-d, --deployment-name <name>', `${description} (also --deployment)`)
    .addOption(new Option('--deployment <name>', 'the same as --deployment-name').hideHelp());
}

/** The endpoint named by -e, --endpoint-name or --endpoint; a 400 that names the flag when none is given and one is needed. */
export function endpointNameOf(options: { endpointName?: string | undefined; endpoint?: string | undefined }): string | undefined;
export function endpointNameOf(options: { endpointName?: string | undefined; endpoint?: string | undefined }, required: 'required'): string;
export function endpointNameOf(
  options: { endpointName?: string | undefined; endpoint?: string | undefined },
  required?: 'required',
): string | undefined {
  const name = options.endpointName ?? options.endpoint;
  if (name === undefined && required)
    throw new ApiError(400, 'MissingEndpointName', 'say which endpoint: --endpoint-name <name> (or -e, --endpoint)');
  return name;
}

/** The deployment named by -d, --deployment-name or --deployment. */
export function deploymentNameOf(options: { deploymentName?: string | undefined; deployment?: string | undefined }): string | undefined {
  return options.deploymentName ?? options.deployment;
}

/** `online-endpoint create --name X [--auth-mode key|aml_token]` with no file: the endpoint YAML, checked. */
export function onlineEndpointYamlFromFlags(flags: {
  name: string;
  authMode?: string | undefined;
  description?: string | undefined;
}): string {
  const document = {
    $schema: 'https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json',
    name: flags.name,
    auth_mode: flags.authMode ?? 'key',
    description: flags.description,
  };
  return checkFlagDocument('online endpoint', document, parseOnlineEndpoint, {
    name: '--name',
    auth_mode: '--auth-mode',
    description: '--description',
  });
}

/**
 * The YAML of a batch endpoint as it stands (`current`; none when it is created from flags alone)
 * with the flags applied, checked: what `batch-endpoint create|update --name X` sends without a
 * file. `--set` is applied to this text afterwards, as to a file's.
 */
export function batchEndpointYamlFromFlags(
  flags: { name: string; authMode?: string | undefined; description?: string | undefined },
  current?: BatchEndpointBody,
): string {
  const document = {
    $schema: 'https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json',
    name: flags.name,
    description: flags.description ?? current?.description ?? undefined,
    tags: current && Object.keys(current.tags).length > 0 ? current.tags : undefined,
    auth_mode: flags.authMode ?? current?.authMode,
    defaults: current?.defaultDeployment ? { deployment_name: current.defaultDeployment } : undefined,
  };
  return checkFlagDocument('batch endpoint', document, parseBatchEndpoint, {
    name: '--name',
    auth_mode: '--auth-mode',
    description: '--description',
  });
}
