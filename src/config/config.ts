import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { quotasSchema, type Quotas } from '../core/compute/workspace-quota.js';
import { hasCode } from '../core/error-codes.js';
import { TrellisError } from '../core/errors.js';

/** ~/.trellis/config.yaml (or $TRELLIS_HOME/config.yaml): every key optional; env wins over it. */
export const configFileSchema = z
  .object({
    server: z.string().url().optional().describe('URL the CLI talks to'),
    workspace: z.string().optional(),
    output: z.enum(['table', 'json', 'yaml']).optional(),
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    public_url: z
      .string()
      .url()
      .optional()
      .describe(
        'URL at which clients and pods on attached Kubernetes clusters reach this server: every URL handed out (scoring, swagger, artifact links) is built on it (default: the address it listens on)',
      ),
    database_url: z.string().optional(),
    max_body_bytes: z.number().int().positive().optional(),
    max_upload_bytes: z.number().int().positive().optional(),
    quotas: quotasSchema.optional().describe("workspace quotas by workspace name ('*' for every other workspace)"),
    simulated_evictions_per_node_hour: z
      .number()
      .min(0)
      .optional()
      .describe('evict busy low-priority nodes at random at this rate, to test resume'),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFileSchema>;

export interface TrellisConfig {
  home: string;
  host: string;
  port: number;
  databaseUrl: string | undefined;
  /** Largest JSON/YAML request body; larger ones get 413. */
  maxBodyBytes: number;
  /** Largest single upload streamed into the artifact store. */
  maxUploadBytes: number;
  serverUrl: string;
  /** How jobs on other machines (Kubernetes pods) reach this server; undefined: the address it listens on. */
  publicUrl?: string | undefined;
  workspace: string;
  output: 'table' | 'json' | 'yaml';
  /** Who writes, until authentication lands: the local OS user, said plainly. */
  localUser: string;
  jobs: JobSettings;
}

/** How the server runs jobs on local compute. */
export interface JobSettings {
  /** Where built virtualenvs are cached, keyed by the hash of their spec. */
  environmentCache: string;
  /** How often running jobs are checked and idle nodes considered for removal. */
  tickMs: number;
  /** Seconds between SIGTERM and SIGKILL when a job is stopped. */
  graceSeconds: number;
  /** Infrastructure retries (evictions, lost nodes) before a job fails; user-code failures never retry. */
  maxInfrastructureRetries: number;
  /** How often a running job's checkpoint folder is saved to the artifact store. */
  checkpointIntervalSeconds: number;
  /** Workspace quotas (config.yaml `quotas:`): jobs over them wait, with the quota as the reason. */
  quotas: Quotas;
  /** How often a running job's CPU, memory and GPU use are logged to its run as system/ metrics. */
  systemMetricsIntervalSeconds: number;
  /** Simulated platform evictions of low-priority nodes, per node-hour (0: none). */
  simulatedEvictionsPerNodeHour: number;
}

export const defaultPort = 5050;

/** Reads configuration from the environment, then the config file, then defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TrellisConfig {
  const home = env.TRELLIS_HOME || join(homedir(), '.trellis');
  const file = readConfigFile(join(home, 'config.yaml'));
  const host = env.TRELLIS_HOST || file.host || '127.0.0.1';
  const port = env.TRELLIS_PORT !== undefined && env.TRELLIS_PORT !== '' ? parsePort(env.TRELLIS_PORT) : (file.port ?? defaultPort);
  return {
    home,
    host,
    port,
    databaseUrl: env.TRELLIS_DATABASE_URL || file.database_url || undefined,
    maxBodyBytes: positiveInteger(env.TRELLIS_MAX_BODY_BYTES, 'TRELLIS_MAX_BODY_BYTES') ?? file.max_body_bytes ?? 16 * 1024 * 1024,
    maxUploadBytes:
      positiveInteger(env.TRELLIS_MAX_UPLOAD_BYTES, 'TRELLIS_MAX_UPLOAD_BYTES') ?? file.max_upload_bytes ?? 50 * 1024 * 1024 * 1024,
    serverUrl: (env.TRELLIS_URL || file.server || `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    publicUrl: publicUrl(env.TRELLIS_PUBLIC_URL || file.public_url),
    workspace: env.TRELLIS_WORKSPACE || file.workspace || 'default',
    output: (env.TRELLIS_OUTPUT as TrellisConfig['output'] | undefined) || file.output || 'table',
    localUser: safeUserName(),
    jobs: {
      environmentCache: env.TRELLIS_ENV_CACHE || join(home, 'environments'),
      tickMs: nonNegativeNumber(env, 'TRELLIS_JOB_TICK_MS') ?? 500,
      graceSeconds: nonNegativeNumber(env, 'TRELLIS_JOB_GRACE_SECONDS') ?? 10,
      maxInfrastructureRetries: nonNegativeNumber(env, 'TRELLIS_JOB_MAX_RETRIES') ?? 3,
      checkpointIntervalSeconds: nonNegativeNumber(env, 'TRELLIS_CHECKPOINT_INTERVAL_SECONDS') ?? 60,
      quotas: file.quotas ?? {},
      systemMetricsIntervalSeconds: nonNegativeNumber(env, 'TRELLIS_SYSTEM_METRICS_INTERVAL_SECONDS') ?? 10,
      simulatedEvictionsPerNodeHour:
        nonNegativeNumber(env, 'TRELLIS_SIMULATED_EVICTIONS_PER_NODE_HOUR') ?? file.simulated_evictions_per_node_hour ?? 0,
    },
  };
}

function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // No config file: every setting takes its default (or its environment variable).
    if (hasCode(error, 'ENOENT')) return {};
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `the config file ${path} could not be read: ${(error as Error).message}; fix its permissions, or remove it to use the defaults`,
    );
  }
  const parsed = configFileSchema.safeParse(parse(text) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new TrellisError('InvalidConfiguration', 400, `${path} is not valid: ${problems}; fix or remove the file`);
  }
  return parsed.data;
}

function publicUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  if (!URL.canParse(text) || !/^https?:$/.test(new URL(text).protocol))
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `TRELLIS_PUBLIC_URL / public_url '${text}' is not an http(s) URL; set it to the address clients and pods use to reach this server, e.g. http://trellis.ml.svc:5050`,
    );
  return text.replace(/\/+$/, '');
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TrellisError('InvalidConfiguration', 400, `TRELLIS_PORT '${text}' is not a port number; use 0-65535 (0 picks a free port)`);
  }
  return port;
}

function positiveInteger(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new TrellisError('InvalidConfiguration', 400, `${name} '${text}' must be a positive whole number of bytes`);
  return value;
}

function nonNegativeNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new TrellisError('InvalidConfiguration', 400, `${name}='${text}' is not a number of 0 or more`);
  return value;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (a container's arbitrary user): the documented fallback is $USER, else 'unknown'.
    return process.env.USER || 'unknown';
  }
}
