import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApiError } from '../client/api-error.js';
import { type AdvisorFile, condaReferences, normalizePath, relativeResolver } from '../core/advisor/file-set.js';
import { unlessMissing } from '../core/error-codes.js';
import { isTrellisError } from '../core/errors.js';
import { inlineLocalComponents } from './pipeline-components.js';

/** The files `trellis advisor check -f` reads: each file named, and every .yml, .yaml and .json under each folder named. */
export interface CollectedFiles {
  files: AdvisorFile[];
  /** The files named one by one (not found in a folder): the advisor must read them, not skip them. */
  explicit: Set<string>;
}

const checkedExtensions = /\.(ya?ml|json)$/i;
/** A step naming a component file (`component: ./train.yml`, `trial: file:../sweep.yml`): only then is a pipeline read to put it inline. */
const localComponent = /^\s+(component|trial):\s*['"]?(file:)?[^\s'"{]+\.ya?ml/m;

/**
 * Reads the targets of `advisor check -f`. Names are relative to `cwd` when inside it (as code
 * scanning wants them, from the repository root), else absolute. A conda file a YAML file names
 * by a relative path outside the targets is read too, so the environment's packages are checked.
 */
export async function collectAdvisorFiles(targets: readonly string[], cwd: string): Promise<CollectedFiles> {
  const paths: string[] = [];
  const explicit = new Set<string>();
  const nameOf = (absolute: string) => {
    const inside = relative(cwd, absolute);
    return normalizePath(inside.startsWith('..') || isAbsolute(inside) ? absolute : inside);
  };
  // Each file found in a folder is named by joining names (the folder's, once, then each entry's) rather than by path.relative per file.
  const names = new Map<string, string>();
  for (const target of targets) {
    const absolute = resolve(cwd, target);
    const info = await unlessMissing(stat(absolute));
    if (!info)
      throw new ApiError(400, 'FileNotFound', `'${target}' does not exist; pass Azure ML YAML files, ARM templates or folders of them`);
    if (info.isFile()) {
      paths.push(absolute);
      explicit.add(nameOf(absolute));
      continue;
    }
    const inside = relative(cwd, absolute);
    walkFolder(absolute, inside.startsWith('..') || isAbsolute(inside) ? undefined : inside, paths, names);
  }
  const unique = [...new Set(paths)];
  const files: AdvisorFile[] = [];
  for (const path of unique) {
    const walked = names.get(path);
    files.push({ name: walked === undefined ? nameOf(path) : normalizePath(walked), text: await withComponentsInline(path) });
  }
  // Each name is looked up once: thousands of files may name the same conda file, and one that is
  // not there was an exception (with its stack) each time it was asked for again.
  const looked = new Set(files.map((file) => file.name));
  const resolveConda = relativeResolver();
  for (const file of [...files]) {
    if (!/\.ya?ml$/i.test(file.name)) continue;
    for (const written of condaReferences(file.text)) {
      const name = resolveConda(file.name, written);
      if (looked.has(name)) continue;
      looked.add(name);
      const text = await unlessMissing(readFile(isAbsolute(name) ? name : resolve(cwd, name), 'utf8'));
      if (text !== undefined) files.push({ name, text });
    }
  }
  return { files, explicit };
}

/** Folders a repository holds that are never resources: version control, dependencies, caches. */
const skippedFolders = new Set(['.git', 'node_modules', '__pycache__', '.venv', '.ipynb_checkpoints']);

/**
 * Every .yml, .yaml and .json file under `folder`, sorted within each folder. Synchronous, as one
 * CLI command needs nothing else meanwhile: ten thousand small files are read in a tenth of the time
 * the promise API takes. Symbolic links are not followed (a link could lead out of the repository).
 * `inside`: the folder's path relative to the working directory (undefined when it is outside, and
 * then so is every file under it): each file found is named in `names` as nameOf would name it.
 */
function walkFolder(folder: string, inside: string | undefined, found: string[], names: Map<string, string>): void {
  const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  // `folder` is absolute and normal (resolve made it, or this walk): a name joins it as path.join would.
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  for (const entry of entries) {
    const path = `${prefix}${entry.name}`;
    // As nameOf names it: relative to the working directory, or absolute when that name would start with '..'.
    const relativeName = inside === undefined ? undefined : inside === '' ? entry.name : `${inside}/${entry.name}`;
    const name = relativeName === undefined || relativeName.startsWith('..') ? undefined : relativeName;
    if (entry.isDirectory()) {
      if (!skippedFolders.has(entry.name)) walkFolder(path, name, found, names);
    } else if (entry.isFile() && checkedExtensions.test(entry.name)) {
      found.push(path);
      names.set(path, name ?? path);
    }
  }
}

/**
 * A file's text; a pipeline's with its local component files put inline, as `trellis job create`
 * sends it, so its steps are checked. A pipeline whose components cannot be read is left as written:
 * the advisor then says why it could not check it.
 */
async function withComponentsInline(path: string): Promise<string> {
  const text = readText(path);
  // includes first: most files are no pipeline, and a search for a word is far cheaper than the line-by-line pattern.
  if (!text.includes('pipeline') || !/\.ya?ml$/i.test(path) || !/^type:\s*pipeline\s*$/m.test(text) || !localComponent.test(text))
    return text;
  try {
    return await inlineLocalComponents(text, path);
  } catch (error) {
    if (error instanceof ApiError || isTrellisError(error)) return text;
    throw error;
  }
}

/** Where readText reads a file: resource files are small, and one buffer serves them all. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * A file's text, as readFileSync(path, 'utf8') gives it, in three system calls (open, read, close)
 * into a buffer read again for every file, where readFileSync also asks the file's size and makes a
 * buffer for each: a quarter less time for ten thousand small files. One read(2) of a regular file
 * gives every byte up to the end or to the buffer's size; a file that fills the buffer is read again whole.
 */
function readText(path: string): string {
  const descriptor = openSync(path, 'r');
  let length: number;
  try {
    length = readSync(descriptor, readBuffer, 0, readBuffer.length, 0);
  } finally {
    closeSync(descriptor);
  }
  return length < readBuffer.length ? readBuffer.toString('utf8', 0, length) : readFileSync(path, 'utf8');
}
