/**
 * What authentication costs the MLflow tracking API (issue 14): two Trellis servers side by side in
 * one run, driven over loopback HTTP by the same client code —
 *   off:   local authentication on (a request from loopback without credentials acts as the owner);
 *   token: local authentication off, each request with a Trellis personal access token of the owner;
 *   oidc:  the same server, each request with a real OpenID Connect JWT access token of user alice
 *          (Contributor at '/'), issued by a real oidc-provider process and verified by Trellis.
 * Each mode: N clients at once, each on its own run, issue single-point runs/log-metric calls, then
 * runs/get calls — calls/s and p50 latency for each. Every mode is measured twice, in the order
 * off, token, oidc and then reversed, and the better of the two kept, to even out drift.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { startOidcProvider, userToken } from '../test/support/oidc-provider/start-provider.js';
import { removeHome, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';

export interface AuthBenchOptions {
  /** Calls per measurement (log-metric, then as many get-run), spread over the clients. */
  calls: number;
  clients: number;
  log: (line: string) => void;
}

export type AuthMode = 'off' | 'token' | 'oidc';

export interface CallRate {
  calls: number;
  seconds: number;
  callsPerSecond: number;
  /** Median latency of one call, ms. */
  p50: number;
}

export interface ModeFigures {
  mode: AuthMode;
  /** What the requests carried, in words. */
  credential: string;
  logMetric: CallRate;
  getRun: CallRate;
}

/** The audience Trellis is configured with and the JWT is requested for (`aud`). */
const audience = 'api://trellis-bench';
/** The JWT must outlive the whole run: full-size runs take minutes, a slow machine many more. */
const accessTokenTtlSeconds = 6 * 60 * 60;
/** Untimed calls per client before each measurement: connections opened, JIT and caches warm. */
const warmUpCallsPerClient = 5;

/** A server and the headers a request to it carries in one mode. */
interface Target {
  mode: AuthMode;
  credential: string;
  url: string;
  headers: Record<string, string>;
}

/** One MLflow REST call (POST when a body is given) with `target`'s credentials; throws on a non-2xx answer. */
async function mlflowCall<T>(target: Target, path: string, body?: unknown): Promise<T> {
  const response = await fetch(
    `${target.url}/api/2.0/mlflow/${path}`,
    body === undefined
      ? { headers: target.headers }
      : { method: 'POST', headers: { ...target.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.mode}: ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** A Trellis REST call as the owner (`ownerToken`); throws on a non-2xx answer. */
async function asOwner<T>(trellis: TrellisProcess, ownerToken: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${trellis.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/**
 * Runs `callsPerClient` calls of `issue` from each client at once (client `i` passes `runIds[i]`);
 * the calls/s over the whole batch and the median latency of a call.
 */
async function measure(
  runIds: string[],
  callsPerClient: number,
  issue: (runId: string, index: number) => Promise<void>,
): Promise<CallRate> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let index = 0; index < callsPerClient; index++) {
        const sent = performance.now();
        await issue(runId, index);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    calls: latencies.length,
    seconds,
    callsPerSecond: latencies.length / seconds,
    p50: latencies[Math.floor(latencies.length / 2)] ?? Number.NaN,
  };
}

/** One measurement of one mode: a new experiment and a run per client, then log-metric, then get-run. */
async function measureMode(target: Target, options: AuthBenchOptions, round: number): Promise<ModeFigures> {
  const { experiment_id } = await mlflowCall<{ experiment_id: string }>(target, 'experiments/create', {
    name: `bench-auth-${target.mode}-${round}`,
  });
  const runIds = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const created = await mlflowCall<{ run: { info: { run_id: string } } }>(target, 'runs/create', {
        experiment_id,
        start_time: Date.now(),
      });
      return created.run.info.run_id;
    }),
  );
  const callsPerClient = Math.max(1, Math.ceil(options.calls / options.clients));
  const now = Date.now();
  const logMetric = async (runId: string, step: number) => {
    await mlflowCall(target, 'runs/log-metric', { run_id: runId, key: 'loss', value: 1 / (step + 1), timestamp: now + step, step });
  };
  const getRun = async (runId: string) => {
    await mlflowCall(target, `runs/get?run_id=${runId}`);
  };
  await measure(runIds, warmUpCallsPerClient, getRun);
  const logMetricRate = await measure(runIds, callsPerClient, logMetric);
  const getRunRate = await measure(runIds, callsPerClient, getRun);
  options.log(
    `  round ${round}, ${target.mode}: log-metric ${logMetricRate.callsPerSecond.toFixed(0)}/s, get-run ${getRunRate.callsPerSecond.toFixed(0)}/s`,
  );
  return { mode: target.mode, credential: target.credential, logMetric: logMetricRate, getRun: getRunRate };
}

/** The better of two measurements of one call: the higher rate, with its own p50. */
function better(first: CallRate, second: CallRate): CallRate {
  return second.callsPerSecond > first.callsPerSecond ? second : first;
}

/**
 * Starts the provider and both servers, sets up alice and the owner's token, measures each mode twice
 * (off, token, oidc, then oidc, token, off) and returns the better figures of each, in the order off, token, oidc.
 */
export async function runAuthBench(options: AuthBenchOptions): Promise<ModeFigures[]> {
  const provider = await startOidcProvider({ accessTokenTtlSeconds });
  const servers: TrellisProcess[] = [];
  try {
    const off = await startTrellis();
    servers.push(off);
    const on = await startTrellis({
      env: {
        TRELLIS_DISABLE_LOCAL_AUTH: 'true',
        TRELLIS_OIDC_ISSUER: provider.issuer,
        TRELLIS_OIDC_AUDIENCE: audience,
        TRELLIS_OIDC_USER_CLAIM: 'preferred_username',
      },
    });
    servers.push(on);
    options.log(`off at ${off.url}; on at ${on.url}; OpenID provider at ${provider.issuer}`);

    const ownerToken = (await readFile(ownerTokenPath(on.home), 'utf8')).trim();
    const issued = await asOwner<{ token: string }>(on, ownerToken, '/api/v1/tokens', { name: 'bench-auth', expiresIn: '1d' });
    await asOwner(on, ownerToken, '/api/v1/principals', { name: 'alice', kind: 'user' });
    await asOwner(on, ownerToken, '/api/v1/role-assignments', { role: 'Contributor', assignee: 'alice', scope: '/' });
    const jwt = await userToken(provider, { user: 'alice', audience });

    const targets: Target[] = [
      { mode: 'off', credential: 'none (loopback acts as the owner)', url: off.url, headers: {} },
      {
        mode: 'token',
        credential: "the owner's personal access token (Bearer trls_pat_...)",
        url: on.url,
        headers: { authorization: `Bearer ${issued.token}` },
      },
      {
        mode: 'oidc',
        credential: "alice's OIDC JWT access token (RS256), Contributor at '/'",
        url: on.url,
        headers: { authorization: `Bearer ${jwt}` },
      },
    ];
    const best = new Map<AuthMode, ModeFigures>();
    for (const [round, order] of [targets, [...targets].reverse()].entries()) {
      for (const target of order) {
        const figures = await measureMode(target, options, round + 1);
        const previous = best.get(target.mode);
        best.set(
          target.mode,
          previous
            ? { ...figures, logMetric: better(previous.logMetric, figures.logMetric), getRun: better(previous.getRun, figures.getRun) }
            : figures,
        );
      }
    }
    return targets.map((target) => best.get(target.mode)).filter((figures): figures is ModeFigures => figures !== undefined);
  } finally {
    for (const server of servers) {
      await server.stop();
      await removeHome(server.home);
    }
    await provider.stop();
  }
}
