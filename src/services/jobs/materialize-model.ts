import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { listAll } from '../../artifacts/list-all.js';
import { TrellisError } from '../../core/errors.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import type { Context } from '../context.js';
import { materializeContent } from './materialize-content.js';
import { storeKey } from '../tracking/mlflow-artifacts.js';

/**
 * Writes a model asset's files into `target`, wherever they are kept: content uploaded with the
 * asset (`trellis://...`), or a model logged through MLflow (`mlflow-artifacts:/<experiment>/<run>/
 * artifacts/<path>`, the workspace's artifact proxy). Returns the model folder (or file).
 */
export async function materializeModel(context: Context, workspace: string, path: string, target: string): Promise<string> {
  const artifacts = context.artifactsFor(workspace);
  if (parseContentUri(path)) return materializeContent(artifacts, path, target);
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.+)$/.exec(path);
  if (!proxied) throw new TrellisError('UnsupportedModelPath', 422, `the model's files are at '${path}', which this server cannot read; register the model from a local folder (trellis model create) or log it with MLflow to this server`);
  const prefix = storeKey(decodeURIComponent(proxied[1]!).replace(/\/+$/, ''));
  const files = (await listAll(artifacts, prefix, { recursive: true })).filter((item) => !item.isDirectory);
  if (files.length === 0) throw new TrellisError('ModelFilesMissing', 409, `the model's files at '${path}' are gone (nothing under ${prefix})`);
  await mkdir(target, { recursive: true });
  for (const file of files) {
    const local = join(target, ...file.path.slice(prefix.length + 1).split('/'));
    await mkdir(dirname(local), { recursive: true });
    await pipeline(await artifacts.open(file.path), createWriteStream(local));
  }
  return target;
}
