import type { Note } from '../../core/azureml/note.js';
import { TrellisError } from '../../core/errors.js';
import { applyModifications, evaluatePolicy, type PolicyVerdict } from '../../core/policy/evaluate-policy.js';
import { assignmentsInScope, exemptionFor, type PolicyAssignment } from '../../core/policy/policy-assignment.js';
import { resolveParameterValues } from '../../core/policy/policy-definition.js';
import { type InstallationFacts, type PolicyTarget, targetId } from '../../core/policy/policy-target.js';
import type { Tags } from '../../core/resources/resource.js';
import type { Context } from '../context.js';
import { allDefinitions, type CatalogueEntry } from './policy-catalogue.js';

/** One assignment's verdict on one target, with the definition it came from and any exemption. */
export interface AssignedVerdict {
  assignment: PolicyAssignment;
  entry: CatalogueEntry;
  verdict: PolicyVerdict;
  /** The exemption that takes the target out of this assignment, if any. */
  exemption?: { name: string; category: string; reason: string } | undefined;
}

export function installationOf(context: Context): InstallationFacts {
  return context.installation ?? { listensOnLoopbackOnly: true };
}

/** Every assignment reaching `target` (the server's and its workspace's), evaluated. */
export async function verdictsFor(context: Context, target: PolicyTarget): Promise<AssignedVerdict[]> {
  const repositories = context.store.repositories;
  const assignments = assignmentsInScope(await repositories.policies.assignments(target.workspace), target.workspace);
  if (assignments.length === 0) return [];
  const entries = new Map((await allDefinitions(repositories)).map((entry) => [entry.policy.definition.name, entry]));
  const exemptions = await repositories.policies.exemptions(assignments.map((assignment) => assignment.name));
  const now = context.clock().getTime();
  const id = targetId(target);
  const facts = installationOf(context);
  const results: AssignedVerdict[] = [];
  for (const assignment of assignments) {
    const entry = entries.get(assignment.definition);
    if (!entry) continue;
    const { values } = resolveParameterValues(entry.policy.definition, assignment.parameters);
    const verdict = evaluatePolicy(entry.policy, values, target, facts);
    const exemption = exemptionFor(exemptions, assignment.name, id, now);
    results.push({
      assignment,
      entry,
      verdict,
      exemption: exemption && { name: exemption.name, category: exemption.category, reason: exemption.reason },
    });
  }
  return results;
}

/**
 * Applies the policies reaching a resource about to be created or changed: a `deny` that matches
 * refuses it (403, naming the definition, the assignment, what matched and how to get past it),
 * a `modify` changes the spec and tags and says so, an `audit` adds a note. Assignments in
 * DoNotEnforce mode and exempted resources only get notes. Returns the spec and tags to store.
 */
export async function enforcePolicies(
  context: Context,
  target: PolicyTarget,
  what: string,
): Promise<{ spec: Record<string, unknown> | undefined; tags: Tags; notes: Note[] }> {
  const notes: Note[] = [];
  let spec = 'spec' in target ? target.spec : undefined;
  let tags = target.tags;
  for (const { assignment, entry, verdict, exemption } of await verdictsFor(context, target)) {
    if (verdict.compliance !== 'NonCompliant') continue;
    const title = `policy '${entry.policy.definition.displayName ?? entry.policy.definition.name}' (assignment '${assignment.name}')`;
    const found = verdict.reasons.join('; ');
    if (exemption) {
      notes.push({
        path: '',
        message: `${title} does not apply: exempted by '${exemption.name}' (${exemption.category}): ${exemption.reason}`,
      });
      continue;
    }
    const enforced = assignment.enforcementMode === 'Default';
    if (verdict.effect === 'deny' && enforced)
      throw new TrellisError(
        'RequestDisallowedByPolicy',
        403,
        `${what} is disallowed by ${title}: ${found}. Fix: change the resource so that it complies, or ask for an exemption: trellis policy exemption create --name <name> --assignment ${assignment.name} --scope ${targetId(target)} --reason '<why>'`,
        { details: { assignment: assignment.name, definition: entry.policy.definition.name, reasons: verdict.reasons } },
      );
    if (verdict.effect === 'modify' && enforced && spec !== undefined) {
      const changed = applyModifications(spec, tags, verdict.modifications);
      spec = changed.spec;
      tags = changed.tags;
      notes.push({ path: '', message: `modified by ${title}: ${changed.changes.join('; ')}` });
      continue;
    }
    notes.push({
      path: '',
      message: `${enforced ? 'non-compliant with' : `would be ${verdict.effect === 'deny' ? 'denied' : 'changed'} by (DoNotEnforce)`} ${title}: ${found}`,
    });
  }
  return { spec, tags, notes };
}
