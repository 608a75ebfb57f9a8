import { randomBytes } from 'node:crypto';
import { parseBatchEndpoint, parseOnlineEndpoint } from '../../core/azureml/parse-endpoint-file.js';
import { isEndpointOfType, type Deployment, type Endpoint, type EndpointType } from '../../core/endpoints/endpoint.js';
import { generateKeys, issueToken, regenerateKey, type IssuedToken, type KeyName } from '../../core/endpoints/endpoint-keys.js';
import { validateTraffic } from '../../core/endpoints/traffic.js';
import { invalidInput, TrellisError, type Problem } from '../../core/errors.js';
import { isComputeOfType } from '../../core/compute/compute-spec.js';
import { digestOf } from '../../core/resources/digest.js';
import type { Caller, Context } from '../context.js';
import { recordDeploymentInstances } from '../cost/deployment-usage.js';
import { requireWorkspace } from '../resource-service.js';

/**
 * Online and batch endpoints: create or update from Azure ML YAML, read, delete, keys and tokens,
 * and traffic. An endpoint is only a name, an auth mode and a traffic split; deployments do the
 * work. Every change is audited; a change that would leave the traffic invalid (not summing to 100,
 * naming a deployment that does not exist) is refused and changes nothing.
 */

export interface ApplyEndpointInput {
  workspace: string;
  type: EndpointType;
  fileName: string;
  text: string;
  /** `--name` overrides the file's. */
  name?: string | undefined;
  /** The etag the caller read (If-Match); a stale one is refused with 412. */
  ifMatch?: string | undefined;
}

export type ApplyAction = 'created' | 'updated' | 'unchanged';

export async function applyEndpoint(
  context: Context,
  caller: Caller,
  input: ApplyEndpointInput,
): Promise<{ endpoint: Endpoint; action: ApplyAction }> {
  const { workspace, type } = input;
  await requireWorkspace(context, workspace);
  const repositories = context.store.repositories;
  const parsed =
    type === 'online' ? parseOnlineEndpoint(input.text, input.fileName).spec : parseBatchEndpoint(input.text, input.fileName).spec;
  const spec = parsed as {
    name: string;
    description?: string;
    tags?: Record<string, string>;
    auth_mode?: string;
    traffic?: Record<string, number>;
    mirror_traffic?: Record<string, number>;
    defaults?: { deployment_name?: string };
    compute?: string;
  };
  const name = input.name ?? spec.name;
  const existing = await repositories.endpoints.getEndpoint(workspace, name);
  if (existing && existing.type !== type) {
    throw new TrellisError(
      'EndpointTypeMismatch',
      409,
      `'${name}' is a${existing.type === 'online' ? 'n online' : ' batch'} endpoint in workspace '${workspace}'; endpoint names are shared by online and batch endpoints: pick another name`,
    );
  }
  if (existing && input.ifMatch !== undefined && input.ifMatch !== existing.etag) {
    throw new TrellisError(
      'PreconditionFailed',
      412,
      `endpoint '${name}' changed since you read it (etag ${existing.etag}, you sent ${input.ifMatch}); read it again and retry`,
    );
  }
  const existingDeployments = existing ? await repositories.endpoints.listDeployments(workspace, name) : [];
  const deployments = existingDeployments.map((deployment) => deployment.name);
  // Traffic the file leaves out stays as it is (Azure: `update` without traffic keeps the split).
  const traffic = type === 'online' ? (spec.traffic ?? existing?.traffic ?? {}) : {};
  const mirrorTraffic = type === 'online' ? (spec.mirror_traffic ?? existing?.mirrorTraffic ?? {}) : {};
  const problems = [
    ...validateTraffic(traffic, mirrorTraffic, deployments),
    ...trafficToFailed(name, { traffic, mirrorTraffic }, existing, existingDeployments),
  ];
  const defaultDeployment = type === 'batch' ? (spec.defaults?.deployment_name ?? existing?.defaultDeployment ?? null) : null;
  if (defaultDeployment !== null && existing && !deployments.includes(defaultDeployment)) {
    problems.push({
      path: 'defaults.deployment_name',
      message: `endpoint '${name}' has no deployment '${defaultDeployment}'; deployments: ${deployments.join(', ') || '(none yet)'}`,
    });
  }
  const compute = type === 'online' ? await endpointCompute(context, workspace, name, spec.compute, existing) : { compute: null };
  if ('problem' in compute) problems.push(compute.problem);
  if (problems.length > 0 || 'problem' in compute) throw invalidInput(input.fileName, problems);

  const now = context.clock().getTime();
  const authMode = spec.auth_mode === 'aml_token' ? 'aml_token' : 'key';
  const content = {
    type,
    description: spec.description ?? null,
    tags: spec.tags ?? {},
    authMode,
    traffic,
    mirrorTraffic,
    defaultDeployment,
    compute: compute.compute,
  } as const;
  const etag = etagOf(content, now);
  if (!existing) {
    const endpoint: Endpoint = {
      workspace,
      name,
      ...content,
      state: 'Succeeded',
      createdBy: caller.actor,
      createdAt: now,
      updatedAt: now,
      etag,
    };
    const keys = generateKeys(randomBytes);
    await context.store.transaction(async (transaction) => {
      await transaction.endpoints.insertEndpoint(endpoint);
      await transaction.endpoints.putSecrets(workspace, name, { ...keys, tokenSecret: randomBytes(32).toString('base64url') });
      await transaction.audit.append(auditEvent(caller, now, 'create', endpoint, null, `${type} endpoint, auth ${authMode}`));
    });
    return { endpoint, action: 'created' };
  }
  const unchanged = digestOf(contentOf(existing)) === digestOf(content);
  if (unchanged) return { endpoint: existing, action: 'unchanged' };
  const updated: Endpoint = { ...existing, ...content, updatedAt: now, etag };
  await context.store.transaction(async (transaction) => {
    const written = await transaction.endpoints.updateEndpoint(workspace, name, { ...content, updatedAt: now, etag }, existing.etag);
    if (!written) throw new TrellisError('PreconditionFailed', 412, `endpoint '${name}' changed while this update was checked; retry`);
    await transaction.audit.append(auditEvent(caller, now, 'update', updated, existing, describeTraffic(updated)));
  });
  return { endpoint: updated, action: 'updated' };
}

export async function getEndpoint<Type extends EndpointType>(
  context: Context,
  workspace: string,
  name: string,
  type: Type,
): Promise<Endpoint<Type>>;
export async function getEndpoint(context: Context, workspace: string, name: string): Promise<Endpoint>;
export async function getEndpoint(context: Context, workspace: string, name: string, type?: EndpointType): Promise<Endpoint> {
  await requireWorkspace(context, workspace);
  const endpoint = await context.store.repositories.endpoints.getEndpoint(workspace, name);
  if (!endpoint || (type && !isEndpointOfType(endpoint, type))) {
    const kind = type === 'batch' ? 'batch-endpoint' : 'online-endpoint';
    throw new TrellisError(
      'EndpointNotFound',
      404,
      `${type ?? 'the'} endpoint '${name}' does not exist in workspace '${workspace}'; list them with: trellis ${kind} list -w ${workspace}`,
    );
  }
  return endpoint;
}

export async function listEndpoints(context: Context, workspace: string, type: EndpointType): Promise<Endpoint[]> {
  await requireWorkspace(context, workspace);
  return context.store.repositories.endpoints.listEndpoints(workspace, type);
}

/** Deletes the endpoint and every deployment of it (their instances are stopped by the serving controller). */
export async function deleteEndpoint(context: Context, caller: Caller, workspace: string, name: string, type: EndpointType): Promise<void> {
  const endpoint = await getEndpoint(context, workspace, name, type);
  const now = context.clock().getTime();
  await context.store.transaction(async (transaction) => {
    // The deployments' instances stop: their history (kept for cost) says so before they go.
    for (const deployment of await transaction.endpoints.listDeployments(workspace, name))
      await recordDeploymentInstances(transaction, deployment, 0, now);
    await transaction.endpoints.deleteEndpoint(workspace, name);
    await transaction.audit.append(auditEvent(caller, now, 'delete', null, endpoint, 'with its deployments'));
  });
}

/** Changes only the traffic split (and mirror); checked against the deployments that exist now. */
export async function setTraffic(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  change: { traffic?: Record<string, number>; mirrorTraffic?: Record<string, number>; summary?: string },
): Promise<Endpoint> {
  const endpoint = await getEndpoint(context, workspace, name, 'online');
  const traffic = change.traffic ?? endpoint.traffic;
  const mirrorTraffic = change.mirrorTraffic ?? endpoint.mirrorTraffic;
  const existingDeployments = await context.store.repositories.endpoints.listDeployments(workspace, name);
  const deployments = existingDeployments.map((deployment) => deployment.name);
  const problems = [
    ...validateTraffic(traffic, mirrorTraffic, deployments),
    ...trafficToFailed(name, { traffic, mirrorTraffic }, endpoint, existingDeployments),
  ];
  if (problems.length > 0) throw invalidInput(`traffic of endpoint '${name}'`, problems);
  const now = context.clock().getTime();
  const content = { ...contentOf(endpoint), traffic, mirrorTraffic };
  const updated: Endpoint = { ...endpoint, traffic, mirrorTraffic, updatedAt: now, etag: etagOf(content, now) };
  await context.store.transaction(async (transaction) => {
    const written = await transaction.endpoints.updateEndpoint(
      workspace,
      name,
      { traffic, mirrorTraffic, updatedAt: now, etag: updated.etag },
      endpoint.etag,
    );
    if (!written) throw new TrellisError('PreconditionFailed', 412, `endpoint '${name}' changed while its traffic was being set; retry`);
    await transaction.audit.append(auditEvent(caller, now, 'update', updated, endpoint, change.summary ?? describeTraffic(updated)));
  });
  return updated;
}

/** `get-credentials`: the keys of a key endpoint, or a fresh token of an aml_token one. */
export async function getCredentials(
  context: Context,
  workspace: string,
  name: string,
  type: EndpointType,
): Promise<{ primaryKey: string; secondaryKey: string } | IssuedToken> {
  const endpoint = await getEndpoint(context, workspace, name, type);
  const secrets = await requireSecrets(context, workspace, name);
  if (endpoint.authMode === 'key') return { primaryKey: secrets.primaryKey, secondaryKey: secrets.secondaryKey };
  return issueToken({ endpoint: name, workspace, now: context.clock().getTime(), secrets: secrets.tokenSecret });
}

/** A new primary or secondary key; the other keeps working, so clients move over without downtime. */
export async function regenerateKeys(context: Context, caller: Caller, workspace: string, name: string, which: KeyName): Promise<void> {
  const endpoint = await getEndpoint(context, workspace, name);
  if (endpoint.authMode !== 'key')
    throw new TrellisError(
      'NotKeyAuth',
      409,
      `endpoint '${name}' uses ${endpoint.authMode}; only key endpoints have keys to regenerate (tokens expire on their own)`,
    );
  const secrets = await requireSecrets(context, workspace, name);
  const keys = regenerateKey(secrets, which, randomBytes);
  const now = context.clock().getTime();
  await context.store.transaction(async (transaction) => {
    await transaction.endpoints.putSecrets(workspace, name, { ...secrets, ...keys });
    await transaction.audit.append({
      workspace,
      at: new Date(now).toISOString(),
      actor: caller.actor,
      action: 'regenerate-keys',
      kind: `${endpoint.type}-endpoint`,
      name,
      version: null,
      beforeDigest: null,
      afterDigest: null,
      requestId: caller.requestId,
      summary: `${which} key regenerated`,
    });
  });
}

/**
 * A Failed deployment (its model did not load) may not be given more live or mirrored traffic than
 * it has; moving traffic away from it, or keeping what it has, is always allowed.
 */
function trafficToFailed(
  endpoint: string,
  wanted: { traffic: Record<string, number>; mirrorTraffic: Record<string, number> },
  before: Endpoint | undefined,
  deployments: Deployment[],
): Problem[] {
  const problems: Problem[] = [];
  for (const deployment of deployments.filter((candidate) => candidate.state === 'Failed')) {
    for (const [field, path] of [
      ['traffic', 'traffic'],
      ['mirrorTraffic', 'mirror_traffic'],
    ] as const) {
      const percent = wanted[field][deployment.name] ?? 0;
      if (percent <= (before?.[field][deployment.name] ?? 0)) continue;
      problems.push({
        path: `${path}.${deployment.name}`,
        message: `deployment '${deployment.name}' is Failed (${deployment.reason ?? 'no reason recorded'}) and cannot take traffic; fix it and update it (trellis online-deployment update --file ... --endpoint-name ${endpoint}), see why with: trellis online-deployment get-logs --name ${deployment.name} --endpoint-name ${endpoint}`,
      });
    }
  }
  return problems;
}

async function requireSecrets(context: Context, workspace: string, name: string) {
  const secrets = await context.store.repositories.endpoints.getSecrets(workspace, name);
  if (!secrets)
    throw new TrellisError('EndpointSecretsMissing', 500, `endpoint '${name}' has no keys on record; delete and create it again`);
  return secrets;
}

function contentOf(endpoint: Endpoint) {
  return {
    type: endpoint.type,
    description: endpoint.description,
    tags: endpoint.tags,
    authMode: endpoint.authMode,
    traffic: endpoint.traffic,
    mirrorTraffic: endpoint.mirrorTraffic,
    defaultDeployment: endpoint.defaultDeployment,
    compute: endpoint.compute,
  };
}

/**
 * The compute an online endpoint's file names (`compute: azureml:<name>`), which must be a stored
 * `type: kubernetes` compute of the workspace; a file without one keeps the endpoint's (null for a
 * new one: instances on this server). An endpoint's compute is fixed once created, as on Azure ML.
 */
async function endpointCompute(
  context: Context,
  workspace: string,
  endpoint: string,
  named: string | undefined,
  existing: Endpoint | undefined,
): Promise<{ compute: string | null } | { problem: Problem }> {
  if (named === undefined) return { compute: existing?.compute ?? null };
  const name = named.replace(/^azureml:/, '');
  if (existing && existing.compute !== name) {
    const now = existing.compute === null ? 'runs its instances on this server' : `is on compute '${existing.compute}'`;
    return {
      problem: {
        path: 'compute',
        message: `endpoint '${endpoint}' ${now}; an endpoint's compute cannot change: delete the endpoint and create it again with compute: azureml:${name}`,
      },
    };
  }
  const resource = await context.store.repositories.resources.get({ workspace, kind: 'compute', name, version: null });
  if (!resource)
    return {
      problem: {
        path: 'compute',
        message: `compute '${name}' does not exist in workspace '${workspace}': attach the Kubernetes compute first (trellis compute create -f <file with type: kubernetes>), or leave compute out to run the instances on this server; list computes with: trellis compute list`,
      },
    };
  if (!isComputeOfType(resource.spec, 'kubernetes'))
    return {
      problem: {
        path: 'compute',
        message: `compute '${name}' is of type ${resource.spec.type}; an online endpoint's compute must be of type kubernetes: name a Kubernetes compute, or leave compute out to run the instances on this server`,
      },
    };
  return { compute: name };
}

function etagOf(content: unknown, now: number): string {
  return digestOf({ content, now }).slice('sha256:'.length, 'sha256:'.length + 16);
}

function describeTraffic(endpoint: Endpoint): string {
  const split =
    Object.entries(endpoint.traffic)
      .map(([deployment, percent]) => `${deployment} ${percent}%`)
      .join(', ') || 'no live traffic';
  const mirror = Object.entries(endpoint.mirrorTraffic)
    .map(([deployment, percent]) => `, mirror ${percent}% to ${deployment}`)
    .join('');
  return `traffic: ${split}${mirror}`;
}

function auditEvent(
  caller: Caller,
  now: number,
  action: 'create' | 'update' | 'delete',
  after: Endpoint | null,
  before: Endpoint | null,
  summary: string,
) {
  const endpoint = (after ?? before)!;
  return {
    workspace: endpoint.workspace,
    at: new Date(now).toISOString(),
    actor: caller.actor,
    action,
    kind: `${endpoint.type}-endpoint`,
    name: endpoint.name,
    version: null,
    beforeDigest: before ? digestOf(contentOf(before)) : null,
    afterDigest: after ? digestOf(contentOf(after)) : null,
    requestId: caller.requestId,
    summary,
  };
}
