import { z } from 'zod';
import { checkName } from '../resources/names.js';

/**
 * An assignment puts a definition to work at a scope (the server, `/`, or one workspace,
 * `/workspaces/<name>`) with parameter values; `DoNotEnforce` evaluates and reports without
 * refusing or changing anything, as in Azure. An exemption takes one resource (or a whole
 * workspace) out of an assignment, with a category, a reason and, usually, an expiry.
 */

export const enforcementModes = ['Default', 'DoNotEnforce'] as const;
export type EnforcementMode = (typeof enforcementModes)[number];
export const exemptionCategories = ['Waiver', 'Mitigated'] as const;
export type ExemptionCategory = (typeof exemptionCategories)[number];

const name = z.string().superRefine((value, context) => {
  const problem = checkName(value);
  if (problem) context.addIssue({ code: 'custom', message: problem.message });
});

/** What a client sends to create an assignment. */
export const assignmentInputSchema = z
  .object({
    name,
    definition: z.string().min(1, 'name the definition: its name (a GUID for Azure built-ins) or its display name'),
    scope: z.string().default('/').describe("'/' for the whole server or /workspaces/<name>"),
    parameters: z.record(z.string(), z.unknown()).default({}),
    effect: z.string().optional().describe("sets the definition's effect parameter (the one its 'then.effect' names)"),
    enforcement_mode: z
      .string()
      .default('Default')
      .transform((value, context) => {
        const found = enforcementModes.find((mode) => mode.toLowerCase() === value.toLowerCase());
        if (found) return found;
        context.addIssue({ code: 'custom', message: `enforcement_mode is Default or DoNotEnforce, not '${value}'` });
        return z.NEVER;
      }),
    description: z.string().optional(),
  })
  .strict();
export type AssignmentInput = z.input<typeof assignmentInputSchema>;

export interface PolicyAssignment {
  name: string;
  /** Undefined: the server scope. */
  workspace: string | undefined;
  definition: string;
  parameters: Record<string, unknown>;
  enforcementMode: EnforcementMode;
  description: string | undefined;
  createdBy: string;
  createdAt: number;
}

/** What a client sends to create an exemption. */
export const exemptionInputSchema = z
  .object({
    name,
    assignment: z.string().min(1),
    scope: z
      .string()
      .min(1)
      .describe('the resource exempted (/workspaces/<ws>/computes/<name>, ...) or a whole workspace (/workspaces/<ws>)'),
    category: z
      .string()
      .default('Waiver')
      .transform((value, context) => {
        const found = exemptionCategories.find((category) => category.toLowerCase() === value.toLowerCase());
        if (found) return found;
        context.addIssue({ code: 'custom', message: `category is Waiver or Mitigated, not '${value}'` });
        return z.NEVER;
      }),
    reason: z.string().trim().min(1, 'say why the resource is exempted: the reason is kept and audited'),
    expires_at: z.iso
      .datetime({ offset: true, error: 'expires_at is an ISO 8601 time with its offset, e.g. 2027-01-31T00:00:00Z' })
      .optional(),
  })
  .strict();
export type ExemptionInput = z.input<typeof exemptionInputSchema>;

export interface PolicyExemption {
  name: string;
  assignment: string;
  scope: string;
  category: ExemptionCategory;
  reason: string;
  expiresAt: number | undefined;
  createdBy: string;
  createdAt: number;
}

/** The exemption that takes `resourceId` out of `assignment` at `now`, if any (expired ones do not). */
export function exemptionFor(
  exemptions: readonly PolicyExemption[],
  assignment: string,
  resourceId: string,
  now: number,
): PolicyExemption | undefined {
  return exemptions.find(
    (exemption) =>
      exemption.assignment === assignment &&
      (exemption.expiresAt === undefined || exemption.expiresAt > now) &&
      (resourceId === exemption.scope || resourceId.startsWith(`${exemption.scope}/`)),
  );
}

/** The parameter a definition's effect comes from (`[parameters('effect')]`), so `--effect` can set it. */
export function effectParameterOf(effect: string): string | undefined {
  return /^\[\s*parameters\(\s*'([^']+)'\s*\)\s*\]$/i.exec(effect.trim())?.[1];
}
