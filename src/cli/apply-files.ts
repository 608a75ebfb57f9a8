import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import type { ApplyResultBody, TrellisClient } from '../client/trellis-client.js';
import { ApiError } from '../client/api-error.js';
import { parseResourceFile, type ParsedResourceFile } from '../core/azureml/parse-resource-file.js';
import { isTrellisError, type Problem } from '../core/errors.js';
import type { ResourceKind } from '../core/resources/kinds.js';
import { unlessMissing } from '../core/error-codes.js';
import { describeSkippedLink, hashFile, refuseLinkedPath, walkFolder, type SkippedLink } from './local-files.js';

export interface PreparedFile {
  file: string;
  text: string;
  parsed: ParsedResourceFile;
}

export interface FileProblems {
  file: string;
  problems: Problem[];
  message?: string;
}

/** The YAML files to apply: the file itself, or every .yml/.yaml under a folder. */
export async function collectYamlFiles(target: string): Promise<string[]> {
  const info = await unlessMissing(stat(target));
  if (!info) throw new ApiError(400, 'FileNotFound', `'${target}' does not exist; pass a YAML file or a folder of them`);
  if (info.isFile()) return [target];
  const found: string[] = [];
  for (const entry of (await readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(target, entry.name);
    if (entry.isDirectory()) found.push(...(await collectYamlFiles(path)));
    else if (['.yml', '.yaml'].includes(extname(entry.name))) found.push(path);
  }
  return found;
}

/**
 * Parses and checks every file (local paths included) before anything is sent: all problems at
 * once. YAML files that another file points to (an environment's conda file, files inside an
 * uploaded folder) are content, not resources, and are left out.
 */
export async function prepareFiles(
  files: string[],
  expectedKind?: ResourceKind,
  rewrite?: (text: string, file: string) => string,
): Promise<{ prepared: PreparedFile[]; failures: FileProblems[] }> {
  const parsedFiles: Array<{ file: string; text: string; parsed?: ParsedResourceFile; failure?: FileProblems }> = [];
  for (const file of files) {
    let text = await readFile(file, 'utf8');
    try {
      if (rewrite) text = rewrite(text, file);
      parsedFiles.push({ file, text, parsed: parseResourceFile(text, { fileName: file, ...(expectedKind ? { expectedKind } : {}) }) });
    } catch (error) {
      if (!isTrellisError(error)) throw error;
      parsedFiles.push({ file, text, failure: { file, problems: error.problems, message: error.message } });
    }
  }
  const referenced = parsedFiles.flatMap(({ file, parsed }) => (parsed?.localPaths ?? []).map((local) => localPathOf(file, local.value)));
  const isContent = (file: string) => referenced.some((path) => resolve(file) === path || resolve(file).startsWith(`${path}/`));

  const prepared: PreparedFile[] = [];
  const failures: FileProblems[] = [];
  for (const { file, text, parsed, failure } of parsedFiles) {
    if (files.length > 1 && isContent(file)) continue;
    if (failure) {
      failures.push(failure);
      continue;
    }
    if (!parsed) continue;
    const missing: Problem[] = [];
    for (const local of parsed.localPaths) {
      const absolute = localPathOf(file, local.value);
      if (!(await unlessMissing(stat(absolute)))) {
        missing.push({
          path: local.pointer.join('.'),
          ...(local.line ? { line: local.line } : {}),
          message: `local path '${local.value}' does not exist (looked for ${absolute}); fix the path, relative to the YAML file`,
        });
      }
    }
    if (missing.length > 0) failures.push({ file, problems: missing });
    else prepared.push({ file, text, parsed });
  }
  return { prepared, failures };
}

export interface FileContent {
  uploads: Record<string, unknown>;
  inlined: Record<string, string>;
}

/** The flag every command that uploads local folders takes (`trellis apply`, `job create`, ...). */
export const skipOutsideLinksFlag = [
  '--skip-outside-links',
  'upload folders without their symbolic links that point outside them (default: refuse such a folder)',
] as const;

export interface UploadOptions {
  /** Leave out links pointing outside an uploaded folder instead of refusing it. */
  skipOutsideLinks?: boolean;
  /** Called for each link left out, with the folder it was in. */
  onSkippedLink?: (link: SkippedLink, folder: string) => void;
}

/** Upload options from a command's flags: links left out are warned about on stderr, whatever the output format. */
export function uploadOptionsFrom(
  flags: { skipOutsideLinks?: boolean },
  onSkippedLink?: (link: SkippedLink, folder: string) => void,
): UploadOptions {
  return {
    skipOutsideLinks: flags.skipOutsideLinks ?? false,
    onSkippedLink: (link, folder) => {
      process.stderr.write(`warning: not uploaded: ${folder}/${describeSkippedLink(link)}\n`);
      onSkippedLink?.(link, folder);
    },
  };
}

/** Uploads the local paths of one file (content-addressed, so re-uploading is harmless) and reads inlined files. */
export async function uploadLocalPaths(
  client: TrellisClient,
  workspace: string,
  item: { file: string; parsed: Pick<ParsedResourceFile, 'localPaths'> },
  onProgress?: (line: string) => void,
  options: UploadOptions = {},
): Promise<FileContent> {
  const uploads: Record<string, unknown> = {};
  const inlined: Record<string, string> = {};
  for (const local of item.parsed.localPaths) {
    const absolute = localPathOf(item.file, local.value);
    await refuseLinkedPath(absolute, local.value);
    if (local.use === 'inline-yaml') inlined[local.value] = await readFile(absolute, 'utf8');
    else uploads[local.value] = await uploadPath(client, workspace, absolute, onProgress, options);
  }
  return { uploads, inlined };
}

/** The workspace a file is applied in: a workspace file names itself. */
export function targetWorkspace(item: PreparedFile, workspace: string): string {
  return item.parsed.kind === 'workspace' ? item.parsed.name : workspace;
}

export function applyOne(
  client: TrellisClient,
  workspace: string,
  item: PreparedFile,
  content: FileContent,
  dryRun: boolean,
): Promise<ApplyResultBody> {
  // The kind goes along: a file without $schema is known by the command that applied it (`trellis workspace create --file`).
  return client.apply(targetWorkspace(item, workspace), {
    fileName: item.file,
    text: item.text,
    kind: item.parsed.kind,
    ...content,
    dryRun,
  });
}

async function uploadPath(
  client: TrellisClient,
  workspace: string,
  absolute: string,
  onProgress: ((line: string) => void) | undefined,
  options: UploadOptions,
): Promise<unknown> {
  const info = await stat(absolute);
  if (info.isFile()) {
    const uploaded = await uploadOne(client, workspace, absolute);
    onProgress?.(`  uploaded ${absolute} (${formatBytes(uploaded.size)}${uploaded.isNew ? '' : ', already stored'})`);
    return { type: 'file', digest: uploaded.digest, size: uploaded.size, fileName: basename(absolute) };
  }
  const { files, skipped } = await walkFolder(absolute, { skipOutsideLinks: options.skipOutsideLinks ?? false });
  for (const link of skipped) options.onSkippedLink?.(link, absolute);
  const manifest = [];
  let stored = 0;
  for (const file of files) {
    const uploaded = await uploadOne(client, workspace, file.absolutePath);
    if (uploaded.isNew) stored++;
    manifest.push({ path: file.path, digest: uploaded.digest, size: uploaded.size });
  }
  const folder = await client.uploadFolder(workspace, { files: manifest });
  const left = skipped.length > 0 ? `; ${skipped.length} link${skipped.length === 1 ? '' : 's'} not uploaded` : '';
  onProgress?.(`  uploaded ${absolute}/ (${files.length} files, ${formatBytes(folder.size)}; ${stored} new${left})`);
  return { type: 'folder', digest: folder.digest, size: folder.size, fileCount: folder.fileCount, name: basename(absolute) };
}

/** Hashes first and skips bytes the server already has: the same content is sent and stored once. */
async function uploadOne(
  client: TrellisClient,
  workspace: string,
  path: string,
): Promise<{ digest: string; size: number; isNew: boolean }> {
  const digest = await hashFile(path);
  const existing = await client.contentInfo(workspace, digest);
  if (existing) return { digest, size: existing.size, isNew: false };
  return client.uploadFile(workspace, createReadStream(path), digest);
}

function localPathOf(yamlFile: string, value: string): string {
  const path = value.startsWith('file:') ? value.slice('file:'.length) : value;
  return isAbsolute(path) ? path : resolve(dirname(yamlFile), path);
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
