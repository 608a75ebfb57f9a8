import type { z } from 'zod';
import { invalidInput, type Problem } from '../errors.js';
import { isAssetKind, type ResourceKind } from '../resources/kinds.js';
import { checkName, checkVersion } from '../resources/names.js';
import { formatFieldPath, type FieldPath } from '../yaml/field-path.js';
import type { DocumentSource } from '../yaml/document-source.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import type { SpecOf } from '../resources/resource-spec.js';
import { azureOnlyComputeTypes, azureOnlyFields } from './azure-only-fields.js';
import { codeSchema } from './code-schema.js';
import { computeSchema } from './compute-schema.js';
import { dataSchema } from './data-schema.js';
import { detectKind } from './detect-kind.js';
import { componentSchema } from './component-schema.js';
import { environmentSchema } from './environment-schema.js';
import { modelSchema } from './model-schema.js';
import { remoteScheme } from './paths.js';
import { readOnlyFields } from './read-only-fields.js';
import { redactSecrets } from './secret-fields.js';
import { isPlainObject } from './schema-helpers.js';
import { workspaceSchema } from './workspace-schema.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

export { isLocalPath, isRemotePath } from './paths.js';

/** A file or folder on the client's disk, relative to the YAML file's folder (or absolute). */
export interface LocalPath {
  pointer: (string | number)[];
  value: string;
  line?: number;
  /** upload: send the file or folder as the asset's content; inline-yaml: read the YAML file and put its content in the spec in place of the path (conda_file, as Azure ML does). */
  use: 'upload' | 'inline-yaml';
}

/** A URI or asset reference (https://, wasbs://, abfss://, azureml://, azureml:name:version, ...): recorded, not fetched. */
export interface RemoteReference {
  pointer: (string | number)[];
  value: string;
  scheme: string;
  line?: number;
}

/** Something the user should know that is not a problem, e.g. "recorded, no local effect: <reason>". */
export type { Note } from './note.js';
import type { Note } from './note.js';

/** A validated resource file of kind `Kind`, its spec typed by kind. */
export interface ParsedResourceFileOf<Kind extends ResourceKind> {
  kind: Kind;
  name: string;
  /** Set for assets that name one; null otherwise. */
  version: string | null;
  description: string | null;
  tags: Record<string, string>;
  /** The validated file minus $schema, name, version, description, tags and read-only fields, with Azure's defaults applied. */
  spec: SpecOf<Kind>;
  localPaths: LocalPath[];
  remoteReferences: RemoteReference[];
  notes: Note[];
}

/** A validated resource file of any kind: a union discriminated by `kind`. */
export type ParsedResourceFile = { [Kind in ResourceKind]: ParsedResourceFileOf<Kind> }[ResourceKind];

const schemas: Readonly<Record<ResourceKind, z.ZodType>> = {
  workspace: workspaceSchema,
  environment: environmentSchema,
  data: dataSchema,
  code: codeSchema,
  model: modelSchema,
  component: componentSchema,
  compute: computeSchema,
};

/** Fields naming content that comes from a path: uploaded, inlined, or referenced remotely. */
const pathFields: Readonly<Record<ResourceKind, readonly { pointer: FieldPath; use: LocalPath['use'] }[]>> = {
  workspace: [],
  environment: [
    { pointer: ['build', 'path'], use: 'upload' },
    { pointer: ['conda_file'], use: 'inline-yaml' },
  ],
  data: [{ pointer: ['path'], use: 'upload' }],
  code: [{ pointer: ['path'], use: 'upload' }],
  model: [{ pointer: ['path'], use: 'upload' }],
  component: [
    { pointer: ['code'], use: 'upload' },
    { pointer: ['environment', 'conda_file'], use: 'inline-yaml' },
  ],
  compute: [],
};

/**
 * Parses and validates one Azure ML CLI v2 resource file (workspace, environment, data, code,
 * model or compute). Pure: local paths are returned for the caller to read or upload, remote
 * ones are only recorded. Throws one InvalidInput naming `fileName` with every problem found
 * (syntax, kind, unknown fields, types, names), each with its YAML path and line.
 */
export function parseResourceFile(text: string, options: { fileName: string; expectedKind?: ResourceKind }): ParsedResourceFile {
  return parseResourceDocument(parseYaml(text, options.fileName), options);
}

/**
 * Validates one resource document, from a YAML file or built in code (`resourceFromFields`), as
 * parseResourceFile does: the same schema, defaults, secret redaction, notes and path classification.
 */
export function parseResourceDocument(
  yaml: DocumentSource,
  options: { fileName: string; expectedKind?: ResourceKind },
): ParsedResourceFile {
  const { fileName, expectedKind } = options;
  const document = withScalarsAsWritten(yaml);
  const problems: Problem[] = [];
  const report = (path: FieldPath, message: string) => problems.push({ path: formatFieldPath(path), message, ...yaml.locate(path) });

  const kind = resolveKind(document, expectedKind, fileName, report);

  if (typeof document.name === 'string') {
    const problem = checkName(document.name);
    if (problem) report(['name'], problem.message);
  }
  if (typeof document.version === 'string' && kind !== null && isAssetKind(kind)) {
    const problem = checkVersion(document.version);
    if (problem) report(['version'], problem.message);
  }

  let output: Record<string, unknown> = {};
  if (kind !== null) {
    const result = schemas[kind].safeParse(document, { error: describeIssue });
    if (result.success) output = result.data as Record<string, unknown>;
    else problems.push(...problemsFromIssues(result.error.issues, yaml.locate));
  }
  if (problems.length > 0 || kind === null) throw invalidInput(fileName, sortByLine(problems));

  // The identity and metadata fields have columns of their own; read-only fields are dropped.
  const notInSpec = new Set(['$schema', 'name', 'version', 'description', 'tags', ...readOnlyFields[kind]]);
  const visible = Object.fromEntries(Object.entries(output).filter(([field]) => !notInSpec.has(field)));
  const { spec, notes: secretNotes } = redactSecrets(visible, (path) => yaml.locate([...path]).line);
  const { name, version, description, tags } = output;
  const parsed = {
    kind,
    name: name as string,
    version: isAssetKind(kind) && typeof version === 'string' ? version : null,
    description: typeof description === 'string' ? description : null,
    tags: (tags as Record<string, string> | undefined) ?? {},
    spec,
    ...classifyPaths(kind, spec, yaml),
    notes: [...notesFor(kind, output, yaml), ...secretNotes],
  };
  // The spec is the output of the schema of `kind`: this is where it gets that kind's type.
  return parsed as ParsedResourceFile;
}

/** The file's kind, or null after reporting why it cannot be used. */
function resolveKind(
  document: Record<string, unknown>,
  expectedKind: ResourceKind | undefined,
  fileName: string,
  report: (path: FieldPath, message: string) => void,
): ResourceKind | null {
  const detection = detectKind(document);
  if (detection.kind === null) {
    // With no $schema, type or workspace kind, the command used tells the kind.
    if (expectedKind && !detection.isOtherKind) return expectedKind;
    report(detection.problem.path ? [detection.problem.path] : [], detection.problem.message);
    return null;
  }
  if (expectedKind && detection.kind !== expectedKind) {
    const message = `this file describes ${article(detection.kind)} (told by ${detection.from}), but ${article(expectedKind)} was expected; create it with trellis ${detection.kind} create --file ${fileName}`;
    report([detection.from], message);
  }
  return detection.kind;
}

/**
 * Version and tag values are strings in Azure ML; YAML reads `version: 1.10` as a number. Use
 * the text as written so `1.10` does not become `1.1`.
 */
function withScalarsAsWritten(yaml: DocumentSource): Record<string, unknown> {
  const document = { ...yaml.value };
  if (typeof document.version === 'number') document.version = yaml.sourceText(['version']) ?? String(document.version);
  const tags = document.tags;
  if (isPlainObject(tags)) {
    document.tags = Object.fromEntries(
      Object.entries(tags).map(([key, value]) => [
        key,
        typeof value === 'number' || typeof value === 'boolean' ? (yaml.sourceText(['tags', key]) ?? String(value)) : value,
      ]),
    );
  }
  return document;
}

function notesFor(kind: ResourceKind, output: Record<string, unknown>, yaml: DocumentSource): Note[] {
  const notes: Note[] = [];
  const note = (field: string, message: string) => notes.push({ path: field, line: yaml.locate([field]).line, message });
  const computeType = kind === 'compute' ? azureOnlyComputeTypes[String(output.type)] : undefined;
  if (computeType) note('type', `recorded, no local effect: ${computeType}`);
  for (const [field, reason] of Object.entries(azureOnlyFields[kind])) {
    if (Object.hasOwn(yaml.value, field)) note(field, `recorded, no local effect: ${reason}`);
  }
  if (kind === 'workspace' && Object.hasOwn(yaml.value, 'customer_managed_key')) {
    const keyUri = (yaml.value.customer_managed_key as { key_uri?: unknown } | null)?.key_uri;
    note(
      'customer_managed_key',
      typeof keyUri === 'string' && keyUri.startsWith('pkcs11:')
        ? "the workspace's data key is wrapped by this key in its PKCS#11 token (docs/security.md)"
        : "recorded, no local effect: an Azure Key Vault key; this workspace's secrets are sealed under Trellis's key file (a key_uri of pkcs11:token=...;object=... names a customer-managed key here)",
    );
  }
  for (const field of readOnlyFields[kind]) {
    if (Object.hasOwn(yaml.value, field)) note(field, 'ignored: Azure ML fills this field in; it is read-only');
  }
  return notes.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function classifyPaths(
  kind: ResourceKind,
  spec: Record<string, unknown>,
  yaml: DocumentSource,
): Pick<ParsedResourceFile, 'localPaths' | 'remoteReferences'> {
  return classifyPathFields(pathFields[kind], spec, yaml);
}

/** Sorts the path-valued fields of a validated file into local paths (uploaded or inlined) and remote references. */
export function classifyPathFields(
  fields: readonly { pointer: FieldPath; use: LocalPath['use'] }[],
  spec: Record<string, unknown>,
  yaml: DocumentSource,
): { localPaths: LocalPath[]; remoteReferences: RemoteReference[] } {
  const localPaths: LocalPath[] = [];
  const remoteReferences: RemoteReference[] = [];
  for (const { pointer, use } of fields) {
    const value = valueAt(spec, pointer);
    if (typeof value !== 'string') continue;
    const line = yaml.locate(pointer).line;
    const scheme = remoteScheme(value);
    if (scheme) remoteReferences.push({ pointer: [...pointer], value, scheme, line });
    else localPaths.push({ pointer: [...pointer], value, line, use });
  }
  return { localPaths, remoteReferences };
}

function valueAt(value: unknown, pointer: FieldPath): unknown {
  let current = value;
  for (const segment of pointer)
    current = isPlainObject(current) || Array.isArray(current) ? (current as Record<string | number, unknown>)[segment] : undefined;
  return current;
}

function sortByLine(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function article(kind: ResourceKind): string {
  return kind === 'environment' ? 'an environment' : kind === 'data' ? 'a data asset' : `a ${kind}`;
}
