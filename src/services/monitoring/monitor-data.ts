import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { parseFolderManifest } from '../../artifacts/folder-manifest.js';
import { collectedFolder } from '../../core/endpoints/data-collection.js';
import { readDelimitedTable } from '../../core/endpoints/tabular-plan.js';
import { TrellisError } from '../../core/errors.js';
import type { DataSource } from '../../core/monitoring/monitor-definition.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { parse as parseYamlText } from 'yaml';
import { existingNames, findAsset } from '../asset-lookup.js';
import type { Context } from '../context.js';

/**
 * The files a monitor's signal reads, wherever they are: a deployment's collected payloads (JSON
 * lines in hourly folders of the workspace's artifact store), or a data asset stored in Trellis
 * (an uploaded file or folder, an MLTable over delimited files, or a folder of the artifact
 * store named by `azureml://datastores/workspaceartifactstore/paths/...`). Each file has a key
 * that changes when its bytes do, so its summary can be kept and reused.
 */

/** How a file's lines become rows. */
export type FileFormat = { kind: 'jsonl' } | { kind: 'delimited'; delimiter: string; header: boolean };

export interface DataFile {
  /** Stable for the same bytes: `content:<digest>` or `object:<path>:<size>`. */
  key: string;
  /** For messages: the file's path within its source. */
  name: string;
  format: FileFormat;
  /** The start of the hour its payloads were collected in (collected files); null otherwise. */
  hourAt: number | null;
  open(): Promise<Readable>;
}

export interface SourceFiles {
  files: DataFile[];
  /** The source in words, for results and messages. */
  description: string;
}

const collectedHour = /\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/;
const readable = /\.(csv|tsv|txt|jsonl|json|ndjson)$/i;

/** The files of a source; `hourRange` (collected only) skips hour folders wholly outside [from, to). */
export async function sourceFiles(
  context: Context,
  workspace: string,
  source: DataSource,
  hourRange?: { from: number; to: number },
): Promise<SourceFiles> {
  if (source.kind === 'collected') {
    const prefix = collectedFolder(source.endpoint, source.deployment, source.collection);
    return {
      files: await objectFiles(context, workspace, prefix, hourRange),
      description: `${source.collection} collected from ${source.endpoint}/${source.deployment}`,
    };
  }
  const asset = await findAsset(context, workspace, 'data', source.reference);
  if (!asset)
    throw new TrellisError(
      'DataNotFound',
      404,
      `data asset '${source.reference}' does not exist in workspace '${workspace}'; data assets: ${await existingNames(context, workspace, 'data')}`,
    );
  const path = asset.spec.path;
  const description = `azureml:${asset.name}:${asset.version}`;
  const objects = /^azureml:\/\/datastores\/workspaceartifactstore\/paths\/(.+?)\/?$/.exec(path);
  if (objects?.[1]) return { files: await objectFiles(context, workspace, objects[1], hourRange), description };
  const content = parseContentUri(path);
  if (!content)
    throw new TrellisError(
      'UnsupportedData',
      422,
      `data asset ${description} is at '${path}', which Trellis does not read for monitoring: register the data from local files (path: ./data) so it is stored in Trellis`,
    );
  const artifacts = context.artifactsFor(workspace);
  if (content.type === 'file') {
    const name = content.fileName;
    return {
      files: [
        { key: `content:${content.digest}`, name, format: formatOf(name), hourAt: null, open: () => artifacts.openContent(content.digest) },
      ],
      description,
    };
  }
  const manifest = parseFolderManifest(JSON.parse(await readAllText(await artifacts.openContent(content.digest))));
  const byPath = new Map(manifest.files.map((file) => [file.path, file]));
  const fileOf = (path: string, format: FileFormat): DataFile => {
    const file = byPath.get(path)!;
    return {
      key: `content:${file.digest}:${formatKey(format)}`,
      name: path,
      format,
      hourAt: null,
      open: () => artifacts.openContent(file.digest),
    };
  };
  const mltable = byPath.get('MLTable');
  if (mltable || source.type === 'mltable') {
    if (!mltable)
      throw new TrellisError('UnsupportedData', 422, `data asset ${description} is used as an mltable but its folder has no MLTable file`);
    const table = readDelimitedTable(parseYamlText(await readAllText(await artifacts.openContent(mltable.digest))) as unknown);
    if ('error' in table) throw new TrellisError('UnsupportedData', 422, `data asset ${description}: ${table.error}`);
    const format: FileFormat = { kind: 'delimited', delimiter: table.delimiter, header: table.header !== 'no_header' };
    const files: DataFile[] = [];
    for (const entry of table.paths) {
      const wanted = posix
        .normalize('file' in entry ? entry.file : entry.folder)
        .replace(/^\.\//, '')
        .replace(/\/$/, '');
      const matches =
        'file' in entry
          ? [wanted].filter((path) => byPath.has(path))
          : [...byPath.keys()].filter((path) => wanted === '.' || path.startsWith(`${wanted}/`));
      if (matches.length === 0)
        throw new TrellisError(
          'UnsupportedData',
          422,
          `data asset ${description}: its MLTable lists '${'file' in entry ? entry.file : entry.folder}', which is not in the folder`,
        );
      files.push(...matches.sort().map((path) => fileOf(path, format)));
    }
    return { files, description };
  }
  const files = [...byPath.keys()]
    .filter((path) => readable.test(path))
    .sort()
    .map((path) => fileOf(path, formatOf(path)));
  return { files, description };
}

async function objectFiles(
  context: Context,
  workspace: string,
  prefix: string,
  hourRange?: { from: number; to: number },
): Promise<DataFile[]> {
  const artifacts = context.artifactsFor(workspace);
  const files: DataFile[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await artifacts.list(prefix, { recursive: true, ...(continuationToken ? { continuationToken } : {}) });
    for (const item of page.items) {
      if (item.isDirectory || !readable.test(item.path)) continue;
      const hour = collectedHour.exec(item.path);
      const hourAt = hour ? Date.UTC(Number(hour[1]), Number(hour[2]) - 1, Number(hour[3]), Number(hour[4])) : null;
      if (hourRange && hourAt !== null && (hourAt + 3_600_000 <= hourRange.from || hourAt >= hourRange.to)) continue;
      const path = item.path;
      files.push({
        key: `object:${path}:${item.size ?? 0}`,
        name: path.slice(prefix.length + 1),
        format: formatOf(path),
        hourAt,
        open: () => artifacts.open(path),
      });
    }
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return files;
}

function formatOf(name: string): FileFormat {
  if (/\.(jsonl|json|ndjson)$/i.test(name)) return { kind: 'jsonl' };
  return { kind: 'delimited', delimiter: /\.tsv$/i.test(name) ? '\t' : ',', header: true };
}

function formatKey(format: FileFormat): string {
  return format.kind === 'jsonl' ? 'jsonl' : `delimited:${JSON.stringify(format.delimiter)}:${format.header}`;
}

async function readAllText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
