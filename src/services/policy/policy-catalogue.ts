import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { closestName } from '../../core/azureml/did-you-mean.js';
import { TrellisError } from '../../core/errors.js';
import { type CompiledPolicy, compilePolicy } from '../../core/policy/evaluate-policy.js';
import { parsePolicyDefinition } from '../../core/policy/policy-definition.js';
import type { Repositories } from '../../store/store.js';

/** A definition as listed: Azure's built-ins (from policies/, read once) and those written here. */
export interface CatalogueEntry {
  policy: CompiledPolicy;
  policyType: 'BuiltIn' | 'Custom';
  /** The built-in's file name, for the docs' table. */
  file?: string | undefined;
  createdBy?: string | undefined;
}

// src/services/policy and dist/services/policy both sit three folders below the checkout.
const builtInFolder = fileURLToPath(new URL('../../../policies/azure-machine-learning/', import.meta.url));
let builtIns: CatalogueEntry[] | undefined;

/** Azure's built-in Machine Learning definitions, shipped unchanged (policies/azure-machine-learning/NOTICE.md). */
export function builtInDefinitions(): CatalogueEntry[] {
  builtIns ??= readdirSync(builtInFolder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      policy: compilePolicy(parsePolicyDefinition(JSON.parse(readFileSync(builtInFolder + file, 'utf8')), { what: file })),
      policyType: 'BuiltIn' as const,
      file,
    }));
  return builtIns;
}

/** Built-ins, then the custom definitions, each compiled (a stored one was checked when written). */
export async function allDefinitions(repositories: Repositories): Promise<CatalogueEntry[]> {
  const custom = (await repositories.policies.definitions()).map((stored) => ({
    policy: compilePolicy(parsePolicyDefinition(stored.definition, { name: stored.name, what: `definition '${stored.name}'` })),
    policyType: 'Custom' as const,
    createdBy: stored.createdBy,
  }));
  return [...builtInDefinitions(), ...custom];
}

/**
 * The definition `reference` names: its name (a GUID for a built-in), its display name, or a
 * built-in's file name without `.json` (IdleShutdown_Audit) — all ignoring case. A 404 with the
 * nearest names otherwise.
 */
export async function findDefinition(repositories: Repositories, reference: string): Promise<CatalogueEntry> {
  const entries = await allDefinitions(repositories);
  const wanted = reference.trim().toLowerCase();
  const found = entries.find(
    (entry) =>
      entry.policy.definition.name.toLowerCase() === wanted ||
      entry.policy.definition.displayName?.toLowerCase() === wanted ||
      entry.file?.replace(/\.json$/, '').toLowerCase() === wanted,
  );
  if (found) return found;
  const names = entries.flatMap((entry) => [entry.policy.definition.name, ...(entry.file ? [entry.file.replace(/\.json$/, '')] : [])]);
  const near = closestName(reference, names);
  throw new TrellisError(
    'PolicyDefinitionNotFound',
    404,
    `policy definition '${reference}' does not exist${near ? `; did you mean '${near}'?` : ''}; list them with: trellis policy definition list`,
  );
}
