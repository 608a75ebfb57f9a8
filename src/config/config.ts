import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { type ArtifactStoreSettings, artifactStoreSettings, artifactsFileSchema } from './artifact-store-settings.js';
import { quotasSchema, type Quotas } from '../core/compute/workspace-quota.js';
import { defaultPriceList, type PriceList, parsePriceList } from '../core/cost/price-list.js';
import { hasCode } from '../core/error-codes.js';
import { isTrellisError, TrellisError } from '../core/errors.js';
import { defaultLeaseTtlMs } from '../core/leases/leadership.js';

/** An OpenID Connect issuer whose bearer JWTs Trellis accepts, and how its claims name users and groups. */
export const oidcSettingsSchema = z
  .object({
    issuer: z.string().url().describe('the issuer URL; its discovery document is <issuer>/.well-known/openid-configuration'),
    audience: z.string().min(1).describe("the 'aud' a token must carry to be accepted here"),
    user_claim: z.string().min(1).default('sub').describe('the claim that names the user (e.g. preferred_username, email, oid)'),
    groups_claim: z.string().min(1).default('groups').describe('the claim that lists the groups the user belongs to'),
    client_id: z.string().min(1).optional().describe('the client the studio signs in as (authorization code + PKCE)'),
    client_secret: z.string().min(1).optional().describe('its secret, for a confidential client'),
  })
  .strict();
export type OidcSettings = z.infer<typeof oidcSettingsSchema>;

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
    auth: z
      .object({
        local: z
          .boolean()
          .optional()
          .describe(
            'requests from loopback without credentials act as the local owner (default: on when listening on loopback only; --disable-local-auth)',
          ),
        oidc: oidcSettingsSchema.optional(),
      })
      .strict()
      .optional(),
    allowed_hosts: z
      .array(z.string().min(1))
      .optional()
      .describe("Host names (besides loopback names and public_url's) that requests may name in their Host header"),
    tls: z
      .object({ cert: z.string().describe('PEM certificate chain file'), key: z.string().describe('PEM private key file') })
      .strict()
      .optional()
      .describe('serve HTTPS with this certificate and key (--tls-cert, --tls-key)'),
    ca_file: z
      .string()
      .optional()
      .describe('PEM file of certificate authorities the CLI trusts for the server (--ca-file, TRELLIS_CA_FILE)'),
    artifacts: artifactsFileSchema
      .optional()
      .describe('where artifacts and uploaded data live: local (the default), azure_blob or s3 (docs/object-storage.md)'),
    storage_quota_bytes: z
      .record(z.string(), z.number().int().positive())
      .optional()
      .describe("bytes of uploads each workspace may hold, by workspace name ('*' for every other workspace)"),
    simulated_evictions_per_node_hour: z
      .number()
      .min(0)
      .optional()
      .describe('evict busy low-priority nodes at random at this rate, to test resume'),
    alerting: z
      .object({
        alertmanager_url: z
          .string()
          .url()
          .optional()
          .describe(
            'Prometheus Alertmanager that monitors send their alerts to (its v2 API); may carry basic-auth credentials (TRELLIS_ALERTMANAGER_URL)',
          ),
      })
      .strict()
      .optional(),
    prices: z
      .unknown()
      .optional()
      .describe(
        "what an hour of a node costs here (currency, fallback, sizes, computes); default: Azure's list prices in USD (docs/cost.md)",
      ),
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
  /** MLflow's GraphQL guard: root fields per query and aliases per selection set (MLflow's variables, 10 each by default). */
  mlflowGraphql: { maxRootFields: number; maxAliases: number };
  serverUrl: string;
  /** How jobs on other machines (Kubernetes pods) reach this server; undefined: the address it listens on. */
  publicUrl?: string | undefined;
  workspace: string;
  output: 'table' | 'json' | 'yaml';
  /** Who writes, until authentication lands: the local OS user, said plainly. */
  localUser: string;
  jobs: JobSettings;
  schedules: ScheduleSettings;
  auth: AuthSettings;
  /** Host names, besides loopback names and the public URL's, that a request's Host header may name. */
  allowedHosts: string[];
  /** HTTPS: the certificate chain and key files to serve with. */
  tls?: { cert: string; key: string } | undefined;
  /** Certificate authorities the CLI trusts for the server (PEM file). */
  caFile?: string | undefined;
  /** Where artifacts live: the data directory, an Azure Blob container or an S3 bucket (config.yaml `artifacts:`). */
  artifacts: ArtifactStoreSettings;
  /** Bytes of uploads a workspace may hold, by workspace name ('*': any other). */
  storageQuotaBytes: Record<string, number>;
  alerting: AlertingSettings;
  /** What an hour of a node or instance costs here (config.yaml `prices:`); Azure's list prices in USD by default. */
  prices: PriceList;
  budgets: BudgetSettings;
  /** How compute instances are watched: schedules and idle shutdown are noticed within tickMs. */
  computeInstances: { tickMs: number };
  controllers: ControllerSettings;
}

/** Where the controllers run when several servers share one PostgreSQL database. */
export interface ControllerSettings {
  /**
   * How long the controllers' lease lasts unless renewed (renewed every third of it): a leader
   * that dies has its controllers running on another server within about this long.
   */
  leaseTtlMs: number;
}

/** How budgets are watched. */
export interface BudgetSettings {
  /** How often every budget's spend is measured (thresholds alerted, enforcing budgets applied); jobs ending also wake it. */
  tickMs: number;
}

/** Where monitor alerts go. */
export interface AlertingSettings {
  /** Prometheus Alertmanager's base URL (it may carry basic-auth credentials); undefined: monitors raise no alerts. */
  alertmanagerUrl?: string | undefined;
}

/** Who may call the server, and how they prove it. */
export interface AuthSettings {
  /** Requests from loopback without credentials act as the local owner. */
  local: boolean;
  /** Bearer JWTs from this issuer are accepted. */
  oidc?: OidcSettings | undefined;
}

/** How the scheduler looks for due schedules. */
export interface ScheduleSettings {
  /** How often: a slot fires within this long of its time. */
  tickMs: number;
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
  const tls = tlsSettings(env, file.tls);
  return {
    home,
    host,
    port,
    databaseUrl: env.TRELLIS_DATABASE_URL || file.database_url || undefined,
    maxBodyBytes: positiveInteger(env.TRELLIS_MAX_BODY_BYTES, 'TRELLIS_MAX_BODY_BYTES') ?? file.max_body_bytes ?? 16 * 1024 * 1024,
    maxUploadBytes:
      positiveInteger(env.TRELLIS_MAX_UPLOAD_BYTES, 'TRELLIS_MAX_UPLOAD_BYTES') ?? file.max_upload_bytes ?? 50 * 1024 * 1024 * 1024,
    mlflowGraphql: {
      maxRootFields: positiveInteger(env.MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS, 'MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS', '') ?? 10,
      maxAliases: positiveInteger(env.MLFLOW_SERVER_GRAPHQL_MAX_ALIASES, 'MLFLOW_SERVER_GRAPHQL_MAX_ALIASES', '') ?? 10,
    },
    serverUrl: (env.TRELLIS_URL || file.server || `${tls ? 'https' : 'http'}://127.0.0.1:${port}`).replace(/\/+$/, ''),
    publicUrl: publicUrl(env.TRELLIS_PUBLIC_URL || file.public_url),
    workspace: env.TRELLIS_WORKSPACE || file.workspace || 'default',
    output: (env.TRELLIS_OUTPUT as TrellisConfig['output'] | undefined) || file.output || 'table',
    localUser: safeUserName(),
    auth: {
      local: booleanSetting(env, 'TRELLIS_DISABLE_LOCAL_AUTH') === true ? false : (file.auth?.local ?? isLoopbackHost(host)),
      oidc: oidcSettings(env, file.auth?.oidc),
    },
    allowedHosts: env.TRELLIS_ALLOWED_HOSTS
      ? env.TRELLIS_ALLOWED_HOSTS.split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : (file.allowed_hosts ?? []),
    tls,
    caFile: env.TRELLIS_CA_FILE || file.ca_file || undefined,
    artifacts: artifactStoreSettings(env, file.artifacts),
    storageQuotaBytes: file.storage_quota_bytes ?? {},
    alerting: { alertmanagerUrl: alertmanagerUrl(env.TRELLIS_ALERTMANAGER_URL || file.alerting?.alertmanager_url) },
    prices: priceList(file.prices, join(home, 'config.yaml')),
    budgets: { tickMs: nonNegativeNumber(env, 'TRELLIS_BUDGET_TICK_MS') ?? 60_000 },
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
    schedules: { tickMs: nonNegativeNumber(env, 'TRELLIS_SCHEDULE_TICK_MS') ?? 1000 },
    computeInstances: { tickMs: nonNegativeNumber(env, 'TRELLIS_COMPUTE_INSTANCE_TICK_MS') ?? 15_000 },
    controllers: { leaseTtlMs: leaseTtl(env) },
  };
}

/** Whether listening on this address reaches only this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function booleanSetting(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new TrellisError('InvalidConfiguration', 400, `${name}='${text}' is not true or false`);
}

function oidcSettings(env: NodeJS.ProcessEnv, file: OidcSettings | undefined): OidcSettings | undefined {
  const issuer = env.TRELLIS_OIDC_ISSUER || file?.issuer;
  if (!issuer) return undefined;
  const parsed = oidcSettingsSchema.safeParse({
    ...file,
    issuer,
    ...(env.TRELLIS_OIDC_AUDIENCE ? { audience: env.TRELLIS_OIDC_AUDIENCE } : {}),
    ...(env.TRELLIS_OIDC_USER_CLAIM ? { user_claim: env.TRELLIS_OIDC_USER_CLAIM } : {}),
    ...(env.TRELLIS_OIDC_GROUPS_CLAIM ? { groups_claim: env.TRELLIS_OIDC_GROUPS_CLAIM } : {}),
    ...(env.TRELLIS_OIDC_CLIENT_ID ? { client_id: env.TRELLIS_OIDC_CLIENT_ID } : {}),
    ...(env.TRELLIS_OIDC_CLIENT_SECRET ? { client_secret: env.TRELLIS_OIDC_CLIENT_SECRET } : {}),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `auth.oidc.${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new TrellisError('InvalidConfiguration', 400, `the OpenID Connect settings are not valid: ${problems}`);
  }
  return parsed.data;
}

function tlsSettings(env: NodeJS.ProcessEnv, file: ConfigFile['tls']): TrellisConfig['tls'] {
  const cert = env.TRELLIS_TLS_CERT || file?.cert;
  const key = env.TRELLIS_TLS_KEY || file?.key;
  if (!cert && !key) return undefined;
  if (!cert || !key)
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `HTTPS needs both a certificate and a key: give --tls-cert and --tls-key (TRELLIS_TLS_CERT, TRELLIS_TLS_KEY) together`,
    );
  return { cert, key };
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

function alertmanagerUrl(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const url = URL.parse(text);
  if (!url || !/^https?:$/.test(url.protocol))
    // The URL may carry credentials: the message names the setting, never the value.
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `TRELLIS_ALERTMANAGER_URL / alerting.alertmanager_url is not an http(s) URL; set it to Alertmanager's address, e.g. http://alertmanager.monitoring.svc:9093`,
    );
  return text.replace(/\/+$/, '');
}

/** The installation's prices; every problem named with its path under prices, in one error. */
function priceList(input: unknown, path: string): PriceList {
  if (input === undefined || input === null) return defaultPriceList;
  try {
    return parsePriceList(input);
  } catch (error) {
    if (!isTrellisError(error)) throw error;
    const problems = error.problems.map((problem) => ({ ...problem, path: problem.path ? `prices.${problem.path}` : 'prices' }));
    const listed = problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
    throw new TrellisError('InvalidConfiguration', 400, `${path} is not valid: ${listed || error.message}; fix prices (docs/cost.md)`, {
      problems,
    });
  }
}

/** TRELLIS_LEASE_TTL_MS: whole milliseconds, long enough that a renewal (every third of it) has time to answer. */
function leaseTtl(env: NodeJS.ProcessEnv): number {
  const ttl = positiveInteger(env.TRELLIS_LEASE_TTL_MS, 'TRELLIS_LEASE_TTL_MS', ' of milliseconds') ?? defaultLeaseTtlMs;
  if (ttl < minimumLeaseTtlMs)
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `TRELLIS_LEASE_TTL_MS '${ttl}' is too short: the lease is renewed every third of it, over a database round trip; give ${minimumLeaseTtlMs} or more (default ${defaultLeaseTtlMs})`,
    );
  return ttl;
}

const minimumLeaseTtlMs = 300;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TrellisError('InvalidConfiguration', 400, `TRELLIS_PORT '${text}' is not a port number; use 0-65535 (0 picks a free port)`);
  }
  return port;
}

function positiveInteger(text: string | undefined, name: string, unit = ' of bytes'): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new TrellisError('InvalidConfiguration', 400, `${name} '${text}' must be a positive whole number${unit}`);
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
