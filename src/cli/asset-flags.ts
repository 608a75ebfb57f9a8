import { isAbsolute, resolve } from 'node:path';
import { parseResourceFile } from '../core/azureml/parse-resource-file.js';
import { remoteScheme } from '../core/azureml/paths.js';
import { checkFlagDocument } from './flag-check.js';

/**
 * `trellis model create` and `environment create` without a file, the way `az ml model create
 * --name iris --version 1 --path ./model --type mlflow_model` and `az ml environment create --name
 * env --conda-file conda.yml --image python:3.11` work: the flags become the YAML a file would hold
 * (checked here, so a problem names its flag), which is then applied like any file. Local paths are
 * relative to where the command runs.
 */

export interface ModelFlags {
  name?: string | undefined;
  version?: string | undefined;
  path?: string | undefined;
  type?: string | undefined;
  description?: string | undefined;
}

export interface EnvironmentFlags {
  name?: string | undefined;
  version?: string | undefined;
  image?: string | undefined;
  condaFile?: string | undefined;
  buildContext?: string | undefined;
  dockerfilePath?: string | undefined;
  description?: string | undefined;
}

/** A model file's YAML from the flags; `cwd` anchors a relative --path. */
export function modelYamlFromFlags(flags: ModelFlags, cwd: string): string {
  const document = {
    $schema: 'https://azuremlschemas.azureedge.net/latest/model.schema.json',
    name: flags.name,
    version: flags.version,
    type: flags.type,
    path: flags.path === undefined ? undefined : localOrRemote(flags.path, cwd),
    description: flags.description,
  };
  return checkFlagDocument('model', document, (text, fileName) => parseResourceFile(text, { fileName, expectedKind: 'model' }), {
    name: '--name',
    version: '--version',
    type: '--type',
    path: '--path',
    description: '--description',
  });
}

/** An environment file's YAML from the flags; `cwd` anchors a relative --conda-file or --build-context. */
export function environmentYamlFromFlags(flags: EnvironmentFlags, cwd: string): string {
  const build =
    flags.buildContext === undefined
      ? undefined
      : { path: localOrRemote(flags.buildContext, cwd), ...(flags.dockerfilePath ? { dockerfile_path: flags.dockerfilePath } : {}) };
  const document = {
    $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json',
    name: flags.name,
    version: flags.version,
    image: flags.image,
    conda_file: flags.condaFile === undefined ? undefined : localOrRemote(flags.condaFile, cwd),
    build,
    description: flags.description,
  };
  return checkFlagDocument(
    'environment',
    document,
    (text, fileName) => parseResourceFile(text, { fileName, expectedKind: 'environment' }),
    {
      '': '--image or --build-context',
      name: '--name',
      version: '--version',
      image: '--image',
      conda_file: '--conda-file',
      build: '--build-context',
      'build.path': '--build-context',
      'build.dockerfile_path': '--dockerfile-path',
      description: '--description',
    },
  );
}

/** A URI or asset reference as written; a local path made absolute, since the YAML is written elsewhere. */
function localOrRemote(path: string, cwd: string): string {
  if (remoteScheme(path) !== undefined) return path;
  const local = path.startsWith('file:') ? path.slice('file:'.length) : path;
  return isAbsolute(local) ? local : resolve(cwd, local);
}
