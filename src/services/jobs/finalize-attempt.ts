import { isDatastoreUri, parseDatastoreUri } from '../../core/datastores/datastore-uri.js';
import { uploadToDatastore } from '../datastores/datastore-transfer.js';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createFolderManifest, canonicalManifestJson } from '../../artifacts/folder-manifest.js';
import { unlessMissing } from '../../core/error-codes.js';
import { Readable } from 'node:stream';
import { type Job, outputAssetName } from '../../core/jobs/job.js';
import { formatContentUri } from '../../core/resources/content-uri.js';
import { applyResourceFields } from '../apply-resource-fields.js';
import type { Caller, Context } from '../context.js';
import { proxiedFolder, storeKey } from '../tracking/mlflow-artifacts.js';
import { attemptFolder, checkpointPrefix } from './prepare-attempt.js';

/**
 * What happens on a node after the command: logs (every attempt) become run artifacts under
 * user_logs/, files the script left in ./outputs become run artifacts (as on Azure ML), and
 * each declared output is stored and registered as a data asset the next job can use.
 */

/** The output Azure ML gives a job's artifacts (its ./outputs) when a pipeline step declares it. */
const defaultArtifactsOutput = 'artifacts';

/** Uploads the attempt's logs as run artifacts: user_logs/ for the last attempt, user_logs/attempt-<n>/ for earlier ones. */
export async function saveLogs(context: Context, job: Job, jobsRoot: string, isFinal: boolean): Promise<void> {
  const folder = await runArtifactFolder(context, job);
  if (!folder) return;
  const target = isFinal ? `${folder}/user_logs` : `${folder}/user_logs/attempt-${job.attempt}`;
  await uploadTree(context, job.workspace, join(attemptFolder(jobsRoot, job), 'user_logs'), target);
}

/** Saves the checkpoint folder to the artifact store, replacing the previous save. */
export async function saveCheckpoints(context: Context, job: Job, jobsRoot: string): Promise<number> {
  return uploadTree(context, job.workspace, join(attemptFolder(jobsRoot, job), 'checkpoints'), checkpointPrefix(job));
}

/** Stores ./outputs as run artifacts and registers each declared output as a data asset; returns what was registered. */
export async function saveOutputs(
  context: Context,
  caller: Caller,
  job: Job,
  jobsRoot: string,
): Promise<Array<{ output: string; name: string; version: string }>> {
  const workDir = attemptFolder(jobsRoot, job);
  const folder = await runArtifactFolder(context, job);
  if (folder) await uploadTree(context, job.workspace, join(workDir, 'code', 'outputs'), `${folder}/outputs`);
  const registered: Array<{ output: string; name: string; version: string }> = [];
  // A pipeline's step registers every output, empty ones too: the steps after it read them.
  const isStep = job.tags['trellis.pipeline'] !== undefined;
  for (const [output, spec] of Object.entries(job.spec.outputs ?? {})) {
    const local = join(workDir, 'outputs', output);
    let files = await walk(local);
    // Azure ML's default output `artifacts`, when the command does not write it itself, is what the
    // job left in ./outputs, under outputs/ as in the run's artifacts.
    if (files.length === 0 && output === defaultArtifactsOutput && !job.spec.command.includes(`{{outputs.${output}}}`))
      files = (await walk(join(workDir, 'code', 'outputs'))).map((file) => ({ ...file, path: `outputs/${file.path}` }));
    if (files.length === 0 && !isStep) continue;
    const name = outputAssetName(job.name, output, spec);
    const boundPath = spec.path !== undefined && isDatastoreUri(spec.path) ? spec.path : undefined;
    const target = boundPath === undefined ? undefined : parseDatastoreUri(boundPath);
    if (boundPath !== undefined && target !== undefined && !('problem' in target)) {
      // An output bound to a datastore path is written there (rw_mount and upload alike: Trellis mounts nothing), and its asset points at it.
      await uploadToDatastore(context, job.workspace, target, files, spec.type);
      const result = await applyResourceFields(context, caller, {
        workspace: job.workspace,
        kind: 'data',
        fields: {
          name,
          ...(spec.version ? { version: spec.version } : {}),
          type: spec.type === 'uri_file' && files.length === 1 ? 'uri_file' : 'uri_folder',
          path: boundPath,
          description: spec.description ?? `output '${output}' of job ${job.name}`,
          tags: { 'trellis.job': job.name, 'trellis.output': output, 'mlflow.run_id': job.runId },
        },
        fileName: `output '${output}' of job ${job.name}`,
      });
      if (result.resource) registered.push({ output, name: result.resource.name, version: result.resource.version ?? '' });
      continue;
    }
    const artifacts = context.artifactsFor(job.workspace);
    const stored = await inGroups(files, async (file) => {
      const put = await artifacts.putContent(createReadStream(file.absolutePath));
      return { path: file.path, digest: put.digest, size: put.size };
    });
    const isFile = spec.type === 'uri_file' && stored.length === 1;
    const path = isFile
      ? formatContentUri({ type: 'file', digest: stored[0]!.digest, fileName: stored[0]!.path.split('/').pop()! })
      : formatContentUri({
          type: 'folder',
          digest: (await artifacts.putContent(Readable.from([Buffer.from(canonicalManifestJson(createFolderManifest(stored)))]))).digest,
        });
    const result = await applyResourceFields(context, caller, {
      workspace: job.workspace,
      kind: 'data',
      fields: {
        name,
        ...(spec.version ? { version: spec.version } : {}),
        type: isFile ? 'uri_file' : 'uri_folder',
        path,
        description: spec.description ?? `output '${output}' of job ${job.name}`,
        tags: { 'trellis.job': job.name, 'trellis.output': output, 'mlflow.run_id': job.runId },
      },
      fileName: `output '${output}' of job ${job.name}`,
    });
    if (result.resource) registered.push({ output, name: result.resource.name, version: result.resource.version ?? '' });
  }
  return registered;
}

async function runArtifactFolder(context: Context, job: Job): Promise<string | undefined> {
  const run = await context.store.repositories.runs.get(job.workspace, job.runId);
  const folder = run ? proxiedFolder(run.info.artifact_uri) : undefined;
  return folder === undefined ? undefined : storeKey(folder);
}

async function uploadTree(context: Context, workspace: string, local: string, prefix: string): Promise<number> {
  const artifacts = context.artifactsFor(workspace);
  const files = await walk(local);
  await inGroups(files, (file) => artifacts.put(`${prefix}/${file.path}`, createReadStream(file.absolutePath)));
  return files.length;
}

/** How many files are stored at once: their writes and fsyncs overlap, and a large folder does not open thousands of files. */
const filesAtOnce = 8;

/**
 * `store` for every file, `filesAtOnce` at a time; the results in the files' order. Every store
 * started has ended when it settles (a failure does not leave others running); it rejects with the first failure.
 */
async function inGroups<T>(
  files: Array<{ path: string; absolutePath: string }>,
  store: (file: { path: string; absolutePath: string }) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < files.length; start += filesAtOnce) {
    for (const outcome of await Promise.allSettled(files.slice(start, start + filesAtOnce).map(store))) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.push(outcome.value);
    }
  }
  return results;
}

async function walk(root: string): Promise<Array<{ path: string; absolutePath: string }>> {
  const found: Array<{ path: string; absolutePath: string }> = [];
  const visit = async (folder: string) => {
    // No folder: the job wrote nothing there. Any other failure fails the save rather than leave files out unseen.
    const entries = (await unlessMissing(readdir(folder, { withFileTypes: true }))) ?? [];
    for (const entry of entries) {
      const absolutePath = join(folder, entry.name);
      if (entry.isDirectory()) await visit(absolutePath);
      // A link whose target is gone is no file to upload.
      else if ((await unlessMissing(stat(absolutePath)))?.isFile())
        found.push({ path: relative(root, absolutePath).split(sep).join('/'), absolutePath });
    }
  };
  await visit(root);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}
