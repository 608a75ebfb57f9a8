import { createHash } from 'node:crypto';

/**
 * Names Kubernetes accepts for what Trellis creates. A Job and its headless Service share one
 * name, so it must be a DNS-1035 label (lower-case letters, digits and '-', starting with a
 * letter, at most 63 characters); an Indexed Job's pods are named `<job>-<index>` as host names,
 * so the name is kept short enough for that too. Deterministic: the same workspace, job and
 * attempt always give the same name, so a launch repeated after a restart finds its Job again.
 */

/** Longest object name: leaves room for `-<index>` of a 9999-pod Indexed Job within the 63 of a host name. */
export const maxObjectNameLength = 52;

/** The Job (and Service) name of one attempt, e.g. `train-mnist-3f2a1c-a1`. */
export function attemptObjectName(workspace: string, jobName: string, attempt: number): string {
  // The hash keeps two workspaces' same-named jobs apart when they share a namespace.
  const hash = createHash('sha256').update(`${workspace}/${jobName}`).digest('hex').slice(0, 6);
  const suffix = `-${hash}-a${attempt}`;
  let stem = jobName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(stem)) stem = `j${stem ? `-${stem}` : ''}`;
  stem = stem.slice(0, maxObjectNameLength - suffix.length).replace(/-+$/, '');
  return `${stem}${suffix}`;
}

/**
 * A label value (at most 63 characters of letters, digits, '-', '_' and '.', starting and ending
 * with a letter or digit). Names that do not fit are shortened and get a hash, so they stay
 * distinct; the full names go in annotations.
 */
export function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (cleaned === value && value.length <= 63) return value;
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 8);
  const stem = cleaned.slice(0, 63 - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '');
  return stem ? `${stem}-${hash}` : hash;
}

/** The host name of pod `index` of an Indexed Job whose pods use `serviceName` as subdomain. */
export function podHost(objectName: string, serviceName: string, index: number): string {
  return `${objectName}-${index}.${serviceName}`;
}

/**
 * The Deployment (and Service) name of one version of an online deployment, e.g.
 * `churn-blue-3f2a1c-9b0d4e`: endpoint and deployment names, a hash of `workspace/endpoint/deployment`
 * and one of the version's etag, so a new version gets objects of its own beside the one still serving.
 */
export function onlineObjectName(workspace: string, endpoint: string, deployment: string, etag: string): string {
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 6);
  const suffix = `-${hash(`${workspace}/${endpoint}/${deployment}`)}-${hash(etag)}`;
  let stem = `${endpoint}-${deployment}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!/^[a-z]/.test(stem)) stem = `d${stem ? `-${stem}` : ''}`;
  stem = stem.slice(0, maxObjectNameLength - suffix.length).replace(/-+$/, '');
  return `${stem}${suffix}`;
}
