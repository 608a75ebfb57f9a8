import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack, type Extract, type Header, type Pack } from 'tar-stream';
import { TrellisError } from '../../core/errors.js';
import { hasCode } from '../../core/error-codes.js';

/**
 * The two tar archives that carry an attempt between Trellis and its pods: the prepared folder
 * going out (code, inputs, checkpoints, logs so far), and what the attempt left coming back
 * (logs, outputs, checkpoints), unpacked so that finalize-attempt finds them exactly where a
 * local run leaves them. What comes back is untrusted: it is unpacked into a staging folder,
 * only into the folders a pod may send, never through `..`, an absolute path or a link, and
 * moved into place only once the whole archive has been read, so a refused archive changes nothing.
 */

/** Top-level names in an attempt's folder that are Trellis's own: results being unpacked. */
export const stagingPrefix = '.results-';

/**
 * `root` as a tar stream of its directories and regular files, modes and times kept; links,
 * special files and results still being unpacked are left out, and, given `only`, every top-level
 * entry not named there.
 */
export function packFolder(root: string, options: { only?: readonly string[] } = {}): Readable {
  const pack = tarPack();
  void addTree(pack, root, '', options.only).then(
    () => pack.finalize(),
    (error: unknown) => pack.destroy(error as Error),
  );
  // tar-stream's streams are streamx streams; HTTP servers want a Node stream.
  return Readable.from(pack);
}

/** One entry of an archive being read: its header and a stream of its content. */
type Entry = Extract extends AsyncIterable<infer Source> ? Source : never;

async function addTree(pack: Pack, root: string, prefix: string, only?: readonly string[]): Promise<void> {
  const entries = (await readdir(join(root, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (!prefix && entry.name.startsWith(stagingPrefix)) continue;
    if (!prefix && only && !only.includes(entry.name)) continue;
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    const path = join(root, name);
    const info = await lstat(path);
    if (info.isDirectory()) {
      await addEntry(pack, { name: `${name}/`, type: 'directory', mode: info.mode & 0o7777, mtime: info.mtime });
      await addTree(pack, root, name);
    } else if (info.isFile()) {
      await addEntry(pack, { name, type: 'file', size: info.size, mode: info.mode & 0o7777, mtime: info.mtime }, path);
    }
  }
}

function addEntry(pack: Pack, header: Partial<Header> & Pick<Header, 'name'>, file?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
    // A directory entry has no body: tar-stream writes it and calls back on its own.
    if (file) pipeline(createReadStream(file), sink).catch(reject);
  });
}

export interface UnpackOptions {
  /** The folders (relative, '/'-separated) an archive may write into; anything else is refused. */
  folders: readonly string[];
  /** Most bytes of file content accepted; more is refused with 413. */
  maxBytes: number;
}

export interface UnpackResult {
  files: number;
  bytes: number;
  /** Entries that were not written: links, devices and other special files. */
  skipped: string[];
}

/**
 * Unpacks a results archive into `root`, merging into what is there (each pod of a multi-node
 * attempt sends its own logs; a retried upload writes the same files again). Throws a
 * TrellisError (422 for an unsafe or unexpected entry, 413 past maxBytes) and leaves `root`
 * unchanged when the archive is refused.
 */
export async function unpackResults(source: Readable, root: string, options: UnpackOptions): Promise<UnpackResult> {
  const staging = await mkdtemp(join(root, stagingPrefix));
  const extract = tarExtract();
  const onSourceError = (error: Error) => extract.destroy(error);
  source.on('error', onSourceError);
  source.pipe(extract);
  const result: UnpackResult = { files: 0, bytes: 0, skipped: [] };
  try {
    try {
      for await (const entry of extract) await take(entry, staging, options, result);
    } catch (error) {
      if (error instanceof TrellisError) throw error;
      throw new TrellisError(
        'InvalidArchive',
        422,
        `the results archive could not be read: ${(error as Error).message}; send a tar archive (tar -c user_logs outputs checkpoints code/outputs)`,
        { cause: error },
      );
    }
    await mergeInto(staging, root, '');
    return result;
  } finally {
    // A refused archive is not read further; the request's answer says why.
    source.unpipe(extract);
    source.off('error', onSourceError);
    await rm(staging, { recursive: true, force: true });
  }
}

async function take(entry: Entry, staging: string, options: UnpackOptions, result: UnpackResult): Promise<void> {
  const { header } = entry;
  const name = safeName(header.name);
  const type = header.type ?? 'file';
  if (name === '' || options.folders.some((folder) => folder.startsWith(`${name}/`))) {
    // The archive's root, or a folder above an allowed one (code/ of code/outputs): nothing to write.
    return drain(entry);
  }
  if (!options.folders.some((folder) => name === folder || name.startsWith(`${folder}/`))) {
    throw new TrellisError(
      'UnexpectedArchiveEntry',
      422,
      `the results archive holds '${name}', outside the folders a pod sends back (${options.folders.map((folder) => `${folder}/`).join(', ')})`,
    );
  }
  const target = join(staging, ...name.split('/'));
  if (type === 'directory') {
    await mkdir(target, { recursive: true });
    return drain(entry);
  }
  if (type !== 'file' && type !== 'contiguous-file') {
    result.skipped.push(`${name} (${type})`);
    return drain(entry);
  }
  const size = header.size ?? 0;
  if (result.bytes + size > options.maxBytes) {
    throw new TrellisError(
      'ArchiveTooLarge',
      413,
      `the results archive holds more than ${options.maxBytes} bytes of files; raise max_upload_bytes in the server's config.yaml, or write less into outputs/ and checkpoints/`,
    );
  }
  await mkdir(dirname(target), { recursive: true });
  // Executable bits are kept; nothing else (no set-id bits, nothing only the owner may read).
  await pipeline(entry, createWriteStream(target, { mode: 0o644 | ((header.mode ?? 0) & 0o111) }));
  result.files += 1;
  result.bytes += size;
}

/** An entry's name as a relative '/'-separated path ('' for the root); throws for absolute paths and `..`. */
function safeName(raw: string): string {
  const unsafe = () =>
    new TrellisError('UnsafeArchiveEntry', 422, `the results archive holds '${raw}': entries must be relative paths without '..'`);
  if (raw.startsWith('/') || raw.includes('\\') || raw.includes('\0')) throw unsafe();
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw unsafe();
  return segments.join('/');
}

async function drain(entry: Entry): Promise<void> {
  for await (const _chunk of entry) {
    // Skipped content: read and dropped.
  }
}

/** Moves the staged tree into `root`, file by file; a link or file where a folder must go is replaced, never followed. */
async function mergeInto(staging: string, root: string, relative: string): Promise<void> {
  for (const entry of await readdir(join(staging, relative), { withFileTypes: true })) {
    const name = relative ? `${relative}/${entry.name}` : entry.name;
    const target = join(root, name);
    // ENOENT: nothing there yet; any other error stops the merge, and the upload's answer says why.
    const existing = await lstat(target).catch((error: unknown) => {
      if (hasCode(error, 'ENOENT')) return undefined;
      throw error;
    });
    if (entry.isDirectory()) {
      if (existing && !existing.isDirectory()) await rm(target, { force: true });
      if (!existing?.isDirectory()) await mkdir(target);
      await mergeInto(staging, root, name);
    } else {
      if (existing?.isDirectory()) await rm(target, { recursive: true, force: true });
      await rename(join(staging, name), target);
    }
  }
}
