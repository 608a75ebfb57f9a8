import type { KeyValue } from './entities.js';
import { mlflowError } from './mlflow-error.js';

/**
 * The model registry's own rules, in MLflow's words (mlflow/utils/validation.py and
 * entities/model_registry/model_version_stages.py): names, version numbers, aliases, tags, stages.
 */

/** nameLength is the width of MLflow's registered_models.name column (String(256)). */
export const registryLimits = { nameLength: 256, tagKeyLength: 250, tagValueLength: 100_000, aliasLength: 255 };

export const stages = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof stages)[number];
/** The stages archive_existing_versions may be used with. */
export const activeStages: readonly Stage[] = ['Staging', 'Production'];

/** MLflow 3 keeps prompts in the registry as models with this tag set to 'true'. */
export const promptTag = 'mlflow.prompt.is_prompt';
/** The sources the prompt registry uses, since a prompt version has no files. */
export const promptSources: readonly string[] = ['dummy-source', 'prompt-template'];

/** A stage in any letter case, as MLflow's canonical spelling. */
export function parseStage(value: string): Stage {
  const stage = stages.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!stage)
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid Model Version stage: ${value}. Value must be one of ${stages.join(', ')}.`);
  return stage;
}

/**
 * A registered model name: not blank, no '/' or ':', and the same after path normalization
 * (MLflow may use names as file names). Spaces and other characters are fine, as in MLflow.
 */
export function checkModelName(name: string, path = 'name'): void {
  if (name.trim() === '') throw mlflowError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${path}'.`);
  if (name.includes('/') || name.includes(':'))
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  if (isPathNotUnique(name)) throw mlflowError('INVALID_PARAMETER_VALUE', invalidValue(path, name, badPathMessage(name)));
}

/**
 * A name a registered model is about to take (create, rename): checkModelName, at most 256
 * characters, and no control characters (NUL, newline) or bidirectional controls, which hide or
 * reorder text where the name is shown. Lookups only use checkModelName, so a model that already
 * has such a name can still be found, renamed and deleted.
 */
export function checkNewModelName(name: string, path = 'name'): void {
  if (name.trim() === '') throw mlflowError('INVALID_PARAMETER_VALUE', `Missing value for required parameter '${path}'.`);
  checkModelName(name, path);
  if (name.length > registryLimits.nameLength) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `${exceedsMaximumLength(path, registryLimits.nameLength)} (got ${name.length}); choose a shorter registered model name.`,
    );
  }
  const hidden = hiddenCharacter.exec(name);
  if (hidden) {
    const code = `U+${hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      invalidValue(
        path,
        name,
        `Registered model names cannot contain control or bidirectional formatting characters (found ${code} at position ${hidden.index + 1}); remove it from the name.`,
      ),
    );
  }
}

/** C0/C1 controls (NUL, tab, newline, DEL, ...) and the bidirectional embeddings, overrides, isolates and marks. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point of this pattern.
const hiddenCharacter = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;

/** A version as Python's int() reads it ('3', ' 3', '+3', '03'), so '03' is version 3 as in MLflow. */
export function parseVersionNumber(value: string): number {
  const text = value.trim().replaceAll(/(?<=\d)_(?=\d)/g, '');
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw mlflowError('INVALID_PARAMETER_VALUE', `Parameter 'version' must be an integer, got '${value}'.`);
  }
  return Number(text);
}

/** An alias name: letters, digits, '_' and '-', at most 255 characters. */
export function checkAliasName(alias: string): void {
  if (alias === '') throw mlflowError('INVALID_PARAMETER_VALUE', 'Registered model alias name cannot be empty.');
  if (!/^[\p{L}\p{N}_-]*$/u.test(alias)) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > registryLimits.aliasLength)
    throw mlflowError('INVALID_PARAMETER_VALUE', exceedsMaximumLength('Registered model alias name', registryLimits.aliasLength));
}

/** 'latest' and 'v<number>' read as versions in models:/ URIs, so they cannot be set as aliases. */
export function checkAliasNotReserved(alias: string): void {
  if (alias.toLowerCase() === 'latest') throw mlflowError('INVALID_PARAMETER_VALUE', "'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw mlflowError('INVALID_PARAMETER_VALUE', `Version alias name '${alias}' is reserved.`);
}

/** A tag key of the registry: the characters of run tags, not a path trick. */
export function checkRegistryTagKey(key: string): void {
  if (!/^[/\p{L}\p{N}_.\- :]*$/u.test(key)) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      invalidValue(
        'key',
        key,
        'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
      ),
    );
  }
  if (isPathNotUnique(key)) throw mlflowError('INVALID_PARAMETER_VALUE', invalidValue('key', key, badPathMessage(key)));
}

/** A registered model or model version tag: its key, and MLflow's registry lengths (250 / 100,000). */
export function checkRegistryTag(tag: KeyValue): void {
  checkRegistryTagKey(tag.key);
  if (tag.key.length > registryLimits.tagKeyLength)
    throw mlflowError('INVALID_PARAMETER_VALUE', exceedsMaximumLength('key', registryLimits.tagKeyLength));
  if (tag.value.length > registryLimits.tagValueLength)
    throw mlflowError('INVALID_PARAMETER_VALUE', exceedsMaximumLength('value', registryLimits.tagValueLength));
}

/** Whether tags mark a prompt: the last value of the prompt tag, read as 'true' in any case. */
export function isPromptTagged(tags: readonly KeyValue[]): boolean {
  const value = tags.filter((tag) => tag.key === promptTag).at(-1)?.value;
  return (value ?? 'false').toLowerCase() === 'true';
}

/** posixpath.normpath: collapses '//' and '.', resolves '..' where it can. */
export function normalizePosixPath(path: string): string {
  if (path === '') return '.';
  const leadingSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (leadingSlashes === 0 && parts.length === 0) || parts.at(-1) === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(leadingSlashes) + parts.join('/');
  return joined === '' ? '.' : joined;
}

/** MLflow's path_not_unique: a name that would resolve to another name as a file path. */
export function isPathNotUnique(name: string): boolean {
  const normalized = normalizePosixPath(name);
  return normalized !== name || normalized === '.' || normalized.startsWith('..') || normalized.startsWith('/');
}

function badPathMessage(name: string): string {
  return `Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalizePosixPath(name)}'`;
}

function invalidValue(path: string, value: string, message: string): string {
  return `Invalid value ${JSON.stringify(value)} for parameter '${path}' supplied: ${message}`;
}

function exceedsMaximumLength(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}
