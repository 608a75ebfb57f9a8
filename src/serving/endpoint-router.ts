import { randomUUID } from 'node:crypto';
import type { DeploymentLineage, Endpoint, EndpointSecrets } from '../core/endpoints/endpoint.js';
import { bearerCredential, matchKey, verifyToken } from '../core/endpoints/endpoint-keys.js';
import { RequestStats } from '../core/endpoints/request-stats.js';
import { compileTraffic, routeRequest, type TrafficTable } from '../core/endpoints/traffic.js';
import { isTrellisError } from '../core/errors.js';
import type { PayloadCollector } from './payload-collector.js';
import type { ScoringAnswer, ScoringCall } from './scoring-instance.js';
import { QueueFullError } from './serving-errors.js';

/**
 * The data plane of online endpoints: checks the caller's key or token, picks the deployment
 * (the `azureml-model-deployment` header, else the traffic split), sends a copy to the mirror
 * deployment when the split says so (its answer is discarded), and calls the deployment. Each
 * endpoint's route is an immutable object swapped in one assignment, so a traffic change is atomic
 * and a request in flight finishes on the route it started with.
 */

/** What a deployment offers the router: a way to call it, and what it serves. */
export interface DeploymentTarget {
  name: string;
  lineage: DeploymentLineage;
  /** Calls the deployment (its pool): queues, times out, answers. */
  call(call: ScoringCall): Promise<ScoringAnswer>;
  /** Whether it has a ready instance now. */
  isReady(): boolean;
  /** The deployment's data_collector: which payloads to keep, and what share of requests. */
  collection?: { inputs: boolean; outputs: boolean; samplingRate: number } | undefined;
}

interface EndpointRoute {
  endpoint: Endpoint;
  secrets: EndpointSecrets;
  table: TrafficTable;
  names: readonly string[];
  targets: ReadonlyMap<string, DeploymentTarget>;
  /** Deployments of the endpoint that cannot answer at all yet (being prepared, or Failed), with why. */
  unavailable: ReadonlyMap<string, string>;
}

export interface RouterAnswer {
  status: number;
  body: Buffer;
  contentType: string;
  headers: Record<string, string>;
}

/** One finished request, for metrics and payload collection. */
export interface RequestRecord {
  workspace: string;
  endpoint: string;
  deployment: string | undefined;
  status: number;
  latencyMs: number;
  mirrored: boolean;
}

export class EndpointRouter {
  private routes = new Map<string, EndpointRoute>();
  readonly stats = new RequestStats();
  /** Requests in flight per `<workspace>/<endpoint>/<deployment>`. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly options: {
      now?: () => number;
      random?: () => number;
      /** Called once per finished request (metrics). */
      onRequest?: (record: RequestRecord) => void;
      /** Where sampled payloads go (deployments with a data_collector). */
      collector?: PayloadCollector;
    } = {},
  ) {}

  /**
   * Replaces an endpoint's route (traffic, keys, deployments) in one step. `unavailable` names the
   * endpoint's other deployments, which have no instances to call, with the reason, so a request
   * meant for one of them is answered 503 with that reason instead of "no such deployment".
   */
  setRoute(
    endpoint: Endpoint,
    secrets: EndpointSecrets,
    targets: DeploymentTarget[],
    unavailable: ReadonlyMap<string, string> = new Map(),
  ): void {
    const names = targets.map((target) => target.name);
    // Traffic naming a deployment that is not up yet routes nowhere until it is (validated on write).
    const known = new Set(names);
    const traffic = Object.fromEntries(Object.entries(endpoint.traffic).filter(([name]) => known.has(name)));
    const mirror = Object.fromEntries(Object.entries(endpoint.mirrorTraffic).filter(([name]) => known.has(name)));
    let table: TrafficTable;
    try {
      table = compileTraffic(normalise(traffic), mirror, names);
    } catch (error) {
      // A split that is not valid (it is checked on write, so only a stored one from before): it routes no
      // traffic, and deployments are still called by name (the header), until the endpoint's traffic is set again.
      if (!(isTrellisError(error) && error.code === 'InvalidInput')) throw error;
      table = compileTraffic({}, {}, names);
    }
    this.routes.set(routeKey(endpoint.workspace, endpoint.name), {
      endpoint,
      secrets,
      table,
      names,
      targets: new Map(targets.map((target) => [target.name, target])),
      unavailable,
    });
  }

  removeRoute(workspace: string, endpoint: string): void {
    this.routes.delete(routeKey(workspace, endpoint));
  }

  has(workspace: string, endpoint: string): boolean {
    return this.routes.has(routeKey(workspace, endpoint));
  }

  /** Calls in flight now for one deployment (autoscale, metrics). */
  inFlightOf(workspace: string, endpoint: string, deployment: string): number {
    return this.inFlight.get(`${workspace}/${endpoint}/${deployment}`) ?? 0;
  }

  /** The deployments of an endpoint as the router sees them (names and what they serve). */
  targetsOf(workspace: string, endpoint: string): DeploymentTarget[] {
    return [...(this.routes.get(routeKey(workspace, endpoint))?.targets.values() ?? [])];
  }

  /**
   * Answers one scoring request. Auth failures answer 401 and never reach a model; errors answer
   * as problem JSON with the status the error carries (429 with Retry-After, 503, 504).
   */
  async handle(
    workspace: string,
    endpointName: string,
    call: ScoringCall,
    headers: { authorization?: string | undefined; deployment?: string | undefined },
  ): Promise<RouterAnswer> {
    const started = performance.now();
    const route = this.routes.get(routeKey(workspace, endpointName));
    if (!route)
      return problem(
        404,
        'EndpointNotFound',
        `online endpoint '${endpointName}' does not exist in workspace '${workspace}' (or has no deployment yet)`,
      );
    const denied = this.authorize(route, headers.authorization);
    if (denied) return denied;
    let deployment: string | undefined;
    try {
      const notReady = this.notReady(route, headers.deployment);
      if (notReady) return notReady;
      const chosen = routeRequest(route.table, headers.deployment, route.names, this.options.random ?? Math.random);
      deployment = chosen.deployment;
      const target = route.targets.get(chosen.deployment)!;
      if (chosen.mirrorTo !== undefined) this.mirror(route, chosen.mirrorTo, call);
      const counter = `${workspace}/${endpointName}/${chosen.deployment}`;
      this.inFlight.set(counter, (this.inFlight.get(counter) ?? 0) + 1);
      // Read with the call: during a version swap the lineage names the version that took the call.
      const trace = traceHeaders(target);
      let answer: ScoringAnswer;
      try {
        answer = await target.call(call);
      } finally {
        this.inFlight.set(counter, (this.inFlight.get(counter) ?? 1) - 1);
      }
      // The model's own headers (an AMLResponse's), and the router's trace headers over them.
      const result: RouterAnswer = {
        status: answer.status,
        body: answer.body,
        contentType: answer.contentType,
        headers: { ...answer.headers, ...trace },
      };
      this.record(workspace, endpointName, deployment, result.status, started, false);
      if (target.collection && 'contentType' in call) this.collect(workspace, endpointName, target, call, answer, result);
      return result;
    } catch (error) {
      const answer = errorAnswer(error);
      if (deployment) Object.assign(answer.headers, traceHeaders(route.targets.get(deployment)));
      this.record(workspace, endpointName, deployment, answer.status, started, false);
      return answer;
    }
  }

  /**
   * 503 for a request that can only go to deployments with no instances yet: named in the header,
   * or holding all the live traffic. Undefined when the traffic split can route it.
   */
  private notReady(route: EndpointRoute, header: string | undefined): RouterAnswer | undefined {
    const name = header?.trim();
    if (name) {
      const why = route.targets.has(name) ? undefined : route.unavailable.get(name);
      return why === undefined ? undefined : problem(503, 'DeploymentNotReady', `deployment '${name}' cannot take calls: ${why}`);
    }
    if (route.table.slots.length > 0) return undefined;
    const waiting = Object.entries(route.endpoint.traffic).filter(
      ([candidate, percent]) => percent > 0 && route.unavailable.has(candidate),
    );
    if (waiting.length === 0) return undefined;
    return problem(
      503,
      'DeploymentNotReady',
      `the live traffic goes to ${waiting.map(([candidate]) => `deployment '${candidate}', which cannot take calls: ${route.unavailable.get(candidate)}`).join('; and ')}`,
    );
  }

  /** Keeps a sampled request and its answer (data_collector); the answer says under which id. */
  private collect(
    workspace: string,
    endpoint: string,
    target: DeploymentTarget,
    call: Extract<ScoringCall, { contentType: string }>,
    answer: ScoringAnswer,
    result: RouterAnswer,
  ): void {
    const collector = this.options.collector;
    const collection = target.collection!;
    if (!collector || (this.options.random ?? Math.random)() >= collection.samplingRate) return;
    const requestId = randomUUID();
    const at = (this.options.now ?? Date.now)();
    result.headers['x-trellis-collection-id'] = requestId;
    if (collection.inputs)
      collector.collect(workspace, endpoint, 'model_inputs', {
        at,
        requestId,
        deployment: target.name,
        status: answer.status,
        contentType: call.contentType,
        body: call.body,
      });
    if (collection.outputs)
      collector.collect(workspace, endpoint, 'model_outputs', {
        at,
        requestId,
        deployment: target.name,
        status: answer.status,
        contentType: answer.contentType,
        body: answer.body,
      });
  }

  private authorize(route: EndpointRoute, authorization: string | undefined): RouterAnswer | undefined {
    const credential = bearerCredential(authorization);
    const how = route.endpoint.authMode === 'key' ? 'a key' : 'a token';
    const fetch = `get it with: trellis online-endpoint get-credentials --name ${route.endpoint.name}`;
    if (!credential)
      return problem(
        401,
        'Unauthorized',
        `endpoint '${route.endpoint.name}' needs ${how} in the Authorization header ("Bearer <${route.endpoint.authMode === 'key' ? 'key' : 'token'}>"); ${fetch}`,
      );
    if (route.endpoint.authMode === 'key') {
      return matchKey(route.secrets, credential)
        ? undefined
        : problem(
            401,
            'Unauthorized',
            `that key is not a key of endpoint '${route.endpoint.name}' (it may have been regenerated); ${fetch}`,
          );
    }
    const check = verifyToken(credential, {
      endpoint: route.endpoint.name,
      workspace: route.endpoint.workspace,
      now: (this.options.now ?? Date.now)(),
      secrets: route.secrets.tokenSecret,
    });
    if (check.status === 'ok') return undefined;
    const why = check.status === 'expired' ? 'expired' : `not valid (${check.reason})`;
    return problem(401, 'Unauthorized', `the token is ${why} for endpoint '${route.endpoint.name}'; ${fetch}`);
  }

  /** A copy to the mirror deployment; its answer (or failure) is recorded and dropped. */
  private mirror(route: EndpointRoute, deployment: string, call: ScoringCall): void {
    const target = route.targets.get(deployment);
    if (!target?.isReady()) return;
    const started = performance.now();
    const { workspace, name } = route.endpoint;
    target.call(call).then(
      (answer) => this.record(workspace, name, deployment, answer.status, started, true),
      (error: unknown) => this.record(workspace, name, deployment, isTrellisError(error) ? error.status : 500, started, true),
    );
  }

  private record(
    workspace: string,
    endpoint: string,
    deployment: string | undefined,
    status: number,
    started: number,
    mirrored: boolean,
  ): void {
    const latencyMs = performance.now() - started;
    if (deployment !== undefined && !mirrored)
      this.stats.observe(`${workspace}/${endpoint}/${deployment}`, status, latencyMs, (this.options.now ?? Date.now)());
    this.options.onRequest?.({ workspace, endpoint, deployment, status, latencyMs, mirrored });
  }
}

function routeKey(workspace: string, endpoint: string): string {
  return `${workspace}/${endpoint}`;
}

/** Traffic of deployments not up yet is dropped above; what is left is scaled back to 100. */
function normalise(traffic: Record<string, number>): Record<string, number> {
  const total = Object.values(traffic).reduce((sum, value) => sum + value, 0);
  if (total === 0 || total === 100) return traffic;
  const names = Object.keys(traffic);
  const scaled = Object.fromEntries(names.map((name) => [name, Math.floor(((traffic[name] ?? 0) * 100) / total)]));
  const short = 100 - Object.values(scaled).reduce((sum, value) => sum + value, 0);
  const largest = names.reduce((best, name) => ((traffic[name] ?? 0) > (traffic[best] ?? 0) ? name : best), names[0]!);
  scaled[largest] = (scaled[largest] ?? 0) + short;
  return scaled;
}

/** Which deployment and model version answered, on every response (traceability). */
function traceHeaders(target: DeploymentTarget | undefined): Record<string, string> {
  if (!target) return {};
  const headers: Record<string, string> = { 'azureml-model-deployment': target.name };
  if (target.lineage.model) headers['x-trellis-model'] = `${target.lineage.model.name}:${target.lineage.model.version}`;
  return headers;
}

function errorAnswer(error: unknown): RouterAnswer {
  if (error instanceof QueueFullError) {
    const answer = problem(429, error.code, error.message);
    answer.headers['retry-after'] = String(error.retryAfterSeconds);
    return answer;
  }
  if (isTrellisError(error)) return problem(error.status, error.code, error.message);
  return problem(500, 'ScoringFailed', `scoring failed: ${(error as Error).message}`);
}

function problem(status: number, code: string, detail: string): RouterAnswer {
  const body = Buffer.from(JSON.stringify({ type: `https://trellis.dev/problems/${code}`, title: code, status, detail, code }));
  return { status, body, contentType: 'application/problem+json', headers: {} };
}
