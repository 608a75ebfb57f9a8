import type { CommandJobFields } from '../../core/azureml/parse-job-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import type { StepContent } from '../../core/pipelines/reuse-key.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { digestOf } from '../../core/resources/digest.js';
import type { UploadedContent } from '../../core/resources/uploaded-content.js';
import { findAsset } from '../asset-lookup.js';
import type { Context } from '../context.js';

/**
 * What a step's command job is made of, down to content: its code and data inputs by the digests
 * of their bytes (a data asset by the content its path names, so two versions holding the same
 * bytes are the same input), its environment by the exact version a reference resolves to.
 */
export async function stepContentOf(
  context: Context,
  workspace: string,
  fields: CommandJobFields,
  uploads: Record<string, UploadedContent>,
): Promise<StepContent> {
  const environment = fields.environment;
  let environmentIdentity: string;
  if (typeof environment === 'string') {
    const curated = resolveCuratedEnvironment(environment);
    const found = curated ? undefined : await findAsset(context, workspace, 'environment', environment);
    environmentIdentity = curated ? `${curated.name}:${curated.version}` : found ? `${found.name}:${found.version}` : environment;
  } else environmentIdentity = digestOf(environment);

  const inputs: StepContent['inputs'] = {};
  for (const [name, value] of Object.entries(fields.inputs ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      inputs[name] = { literal: value };
      continue;
    }
    if (!isPlainObject(value)) continue;
    const path = typeof value.path === 'string' ? value.path : undefined;
    if (path === undefined) {
      const literal = value.default;
      if (typeof literal === 'string' || typeof literal === 'number' || typeof literal === 'boolean') inputs[name] = { literal };
      continue;
    }
    inputs[name] = { content: await contentOf(context, workspace, path, String(value.type ?? 'uri_folder'), uploads) };
  }

  const outputs: StepContent['outputs'] = {};
  for (const [name, value] of Object.entries(fields.outputs ?? {}))
    outputs[name] = isPlainObject(value)
      ? { type: String(value.type ?? 'uri_folder'), ...(typeof value.mode === 'string' ? { mode: value.mode } : {}) }
      : { type: 'uri_folder' };

  return {
    command: fields.command,
    code: fields.code ? (uploads[fields.code]?.digest ?? parseContentUri(fields.code)?.digest ?? fields.code) : null,
    environment: environmentIdentity,
    settings: {
      environment_variables: fields.environment_variables ?? {},
      resources: fields.resources ?? {},
      distribution: fields.distribution ?? null,
    },
    inputs,
    outputs,
  };
}

/** The digest of the bytes a data input's path names: uploaded with the pipeline, or a data asset's or model's content. */
async function contentOf(
  context: Context,
  workspace: string,
  path: string,
  type: string,
  uploads: Record<string, UploadedContent>,
): Promise<string> {
  if (remoteScheme(path) === undefined) return uploads[path]?.digest ?? path;
  if (path.startsWith('azureml:') && !path.startsWith('azureml://')) {
    const asset = await findAsset(context, workspace, type.endsWith('_model') ? 'model' : 'data', path);
    if (!asset) return path;
    const stored = typeof asset.spec.path === 'string' ? parseContentUri(asset.spec.path) : undefined;
    return stored?.digest ?? `${asset.name}:${asset.version}`;
  }
  return path;
}
