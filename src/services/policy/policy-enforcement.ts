import type { Note } from '../../core/azureml/note.js';
import { TrellisError } from '../../core/errors.js';
import { applyModifications, evaluatePolicy, type PolicyVerdict } from '../../core/policy/evaluate-policy.js';
import { exemptionFor, type PolicyAssignment, type PolicyExemption } from '../../core/policy/policy-assignment.js';
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

/** What evaluating the policies of one workspace needs, read once: the assignments reaching it, their definitions and exemptions. */
export interface PolicyScope {
  assignments: PolicyAssignment[];
  entries: Map<string, CatalogueEntry>;
  exemptions: PolicyExemption[];
  now: number;
  facts: InstallationFacts;
}

/** The policy scope of `workspace` (its assignments and the server's); undefined when nothing is assigned there. */
export async function loadPolicyScope(context: Context, workspace: string): Promise<PolicyScope | undefined> {
  const repositories = context.store.repositories;
  const assignments = await repositories.policies.assignments(workspace);
  if (assignments.length === 0) return undefined;
  return {
    assignments,
    entries: new Map((await allDefinitions(repositories)).map((entry) => [entry.policy.definition.name, entry])),
    exemptions: await repositories.policies.exemptions(assignments.map((assignment) => assignment.name)),
    now: context.clock().getTime(),
    facts: installationOf(context),
  };
}

/** Every assignment of `scope` evaluated on `target`, with the exemption that takes it out, if any. */
export function verdictsIn(scope: PolicyScope, target: PolicyTarget): AssignedVerdict[] {
  const id = targetId(target);
  return scope.assignments.flatMap((assignment) => {
    const entry = scope.entries.get(assignment.definition);
    if (!entry) return [];
    const { values } = resolveParameterValues(entry.policy.definition, assignment.parameters);
    const verdict = evaluatePolicy(entry.policy, values, target, scope.facts);
    const exemption = exemptionFor(scope.exemptions, assignment.name, id, scope.now);
    return [
      {
        assignment,
        entry,
        verdict,
        exemption: exemption && { name: exemption.name, category: exemption.category, reason: exemption.reason },
      },
    ];
  });
}

/** Every assignment reaching `target` (the server's and its workspace's), evaluated. */
export async function verdictsFor(context: Context, target: PolicyTarget): Promise<AssignedVerdict[]> {
  const scope = await loadPolicyScope(context, target.workspace);
  return scope ? verdictsIn(scope, target) : [];
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
