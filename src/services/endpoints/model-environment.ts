import type { Readable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { parseFolderManifest } from '../../artifacts/folder-manifest.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import type { EnvironmentSpec } from '../../core/environments/environment-spec.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import type { Deployment } from '../../core/endpoints/endpoint.js';
import { isTrellisError } from '../../core/errors.js';
import {
  condaFileOfMlmodel,
  mlflowModelEnvironment,
  mlflowModelEnvironmentName,
} from '../../core/environments/mlflow-model-environment.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { Context } from '../context.js';
import { environmentSpecOf } from '../environments/build-environment.js';
import { proxiedFolder, storeKey } from '../tracking/mlflow-artifacts.js';

/**
 * The environment of a no-code MLflow model, built from the conda file saved with it (as Azure ML
 * builds one for such a deployment), read from wherever the model's files are kept: an uploaded
 * folder or the MLflow artifact proxy. Undefined when the model has no MLmodel or conda file (the
 * caller falls back to the curated scikit-learn environment).
 */
export async function mlflowModelEnvironmentOf(
  context: Context,
  workspace: string,
  model: Pick<ResourceOf<'model'>, 'spec'>,
): Promise<EnvironmentSpec | undefined> {
  const read = await modelFileReader(context, workspace, model.spec.path);
  const mlmodel = await read('MLmodel');
  if (mlmodel === undefined) return undefined;
  const condaFile = condaFileOfMlmodel(yamlOrUndefined(context, mlmodel, `the MLmodel of ${model.spec.path}`));
  const conda = await read(condaFile);
  const parsed = conda === undefined ? undefined : yamlOrUndefined(context, conda, `${condaFile} of ${model.spec.path}`);
  return isPlainObject(parsed) ? mlflowModelEnvironment(parsed) : undefined;
}

/**
 * Reads files of a stored model (paths relative to the model folder; undefined for a file it does
 * not have), wherever it is kept: an uploaded folder (its manifest read once) or the artifact proxy.
 */
async function modelFileReader(
  context: Context,
  workspace: string,
  modelPath: string,
): Promise<(relative: string) => Promise<string | undefined>> {
  const artifacts = context.artifactsFor(workspace);
  const content = parseContentUri(modelPath);
  if (content?.type === 'folder') {
    const manifest = parseFolderManifest(JSON.parse(await readText(await artifacts.openContent(content.digest))));
    return async (relative) => {
      const file = manifest.files.find((candidate) => candidate.path === relative);
      return file ? readText(await artifacts.openContent(file.digest)) : undefined;
    };
  }
  const folder = proxiedFolder(modelPath);
  if (!folder) return async () => undefined;
  const prefix = storeKey(decodeURIComponent(folder));
  return (relative) =>
    artifacts.open(`${prefix}/${relative}`).then(readText, (error: unknown) => {
      if (isTrellisError(error) && error.code === 'ArtifactNotFound') return undefined;
      context.logger.warn(
        { err: error, workspace, file: `${prefix}/${relative}` },
        `model environment: ${relative} of ${modelPath} could not be read; the model is served as if it had none`,
      );
      return undefined;
    });
}

/** The YAML of `text`; undefined, and said in the log, when it is not YAML (the caller then falls back to the curated environment). */
function yamlOrUndefined(context: Context, text: string, what: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    context.logger.warn({ err: error }, `model environment: ${what} is not valid YAML; the model's environment is not read from it`);
    return undefined;
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The environment a deployment's model runs in, as its lineage fixed it: a curated one, an
 * environment asset's exact version, the inline spec of the deployment file, the one saved with a
 * no-code MLflow model, or (naming none) the curated scikit-learn one, which holds mlflow.
 */
export async function deploymentEnvironmentSpec(
  context: Context,
  deployment: Pick<Deployment, 'workspace' | 'lineage' | 'spec'>,
  model: Pick<ResourceOf<'model'>, 'spec'> | undefined,
): Promise<EnvironmentSpec> {
  const environment = deployment.lineage.environment;
  const fallback = resolveCuratedEnvironment('trellis-python-sklearn')!.spec;
  if (!environment) return fallback;
  if (environment.name === mlflowModelEnvironmentName)
    return (model ? await mlflowModelEnvironmentOf(context, deployment.workspace, model) : undefined) ?? fallback;
  const inline = deployment.spec.environment;
  if (environment.name.startsWith('inline-'))
    return isPlainObject(inline) ? environmentSpecOf(context, deployment.workspace, { inline: true, digest: '' }, inline) : fallback;
  return environmentSpecOf(
    context,
    deployment.workspace,
    { name: environment.name, version: environment.version ?? '', curated: environment.curated },
    inline,
  );
}
