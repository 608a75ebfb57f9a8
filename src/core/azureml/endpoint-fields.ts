import { z } from 'zod';
import { isTrellisError } from '../errors.js';
import { parseAssetReference } from '../resources/reference.js';
import { environmentSchema } from './environment-schema.js';
import { defaultModelType, modelTypes } from './model-schema.js';
import { azureEnum, closedObject, freeMapping, isPlainObject, tagsField, versionField } from './schema-helpers.js';
import { describeIssue } from './zod-problems.js';

/**
 * Fields that online and batch endpoints and deployments share, after azure-ai-ml's
 * EndpointSchema and DeploymentSchema (_schema/_endpoint/endpoint.py, _schema/_deployment/deployment.py).
 */

/**
 * Why `name` is not a valid endpoint or deployment name by Azure's rule
 * (validate_endpoint_or_deployment_name): 3 to 32 letters, digits and '-', starting with a letter
 * and not ending with '-'. It is a URL segment of the scoring URI, so the rule keeps it safe there.
 */
export function endpointNameProblem(name: string, what: 'endpoint' | 'deployment'): string | undefined {
  if (name.length >= 3 && name.length <= 32 && /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/.test(name)) return undefined;
  return `'${name}' is not a valid ${what} name: use 3 to 32 letters, digits or '-', starting with a letter and not ending with '-'`;
}

/** An endpoint or deployment name (see endpointNameProblem). */
export function endpointNameField(what: 'endpoint' | 'deployment') {
  return z.string().superRefine((name, context) => {
    const problem = endpointNameProblem(name, what);
    if (problem) context.addIssue({ code: 'custom', message: problem, input: name });
  });
}

/** The named fields of a closedObject's output, without the index signature its loose object adds. */
export type KnownFields<T> = { [Key in keyof T as string extends Key ? never : number extends Key ? never : Key]: T[Key] };

/** Shape entries for the read-only fields Azure prints on `show`: any value is accepted, then dropped. */
export function readOnlyEntries<const Names extends readonly string[]>(
  names: Names,
): { [Name in Names[number]]: z.ZodOptional<z.ZodUnknown> } {
  return Object.fromEntries(names.map((name) => [name, z.unknown().optional()])) as {
    [Name in Names[number]]: z.ZodOptional<z.ZodUnknown>;
  };
}

/** A whole number of at least `min` (and at most `max`); like countField, a quoted "2" is accepted. */
export function wholeNumber(min: number, max?: number) {
  const atLeast = min === -1 ? 'must be -1 (no limit) or more' : `must be ${min} or more`;
  const number = z.number().refine(Number.isInteger, 'must be a whole number').min(min, atLeast);
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    max === undefined ? number : number.max(max, `must be at most ${max}`),
  );
}

/** Environment variables: string values; numbers and booleans are written as text, as Azure ML does. */
export const environmentVariablesField = z.record(
  z.string(),
  z.preprocess((value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value), z.string()),
);

/**
 * A field that is either a reference (a string) or an inline mapping. Each branch reports its own
 * problems at their own paths; zod's union would report only "invalid input".
 */
function referenceOrMapping<Reference extends z.ZodType<string>, Mapping extends z.ZodType>(
  reference: Reference,
  mapping: Mapping,
  message: string,
) {
  return z.unknown().transform((value, context): z.output<Reference> | z.output<Mapping> => {
    const schema = typeof value === 'string' ? reference : isPlainObject(value) ? mapping : undefined;
    if (schema === undefined) {
      context.addIssue({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    const result = schema.safeParse(value, { error: describeIssue });
    if (result.success) return result.data as z.output<Reference> | z.output<Mapping>;
    for (const issue of result.error.issues)
      context.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message, input: value });
    return z.NEVER;
  });
}

/**
 * Why `text` is not a model reference, or undefined when it is one: `azureml:<name>:<version>`,
 * `azureml:<name>@latest`, `azureml:<name>` (the latest), an `azureml://` URI (a registry model
 * such as azureml://registries/azureml/models/<name>/versions/<n>), or Trellis's own
 * `<name>:<version>` and `<name>@latest`.
 */
export function modelReferenceProblem(text: string): string | undefined {
  const value = text.trim();
  if (/^azureml:\/\//i.test(value)) return undefined;
  const isAzureForm = /^azureml:/i.test(value);
  // Without the prefix a bare word could be a local path as well; Azure ML asks for the prefix.
  if (isAzureForm || /^[^/\\]+(:[^/\\]+|@[^/\\]+)$/.test(value)) {
    try {
      parseAssetReference(isAzureForm ? `azureml:${value.slice('azureml:'.length)}` : value);
      return undefined;
    } catch (error) {
      // A malformed reference: its message is the answer this check returns; anything else is a bug, thrown.
      if (isTrellisError(error)) return error.message;
      throw error;
    }
  }
  return `'${text}' is not a model reference; name a registered model with azureml:<name>:<version> or azureml:<name>@latest, or give its files inline: model: {path: ${text}}`;
}

/** A model given inline (azure-ai-ml AnonymousModelSchema): its files are registered with the deployment. */
export const inlineModelSchema = closedObject({
  name: z.string().min(1).optional(),
  version: versionField.optional(),
  type: azureEnum(modelTypes).default(defaultModelType),
  path: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: the local file or folder of the model (or name a registered model with model: azureml:<name>:<version>)'
          : undefined,
    })
    .min(1, 'must not be empty'),
  description: z.string().optional(),
  tags: tagsField.optional(),
  properties: freeMapping.optional(),
  flavors: freeMapping.optional(),
  stage: z.string().optional(),
  datastore: z.string().optional(),
});
export type InlineModel = KnownFields<z.output<typeof inlineModelSchema>>;

const modelReference = z.string().superRefine((text, context) => {
  const problem = modelReferenceProblem(text);
  if (problem) context.addIssue({ code: 'custom', message: problem, input: text });
});

/** `model:` of a deployment: a reference to a registered model, or an inline model. */
export const deploymentModelField = referenceOrMapping(
  modelReference,
  inlineModelSchema,
  'must be a model reference (azureml:<name>:<version> or azureml:<name>@latest) or an inline model mapping such as {path: ./model}',
);
export type DeploymentModel = string | InlineModel;

// The name an inline environment gets while environmentSchema (which requires one) checks it.
const unnamed = '\u0000unnamed';

/** An environment given inline: an environment file's fields, name optional (Azure's AnonymousEnvironmentSchema). */
export type InlineEnvironment = Omit<KnownFields<z.output<typeof environmentSchema>>, 'name'> & { name?: string };

const inlineEnvironmentSchema = z
  .preprocess((value) => (isPlainObject(value) && value.name === undefined ? { ...value, name: unnamed } : value), environmentSchema)
  .transform(({ name, ...rest }): InlineEnvironment => (name === unnamed ? rest : { name, ...rest }));

/** `environment:` of a deployment: a reference (azureml:<name>:<version>, azureml:<name>@latest, a registry URI, a curated name) or an inline environment. */
export const deploymentEnvironmentField = referenceOrMapping(
  z.string().min(1, 'must not be empty'),
  inlineEnvironmentSchema,
  'must be an environment reference (azureml:<name>:<version> or azureml:<name>@latest) or an inline environment mapping such as {image: ..., conda_file: ...}',
);
export type DeploymentEnvironment = string | InlineEnvironment;

/** The scoring code: a folder (local, or a code asset reference) and the script in it with init() and run(). */
export const codeConfigurationSchema = closedObject({
  code: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required: the folder holding the scoring script' : undefined) })
    .min(1, 'must not be empty'),
  scoring_script: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required: the file in code that defines init() and run()' : undefined) })
    .min(1, 'must not be empty'),
});
export type CodeConfiguration = z.output<typeof codeConfigurationSchema>;

interface ScoringParts {
  model?: DeploymentModel | undefined;
  code_configuration?: CodeConfiguration | undefined;
  environment?: DeploymentEnvironment | undefined;
}

/**
 * The rules between model, code and environment that the file alone decides: a Python scoring
 * script needs an environment to run in, and an inline custom model that is one pickle, PyTorch,
 * Keras ... file cannot be served without a scoring script. What depends on the model's contents (is a
 * registered model or a folder ONNX, MLflow, ...?) is for the service to check.
 */
export function checkScoringParts(deployment: ScoringParts, context: z.RefinementCtx): void {
  const { model, code_configuration: code, environment } = deployment;
  // A .js scoring script runs in the Node.js that runs Trellis; a Python one needs an environment.
  if (
    isPlainObject(code) &&
    environment === undefined &&
    typeof code.scoring_script === 'string' &&
    !/\.(m|c)?js$/i.test(code.scoring_script)
  ) {
    context.addIssue({
      code: 'custom',
      path: ['code_configuration'],
      message:
        'a scoring script runs in an environment: add environment (a reference such as azureml:<name>@latest, or inline {image, conda_file}), or leave code_configuration out to serve an MLflow or ONNX model without code',
    });
  }
  if (
    isPlainObject(model) &&
    model.type === 'custom_model' &&
    code === undefined &&
    typeof model.path === 'string' &&
    namesCodeOnlyModelFile(model.path)
  ) {
    context.addIssue({
      code: 'custom',
      path: ['model', 'path'],
      message:
        'a custom_model is served by a scoring script: add code_configuration {code, scoring_script} and environment; only an ONNX model (.onnx) or an MLflow model (type: mlflow_model) is served without code',
    });
  }
}

// Files of these formats need code to load and call them (pickle, joblib, PyTorch, Keras, ...).
const codeOnlyModelFile = /\.(pkl|pickle|joblib|sav|pt|pth|h5|hdf5|keras|pb|bin|safetensors|lgb|xgb|cbm)$/i;

/** True for a path naming one model file of a format that is served only through a scoring script. */
function namesCodeOnlyModelFile(path: string): boolean {
  return !/[/\\]$/.test(path) && codeOnlyModelFile.test(path);
}
