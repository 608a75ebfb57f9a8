import { z } from 'zod';
import { closestName } from '../azureml/did-you-mean.js';
import { closedObject, isPlainObject } from '../azureml/schema-helpers.js';
import { describeIssue } from '../azureml/zod-problems.js';
import type { Problem } from '../errors.js';
import { type FieldPath, formatFieldPath } from '../yaml/field-path.js';
import type { Expression, NestedSpace, ParameterValue, SamplingAlgorithm, SearchSpace } from './sweep-types.js';

/**
 * The `search_space` of an Azure ML sweep job (sweepJob.schema.json; azure-ai-ml's
 * `_schema/_sweep/search_space`): each parameter an expression, a `choice` value that is a
 * mapping a nested search space. The schemas check shapes; searchSpaceProblems checks what a
 * shape cannot say (bounds in order, positive sigma and q, what the sampling algorithm supports).
 */

/** Every expression type, as written in a sweep file. */
export const expressionTypes: readonly Expression['type'][] = [
  'choice',
  'randint',
  'uniform',
  'loguniform',
  'quniform',
  'qloguniform',
  'normal',
  'lognormal',
  'qnormal',
  'qlognormal',
];

/** Most expressions a Sobol sequence here can cover (the direction numbers in sobol-direction-numbers.ts). */
export const sobolMaxDimensions = 64;

// marshmallow's Float field reads "1e-3" (YAML 1.1 reads an exponent without a dot as text), so a numeric string counts.
const numberField = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value),
  z.number(),
);

const literalSchema = z.union([z.string(), z.number(), z.boolean()], {
  error: (issue) => `must be a string, a number, true/false or a nested mapping; got ${issue.input === null ? 'an empty value' : 'a list'}`,
});

const boundsFields = { min_value: numberField, max_value: numberField };
const normalFields = { mu: numberField, sigma: numberField };

const uniformSchema = closedObject({ type: z.enum(['uniform', 'loguniform']), ...boundsFields });
const quantizedUniformSchema = closedObject({ type: z.enum(['quniform', 'qloguniform']), ...boundsFields, q: numberField });
const normalSchema = closedObject({ type: z.enum(['normal', 'lognormal']), ...normalFields });
const quantizedNormalSchema = closedObject({ type: z.enum(['qnormal', 'qlognormal']), ...normalFields, q: numberField });
const randintSchema = closedObject({
  type: z.literal('randint'),
  // Integer-ness as a refinement, as countField does, so the mapping's other problems still show.
  upper: numberField.pipe(z.number().refine(Number.isInteger, 'must be a whole number: randint draws from 0 up to upper - 1')),
});

/**
 * Parses with `schema` and reports its issues as the enclosing schema's, in the words of a YAML
 * file; lets a schema pick what to parse by the value's shape, so a user reads the problem of
 * the one form meant rather than zod's "invalid input" for each alternative.
 */
function parseWith<Output>(schema: z.ZodType<Output>, value: unknown, context: z.core.$RefinementCtx): Output {
  const result = schema.safeParse(value, { error: describeIssue });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    context.addIssue({ code: 'custom', message: issue.message, path: [...issue.path], input: value });
  }
  return z.NEVER;
}

/** A nested search space: each key a literal or an expression. */
const nestedSpaceSchema: z.ZodType<NestedSpace, unknown> = z.lazy(() =>
  z.record(
    z.string(),
    z
      .unknown()
      .transform((value, context) =>
        isPlainObject(value) ? parseWith(expressionSchema, value, context) : parseWith(literalSchema, value, context),
      ),
  ),
);

const choiceSchema = closedObject({
  type: z.literal('choice'),
  values: z.array(
    z
      .unknown()
      .transform((value, context): ParameterValue | NestedSpace =>
        isPlainObject(value) ? parseWith(nestedSpaceSchema, value, context) : parseWith(literalSchema, value, context),
      ),
  ),
});

/** The known types as a sentence, with the closest one to `written` first when it looks like a typo. */
function unknownTypeMessage(written: unknown): string {
  const known = expressionTypes.join(', ');
  if (typeof written !== 'string') return `is required: the expression's type, one of ${known}`;
  const suggestion = closestName(written, expressionTypes);
  return `unknown expression type '${written}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; known types: ${known}`;
}

/** One parameter expression (type matched ignoring case, as Azure ML does). */
export const expressionSchema: z.ZodType<Expression, unknown> = z.lazy(() =>
  z.preprocess(
    (value) => (isPlainObject(value) && typeof value.type === 'string' ? { ...value, type: value.type.toLowerCase() } : value),
    z.discriminatedUnion(
      'type',
      [choiceSchema, randintSchema, uniformSchema, quantizedUniformSchema, normalSchema, quantizedNormalSchema],
      {
        error: (issue) => {
          if (issue.code === 'invalid_union') return unknownTypeMessage(isPlainObject(issue.input) ? issue.input.type : undefined);
          if (issue.code === 'invalid_type') return `must be a mapping with a type (one of ${expressionTypes.join(', ')}) and its fields`;
          return undefined;
        },
      },
    ),
  ),
);

/** A sweep's `search_space`: parameter name to expression. */
export const searchSpaceSchema: z.ZodType<SearchSpace, unknown> = z.record(z.string(), expressionSchema);

/** True when a choice value is a nested search space rather than a literal. */
export function isNestedSpace(value: ParameterValue | NestedSpace): value is NestedSpace {
  return typeof value === 'object';
}

/** True when a nested space's entry is an expression rather than a literal. */
export function isExpression(value: ParameterValue | Expression): value is Expression {
  return typeof value === 'object';
}

/**
 * Every parameter name a trial of `space` may have, nested ones included: what a trial's
 * command may reference as `${{search_space.<name>}}`.
 */
export function parameterNames(space: SearchSpace): Set<string> {
  const names = new Set<string>();
  const visit = (name: string, expression: Expression) => {
    names.add(name);
    if (expression.type !== 'choice') return;
    for (const value of expression.values) {
      if (!isNestedSpace(value)) continue;
      for (const [key, entry] of Object.entries(value)) {
        if (isExpression(entry)) visit(key, entry);
        else names.add(key);
      }
    }
  };
  for (const [name, expression] of Object.entries(space)) visit(name, expression);
  return names;
}

/** Where each problem is in the source file, when the caller knows (a YAML document's locate). */
type Locate = (path: FieldPath) => { line?: number; column?: number };

/**
 * What is wrong with a parsed search space for `sampling`, each problem at its field
 * (`search_space.C.max_value`) with the fix in its message; empty when the sweep can sample it.
 * Paths start at `search_space` unless `root` says otherwise.
 */
export function searchSpaceProblems(
  space: SearchSpace,
  sampling: SamplingAlgorithm,
  options: { root?: FieldPath; locate?: Locate } = {},
): Problem[] {
  const root = options.root ?? ['search_space'];
  const locate = options.locate ?? (() => ({}));
  const problems: Problem[] = [];
  const report = (path: FieldPath, message: string) => problems.push({ path: formatFieldPath(path), message, ...locate(path) });

  if (Object.keys(space).length === 0) {
    report(root, 'has no parameters: add at least one, e.g. learning_rate: {type: loguniform, min_value: -7, max_value: -1}');
  }
  for (const [name, expression] of Object.entries(space)) checkExpression(name, expression, [...root, name], sampling, report);
  checkNameClashes(space, root, report);

  if (sampling.type === 'random' && sampling.rule === 'sobol') {
    const dimensions = countExpressions(space);
    if (dimensions > sobolMaxDimensions) {
      report(
        ['sampling_algorithm', 'rule'],
        `the sobol rule covers at most ${sobolMaxDimensions} expressions and this search space has ${dimensions} (nested ones counted); use rule: random, or search fewer parameters`,
      );
    }
  }
  return problems;
}

type Report = (path: FieldPath, message: string) => void;

function checkExpression(name: string, expression: Expression, path: FieldPath, sampling: SamplingAlgorithm, report: Report): void {
  if (sampling.type === 'grid' && expression.type !== 'choice') {
    report(
      [...path, 'type'],
      `grid sampling takes choice expressions only (as Azure ML's does), and '${name}' is ${expression.type}: list the values to try, e.g. ${name}: {type: choice, values: [...]}, or use sampling_algorithm: random`,
    );
  }
  switch (expression.type) {
    case 'choice':
      checkChoice(name, expression.values, path, sampling, report);
      return;
    case 'randint':
      if (expression.upper < 1) {
        report([...path, 'upper'], `must be 1 or more: randint draws a whole number from 0 up to upper - 1; got ${expression.upper}`);
      }
      return;
    case 'uniform':
    case 'loguniform':
    case 'quniform':
    case 'qloguniform':
      if (expression.min_value >= expression.max_value) {
        const fix =
          expression.min_value === expression.max_value
            ? `for a fixed value use {type: choice, values: [${expression.min_value}]}`
            : 'swap the two';
        report(
          [...path, 'max_value'],
          `must be above min_value (${expression.min_value}); got ${expression.max_value}: ${fix}${expression.type.includes('log') ? ` (${expression.type} takes the bounds of the exponent: exp(uniform(min_value, max_value)))` : ''}`,
        );
      }
      if (expression.type.includes('log') && !Number.isFinite(Math.exp(expression.max_value))) {
        report(
          [...path, 'max_value'],
          `exp(${expression.max_value}) is too large for a number: ${expression.type} takes the exponent, the natural log of the largest value (max_value: 6.9 for about 1000)`,
        );
      }
      break;
    case 'normal':
    case 'lognormal':
    case 'qnormal':
    case 'qlognormal':
      if (!(expression.sigma > 0)) {
        report([...path, 'sigma'], `must be above 0 (the standard deviation of ${expression.type}); got ${expression.sigma}`);
      }
      break;
  }
  if ('q' in expression && !(expression.q > 0)) {
    report([...path, 'q'], `must be above 0 (values are rounded to a multiple of q; q: 1 gives whole numbers); got ${expression.q}`);
  }
}

function checkChoice(
  name: string,
  values: ReadonlyArray<ParameterValue | NestedSpace>,
  path: FieldPath,
  sampling: SamplingAlgorithm,
  report: Report,
): void {
  if (values.length === 0) report([...path, 'values'], `must list at least one value for '${name}' to take`);
  values.forEach((value, index) => {
    if (!isNestedSpace(value)) return;
    const valuePath = [...path, 'values', index];
    if (Object.keys(value).length === 0) {
      report(valuePath, 'is an empty mapping: give the nested parameters this choice adds, or write the value as a literal');
    }
    for (const [key, entry] of Object.entries(value)) {
      if (isExpression(entry)) checkExpression(key, entry, [...valuePath, key], sampling, report);
    }
  });
}

/** How many expressions a space has, nested ones included: a Sobol sequence gives each one its own coordinate. */
export function countExpressions(space: SearchSpace | NestedSpace): number {
  let count = 0;
  for (const entry of Object.values(space)) {
    if (!isExpression(entry)) continue;
    count += 1;
    if (entry.type !== 'choice') continue;
    for (const value of entry.values) if (isNestedSpace(value)) count += countExpressions(value);
  }
  return count;
}

/** The names a space's entry may set: its own, and those its nested choices add. */
function namesOf(name: string, entry: ParameterValue | Expression): Set<string> {
  const names = new Set([name]);
  if (isExpression(entry) && entry.type === 'choice') {
    for (const value of entry.values) {
      if (!isNestedSpace(value)) continue;
      for (const [key, nested] of Object.entries(value)) for (const found of namesOf(key, nested)) names.add(found);
    }
  }
  return names;
}

/**
 * Two entries of one mapping must not set the same parameter, nor a nested key the name of a
 * choice it sits under: a trial would hold one value for both. The branches of one choice may
 * repeat names (a trial takes only one branch).
 */
function checkNameClashes(
  space: SearchSpace | NestedSpace,
  path: FieldPath,
  report: Report,
  enclosing: ReadonlySet<string> = new Set(),
): void {
  const setBy = new Map<string, string>();
  for (const [key, entry] of Object.entries(space)) {
    if (enclosing.has(key)) {
      report([...path, key], `has the name of the choice it is nested in ('${key}' takes the index of the chosen branch): rename it`);
    }
    for (const name of namesOf(key, entry)) {
      const earlier = setBy.get(name);
      if (earlier !== undefined) {
        report(
          [...path, key],
          `sets the parameter '${name}', which '${earlier}' also sets (a nested choice adds its keys to the trial's parameters): rename one of them`,
        );
      } else setBy.set(name, key);
    }
    if (isExpression(entry) && entry.type === 'choice') {
      const inside = new Set([...enclosing, key]);
      entry.values.forEach((value, index) => {
        if (isNestedSpace(value)) checkNameClashes(value, [...path, key, 'values', index], report, inside);
      });
    }
  }
}
