/**
 * How an online endpoint splits its requests among its deployments, the way Azure ML does it:
 * - `traffic` gives each deployment a whole percentage of live requests; the values add up to 100,
 *   or are all 0 (the endpoint then answers only requests that name a deployment).
 * - `mirror_traffic` copies up to 50% of live requests to one deployment and throws its answer
 *   away; that deployment may not also receive live traffic, and only one deployment may be a
 *   mirror (the limits Azure ML's safe-rollout guide lists for mirrored traffic).
 * - The `azureml-model-deployment` header sends a request to one deployment directly, even one
 *   with 0% traffic, and such a request is never mirrored.
 *
 * `compileTraffic` turns a valid split into a frozen `TrafficTable`; the router keeps one table per
 * endpoint and swaps the reference when the split changes, so a request always sees one whole
 * split, never half of an update.
 */
import { closestName } from '../azureml/did-you-mean.js';
import { TrellisError, invalidInput, type Problem } from '../errors.js';

/** Percentages per deployment name, as `traffic` and `mirror_traffic` are written in the endpoint YAML. */
export type TrafficWeights = Readonly<Record<string, number>>;

/** A random number in [0, 1), like Math.random; injected so tests and replays are deterministic. */
export type RandomSource = () => number;

/** The header that sends a request to one deployment, bypassing the traffic split. */
export const DEPLOYMENT_HEADER = 'azureml-model-deployment';

/** Azure ML caps mirrored traffic at 50% to protect the endpoint's bandwidth. */
export const MAX_MIRROR_PERCENT = 50;

/** A compiled, immutable split: weighted choice in O(1) by looking up one of 100 slots. */
export interface TrafficTable {
  /** The live split as given, deployments with 0 included. */
  readonly weights: TrafficWeights;
  /** The deployment that gets a copy of live requests, and how many percent of them; undefined when none. */
  readonly mirror: Readonly<{ deployment: string; percent: number }> | undefined;
  /** Slot i (0..99) names the deployment that answers a request whose random draw falls in [i%, i+1%); empty when all weights are 0. */
  readonly slots: readonly string[];
}

/** Where one request goes: the deployment that answers it, and the deployment that gets a copy, if any. */
export interface Route {
  deployment: string;
  /** Send a copy here and discard its answer; undefined when this request is not mirrored. */
  mirrorTo: string | undefined;
  /** Whether the request named its deployment in the header (then it is never mirrored). */
  isTargeted: boolean;
}

/**
 * Every problem with a traffic split, each naming the field and the fix; an empty list means
 * valid. `deploymentNames` are the endpoint's deployments, whatever their traffic.
 */
export function validateTraffic(traffic: TrafficWeights, mirror: TrafficWeights, deploymentNames: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const known = new Set(deploymentNames);

  for (const [name, percent] of Object.entries(traffic)) {
    if (!known.has(name)) problems.push(unknownDeployment('traffic', name, deploymentNames));
    if (!isWholePercent(percent, 100)) {
      problems.push({ path: `traffic.${name}`, message: `${String(percent)} is not a percentage; use a whole number from 0 to 100` });
    }
  }
  const total = sum(Object.values(traffic));
  const allValid = Object.values(traffic).every((percent) => isWholePercent(percent, 100));
  if (allValid && total !== 0 && total !== 100) {
    problems.push({
      path: 'traffic',
      message: `the percentages add up to ${total}; make them add up to 100 (${describeWeights(traffic)}), or set them all to 0 to send no live traffic`,
    });
  }

  const mirrored = Object.entries(mirror).filter(([, percent]) => percent !== 0);
  for (const [name, percent] of mirrored) {
    if (!known.has(name)) problems.push(unknownDeployment('mirror_traffic', name, deploymentNames));
    if (!isWholePercent(percent, Number.POSITIVE_INFINITY)) {
      problems.push({
        path: `mirror_traffic.${name}`,
        message: `${String(percent)} is not a percentage; use a whole number from 0 to ${MAX_MIRROR_PERCENT}`,
      });
    } else if (percent > MAX_MIRROR_PERCENT) {
      problems.push({
        path: `mirror_traffic.${name}`,
        message: `${percent}% is more than the ${MAX_MIRROR_PERCENT}% that may be mirrored; set it to ${MAX_MIRROR_PERCENT} or less`,
      });
    }
    const live = traffic[name] ?? 0;
    if (live > 0) {
      problems.push({
        path: `mirror_traffic.${name}`,
        message: `deployment '${name}' gets ${live}% of live traffic and cannot also receive mirrored traffic; set traffic.${name} to 0 or mirror to a deployment without live traffic`,
      });
    }
  }
  if (mirrored.length > 1) {
    problems.push({
      path: 'mirror_traffic',
      message: `traffic can be mirrored to one deployment only, not ${mirrored.length} (${describeWeights(Object.fromEntries(mirrored))}); keep one and set the others to 0`,
    });
  }
  return problems;
}

/**
 * A frozen table for a valid split; throws an InvalidInput TrellisError listing every problem
 * otherwise. Deployments are laid into slots in name order so the same split always compiles to
 * the same table.
 */
export function compileTraffic(traffic: TrafficWeights, mirror: TrafficWeights, deploymentNames: readonly string[]): TrafficTable {
  const problems = validateTraffic(traffic, mirror, deploymentNames);
  if (problems.length > 0) throw invalidInput('the endpoint traffic', problems);

  const slots: string[] = [];
  for (const name of Object.keys(traffic).sort()) {
    for (let index = 0; index < (traffic[name] ?? 0); index += 1) slots.push(name);
  }
  const mirrored = Object.entries(mirror).find(([, percent]) => percent > 0);
  return Object.freeze({
    weights: Object.freeze({ ...traffic }),
    mirror: mirrored ? Object.freeze({ deployment: mirrored[0], percent: mirrored[1] }) : undefined,
    slots: Object.freeze(slots),
  });
}

/** The deployment that answers a request without the header; undefined when all traffic is 0. */
export function chooseDeployment(table: TrafficTable, random: RandomSource): string | undefined {
  if (table.slots.length === 0) return undefined;
  return table.slots[slotIndex(random(), table.slots.length)];
}

/** Whether this request is copied to the mirror deployment (one draw per request). */
export function shouldMirror(table: TrafficTable, random: RandomSource): boolean {
  if (!table.mirror) return false;
  return random() * 100 < table.mirror.percent;
}

/**
 * The deployment the `azureml-model-deployment` header names, or undefined when the header is
 * absent or blank. A deployment with 0% traffic may be named (that is how a new deployment is
 * tested before it gets traffic). Throws DeploymentNotFound (404) naming the deployments there are.
 */
export function targetDeployment(header: string | undefined, deploymentNames: readonly string[]): string | undefined {
  const wanted = header?.trim();
  if (!wanted) return undefined;
  if (deploymentNames.includes(wanted)) return wanted;
  const suggestion = closestName(wanted, deploymentNames);
  const list = deploymentNames.length > 0 ? `its deployments are: ${[...deploymentNames].sort().join(', ')}` : 'it has no deployments yet';
  throw new TrellisError(
    'DeploymentNotFound',
    404,
    `the ${DEPLOYMENT_HEADER} header names deployment '${wanted}', which this endpoint does not have${suggestion ? `; did you mean '${suggestion}'?` : ''} (${list})`,
    { details: { deployment: wanted, deployments: [...deploymentNames] } },
  );
}

/**
 * The whole routing decision for one request: the header wins and is never mirrored; otherwise
 * the weighted choice, plus a mirror copy per `mirror_traffic`. Throws DeploymentNotFound for an
 * unknown header value, and NoLiveTraffic (404, the status Azure gives when no deployment has a
 * positive weight) when nothing gets live traffic and the request names no deployment.
 */
export function routeRequest(
  table: TrafficTable,
  header: string | undefined,
  deploymentNames: readonly string[],
  random: RandomSource,
): Route {
  const targeted = targetDeployment(header, deploymentNames);
  if (targeted !== undefined) return { deployment: targeted, mirrorTo: undefined, isTargeted: true };
  const chosen = chooseDeployment(table, random);
  if (chosen === undefined) {
    throw new TrellisError(
      'NoLiveTraffic',
      404,
      `no deployment of this endpoint gets live traffic; give one a share with: trellis online-endpoint update --traffic "<deployment>=100", or name a deployment in the ${DEPLOYMENT_HEADER} header`,
    );
  }
  return { deployment: chosen, mirrorTo: shouldMirror(table, random) ? table.mirror?.deployment : undefined, isTargeted: false };
}

function slotIndex(draw: number, slotCount: number): number {
  // A random source outside [0, 1) must not index past the table.
  const index = Math.floor(draw * slotCount);
  return Number.isFinite(index) ? Math.min(slotCount - 1, Math.max(0, index)) : 0;
}

function isWholePercent(value: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function describeWeights(weights: TrafficWeights): string {
  return Object.entries(weights)
    .map(([name, percent]) => `${name}: ${percent}`)
    .join(', ');
}

function unknownDeployment(field: string, name: string, deploymentNames: readonly string[]): Problem {
  const suggestion = closestName(name, deploymentNames);
  const list =
    deploymentNames.length > 0
      ? `the endpoint's deployments are: ${[...deploymentNames].sort().join(', ')}`
      : 'the endpoint has no deployments yet';
  return {
    path: `${field}.${name}`,
    message: `there is no deployment '${name}'${suggestion ? `; did you mean '${suggestion}'?` : ''} (${list})`,
  };
}
