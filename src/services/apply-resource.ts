import { parse as parseYaml } from 'yaml';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { invalidInput, TrellisError, type Problem } from '../core/errors.js';
import { parseResourceFile, type LocalPath, type Note, type ParsedResourceFile } from '../core/azureml/parse-resource-file.js';
import { folderNameOf, formatContentUri, parseContentUri } from '../core/resources/content-uri.js';
import { parseAssetReference } from '../core/resources/reference.js';
import { canonicalJson } from '../core/resources/digest.js';
import { isAssetKind, type ResourceKind } from '../core/resources/kinds.js';
import { nextVersion } from '../core/resources/next-version.js';
import type { Resource } from '../core/resources/resource.js';
import type { UploadedContent } from '../core/resources/uploaded-content.js';

export type { UploadedContent } from '../core/resources/uploaded-content.js';
import { auditChange } from './audit-change.js';
import type { Repositories } from '../store/store.js';
import type { Caller, Context } from './context.js';
import { requireWorkspace } from './resource-service.js';
import { enforcePolicies } from './policy/policy-enforcement.js';
import { computeType, workspaceType } from '../core/policy/policy-target.js';

/** How to apply a validated resource: where, what was uploaded for its local paths, and whether only to try. */
export interface ApplyOptions {
  /** The workspace of the request; a workspace file names itself instead. */
  workspace: string;
  /** What problems and notes name: the file, or what built the resource. */
  fileName: string;
  /** Keyed by the local path exactly as the YAML writes it. */
  uploads: Record<string, UploadedContent>;
  /** Text of local files that Azure ML inlines into the spec (an environment's conda_file). */
  inlined: Record<string, string>;
  dryRun: boolean;
}

export interface ApplyInput extends ApplyOptions {
  text: string;
  expectedKind?: ResourceKind;
}

export type ApplyAction = 'created' | 'updated' | 'unchanged';

export interface ApplyResult {
  action: ApplyAction;
  kind: ResourceKind;
  name: string;
  version: string | null;
  resource: Resource | null;
  notes: Note[];
  dryRun: boolean;
}

/**
 * Creates or updates one resource from an Azure ML YAML file, idempotently: the same file twice
 * changes nothing. Every problem is found before anything is written, and the write and its audit
 * event land in one transaction.
 */
export async function applyResource(context: Context, caller: Caller, input: ApplyInput): Promise<ApplyResult> {
  const parsed = parseResourceFile(input.text, {
    fileName: input.fileName,
    ...(input.expectedKind ? { expectedKind: input.expectedKind } : {}),
  });
  return applyParsedResource(context, caller, parsed, input);
}

/**
 * Applies a resource already validated by its kind's schema (parseResourceFile, or
 * resourceFromFields for one Trellis builds itself), as applyResource does.
 */
export async function applyParsedResource(
  context: Context,
  caller: Caller,
  parsed: ParsedResourceFile,
  input: ApplyOptions,
): Promise<ApplyResult> {
  const workspace = parsed.kind === 'workspace' ? parsed.name : input.workspace;
  if (parsed.kind !== 'workspace') await requireWorkspace(context, workspace);

  const resolved = await resolveLocalPaths(context.artifactsFor(workspace), parsed, input);
  const { content, problems } = resolved;
  const references = await checkReferences(context, workspace, parsed);
  problems.push(...references.problems);
  if (problems.length > 0) throw invalidInput(input.fileName, problems);
  // Policies last, on the spec as it would be stored: a deny refuses it, a modify changes it.
  const policed = await enforceResourcePolicies(context, workspace, parsed, resolved.spec);
  const { spec, tags } = policed;
  const notes = [...parsed.notes, ...references.notes, ...policed.notes];
  const status: Record<string, unknown> = { notes };
  if (content.length > 0) status.content = content;

  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const desired = { spec, tags, description: parsed.description };
    if (parsed.kind === 'workspace') {
      const existing = await repositories.workspaces.get(workspace);
      if (!existing) {
        if (input.dryRun) return result('created', parsed, null, notes, true);
        const created = await repositories.workspaces.insert({ name: workspace, ...desired, status }, caller.actor, now);
        await auditChange(repositories, caller, now, 'create', undefined, created);
        return result('created', parsed, created, notes, false);
      }
      if (sameContent(existing, desired)) return result('unchanged', parsed, existing, notes, input.dryRun);
      if (input.dryRun) return result('updated', parsed, existing, notes, true);
      const updated = await repositories.workspaces.update(workspace, { ...desired, status }, now, existing.etag);
      await auditChange(repositories, caller, now, 'update', existing, updated);
      return result('updated', parsed, updated, notes, false);
    }

    const kind = parsed.kind;
    const { version, existing } = await findTarget(repositories, workspace, parsed, spec, input.fileName);
    const key = { workspace, kind, name: parsed.name, version };
    if (!existing) {
      if (input.dryRun) return result('created', { ...parsed, version }, null, notes, true);
      const created = await repositories.resources.insert({ ...key, ...desired, status: initialStatus(kind, status) }, caller.actor, now);
      await auditChange(repositories, caller, now, 'create', undefined, created);
      return result('created', { ...parsed, version }, created, notes, false);
    }
    if (sameContent(existing, desired)) return result('unchanged', { ...parsed, version }, existing, notes, input.dryRun);
    if (input.dryRun) return result('updated', { ...parsed, version }, existing, notes, true);
    const updated = await repositories.resources.update(key, { ...desired, status: { ...existing.status, ...status } }, now, existing.etag);
    await auditChange(repositories, caller, now, 'update', existing, updated);
    return result('updated', { ...parsed, version }, updated, notes, false);
  });
}

/** The policies reaching a workspace or compute (the kinds Azure's policies speak of), applied; other kinds pass as they are. */
async function enforceResourcePolicies(
  context: Context,
  workspace: string,
  parsed: ParsedResourceFile,
  spec: Record<string, unknown>,
): Promise<{ spec: Record<string, unknown>; tags: Record<string, string>; notes: Note[] }> {
  if (parsed.kind !== 'workspace' && parsed.kind !== 'compute') return { spec, tags: parsed.tags, notes: [] };
  const type = parsed.kind === 'workspace' ? workspaceType : computeType;
  const enforced = await enforcePolicies(
    context,
    { type, workspace, name: parsed.name, tags: parsed.tags, spec },
    `${parsed.kind} '${parsed.name}'`,
  );
  return { spec: enforced.spec ?? spec, tags: enforced.tags, notes: enforced.notes };
}

/**
 * Which stored resource a file describes. Assets: the version the file names (refused when that
 * version holds other content), or, without one, the newest version when its content is the
 * same, else the next version. Other kinds: the one with that name.
 */
async function findTarget(
  repositories: Repositories,
  workspace: string,
  parsed: ParsedResourceFile,
  spec: Record<string, unknown>,
  fileName: string,
): Promise<{ version: string | null; existing: Resource | undefined }> {
  const kind = parsed.kind as Exclude<ResourceKind, 'workspace'>;
  if (!isAssetKind(kind))
    return { version: null, existing: await repositories.resources.get({ workspace, kind, name: parsed.name, version: null }) };
  if (parsed.version !== null) {
    const existing = await repositories.resources.get({ workspace, kind, name: parsed.name, version: parsed.version });
    if (existing && canonicalJson(existing.spec) !== canonicalJson(spec)) {
      throw new TrellisError(
        'AssetVersionImmutable',
        409,
        `${kind} '${parsed.name}:${parsed.version}' already exists with different content, and asset versions are immutable; change 'version' in ${fileName} (or remove it to get the next version)`,
        { details: { existingVersion: parsed.version } },
      );
    }
    return { version: parsed.version, existing };
  }
  const latest = await repositories.resources.getLatest(workspace, kind, parsed.name);
  if (latest && canonicalJson(latest.spec) === canonicalJson(spec)) return { version: latest.version, existing: latest };
  return { version: nextVersion(await repositories.resources.listVersions(workspace, kind, parsed.name)), existing: undefined };
}

function initialStatus(kind: ResourceKind, status: Record<string, unknown>): Record<string, unknown> {
  // A compute is a definition in this release: nothing is provisioned until a job needs a node.
  if (kind === 'compute') return { provisioningState: 'Succeeded', currentNodeCount: 0, ...status };
  return status;
}

function sameContent(existing: Resource, desired: { spec: unknown; tags: unknown; description: unknown }): boolean {
  return canonicalJson({ spec: existing.spec, tags: existing.tags, description: existing.description }) === canonicalJson(desired);
}

function result(
  action: ApplyAction,
  parsed: Pick<ParsedResourceFile, 'kind' | 'name' | 'version'>,
  resource: Resource | null,
  notes: Note[],
  dryRun: boolean,
): ApplyResult {
  return {
    action,
    kind: parsed.kind,
    name: parsed.name,
    version: parsed.kind === 'workspace' ? null : parsed.version,
    resource,
    notes,
    dryRun,
  };
}

/** Replaces each local path in the spec by the content the client uploaded (or inlined). */
async function resolveLocalPaths(
  artifacts: ArtifactStore,
  parsed: ParsedResourceFile,
  input: ApplyOptions,
): Promise<{ spec: Record<string, unknown>; content: unknown[]; problems: Problem[] }> {
  const spec = structuredClone(parsed.spec);
  const problems: Problem[] = [];
  const content: unknown[] = [];
  for (const local of parsed.localPaths) {
    const at = { path: local.pointer.join('.'), ...(local.line ? { line: local.line } : {}) };
    if (local.use === 'inline-yaml') {
      problems.push(...inlineLocalFile(spec, local, input.inlined, "apply the file with 'trellis apply -f', which reads it"));
      continue;
    }
    const uploaded = input.uploads[local.value];
    if (!uploaded) {
      problems.push({
        ...at,
        message: `local path '${local.value}' was not uploaded; apply the file with 'trellis apply -f' (it uploads local paths), or upload it first (POST /api/v1/workspaces/{ws}/uploads)`,
      });
      continue;
    }
    if (!(await artifacts.hasContent(uploaded.digest))) {
      problems.push({ ...at, message: `upload ${uploaded.digest} for '${local.value}' is not in the artifact store; upload it again` });
      continue;
    }
    const mismatch = contentTypeProblem(parsed, local, uploaded);
    if (mismatch) {
      problems.push({ ...at, message: mismatch });
      continue;
    }
    // A model's folder keeps its name: Azure ML lays it out under AZUREML_MODEL_DIR by that name.
    const folderName = parsed.kind === 'model' && uploaded.type === 'folder' ? folderNameOf(local.value, uploaded.name) : undefined;
    setAt(
      spec,
      local.pointer,
      formatContentUri(
        uploaded.type === 'file'
          ? { type: 'file', digest: uploaded.digest, fileName: uploaded.fileName }
          : { type: 'folder', digest: uploaded.digest, folderName },
      ),
    );
    content.push({ path: at.path, uploadedFrom: local.value, ...uploaded });
  }
  return { spec, content, problems };
}

/**
 * Puts the text of a local file that Azure ML inlines (an environment's `conda_file`, read and sent
 * by the client) into `spec` in place of its path, parsed. Returns the problems: not sent (`how`
 * says how to send it), or not YAML.
 */
export function inlineLocalFile(spec: object, local: LocalPath, inlined: Record<string, string>, how: string): Problem[] {
  const at = { path: local.pointer.join('.'), ...(local.line ? { line: local.line } : {}) };
  const text = inlined[local.value];
  if (text === undefined) return [{ ...at, message: `local file '${local.value}' was not sent; ${how}, or put its content inline` }];
  try {
    setAt(spec, local.pointer, parseYaml(text) as unknown);
    return [];
  } catch (error) {
    return [{ ...at, message: `'${local.value}' is not valid YAML: ${(error as Error).message.split('\n')[0]}` }];
  }
}

/**
 * Remote paths are recorded, not fetched. Two kinds are checked, because Trellis can: its own
 * content URIs must name stored bytes, and `azureml:name:version` must name an existing asset.
 */
async function checkReferences(
  context: Context,
  workspace: string,
  parsed: ParsedResourceFile,
): Promise<{ problems: Problem[]; notes: Note[] }> {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  for (const reference of parsed.remoteReferences) {
    const at = { path: reference.pointer.join('.'), ...(reference.line ? { line: reference.line } : {}) };
    if (reference.scheme === 'trellis') {
      const content = parseContentUri(reference.value);
      if (!content)
        problems.push({
          ...at,
          message: `'${reference.value}' is not a Trellis content URI (trellis://content/sha256:<hex>/<file> or trellis://folders/sha256:<hex>)`,
        });
      else if (!(await context.artifactsFor(workspace).hasContent(content.digest)))
        problems.push({
          ...at,
          message: `'${reference.value}' names content that is not stored in workspace '${workspace}'; upload it first`,
        });
      continue;
    }
    if (reference.scheme === 'azureml' && !reference.value.startsWith('azureml://') && parsed.kind !== 'workspace') {
      try {
        const target = parseAssetReference(reference.value);
        const found =
          target.version === undefined
            ? await context.store.repositories.resources.getLatest(workspace, parsed.kind, target.name)
            : await context.store.repositories.resources.get({ workspace, kind: parsed.kind, name: target.name, version: target.version });
        if (!found)
          problems.push({
            ...at,
            message: `reference '${reference.value}' names no ${parsed.kind} in workspace '${workspace}'; list them with: trellis ${parsed.kind} list -w ${workspace}`,
          });
        else notes.push({ ...at, message: `refers to ${parsed.kind} ${found.name}:${found.version}` });
      } catch (error) {
        problems.push({ ...at, message: (error as Error).message });
      }
      continue;
    }
    notes.push({ ...at, message: `remote path '${reference.value}' is recorded as a reference, not fetched` });
  }
  return { problems, notes };
}

function contentTypeProblem(parsed: ParsedResourceFile, local: LocalPath, uploaded: UploadedContent): string | undefined {
  const type = parsed.spec.type;
  if (parsed.kind === 'data' && type === 'uri_file' && uploaded.type !== 'file')
    return `'${local.value}' is a folder but type is uri_file; point path at a file or use type: uri_folder`;
  if (parsed.kind === 'data' && (type === 'uri_folder' || type === 'mltable') && uploaded.type !== 'folder')
    return `'${local.value}' is a file but type is ${String(type)}; point path at a folder or use type: uri_file`;
  if (parsed.kind === 'model' && type === 'mlflow_model' && uploaded.type !== 'folder')
    return `'${local.value}' is a file but an mlflow_model is a folder with an MLmodel file; point path at that folder`;
  if (parsed.kind === 'environment' && uploaded.type !== 'folder')
    return `build.path '${local.value}' must be a folder (the Docker build context)`;
  return undefined;
}

/** Sets the field at `pointer` (a path classified from the spec itself, so every step exists). */
function setAt(target: object, pointer: ReadonlyArray<string | number>, value: unknown): void {
  let node: unknown = target;
  for (const key of pointer.slice(0, -1)) node = Reflect.get(Object(node), key);
  const last = pointer[pointer.length - 1];
  if (last !== undefined) Reflect.set(Object(node), last, value);
}
