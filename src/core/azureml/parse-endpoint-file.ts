import type { z } from 'zod';
import { invalidInput, type Problem } from '../errors.js';
import { formatFieldPath, type FieldPath } from '../yaml/field-path.js';
import { parseYaml, type ParsedYaml } from '../yaml/parse-yaml.js';
import {
  batchDeploymentSchema,
  batchLegacySettingFields,
  pipelineDeploymentMessage,
  type BatchDeploymentSpec,
} from './batch-deployment-schema.js';
import {
  batchEndpointAzureOnlyFields,
  batchEndpointReadOnlyFields,
  batchEndpointSchema,
  type BatchEndpointSpec,
} from './batch-endpoint-schema.js';
import { detectFileKind, type EndpointFileKind, type FileKind } from './detect-kind.js';
import {
  onlineDeploymentAzureOnlyFields,
  onlineDeploymentReadOnlyFields,
  onlineDeploymentSchema,
  type OnlineDeploymentSpec,
} from './online-deployment-schema.js';
import {
  onlineEndpointAzureOnlyFields,
  onlineEndpointReadOnlyFields,
  onlineEndpointSchema,
  type OnlineEndpointSpec,
} from './online-endpoint-schema.js';
import { classifyPathFields, type LocalPath, type Note, type RemoteReference } from './parse-resource-file.js';
import { isPlainObject } from './schema-helpers.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

/** An endpoint or deployment file, validated. */
export interface ParsedEndpointFile<Spec> {
  kind: EndpointFileKind;
  /** The validated file minus $schema and read-only fields, with Azure's defaults applied. */
  spec: Spec;
  /** Deployments: the inline model's files and the scoring code (uploaded), an inline environment's conda file (inlined). */
  localPaths: LocalPath[];
  /** Those same fields when they name a URI or asset (azureml://..., https://...): recorded, not fetched. */
  remoteReferences: RemoteReference[];
  notes: Note[];
}

/**
 * Parses and validates an online endpoint file (managedOnlineEndpoint, kubernetesOnlineEndpoint).
 * Pure. Throws one InvalidInput naming `fileName` with every problem, each with its YAML path and
 * line: syntax, another kind of file, unknown fields, types, names, a traffic split that does not
 * add up to 100.
 */
export function parseOnlineEndpoint(text: string | ParsedYaml, fileName: string): ParsedEndpointFile<OnlineEndpointSpec> {
  return parseEndpointFile<OnlineEndpointSpec>(text, fileName, {
    kind: 'online-endpoint',
    schema: onlineEndpointSchema,
    readOnly: onlineEndpointReadOnlyFields,
    azureOnly: onlineEndpointAzureOnlyFields,
  });
}

/**
 * Parses and validates an online deployment file (managedOnlineDeployment,
 * kubernetesOnlineDeployment). Pure: local paths (model, code, conda file) are returned for the
 * caller to upload or inline. Throws one InvalidInput naming `fileName` with every problem.
 */
export function parseOnlineDeployment(text: string | ParsedYaml, fileName: string): ParsedEndpointFile<OnlineDeploymentSpec> {
  return parseEndpointFile<OnlineDeploymentSpec>(text, fileName, {
    kind: 'online-deployment',
    schema: onlineDeploymentSchema,
    readOnly: onlineDeploymentReadOnlyFields,
    azureOnly: onlineDeploymentAzureOnlyFields,
  });
}

/**
 * Parses and validates a batch endpoint file (batchEndpoint). Pure. auth_mode aad_token, Azure's
 * only batch mode, is read as aml_token, with a note. Throws one InvalidInput naming `fileName`.
 */
export function parseBatchEndpoint(text: string | ParsedYaml, fileName: string): ParsedEndpointFile<BatchEndpointSpec> {
  return parseEndpointFile<BatchEndpointSpec>(text, fileName, {
    kind: 'batch-endpoint',
    schema: batchEndpointSchema,
    readOnly: batchEndpointReadOnlyFields,
    azureOnly: batchEndpointAzureOnlyFields,
    notes: (document) =>
      typeof document.auth_mode === 'string' && /^aad_?token$/i.test(document.auth_mode)
        ? [
            {
              path: 'auth_mode',
              message: 'read as aml_token: Trellis has no Microsoft Entra ID; callers authenticate with a Trellis token',
            },
          ]
        : [],
  });
}

/**
 * Parses and validates a model batch deployment file (modelBatchDeployment, or batchDeployment
 * with its settings at the top level, which are read into `settings` with a note). Pure: local
 * paths are returned for the caller. Pipeline component deployments are refused. Throws one
 * InvalidInput naming `fileName` with every problem.
 */
export function parseBatchDeployment(text: string | ParsedYaml, fileName: string): ParsedEndpointFile<BatchDeploymentSpec> {
  return parseEndpointFile<BatchDeploymentSpec>(text, fileName, {
    kind: 'batch-deployment',
    schema: batchDeploymentSchema,
    readOnly: [],
    azureOnly: {},
    refuse: (document) => {
      // One clear problem instead of the pipeline fields' own (component, default_compute, ...).
      if (typeof document.type === 'string' && document.type.toLowerCase() === 'pipeline')
        return { path: ['type'], message: pipelineDeploymentMessage };
      if (typeof document.$schema === 'string' && /pipelinecomponentbatchdeployment/i.test(document.$schema))
        return { path: ['$schema'], message: pipelineDeploymentMessage };
      return undefined;
    },
    notes: (document) =>
      batchLegacySettingFields
        .filter((field) => Object.hasOwn(document, field))
        .map((field) => ({ path: field, message: `read as settings.${field} (the top level is the layout from before Azure ML CLI 1.7)` })),
  });
}

interface EndpointFileRules<Spec> {
  kind: EndpointFileKind;
  /** Its output is a Spec plus the fields the spec leaves out ($schema, read-only ones). */
  schema: z.ZodType<Spec>;
  /** Top-level fields dropped from the spec, with a note. */
  readOnly: readonly string[];
  /** Top-level fields kept, with a note giving the reason they change nothing here. */
  azureOnly: Readonly<Record<string, string>>;
  /** A reason to refuse the whole file before validating it field by field. */
  refuse?: (document: Record<string, unknown>) => { path: FieldPath; message: string } | undefined;
  notes?: (document: Record<string, unknown>) => { path: string; message: string }[];
}

const kindWords: Readonly<Record<FileKind, string>> = {
  'online-endpoint': 'an online endpoint',
  'online-deployment': 'an online deployment',
  'batch-endpoint': 'a batch endpoint',
  'batch-deployment': 'a batch deployment',
  workspace: 'a workspace',
  environment: 'an environment',
  data: 'a data asset',
  code: 'a code asset',
  model: 'a model',
  component: 'a component',
  compute: 'a compute',
};

/** Deployment fields that name content by path: uploaded, or inlined (conda_file), or remote. */
const pathFields: readonly { pointer: FieldPath; use: LocalPath['use'] }[] = [
  { pointer: ['model', 'path'], use: 'upload' },
  { pointer: ['code_configuration', 'code'], use: 'upload' },
  { pointer: ['environment', 'conda_file'], use: 'inline-yaml' },
  { pointer: ['environment', 'build', 'path'], use: 'upload' },
];

// `text` may come parsed already (the advisor reads a file once to tell its kind, then its fields).
function parseEndpointFile<Spec>(text: string | ParsedYaml, fileName: string, rules: EndpointFileRules<Spec>): ParsedEndpointFile<Spec> {
  const yaml = typeof text === 'string' ? parseYaml(text, fileName) : text;
  const document = withScalarsAsWritten(yaml);
  const fail = (path: FieldPath, message: string) =>
    invalidInput(fileName, [{ path: formatFieldPath(path), message, ...yaml.locate(path) }]);

  const kindProblem = checkKind(document, rules.kind, fileName);
  if (kindProblem) throw fail(kindProblem.path, kindProblem.message);
  const refusal = rules.refuse?.(document);
  if (refusal) throw fail(refusal.path, refusal.message);

  const result = rules.schema.safeParse(document, { error: describeIssue });
  if (!result.success) throw invalidInput(fileName, sortByLine(problemsFromIssues(result.error.issues, yaml.locate)));
  const output = result.data as Record<string, unknown>;

  const dropped = new Set(['$schema', ...rules.readOnly]);
  const spec = Object.fromEntries(Object.entries(output).filter(([field]) => !dropped.has(field)));
  // The schema's output minus the fields its Spec type omits.
  const typedSpec = spec as Spec;
  const note = (path: string, message: string): Note => ({ path, message, line: yaml.locate(path.split('.')).line });
  const notes = [
    ...Object.entries(rules.azureOnly)
      .filter(([field]) => Object.hasOwn(document, field))
      .map(([field, reason]) => note(field, `recorded, no local effect: ${reason}`)),
    ...rules.readOnly
      .filter((field) => Object.hasOwn(document, field))
      .map((field) => note(field, 'ignored: Azure ML fills this field in; it is read-only')),
    ...(rules.notes?.(document) ?? []).map(({ path, message }) => note(path, message)),
  ].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const isDeployment = rules.kind === 'online-deployment' || rules.kind === 'batch-deployment';
  return {
    kind: rules.kind,
    spec: typedSpec,
    ...(isDeployment ? classifyPathFields(pathFields, spec, yaml) : { localPaths: [], remoteReferences: [] }),
    notes,
  };
}

/**
 * Why the file is not of the `expected` kind, if it says so: by $schema, or by fields only
 * deployments or only endpoints have. Between an online and a batch endpoint the fields
 * (auth_mode) are only a hint, so the schema speaks instead.
 */
function checkKind(
  document: Record<string, unknown>,
  expected: EndpointFileKind,
  fileName: string,
): { path: FieldPath; message: string } | undefined {
  const detection = detectFileKind(document);
  if (detection.kind === null)
    return detection.isOtherKind
      ? { path: detection.problem.path ? [detection.problem.path] : [], message: detection.problem.message }
      : undefined;
  if (detection.kind === expected || detection.from === 'type' || detection.from === 'kind') return undefined;
  const isEndpoint = (kind: FileKind) => kind === 'online-endpoint' || kind === 'batch-endpoint';
  if (detection.from === 'fields' && isEndpoint(expected) && isEndpoint(detection.kind)) return undefined;
  const told = detection.from === '$schema' ? 'told by $schema' : 'told by its fields';
  return {
    path: detection.from === '$schema' ? ['$schema'] : [],
    message: `this file describes ${kindWords[detection.kind]} (${told}), but ${kindWords[expected]} was expected; create it with trellis ${detection.kind} create --file ${fileName}`,
  };
}

/**
 * Versions and tag values are strings in Azure ML; YAML reads `version: 1.10` as a number. Use
 * the text as written, so `1.10` does not become `1.1`.
 */
function withScalarsAsWritten(yaml: ParsedYaml): Record<string, unknown> {
  const document = structuredClone(yaml.value);
  const asWritten = (path: FieldPath, value: unknown) => yaml.sourceText(path) ?? String(value);
  // The file's own version and tags, and those of an inline model or environment.
  const mappings: [FieldPath, unknown][] = [
    [[], document],
    [['model'], document.model],
    [['environment'], document.environment],
  ];
  for (const [path, mapping] of mappings) {
    if (!isPlainObject(mapping)) continue;
    // A boolean version stays one, to be refused as Azure ML refuses it.
    if (typeof mapping.version === 'number') mapping.version = asWritten([...path, 'version'], mapping.version);
    const tags = mapping.tags;
    if (!isPlainObject(tags)) continue;
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value === 'number' || typeof value === 'boolean') tags[key] = asWritten([...path, 'tags', key], value);
    }
  }
  return document;
}

function sortByLine(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
