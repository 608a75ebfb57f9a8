import { closestName } from '../azureml/did-you-mean.js';

/**
 * Azure's policy effects, and what each does in Trellis. `enforceSetting` is the effect of Azure's
 * Machine Learning "enforce setting" definitions: it hands a setting (allowed registries, package
 * indexes, signing keys) to the jobs the rule selects.
 */
export const policyEffects = [
  'audit',
  'deny',
  'modify',
  'disabled',
  'auditIfNotExists',
  'enforceSetting',
  'deployIfNotExists',
  'append',
  'manual',
  'denyAction',
] as const;
export type PolicyEffect = (typeof policyEffects)[number];

/** Effects Trellis loads but does not carry out, each with why (shown in states and docs). */
export const effectsNotCarriedOut: Partial<Record<PolicyEffect, string>> = {
  deployIfNotExists: 'deploys Azure resources (diagnostic settings, private endpoints, DNS zones) that Trellis has no counterpart for',
  append: 'Azure appends fields to a request; use modify, which Trellis carries out',
  manual: 'attested by a person in Azure; Trellis has no attestations',
  denyAction: 'blocks Azure delete actions; use Trellis roles to say who may delete',
};

/** The effect named by `text` (any case), or undefined. */
export function parseEffect(text: string): PolicyEffect | undefined {
  return policyEffects.find((effect) => effect.toLowerCase() === text.toLowerCase());
}

export function unknownEffectMessage(text: string): string {
  const near = closestName(text, policyEffects);
  return `'${text}' is not a policy effect${near ? `; did you mean '${near}'?` : ''} (effects: ${policyEffects.join(', ')})`;
}
