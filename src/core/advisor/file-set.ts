import { detectFileKind } from '../azureml/detect-kind.js';
import { isRemotePath } from '../azureml/paths.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import { isTrellisError, type Problem } from '../errors.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { subjectsFromArmTemplate } from './arm-subjects.js';
import type { StaticSubject } from './static-subject.js';
import { subjectsFromYaml } from './yaml-subjects.js';

/** A file given to `trellis advisor check` (or POST /api/v1/advisor/check): its path as the user names it, and its text. */
export interface AdvisorFile {
  name: string;
  text: string;
}

/** What reading a set of files gave: the subjects of those that are resources, and what was left out or could not be read. */
export interface FileSetReading {
  subjects: StaticSubject[];
  /** Files read as Azure ML YAML or ARM templates (some hold nothing the rules look at, such as a data asset). */
  checked: string[];
  /** Files left out, and why: conda files another file names, and files that are neither Azure ML resources nor ARM templates. */
  skipped: Array<{ file: string; reason: string }>;
  /** Azure ML or ARM files that are not valid: their problems, as applying them would report. */
  invalid: Array<{ file: string; message: string; problems: Problem[] }>;
}

/**
 * Reads files checked together, the way `trellis advisor check` walks a folder. Pure. A YAML file's
 * relative `conda_file:` is looked up among the files (relative to the YAML file's folder) and read
 * as its conda file, so its packages are checked; that conda file is then content, not a resource.
 * A JSON file is read when it is an ARM deployment template; a YAML file when it is an Azure ML file
 * the advisor reads. Others are skipped with the reason, except those named in `explicit`, which are
 * reported invalid (the user asked for them by name).
 */
export function readFileSet(files: readonly AdvisorFile[], options: { explicit?: ReadonlySet<string> } = {}): FileSetReading {
  const byName = new Map(files.map((file) => [normalizePath(file.name), file]));
  const condaOwners = new Map<string, string>();
  const condaOptions = new Map<string, Map<string, unknown>>();
  // Many files name the same conda file: it is parsed once (its content is only read, never changed).
  const condaContents = new Map<string, unknown>();
  const resolve = relativeResolver();
  for (const file of files) {
    if (!isYamlName(file.name)) continue;
    for (const written of condaReferences(file.text)) {
      const target = byName.get(resolve(file.name, written));
      if (!target) continue;
      if (!condaContents.has(target.name)) condaContents.set(target.name, readConda(target));
      const content = condaContents.get(target.name);
      if (content === undefined) continue;
      const map = condaOptions.get(file.name) ?? new Map<string, unknown>();
      map.set(written, content);
      condaOptions.set(file.name, map);
      if (!condaOwners.has(target.name)) condaOwners.set(target.name, file.name);
    }
  }

  const reading: FileSetReading = { subjects: [], checked: [], skipped: [], invalid: [] };
  for (const file of files) {
    const owner = condaOwners.get(file.name);
    if (owner !== undefined) {
      reading.skipped.push({ file: file.name, reason: `the conda file of ${owner}, read with it` });
      continue;
    }
    const outcome = readOne(file, condaOptions.get(file.name));
    if ('subjects' in outcome) {
      reading.checked.push(file.name);
      for (const subject of outcome.subjects) reading.subjects.push(subject);
    } else if ('skip' in outcome && !options.explicit?.has(file.name)) {
      reading.skipped.push({ file: file.name, reason: outcome.skip });
    } else {
      const message = 'skip' in outcome ? `${file.name}: ${outcome.skip}` : outcome.message;
      reading.invalid.push({ file: file.name, message, problems: 'skip' in outcome ? [] : outcome.problems });
    }
  }
  return reading;
}

type Outcome = { subjects: StaticSubject[] } | { skip: string } | { message: string; problems: Problem[] };

function readOne(file: AdvisorFile, condaFiles: ReadonlyMap<string, unknown> | undefined): Outcome {
  if (/\.json$/i.test(file.name)) {
    if (!isArmTemplateText(file.text))
      return { skip: 'a JSON file that is not an ARM deployment template (no $schema deploymentTemplate, no resources)' };
    return attempt(
      () => subjectsFromArmTemplate(file.text, file.name),
      () => undefined,
    );
  }
  return attempt(
    () => subjectsFromYaml(file.text, file.name, condaFiles ? { condaFiles } : {}),
    () => whyNotChecked(file),
  );
}

function attempt(read: () => StaticSubject[], skipReason: () => string | undefined): Outcome {
  try {
    return { subjects: read() };
  } catch (error) {
    if (!isTrellisError(error)) throw error;
    const skip = skipReason();
    return skip === undefined ? { message: error.message, problems: error.problems } : { skip };
  }
}

/** Why a YAML file the advisor could not read is not one it checks at all; undefined when it is one, only invalid. */
function whyNotChecked(file: AdvisorFile): string | undefined {
  let document: Record<string, unknown>;
  try {
    document = parseYaml(file.text, file.name).value;
  } catch {
    // Not YAML at all: reported with the syntax problems the reading found.
    return undefined;
  }
  const type = typeof document.type === 'string' ? document.type.toLowerCase() : '';
  const schema = typeof document.$schema === 'string' ? document.$schema.toLowerCase() : '';
  const job = /\/(command|sweep|pipeline)job\.schema\.json/.exec(schema)?.[1];
  const detection = detectFileKind(document);
  // $schema names another kind of Azure ML file: a pipeline component, a schedule, an MLTable, ...
  if (job === undefined && detection.kind === null && detection.isOtherKind)
    return `not a file the advisor checks: ${detection.problem.message}`;
  if ((job ?? type) === 'pipeline') return unresolvedComponents(document);
  if (['command', 'sweep'].includes(job ?? type) || detection.kind !== null) return undefined;
  return `not a file the advisor checks: ${detection.problem.message}`;
}

/**
 * Why a pipeline's steps cannot be read here: they name registered components (azureml:...), which
 * only the server has, or component files that were not put inline (the CLI puts them inline; a
 * request to the server cannot). Undefined when every step is inline: the pipeline is just invalid.
 */
function unresolvedComponents(document: Record<string, unknown>): string | undefined {
  const jobs = isPlainObject(document.jobs) ? Object.values(document.jobs) : [];
  const named = jobs.flatMap((step) => {
    if (!isPlainObject(step)) return [];
    const reference = String(step.type ?? '').toLowerCase() === 'sweep' ? step.trial : step.component;
    return typeof reference === 'string' ? [reference] : [];
  });
  if (named.some(isRemotePath))
    return 'a pipeline whose steps name registered components (azureml:...): only the server has them, so its steps cannot be checked here';
  if (named.length > 0)
    return 'a pipeline whose steps name component files that were not put inline: trellis advisor check -f reads them from disk';
  return undefined;
}

const armSchema = /"\$schema"\s*:\s*"[^"]*deploymentTemplate/i;

/** An ARM deployment template: its $schema says so, or it is an object with a resources list. */
export function isArmTemplateText(text: string): boolean {
  if (armSchema.test(text)) return true;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && 'resources' in parsed && Array.isArray(parsed.resources);
  } catch {
    // Not JSON: not a template (reading it as one would say why, but it is not asked for).
    return false;
  }
}

function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** The relative conda_file paths a YAML file names (`conda_file: ./conda.yml`), as written. */
export function condaReferences(text: string): string[] {
  const found: string[] = [];
  // Most files name no conda file: a search for the word is far cheaper than the line-by-line pattern.
  if (!text.includes('conda_file:')) return found;
  for (const match of text.matchAll(/^[ \t-]*conda_file:[ \t]*["']?([^"'#\s{][^"'#\n]*?)["']?[ \t]*(?:#.*)?$/gm)) {
    const written = match[1]!.trim();
    if (written !== '' && !isRemotePath(written) && !written.startsWith('/')) found.push(written);
  }
  return found;
}

function readConda(file: AdvisorFile): unknown {
  try {
    return parseYaml(file.text, file.name).value;
  } catch {
    // A conda file that is not YAML: the environment's packages stay unknown, and the file is checked on its own.
    return undefined;
  }
}

/** A path with / separators and no `.` or `..` segments that can be folded. */
export function normalizePath(path: string): string {
  if (isNormalPath(path)) return path;
  const absolute = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.replaceAll('\\', '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(part);
  }
  return `${absolute ? '/' : ''}${parts.join('/')}`;
}

/**
 * resolveRelative for many files: the same folder and path (thousands of files of a folder naming
 * one conda file) resolved once.
 */
export function relativeResolver(): (file: string, relative: string) => string {
  const resolved = new Map<string, Map<string, string>>();
  return (file, relative) => {
    if (!isNormalPath(file)) return resolveRelative(file, relative);
    // A normal name's folder is what precedes its last slash (as resolveRelative finds it); files of one folder share it.
    const folder = file.slice(0, Math.max(file.lastIndexOf('/'), 0));
    let inFolder = resolved.get(folder);
    if (inFolder === undefined) {
      inFolder = new Map();
      resolved.set(folder, inFolder);
    }
    let path = inFolder.get(relative);
    if (path === undefined) {
      path = resolveRelative(file, relative);
      inFolder.set(relative, path);
    }
    return path;
  };
}

/** Most names are normal already (a folder walk makes them so): no backslash, `.` or `..` segment, or empty segment. */
function isNormalPath(path: string): boolean {
  return path !== '' && !/\\|\/\/|(?:^|\/)\.\.?(?:\/|$)|\/$/.test(path);
}

/** `relative` read from the folder of `file`. */
export function resolveRelative(file: string, relative: string): string {
  const folder = normalizePath(file).split('/').slice(0, -1).join('/');
  return normalizePath(folder === '' ? relative : `${folder}/${relative}`);
}
