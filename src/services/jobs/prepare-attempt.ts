import { isDatastoreUri, parseDatastoreUri } from '../../core/datastores/datastore-uri.js';
import { downloadDatastoreInput } from '../datastores/datastore-transfer.js';
import { registryStorageOf } from '../../core/registries/registry-asset-id.js';
import { createWriteStream } from 'node:fs';
import { appendFile, copyFile, cp, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LaunchRequest } from '../../backends/compute-backend.js';
import { listAll } from '../../artifacts/list-all.js';
import { unlessMissing } from '../../core/error-codes.js';
import { hasCode } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import { renderCommand } from '../../core/jobs/command-template.js';
import type { Job } from '../../core/jobs/job.js';
import { jobEnvironment } from '../../core/jobs/job-environment.js';
import { processLayout } from '../../core/jobs/process-layout.js';
import type { Context } from '../context.js';
import { buildEnvironment, environmentSpecOf } from '../environments/build-environment.js';
import { issueJobToken } from '../identity/workload-tokens.js';
import { verifyCodeOnDisk } from '../policy/code-signing.js';
import { materializeContent } from './materialize-content.js';
import { materializeModel } from './materialize-model.js';

export interface AttemptOptions {
  /** Where attempts' folders live: <jobsRoot>/<workspace>/<job>/attempt-<n>. */
  jobsRoot: string;
  /** Where built virtualenvs are cached, keyed by the hash of their spec. */
  environmentCache: string;
  trackingUri: string;
  /** Variables that make clients trust the server's certificate (empty over plain HTTP); the job's own variables win. */
  serverTrust: Record<string, string>;
  masterPort: number;
  /** What one node offers, from the compute's size. */
  resources: LaunchRequest['resources'];
  nodes: string[];
}

/** Where a job's checkpoints are kept between attempts, in the workspace's artifact store. */
export function checkpointPrefix(job: Pick<Job, 'name'>): string {
  return `jobs/${job.name}/checkpoints`;
}

export function attemptFolder(jobsRoot: string, job: Pick<Job, 'workspace' | 'name' | 'attempt'>): string {
  return join(jobsRoot, job.workspace, job.name, `attempt-${job.attempt}`);
}

/**
 * Prepares one attempt of a job on this machine, as a node does before the command starts:
 * the code snapshot and the inputs written to disk, an output folder per output, the last
 * checkpoint restored, the environment built (or reused), and the command with its
 * placeholders filled. Progress lines go to the attempt's user_logs/prepare_log.txt.
 */
export async function prepareAttempt(context: Context, job: Job, options: AttemptOptions): Promise<LaunchRequest> {
  const workDir = attemptFolder(options.jobsRoot, job);
  await rm(workDir, { recursive: true, force: true });
  const codeDir = join(workDir, 'code');
  const logDir = join(workDir, 'user_logs');
  const checkpointDir = join(workDir, 'checkpoints');
  // ./outputs in the working directory exists before the command, as on Azure ML, whose examples
  // write there without making it; what it holds becomes run artifacts (finalize-attempt.ts).
  await Promise.all(
    [codeDir, join(codeDir, 'outputs'), logDir, checkpointDir, join(workDir, 'inputs'), join(workDir, 'outputs')].map((dir) =>
      mkdir(dir, { recursive: true }),
    ),
  );
  const log = (line: string) =>
    appendFile(join(logDir, 'prepare_log.txt'), `${new Date(context.clock().getTime()).toISOString()} ${line}\n`);
  const artifacts = context.artifactsFor(job.workspace);
  const repositories = context.store.repositories;

  if (job.lineage.code) {
    const code = await repositories.resources.get({
      workspace: job.workspace,
      kind: 'code',
      name: job.lineage.code.name,
      version: job.lineage.code.version,
    });
    if (!code)
      throw new TrellisError(
        'CodeMissing',
        409,
        `code snapshot ${job.lineage.code.name}:${job.lineage.code.version} is gone; it was deleted after the job was submitted`,
      );
    await materializeContent(artifacts, code.spec.path, codeDir);
    await log(`code ${job.lineage.code.name}:${job.lineage.code.version} (${job.lineage.code.digest}) written to ${codeDir}`);
    const signature = job.lineage.enforced?.codeSignature;
    if (signature) {
      // Checked again on the files about to run: the store or the disk may have changed since submit.
      await verifyCodeOnDisk(codeDir, signature);
      await log(`code signature verified: key ${signature.fingerprint}, ${signature.digest}`);
    }
  }

  const inputValues: Record<string, string> = {};
  for (const [name, input] of Object.entries(job.lineage.inputs)) {
    if (input.type === 'literal' && 'value' in input) {
      inputValues[name] = String(input.value);
    } else if ('asset' in input) {
      const kind = input.type.endsWith('_model') ? 'model' : 'data';
      // An asset from a registry is read from the registry's own space.
      const space = input.asset.registry === undefined ? job.workspace : registryStorageOf(input.asset.registry);
      const asset = await repositories.resources.get({
        workspace: space,
        kind,
        name: input.asset.name,
        version: input.asset.version,
      });
      if (!asset)
        throw new TrellisError('InputMissing', 409, `input '${name}': ${kind} ${input.asset.name}:${input.asset.version} is gone`);
      // A model may also be one logged through MLflow, its files behind the artifact proxy.
      const target = join(workDir, 'inputs', name);
      // A model input is the model's own folder (or file), laid out under the input's folder as Azure ML does.
      const inDatastore = kind === 'data' && isDatastoreUri(asset.spec.path) ? parseDatastoreUri(asset.spec.path) : undefined;
      if (inDatastore !== undefined && 'problem' in inDatastore)
        throw new TrellisError('InputMissing', 409, `input '${name}': ${inDatastore.problem}`);
      inputValues[name] =
        kind === 'model'
          ? (await materializeModel(context, space, asset.spec.path, target)).path
          : inDatastore !== undefined
            ? (await downloadDatastoreInput(context, space, inDatastore, input.type, target)).path
            : await materializeContent(context.artifactsFor(space), asset.spec.path, target);
      await log(`input ${name}: ${kind} ${input.asset.name}:${input.asset.version} → ${inputValues[name]}`);
    } else if ('uri' in input && isDatastoreUri(input.uri)) {
      const target = parseDatastoreUri(input.uri);
      if ('problem' in target) throw new TrellisError('InputMissing', 409, `input '${name}': ${target.problem}`);
      // Every mode is a download here: Trellis mounts nothing (ro_mount, rw_mount read as download; docs/datastores.md).
      const got = await downloadDatastoreInput(context, job.workspace, target, input.type, join(workDir, 'inputs', name));
      inputValues[name] = got.path;
      await log(`input ${name}: ${input.uri} (${got.description}, mode ${input.mode} as download): ${got.files} file(s) → ${got.path}`);
    } else if ('uri' in input) {
      inputValues[name] = await fetchRemoteInput(input.uri, input.type, join(workDir, 'inputs', name), log);
    }
  }

  const outputValues: Record<string, string> = {};
  for (const [name, output] of Object.entries(job.spec.outputs ?? {})) {
    const folder = join(workDir, 'outputs', name);
    await mkdir(folder, { recursive: true });
    outputValues[name] = output.type === 'uri_file' ? join(folder, name) : folder;
  }

  const restored = await restoreCheckpoints(context, job, checkpointDir);
  if (restored > 0) await log(`restored ${restored} checkpoint file(s) from the previous attempt into ${checkpointDir}`);

  const environment = await buildEnvironment(
    await environmentSpecOf(context, job.workspace, job.lineage.environment, job.spec.environment),
    options.environmentCache,
    (line) => appendFile(join(logDir, 'environment_build_log.txt'), `${line}\n`),
    context.logger,
    // Curated environments are the platform's own: the package policies let them pass.
    'inline' in job.lineage.environment || !job.lineage.environment.curated ? job.lineage.enforced?.packageSources : undefined,
  );

  const instanceCount = job.instanceCount;
  const processes = processLayout(job.spec.distribution, {
    instanceCount,
    hosts: Array.from({ length: instanceCount }, () => '127.0.0.1'),
    masterPort: options.masterPort,
  });
  const spec = job.spec;
  const command = renderCommand(spec.command, { inputs: inputValues, outputs: outputValues });
  const experiment = await repositories.experiments.getByName(job.workspace, job.experimentName);
  const baseEnv: Record<string, string> = {
    PATH: environment.binDir ? `${environment.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` : (process.env.PATH ?? '/usr/bin:/bin'),
    HOME: process.env.HOME ?? workDir,
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...(environment.envDir ? { VIRTUAL_ENV: environment.envDir } : {}),
    ...options.serverTrust,
  };
  const env = {
    ...baseEnv,
    ...jobEnvironment({
      trackingUri: options.trackingUri,
      workspace: job.workspace,
      jobName: job.name,
      runId: job.runId,
      experimentId: experiment?.experiment_id ?? '0',
      experimentName: job.experimentName,
      checkpointDir,
      outputsDir: join(workDir, 'outputs'),
      userVariables: spec.environment_variables ?? {},
      processVariables: {},
    }),
  };
  // The job's identity, issued last so its lifetime counts from the launch; never logged nor written to a file here.
  const identity = await issueJobToken(context, job, spec.limits?.timeout);
  if (identity.token !== undefined) Object.assign(env, { MLFLOW_TRACKING_TOKEN: identity.token, TRELLIS_TOKEN: identity.token });
  else await log(`identity: none; ${identity.why} (calls back to Trellis from the job need credentials of their own)`);
  await log(`command: ${command}`);
  return {
    workspace: job.workspace,
    jobName: job.name,
    attempt: job.attempt,
    command,
    workDir,
    codeDir,
    logDir,
    env,
    processes,
    instanceCount,
    timeoutSeconds: spec.limits?.timeout,
    resources: options.resources,
    image: environment.image,
    nodes: options.nodes,
  };
}

/** Brings back what the job saved in its checkpoint folder before it was evicted. */
async function restoreCheckpoints(context: Context, job: Job, checkpointDir: string): Promise<number> {
  const artifacts = context.artifactsFor(job.workspace);
  const prefix = checkpointPrefix(job);
  const items = (await listAll(artifacts, prefix, { recursive: true })).filter((item) => !item.isDirectory);
  for (const item of items) {
    const target = join(checkpointDir, ...item.path.slice(prefix.length + 1).split('/'));
    await mkdir(dirname(target), { recursive: true });
    await pipeline(await artifacts.open(item.path), createWriteStream(target));
  }
  return items.length;
}

/**
 * A remote input (https, wasbs): fetched once into the attempt's folder. wasbs://container@account.blob.core.windows.net/path
 * is read as the public blob https://account.blob.core.windows.net/container/path, as Azure's
 * anonymous access serves it. TRELLIS_DATA_MIRROR names a folder that holds copies laid out as
 * <host>/<path> for machines without internet access. A uri_folder is read from the mirror only:
 * plain https has no way to list a folder. Returns the file, or the folder, the job sees.
 */
async function fetchRemoteInput(uri: string, type: string, folder: string, log: (line: string) => Promise<void>): Promise<string> {
  const url = httpsUrlOf(uri);
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  await mkdir(folder, { recursive: true });
  const mirror = process.env.TRELLIS_DATA_MIRROR;
  const copy = mirror ? join(mirror, url.host, ...segments) : undefined;
  if (type === 'uri_folder') {
    const isMirrored = copy !== undefined && (await unlessMissing(stat(copy)))?.isDirectory() === true;
    if (!isMirrored) {
      throw new TrellisError(
        'InputUnreachable',
        502,
        `input ${uri} is a uri_folder, which Trellis reads from a local mirror only; put a copy of the folder at ${copy ?? `TRELLIS_DATA_MIRROR/${url.host}${url.pathname}`}${mirror ? '' : ' and set TRELLIS_DATA_MIRROR'}`,
      );
    }
    await cp(copy, folder, { recursive: true });
    await log(`input ${uri}: folder copied from the mirror ${copy}`);
    return folder;
  }
  const target = join(folder, segments.at(-1) ?? 'input');
  if (copy !== undefined) {
    try {
      await copyFile(copy, target);
      await log(`input ${uri}: copied from the mirror ${copy}`);
      return target;
    } catch (error) {
      const why = hasCode(error, 'ENOENT', 'ENOTDIR')
        ? 'not in the mirror'
        : `the mirror's copy could not be read: ${(error as Error).message}`;
      await log(`input ${uri}: ${why} (${copy}); fetching ${url.href}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    throw new TrellisError(
      'InputUnreachable',
      502,
      `input ${uri} could not be fetched from ${url.href}: ${(error as Error).message}; on a machine without internet access, put a copy under TRELLIS_DATA_MIRROR/${url.host}${url.pathname}`,
    );
  }
  if (!response.ok || !response.body)
    throw new TrellisError('InputUnreachable', 502, `input ${uri}: ${url.href} answered ${response.status}`);
  await pipeline(Readable.fromWeb(response.body), createWriteStream(target));
  await log(`input ${uri}: fetched ${url.href}`);
  return target;
}

function httpsUrlOf(uri: string): URL {
  const wasbs = /^wasbs?:\/\/([^@/]+)@([^/]+)\/(.*)$/.exec(uri);
  if (wasbs) return new URL(`https://${wasbs[2]}/${wasbs[1]}/${wasbs[3]}`);
  const abfss = /^abfss:\/\/([^@/]+)@([^/]+)\/(.*)$/.exec(uri);
  if (abfss) return new URL(`https://${abfss[2]!.replace('.dfs.', '.blob.')}/${abfss[1]}/${abfss[3]}`);
  return new URL(uri);
}
