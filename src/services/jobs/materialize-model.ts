import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { listAll } from '../../artifacts/list-all.js';
import { TrellisError } from '../../core/errors.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import type { Context } from '../context.js';
import { materializeContent } from './materialize-content.js';
import { proxiedFolder, storeKey } from '../tracking/mlflow-artifacts.js';

/** A model written to disk as Azure ML lays it out. */
export interface MaterializedModel {
  /** AZUREML_MODEL_DIR: the folder that holds the model's own file or folder. */
  root: string;
  /** The model itself under `root`: its folder (`<root>/model`) or its single file (`<root>/model.pkl`). */
  path: string;
}

/** A folder model registered before folders kept their names is laid out under this one. */
const unnamedFolder = 'model';

/**
 * Writes a model asset's files under `target` as Azure ML lays a model out under
 * AZUREML_MODEL_DIR: a single-file model as `<target>/<file>`, a folder model as
 * `<target>/<its folder name>/...` (`$AZUREML_MODEL_DIR/model/...` for one made from
 * `path: ../model/`), wherever the files are kept: content uploaded with the asset
 * (`trellis://...`), or a model logged through MLflow (`mlflow-artifacts:/<experiment>/<run>/
 * artifacts/<path>`, the workspace's artifact proxy), named by the last part of its artifact path.
 */
export async function materializeModel(context: Context, workspace: string, path: string, target: string): Promise<MaterializedModel> {
  const artifacts = context.artifactsFor(workspace);
  const content = parseContentUri(path);
  if (content?.type === 'file') return { root: target, path: await materializeContent(artifacts, path, target) };
  if (content?.type === 'folder')
    return { root: target, path: await materializeContent(artifacts, path, join(target, content.folderName ?? unnamedFolder)) };
  const proxied = proxiedFolder(path);
  if (!proxied)
    throw new TrellisError(
      'UnsupportedModelPath',
      422,
      `the model's files are at '${path}', which this server cannot read; register the model from a local folder (trellis model create) or log it with MLflow to this server`,
    );
  const prefix = storeKey(decodeURIComponent(proxied));
  const files = (await listAll(artifacts, prefix, { recursive: true })).filter((item) => !item.isDirectory);
  if (files.length === 0)
    throw new TrellisError('ModelFilesMissing', 409, `the model's files at '${path}' are gone (nothing under ${prefix})`);
  const folder = join(target, prefix.split('/').pop() || unnamedFolder);
  await mkdir(folder, { recursive: true });
  for (const file of files) {
    const local = join(folder, ...file.path.slice(prefix.length + 1).split('/'));
    await mkdir(dirname(local), { recursive: true });
    await pipeline(await artifacts.open(file.path), createWriteStream(local));
  }
  return { root: target, path: folder };
}
