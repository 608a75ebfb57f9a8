import { z } from 'zod';
import { dataInputTypes, distribution, inlineEnvironment, literalInputTypes, outputSpec } from './command-job-schema.js';
import { readOnlyFields, readOnlyShape } from './read-only-fields.js';
import { assetFields, azureEnum, closedObject, countField, flagField, freeMapping } from './schema-helpers.js';

/**
 * A command component (az ml component create, `type: command`), after azure-ai-ml's
 * CommandComponentSchema and the CLI v2 reference (reference-yaml-component-command): a reusable,
 * versioned step — code, environment, command — with typed inputs (data, or integer, number,
 * string, boolean with default, min, max, enum, optional) and outputs. Immutable like every asset.
 */

const literalValue = z.union([z.string(), z.number(), z.boolean()]);
const identifier = z.string().regex(/^[A-Za-z_]\w*$/, 'names are identifiers: letters, digits and _');

/** A declared input of a component: its type and, for literals, the values it takes. */
export const componentInputSchema = closedObject({
  type: azureEnum([...dataInputTypes, ...literalInputTypes]),
  description: z.string().optional(),
  default: literalValue.optional(),
  optional: flagField().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z.array(literalValue).min(1).optional(),
  mode: z.string().optional(),
}).superRefine((input, context) => {
  const isData = (dataInputTypes as readonly string[]).includes(input.type);
  if (isData && (input.min !== undefined || input.max !== undefined || input.enum !== undefined))
    context.addIssue({ code: 'custom', message: `min, max and enum apply to integer, number and string inputs, not to ${input.type}` });
  if (input.min !== undefined && input.max !== undefined && input.min > input.max)
    context.addIssue({ code: 'custom', path: ['min'], message: `min ${input.min} is above max ${input.max}` });
  if (input.default !== undefined && !isData) {
    const problem = literalProblem(input, input.default);
    if (problem) context.addIssue({ code: 'custom', path: ['default'], message: problem });
  }
});

export type ComponentInput = z.infer<typeof componentInputSchema>;

/**
 * Why `value` is not a value of the literal input `input` (its type, min, max, enum), or
 * undefined when it is. Numbers given as text ("3") are read as Azure ML reads them.
 */
export function literalProblem(
  input: Pick<ComponentInput, 'type' | 'min' | 'max' | 'enum'>,
  value: string | number | boolean,
): string | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (input.type === 'integer' && !Number.isInteger(number)) return `must be a whole number (integer), got ${JSON.stringify(value)}`;
  if (input.type === 'number' && !Number.isFinite(number)) return `must be a number, got ${JSON.stringify(value)}`;
  if (input.type === 'boolean' && typeof value !== 'boolean' && !['true', 'false'].includes(String(value).toLowerCase()))
    return `must be true or false, got ${JSON.stringify(value)}`;
  if ((input.type === 'integer' || input.type === 'number') && input.min !== undefined && number < input.min)
    return `must be at least ${input.min}, got ${value}`;
  if ((input.type === 'integer' || input.type === 'number') && input.max !== undefined && number > input.max)
    return `must be at most ${input.max}, got ${value}`;
  if (input.enum !== undefined && !input.enum.some((allowed) => String(allowed) === String(value)))
    return `must be one of ${input.enum.map(String).join(', ')}, got ${JSON.stringify(value)}`;
  return undefined;
}

export const componentSchema = closedObject(
  {
    ...assetFields,
    ...readOnlyShape('component'),
    type: z.string().transform((type, context): 'command' => {
      if (type.toLowerCase() === 'command') return 'command';
      context.addIssue({
        code: 'custom',
        message:
          type.toLowerCase() === 'pipeline'
            ? 'pipeline components are not supported yet; Trellis keeps command components (type: command)'
            : `Trellis keeps command components (type: command), not '${type}'`,
      });
      return z.NEVER;
    }),
    display_name: z.string().optional(),
    is_deterministic: flagField().default(true),
    code: z.string().min(1, 'must not be empty').optional(),
    environment: z.union([z.string().min(1), inlineEnvironment], {
      error: 'must be an environment reference (azureml:<name>:<version> or azureml:<name>@latest) or an inline environment mapping',
    }),
    command: z.string().min(1, 'must not be empty'),
    environment_variables: z
      .record(
        z.string(),
        z.preprocess((value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value), z.string()),
      )
      .optional(),
    resources: closedObject({
      instance_count: countField()
        .refine((count) => count >= 1, 'must be 1 or more')
        .optional(),
      instance_type: z.string().optional(),
      shm_size: z.string().optional(),
      docker_args: z.string().optional(),
      properties: freeMapping.optional(),
    }).optional(),
    distribution: distribution.optional(),
    inputs: z.record(identifier, componentInputSchema).optional(),
    outputs: z.record(identifier, outputSpec).optional(),
    properties: freeMapping.optional(),
  },
  readOnlyFields.component,
);

export type ComponentFile = z.infer<typeof componentSchema>;
