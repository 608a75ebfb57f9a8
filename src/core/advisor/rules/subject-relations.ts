import { isMarkedProduction } from '../production.js';
import { type Undecided, undecided } from '../static-rule.js';
import {
  type ComputeSubject,
  isUnresolved,
  type Known,
  type OnlineEndpointSubject,
  referencedName,
  type StaticSubject,
  type SubjectFormat,
  type SubjectKind,
  type SubjectOfKind,
  type WorkspaceSubject,
} from '../static-subject.js';

/**
 * How the static rules relate one subject to another among the files checked together: a job to
 * the compute it names, a compute to its workspace, a deployment to its endpoint.
 */

interface SubjectIndex {
  byKind: Map<SubjectKind, StaticSubject[]>;
  computes: Map<string, ComputeSubject>;
  endpoints: Map<string, OnlineEndpointSubject>;
  /** The workspaces of each format (YAML or ARM), in their order. */
  workspaces: Map<SubjectFormat, WorkspaceSubject[]>;
}

// Built once per list of subjects checked together, so that relating each subject to the others is a lookup, not a scan.
const indexes = new WeakMap<readonly StaticSubject[], SubjectIndex>();

function indexOf(all: readonly StaticSubject[]): SubjectIndex {
  let index = indexes.get(all);
  if (index) return index;
  index = { byKind: new Map(), computes: new Map(), endpoints: new Map(), workspaces: new Map() };
  for (const subject of all) {
    const ofKind = index.byKind.get(subject.kind);
    if (ofKind) ofKind.push(subject);
    else index.byKind.set(subject.kind, [subject]);
    // The first of a name wins, as a search from the start would find it.
    if (subject.kind === 'compute' && subject.localName !== undefined && !index.computes.has(subject.localName))
      index.computes.set(subject.localName, subject);
    if (subject.kind === 'online-endpoint' && subject.localName !== undefined && !index.endpoints.has(subject.localName))
      index.endpoints.set(subject.localName, subject);
    if (subject.kind === 'workspace') {
      const ofFormat = index.workspaces.get(subject.origin.format);
      if (ofFormat) ofFormat.push(subject);
      else index.workspaces.set(subject.origin.format, [subject]);
    }
  }
  indexes.set(all, index);
  return index;
}

/** The subjects of one kind among those checked together, in their order. */
export function subjectsOfKind<Kind extends SubjectKind>(all: readonly StaticSubject[], kind: Kind): SubjectOfKind<Kind>[] {
  const found = indexOf(all).byKind.get(kind) ?? [];
  return found.filter((subject): subject is SubjectOfKind<Kind> => subject.kind === kind);
}

/** The compute a reference names, or why it cannot be found among the subjects. */
export function computeNamed(
  reference: Known<string> | undefined,
  all: readonly StaticSubject[],
): { compute: ComputeSubject } | { missing: string } | undefined {
  if (reference === undefined) return undefined;
  if (isUnresolved(reference)) return { missing: `its compute is ${reference.unresolved}: ${reference.reason}` };
  const name = referencedName(reference);
  const compute = indexOf(all).computes.get(name);
  return compute ? { compute } : { missing: `its compute '${name}' is not among the files checked; check them together` };
}

/**
 * The node limit of the cluster a reference names: undefined when nothing is named, the compute is
 * not a cluster or sets no limit; Undecided when the compute or its limit cannot be known here.
 */
export function clusterNodeLimit(
  reference: Known<string> | undefined,
  all: readonly StaticSubject[],
): { compute: ComputeSubject; max: number } | Undecided | undefined {
  const found = computeNamed(reference, all);
  if (found === undefined) return undefined;
  if ('missing' in found) return { undecided: found.missing };
  const { compute } = found;
  if (isUnresolved(compute.computeType)) return undecided(compute, 'computeType', compute.computeType);
  if (compute.computeType !== 'amlcompute') return undefined;
  const max = compute.maxInstances;
  if (isUnresolved(max)) return undecided(compute, 'maxInstances', max);
  return max === undefined ? undefined : { compute, max };
}

/**
 * The workspace a subject belongs to: for an ARM resource, the workspace its name starts with;
 * otherwise the one workspace of the same format (YAML or ARM) among the files checked, if there is exactly one.
 */
export function workspaceOf(subject: StaticSubject, all: readonly StaticSubject[]): WorkspaceSubject | undefined {
  const workspaces = indexOf(all).workspaces.get(subject.origin.format) ?? [];
  if (subject.parent !== undefined) return workspaces.find((workspace) => workspace.localName === subject.parent);
  return workspaces.length === 1 ? workspaces[0] : undefined;
}

/** The online endpoint of that name among the subjects. */
export function endpointNamed(name: Known<string> | undefined, all: readonly StaticSubject[]): OnlineEndpointSubject | undefined {
  if (name === undefined || isUnresolved(name)) return undefined;
  return indexOf(all).endpoints.get(name);
}

/**
 * Whether a resource is marked as production (production.ts): a tag environment, env or stage (any
 * case) whose value is prod or production, on it or (for an online deployment) on its endpoint.
 */
export function isProduction(subject: StaticSubject, all: readonly StaticSubject[]): boolean {
  if (isMarkedProduction(subject.tags)) return true;
  if (subject.kind !== 'online-deployment') return false;
  const endpoint = endpointNamed(subject.endpointName, all);
  return endpoint !== undefined && isMarkedProduction(endpoint.tags);
}

/** Whether managed network isolation governs the workspace's outbound traffic (any mode but disabled). */
export function hasManagedNetwork(workspace: WorkspaceSubject | undefined): boolean {
  const mode = workspace?.managedNetworkIsolation;
  return typeof mode === 'string' && mode !== 'disabled';
}
