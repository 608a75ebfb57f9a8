import type { Problem } from '../errors.js';
import { TrellisError } from '../errors.js';
import { findAlias, tagKey } from './policy-aliases.js';
import { compare } from './policy-comparison.js';
import { type Condition, type ConditionSubject, noteExpressions, type Operator, parseCondition } from './policy-condition.js';
import type { PolicyDefinition } from './policy-definition.js';
import { effectsNotCarriedOut, type PolicyEffect, parseEffect, unknownEffectMessage } from './policy-effect.js';
import { type InstallationFacts, modeApplies, type PolicyTarget, targetId } from './policy-target.js';
import { type ExpressionScope, isTemplateExpression, resolveTemplateValue } from './template-expression.js';
import { plainObjectOr } from '../azureml/schema-helpers.js';

/** A definition checked once: its rule as a tree, ready to evaluate on any number of targets. */
export interface CompiledPolicy {
  definition: PolicyDefinition;
  condition: Condition;
  existenceCondition: Condition | undefined;
}

export type Compliance = 'Compliant' | 'NonCompliant' | 'NotApplicable';

export interface Modification {
  operation: 'addOrReplace' | 'add' | 'remove';
  field: string;
  value: unknown;
}

/** What one definition, with its assignment's parameter values, says about one target. */
export interface PolicyVerdict {
  compliance: Compliance;
  effect: PolicyEffect;
  /** The conditions that held, in words: what a refusal or an audit names. */
  reasons: string[];
  /** For modify: the changes it makes. */
  modifications: Modification[];
  /** For enforceSetting: the setting it hands to the job. */
  setting?: { name: string; value: unknown } | undefined;
  /** Why it is not applicable, when it is not. */
  note?: string | undefined;
}

/**
 * Checks a definition's rule: every condition, operator, field and alias, the effect, the
 * parameters the rule names against those it declares, and a modify's operations. Throws
 * InvalidPolicyDefinition (422) listing every problem.
 */
export function compilePolicy(definition: PolicyDefinition): CompiledPolicy {
  const parsed = parseCondition(definition.policyRule.if);
  const problems: Problem[] = [...parsed.problems];
  const parameters = parsed.parameters;
  const collector = { problems, parameters };
  const effect = definition.policyRule.then.effect;
  if (isTemplateExpression(effect)) noteExpressions(effect, 'policyRule.then.effect', collector);
  else if (!parseEffect(effect)) problems.push({ path: 'policyRule.then.effect', message: unknownEffectMessage(effect) });
  const details = plainObjectOr(definition.policyRule.then.details);
  let existenceCondition: Condition | undefined;
  if (details) {
    const operations = details.operations;
    if (operations !== undefined) {
      if (!Array.isArray(operations)) problems.push({ path: 'policyRule.then.details.operations', message: 'operations is an array' });
      else
        for (const [index, operation] of operations.entries())
          problems.push(...operationProblems(operation, `policyRule.then.details.operations[${index}]`, collector));
    }
    if (details.existenceCondition !== undefined && sameTypeExistence(details)) {
      const existence = parseCondition(details.existenceCondition, 'policyRule.then.details.existenceCondition');
      problems.push(...existence.problems);
      for (const name of existence.parameters) parameters.add(name);
      existenceCondition = existence.condition;
    }
    if (details.setting !== undefined) noteExpressions(details.setting, 'policyRule.then.details.setting', collector);
  }
  for (const name of parameters) {
    if (!Object.keys(definition.parameters).some((declared) => declared.toLowerCase() === name.toLowerCase()))
      problems.push({ path: 'policyRule', message: `the rule uses parameter '${name}', which 'parameters' does not declare` });
  }
  if (problems.length > 0 || !parsed.condition) {
    const lines = problems.map((problem) => `  ${problem.path}: ${problem.message}`);
    throw new TrellisError(
      'InvalidPolicyDefinition',
      422,
      `policy definition '${definition.name}' has ${problems.length} problem${problems.length === 1 ? '' : 's'}; fix them and try again:\n${lines.join('\n')}`,
      { problems },
    );
  }
  return { definition, condition: parsed.condition, existenceCondition };
}

/** auditIfNotExists whose related resource is the target itself (Azure's CMK v2 definition): Trellis can evaluate it. */
function sameTypeExistence(details: Record<string, unknown>): boolean {
  return typeof details.type === 'string' && details.type.toLowerCase() === 'microsoft.machinelearningservices/workspaces';
}

function operationProblems(node: unknown, path: string, collector: { problems: Problem[]; parameters: Set<string> }): Problem[] {
  const operation = plainObjectOr(node);
  if (!operation) return [{ path, message: 'an operation is an object with operation, field and value' }];
  const problems: Problem[] = [];
  if (!['addOrReplace', 'add', 'remove'].some((name) => name.toLowerCase() === String(operation.operation).toLowerCase()))
    problems.push({ path: `${path}.operation`, message: 'operation is addOrReplace, add or remove' });
  const field = operation.field;
  if (typeof field !== 'string') problems.push({ path: `${path}.field`, message: 'field names the alias to set' });
  else if (tagKey(field) === undefined && !findAlias(field)?.write)
    problems.push({
      path: `${path}.field`,
      message: findAlias(field) ? `modify cannot set '${field}' here: ${findAlias(field)?.meaning}` : `unknown alias '${field}'`,
    });
  noteExpressions(operation.value, `${path}.value`, collector);
  noteExpressions(operation.condition, `${path}.condition`, collector);
  return problems;
}

/**
 * Evaluates a compiled definition on `target` with the assignment's resolved parameter values.
 * Pure: a modify's changes are returned, not applied (applyModifications does that).
 */
export function evaluatePolicy(
  policy: CompiledPolicy,
  parameters: Record<string, unknown>,
  target: PolicyTarget,
  facts: InstallationFacts,
): PolicyVerdict {
  const evaluation = new Evaluation(parameters, target, facts);
  const effectText = String(evaluation.resolve(policy.definition.policyRule.then.effect));
  const effect = parseEffect(effectText);
  if (!effect) throw new TrellisError('InvalidPolicyParameters', 422, unknownEffectMessage(effectText));
  const base = { effect, reasons: [], modifications: [] };
  if (effect === 'disabled') return { ...base, compliance: 'NotApplicable', note: 'the assignment disables it' };
  if (!modeApplies(policy.definition.mode, target))
    return { ...base, compliance: 'NotApplicable', note: `mode ${policy.definition.mode} does not apply to ${target.type}` };
  const reasons: string[] = [];
  const matched = evaluation.test(policy.condition, reasons);
  if (evaluation.meaningless.size > 0)
    return { ...base, compliance: 'NotApplicable', note: `it reads what has no meaning here: ${[...evaluation.meaningless].join('; ')}` };
  if (!matched) return { ...base, compliance: 'Compliant' };
  const notCarried = effectsNotCarriedOut[effect];
  if (notCarried) return { ...base, reasons, compliance: 'NotApplicable', note: notCarried };
  const details = plainObjectOr(policy.definition.policyRule.then.details) ?? {};
  switch (effect) {
    case 'auditIfNotExists': {
      if (!policy.existenceCondition)
        return { ...base, reasons, compliance: 'NotApplicable', note: 'its related resource has no counterpart in Trellis' };
      const existence: string[] = [];
      if (evaluation.test(policy.existenceCondition, existence)) return { ...base, compliance: 'Compliant' };
      return { ...base, reasons: [...reasons, `the existence condition does not hold`], compliance: 'NonCompliant' };
    }
    case 'enforceSetting': {
      const setting = plainObjectOr(details.setting);
      return {
        ...base,
        reasons,
        compliance: 'Compliant',
        setting: setting && { name: String(setting.name), value: evaluation.resolve(setting.value) },
      };
    }
    case 'modify':
      return { ...base, reasons, compliance: 'NonCompliant', modifications: evaluation.modifications(details.operations) };
    default:
      return { ...base, reasons, compliance: 'NonCompliant' };
  }
}

/** Applies a modify's changes to a copy of `spec` and `tags`; says each change in words. */
export function applyModifications(
  spec: Record<string, unknown>,
  tags: Record<string, string>,
  modifications: readonly Modification[],
): { spec: Record<string, unknown>; tags: Record<string, string>; changes: string[] } {
  const nextSpec = structuredClone(spec);
  const nextTags = { ...tags };
  const changes: string[] = [];
  for (const modification of modifications) {
    const tag = tagKey(modification.field);
    if (tag !== undefined) {
      if (modification.operation === 'remove') delete nextTags[tag];
      else if (modification.operation === 'addOrReplace' || nextTags[tag] === undefined) nextTags[tag] = String(modification.value);
      changes.push(
        `${modification.operation} tag '${tag}'${modification.operation === 'remove' ? '' : ` = ${JSON.stringify(modification.value)}`}`,
      );
      continue;
    }
    const alias = findAlias(modification.field);
    if (!alias?.write) continue;
    alias.write(nextSpec, modification.operation === 'remove' ? undefined : modification.value);
    changes.push(`${modification.operation} ${alias.name} = ${JSON.stringify(modification.value)} (${alias.meaning})`);
  }
  return { spec: nextSpec, tags: nextTags, changes };
}

/** One evaluation: the parameter values, the target, and the members `count` is walking. */
class Evaluation {
  readonly #parameters: Map<string, unknown>;
  readonly #target: PolicyTarget;
  readonly #facts: InstallationFacts;
  /** Inside a count: the array alias (lower case) or value-count name, and its current member. */
  readonly #current: Array<{ key: string; member: unknown }> = [];
  readonly #scope: ExpressionScope;
  /** Aliases read that have no counterpart in Trellis, with why: a verdict on them would mean nothing. */
  readonly meaningless = new Set<string>();

  constructor(parameters: Record<string, unknown>, target: PolicyTarget, facts: InstallationFacts) {
    this.#parameters = new Map(Object.entries(parameters).map(([name, value]) => [name.toLowerCase(), value]));
    this.#target = target;
    this.#facts = facts;
    this.#scope = {
      parameter: (name) => {
        if (!this.#parameters.has(name.toLowerCase()))
          throw new TrellisError('InvalidPolicyParameters', 422, `the rule names parameter '${name}', which has no value`);
        return this.#parameters.get(name.toLowerCase());
      },
      field: (path) => this.field(path),
      current: (name) => this.current(name),
    };
  }

  resolve(value: unknown): unknown {
    return resolveTemplateValue(value, this.#scope);
  }

  test(condition: Condition, reasons: string[]): boolean {
    switch (condition.kind) {
      case 'allOf': {
        const collected: string[] = [];
        const holds = condition.conditions.every((child) => this.test(child, collected));
        if (holds) reasons.push(...collected);
        return holds;
      }
      case 'anyOf':
        return condition.conditions.some((child) => this.test(child, reasons));
      case 'not': {
        const holds = !this.test(condition.condition, []);
        if (holds) reasons.push(`not: ${this.describe(condition.condition)}`);
        return holds;
      }
      case 'compare': {
        const holds = this.compareSubject(condition.subject, condition.operator, this.resolve(condition.operand));
        if (holds && !(condition.subject.kind === 'field' && condition.subject.field.toLowerCase() === 'type'))
          reasons.push(this.describe(condition));
        return holds;
      }
    }
  }

  modifications(operations: unknown): Modification[] {
    if (!Array.isArray(operations)) return [];
    const result: Modification[] = [];
    for (const node of operations) {
      const operation = plainObjectOr(node);
      if (!operation) continue;
      if (operation.condition !== undefined && this.resolve(operation.condition) !== true) continue;
      const name = String(operation.operation).toLowerCase();
      result.push({
        operation: name === 'add' ? 'add' : name === 'remove' ? 'remove' : 'addOrReplace',
        field: String(operation.field),
        value: this.resolve(operation.value),
      });
    }
    return result;
  }

  private compareSubject(subject: ConditionSubject, operator: Operator, operand: unknown): boolean {
    switch (subject.kind) {
      case 'field': {
        const field = isTemplateExpression(subject.field) ? String(this.resolve(subject.field)) : subject.field;
        const value = this.field(field);
        // An array alias outside a count holds when every member does (and when there are none), as in Azure.
        if (field.includes('[*]') && !this.#current.some((entry) => entry.key === field.toLowerCase()) && Array.isArray(value))
          return value.every((member) => compare(operator, member, operand));
        return compare(operator, value, operand);
      }
      case 'value':
        return compare(operator, this.resolve(subject.value), operand);
      case 'count':
        return compare(operator, this.countField(subject.field, subject.where), operand);
      case 'countValue':
        return compare(operator, this.countValue(subject.value, subject.name, subject.where), operand);
    }
  }

  private countField(field: string, where: Condition | undefined): number {
    const members = this.field(field);
    const list = Array.isArray(members) ? members : [];
    if (!where) return list.length;
    return list.filter((member) => this.within(field.toLowerCase(), member, () => this.test(where, []))).length;
  }

  private countValue(value: unknown, name: string | undefined, where: Condition | undefined): number {
    const resolved = this.resolve(value);
    const list = Array.isArray(resolved) ? resolved : [];
    if (!where) return list.length;
    return list.filter((member) => this.within(`value:${(name ?? '').toLowerCase()}`, member, () => this.test(where, []))).length;
  }

  private within<T>(key: string, member: unknown, run: () => T): T {
    this.#current.push({ key, member });
    try {
      return run();
    } finally {
      this.#current.pop();
    }
  }

  private current(name: string | undefined): unknown {
    const wanted = name?.toLowerCase();
    for (let index = this.#current.length - 1; index >= 0; index -= 1) {
      const entry = this.#current[index];
      if (!entry) continue;
      if (wanted === undefined || entry.key === `value:${wanted}` || entry.key === wanted) return entry.member;
    }
    throw new TrellisError(
      'InvalidPolicyExpression',
      422,
      `current(${name === undefined ? '' : `'${name}'`}) is used outside a count that names it`,
    );
  }

  /** The value of a field or alias on the target; undefined when it is not set. */
  field(path: string): unknown {
    const lower = path.toLowerCase();
    const counted = this.#current.find((entry) => entry.key === lower);
    if (counted) return counted.member;
    const target = this.#target;
    const tag = tagKey(path);
    if (tag !== undefined) return Object.entries(target.tags).find(([key]) => key.toLowerCase() === tag.toLowerCase())?.[1];
    const spec = 'spec' in target ? target.spec : {};
    switch (lower) {
      case 'name':
        return target.name;
      case 'fullname':
        return target.type === 'Microsoft.MachineLearningServices/workspaces' ? target.name : `${target.workspace}/${target.name}`;
      case 'type':
        return target.type;
      case 'id':
        return targetId(target);
      case 'tags':
        return target.tags;
      case 'kind':
        return typeof spec.kind === 'string' ? spec.kind : undefined;
      case 'location':
        return typeof spec.location === 'string' ? spec.location : 'local';
      case 'identity.type': {
        const type = plainObjectOr(spec.identity)?.type;
        return typeof type === 'string' ? type : 'None';
      }
    }
    const alias = findAlias(path);
    if (!alias || alias.type.toLowerCase() !== target.type.toLowerCase()) return undefined;
    if (alias.meaningless) this.meaningless.add(`${alias.name} (${alias.meaning})`);
    return alias.read(target, this.#facts);
  }

  private describe(condition: Condition): string {
    if (condition.kind !== 'compare')
      return condition.kind === 'not' ? `not (${this.describe(condition.condition)})` : `${condition.kind} (…)`;
    const operand = safeJson(this.safeResolve(condition.operand));
    const subject = condition.subject;
    switch (subject.kind) {
      case 'field': {
        const value = this.field(subject.field);
        if (condition.operator === 'exists') return `${subject.field} ${operand === 'true' ? 'is set' : 'is not set'}`;
        return `${subject.field} is ${value === undefined ? 'not set' : safeJson(value)} (${condition.operator} ${operand})`;
      }
      case 'value':
        return `${safeJson(subject.value)} is ${safeJson(this.safeResolve(subject.value))} (${condition.operator} ${operand})`;
      case 'count':
        return `count of ${subject.field} ${condition.operator} ${operand}`;
      case 'countValue':
        return `count of ${safeJson(subject.value)} ${condition.operator} ${operand}`;
    }
  }

  private safeResolve(value: unknown): unknown {
    try {
      return this.resolve(value);
    } catch {
      // Only for wording a reason: the evaluation itself already resolved (or refused) the same value.
      return value;
    }
  }
}

function safeJson(value: unknown): string {
  return value === undefined ? 'not set' : JSON.stringify(value);
}
