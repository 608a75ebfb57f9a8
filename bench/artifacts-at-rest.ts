/**
 * What encryption at rest costs artifact throughput (issue 14): one Trellis server, two workspaces
 * side by side in one run — `plain` (artifacts stored as they are) and `sealed` (`hbi_workspace:
 * true`, artifacts encrypted by the store) — driven over loopback HTTP by the same client code
 * through the MLflow artifact proxy (`/workspaces/<ws>/mlflow/api/2.0/mlflow-artifacts/artifacts/...`).
 * Each workspace: the same files of random bytes uploaded with PUT by N clients at once, downloaded
 * whole with GET (every size checked, one file's sha256 too), then random ranges read with GET and
 * a Range header. Both workspaces are measured twice, plain then sealed and then the reverse, and
 * the better figure of each cell kept, to even out drift.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { removeHome, startTrellis } from '../test/support/trellis-process.js';

export interface ArtifactsAtRestBenchOptions {
  /** Bytes uploaded (and as many downloaded) per measurement of one workspace. */
  totalBytes: number;
  /** Size of one file; `totalBytes / fileBytes` files (at least one) are written. */
  fileBytes: number;
  /** Ranged reads per measurement. */
  ranges: number;
  /** Size of one ranged read (smaller where a file is). */
  rangeBytes: number;
  /** Requests in flight at once. */
  clients: number;
  log: (line: string) => void;
}

export type AtRest = 'plain' | 'sealed';

export interface Throughput {
  bytes: number;
  seconds: number;
  /** MiB (2^20 bytes) per second. */
  mebibytesPerSecond: number;
}

export interface WorkspaceFigures {
  workspace: AtRest;
  upload: Throughput;
  download: Throughput;
  ranged: Throughput;
}

export interface ArtifactsAtRestResult {
  /** In the order plain, sealed. */
  figures: WorkspaceFigures[];
  files: number;
  fileBytes: number;
  ranges: number;
  rangeBytes: number;
  clients: number;
  /** The filesystem the server's data directory is on, in words (`df -PT`'s type and mount point). */
  filesystem: string;
}

const mebibyte = 2 ** 20;

/** A file to write, and its digest to check a download against. */
interface SourceFile {
  bytes: Buffer;
  sha256: string;
}

/** One workspace's artifact proxy. */
interface Target {
  workspace: AtRest;
  /** `.../mlflow-artifacts/artifacts` of the workspace. */
  artifactsUrl: string;
}

const execFileAsync = promisify(execFile);

/** `df -PT`'s type and mount point of the filesystem `path` is on, or why it could not say. */
async function filesystemOf(path: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('df', ['-PT', path]);
    // Header, then: Filesystem Type 1024-blocks Used Available Capacity Mounted-on
    const fields = stdout.trim().split('\n').at(-1)?.split(/\s+/) ?? [];
    return `${fields[1] ?? 'unknown'} (${fields[0] ?? '?'} mounted at ${fields.slice(6).join(' ') || '?'})`;
  } catch (error) {
    return `unknown (df -PT failed: ${error instanceof Error ? error.message : String(error)})`;
  }
}

function throughput(bytes: number, seconds: number): Throughput {
  return { bytes, seconds, mebibytesPerSecond: bytes / mebibyte / seconds };
}

/** Runs `work(index)` for every index below `count`, `clients` at a time; the seconds it took. */
async function timed(count: number, clients: number, work: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(clients, count) }, async () => {
      for (let index = next++; index < count; index = next++) await work(index);
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Throws with the answer's text unless `response` has `status`. */
async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

/** Reads a body to its end; its length and, when asked, its sha256. */
async function consume(response: Response, hash: boolean): Promise<{ length: number; sha256?: string }> {
  if (!response.body) return { length: 0 };
  const digest = hash ? createHash('sha256') : undefined;
  const reader = response.body.getReader();
  let length = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    length += read.value.byteLength;
    digest?.update(read.value);
  }
  return digest ? { length, sha256: digest.digest('hex') } : { length };
}

function fileUrl(target: Target, folder: string, index: number): string {
  return `${target.artifactsUrl}/${folder}/file-${index}.bin`;
}

/**
 * One measurement of one workspace, in a folder of its own that is deleted afterwards (the data
 * directory holds one workspace's files at a time): upload every file, download every file, ranged reads.
 */
async function measureWorkspace(
  target: Target,
  files: SourceFile[],
  options: ArtifactsAtRestBenchOptions,
  round: number,
): Promise<WorkspaceFigures> {
  const folder = `bench-${round}`;
  const totalBytes = files.reduce((sum, file) => sum + file.bytes.length, 0);

  const uploadSeconds = await timed(files.length, options.clients, async (index) => {
    const url = fileUrl(target, folder, index);
    const body = files[index]?.bytes ?? Buffer.alloc(0);
    const response = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
    await expectStatus(response, 200, `${target.workspace}: PUT ${url}`);
    await response.arrayBuffer();
  });

  const checked = randomInt(files.length);
  const downloadSeconds = await timed(files.length, options.clients, async (index) => {
    const url = fileUrl(target, folder, index);
    const response = await fetch(url);
    await expectStatus(response, 200, `${target.workspace}: GET ${url}`);
    const source = files[index];
    const read = await consume(response, index === checked);
    if (!source || read.length !== source.bytes.length)
      throw new Error(`${target.workspace}: ${url} read ${read.length} bytes, not ${source?.bytes.length}`);
    if (read.sha256 !== undefined && read.sha256 !== source.sha256)
      throw new Error(`${target.workspace}: ${url} read back with sha256 ${read.sha256}, not ${source.sha256}`);
  });

  let rangedBytes = 0;
  const rangedSeconds = await timed(options.ranges, options.clients, async (rangeIndex) => {
    const index = randomInt(files.length);
    const source = files[index]?.bytes ?? Buffer.alloc(0);
    const length = Math.min(options.rangeBytes, source.length);
    const start = randomInt(source.length - length + 1);
    const url = fileUrl(target, folder, index);
    const response = await fetch(url, { headers: { range: `bytes=${start}-${start + length - 1}` } });
    await expectStatus(response, 206, `${target.workspace}: GET ${url} (range)`);
    // Every range's size is checked, the first range's bytes too: enough to catch a wrong offset.
    if (rangeIndex === 0) {
      const bytes = Buffer.from(await response.arrayBuffer());
      if (!bytes.equals(source.subarray(start, start + length)))
        throw new Error(`${target.workspace}: ${url} bytes ${start}+${length} differ`);
      rangedBytes += bytes.length;
      return;
    }
    const read = await consume(response, false);
    if (read.length !== length) throw new Error(`${target.workspace}: ${url} range read ${read.length} bytes, not ${length}`);
    rangedBytes += read.length;
  });

  const removed = await fetch(`${target.artifactsUrl}/${folder}`, { method: 'DELETE' });
  await expectStatus(removed, 200, `${target.workspace}: DELETE ${folder}`);
  await removed.arrayBuffer();

  const figures: WorkspaceFigures = {
    workspace: target.workspace,
    upload: throughput(totalBytes, uploadSeconds),
    download: throughput(totalBytes, downloadSeconds),
    ranged: throughput(rangedBytes, rangedSeconds),
  };
  options.log(
    `  round ${round}, ${target.workspace}: upload ${figures.upload.mebibytesPerSecond.toFixed(0)} MiB/s, download ${figures.download.mebibytesPerSecond.toFixed(0)} MiB/s, ranged ${figures.ranged.mebibytesPerSecond.toFixed(0)} MiB/s`,
  );
  return figures;
}

/** The better of two measurements of one cell: the higher rate. */
function better(first: Throughput, second: Throughput): Throughput {
  return second.mebibytesPerSecond > first.mebibytesPerSecond ? second : first;
}

/**
 * Starts one server, creates `plain` and `sealed` (hbi_workspace: true), generates the files once,
 * measures each workspace twice (plain, sealed, then sealed, plain) and returns the better figure of
 * each cell, plain first.
 */
export async function runArtifactsAtRestBench(options: ArtifactsAtRestBenchOptions): Promise<ArtifactsAtRestResult> {
  const count = Math.max(1, Math.round(options.totalBytes / options.fileBytes));
  const files = Array.from({ length: count }, (): SourceFile => {
    const bytes = randomBytes(options.fileBytes);
    return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const trellis = await startTrellis();
  try {
    const filesystem = await filesystemOf(trellis.home);
    options.log(`trellis at ${trellis.url}, data directory ${trellis.home} on ${filesystem}; ${count} files of ${options.fileBytes} bytes`);
    await trellis.client.createWorkspace({ name: 'plain' });
    await trellis.client.createWorkspace({ name: 'sealed', hbi_workspace: true });
    const targets: Target[] = (['plain', 'sealed'] as const).map((workspace) => ({
      workspace,
      artifactsUrl: `${trellis.url}/workspaces/${workspace}/mlflow/api/2.0/mlflow-artifacts/artifacts`,
    }));

    // Untimed: one small file each way per workspace, so connections are open and the sealed data key exists.
    const warmUp = randomBytes(mebibyte);
    for (const target of targets) {
      const url = `${target.artifactsUrl}/warm-up.bin`;
      await expectStatus(await fetch(url, { method: 'PUT', body: warmUp }), 200, `${target.workspace}: warm-up PUT`);
      const response = await fetch(url);
      await expectStatus(response, 200, `${target.workspace}: warm-up GET`);
      if ((await consume(response, false)).length !== warmUp.length) throw new Error(`${target.workspace}: warm-up read back short`);
    }

    const best = new Map<AtRest, WorkspaceFigures>();
    for (const [round, order] of [targets, [...targets].reverse()].entries()) {
      for (const target of order) {
        const figures = await measureWorkspace(target, files, options, round + 1);
        const previous = best.get(target.workspace);
        best.set(
          target.workspace,
          previous
            ? {
                workspace: target.workspace,
                upload: better(previous.upload, figures.upload),
                download: better(previous.download, figures.download),
                ranged: better(previous.ranged, figures.ranged),
              }
            : figures,
        );
      }
    }
    return {
      figures: targets.map((target) => best.get(target.workspace)).filter((row): row is WorkspaceFigures => row !== undefined),
      files: count,
      fileBytes: options.fileBytes,
      ranges: options.ranges,
      rangeBytes: options.rangeBytes,
      clients: options.clients,
      filesystem,
    };
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
  }
}
