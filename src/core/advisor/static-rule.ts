import type { AdvisorRule, Check, Finding, ResourceRef } from './advisor-rule.js';
import type { FieldSource, StaticSubject, SubjectFormat, SubjectKind, SubjectOfKind, Unresolved } from './static-subject.js';

/** A rule that could not decide: the reason names the value it lacked. */
export interface Undecided {
  undecided: string;
}

export function isUndecided(value: unknown): value is Undecided {
  return typeof value === 'object' && value !== null && typeof (value as { undecided?: unknown }).undecided === 'string';
}

/** A rule over the resources of files (YAML or ARM), checked before they are applied. */
export interface StaticRule extends AdvisorRule {
  /** The kinds of subject it looks at. */
  kinds: readonly SubjectKind[];
  /**
   * What is wrong with the subject (nothing: it passes), or why it cannot tell; undefined when the
   * rule does not apply to it (it is then not counted in the score). One call per rule and subject:
   * a check of ten thousand files makes fifty thousand of them.
   */
  evaluate(subject: StaticSubject, all: readonly StaticSubject[]): Finding[] | Undecided | undefined;
}

type FieldOf<Kind extends SubjectKind> = Extract<keyof SubjectOfKind<Kind>['sources'], string>;

/** Something wrong, in a rule's own words: the message names the value; `field` is where it is (or would be) written. */
export interface Observation<Kind extends SubjectKind = SubjectKind> {
  message: string;
  field?: FieldOf<Kind>;
}

export interface StaticRuleDefinition<Kind extends SubjectKind> extends AdvisorRule {
  kinds: readonly Kind[];
  /** Narrows `kinds` (e.g. compute instances only). Default: every subject of those kinds. */
  applies?(subject: SubjectOfKind<Kind>, all: readonly StaticSubject[]): boolean;
  check(subject: SubjectOfKind<Kind>, all: readonly StaticSubject[]): Observation<Kind>[] | Undecided;
  /** The fix as written in one source format, where it differs from `fix` (field names differ between YAML and ARM). */
  fixIn?: Partial<Record<SubjectFormat, string>>;
}

/** Makes a StaticRule from a definition over one or more kinds of subject: findings are located and carry the rule's fix. */
export function defineStaticRule<Kind extends SubjectKind>(definition: StaticRuleDefinition<Kind>): StaticRule {
  const { applies, check, fixIn, kinds, ...rule } = definition;
  const ofKinds = new Set<SubjectKind>(kinds);
  const isOfKind = (subject: StaticSubject): subject is SubjectOfKind<Kind> => ofKinds.has(subject.kind);
  return {
    ...rule,
    kinds,
    evaluate: (subject, all) => {
      if (!isOfKind(subject) || (applies !== undefined && !applies(subject, all))) return undefined;
      const verdict = check(subject, all);
      // A list of observations, or Undecided (an object that is no list).
      if (!Array.isArray(verdict)) return verdict;
      const fix = fixIn?.[subject.origin.format] ?? rule.fix;
      return verdict.map((observation) => ({
        ruleId: rule.id,
        pillar: rule.pillar,
        severity: rule.severity,
        resource: resourceRef(subject, observation.field),
        message: observation.message,
        fix,
      }));
    },
  };
}

/** The subject as a finding names it, located at `field` when given. */
export function resourceRef(subject: StaticSubject, field?: string): ResourceRef {
  const source = field === undefined ? undefined : sourceOf(subject, field);
  const line = source?.line ?? subject.origin.line;
  const pointer = source?.pointer ?? subject.origin.pointer;
  const { kind, name } = subject;
  const file = subject.origin.file;
  // One is made per subject and per finding (tens of thousands), and they live until the report is
  // written: the commonest shapes are written whole, so that their fields sit in the object itself
  // (fields added one by one go to a second, separate store). Same keys, in the same order, either way.
  if (file !== undefined && line !== undefined) return pointer === '' ? { kind, name, file, line } : { kind, name, file, line, pointer };
  // A YAML file's resource, as its checks name it: the file, no line or pointer.
  if (file !== undefined && line === undefined && pointer === '') return { kind, name, file };
  const ref: ResourceRef = { kind, name };
  if (file !== undefined) ref.file = file;
  if (line !== undefined) ref.line = line;
  if (pointer !== '') ref.pointer = pointer;
  return ref;
}

function sourceOf(subject: StaticSubject, field: string): FieldSource | undefined {
  return (subject.sources as Readonly<Record<string, FieldSource | undefined>>)[field];
}

/** A field's name as the subject's file writes it: `min_instances`, `properties.properties.scaleSettings.minNodeCount`. */
export function written<Kind extends SubjectKind>(subject: SubjectOfKind<Kind>, field: FieldOf<Kind>): string {
  return sourceOf(subject, field)?.name ?? field;
}

/** The verdict for a value the file does not give. */
export function undecided<Kind extends SubjectKind>(subject: SubjectOfKind<Kind>, field: FieldOf<Kind>, value: Unresolved): Undecided {
  return { undecided: `${written(subject, field)} is ${value.unresolved}: ${value.reason}` };
}

/** Every rule checked against every subject it applies to. */
export function checkStaticRules(subjects: readonly StaticSubject[], rules: readonly StaticRule[]): Check[] {
  const checks: Check[] = [];
  // Each rule looks only at the subjects of its kinds (their indexes, in order): most rules read one kind of a dozen.
  const ofKinds = new Map<string, number[]>();
  // One reference per subject, shared by its checks.
  const references = new Array<ResourceRef | undefined>(subjects.length);
  for (const rule of rules) {
    const key = rule.kinds.join(',');
    let candidates = ofKinds.get(key);
    if (!candidates) {
      const kinds = new Set<SubjectKind>(rule.kinds);
      candidates = [];
      for (let index = 0; index < subjects.length; index += 1) if (kinds.has(subjects[index]!.kind)) candidates.push(index);
      ofKinds.set(key, candidates);
    }
    const { id: ruleId, pillar, severity } = rule;
    for (const index of candidates) {
      const subject = subjects[index]!;
      const verdict = rule.evaluate(subject, subjects);
      if (verdict === undefined) continue;
      let resource = references[index];
      if (resource === undefined) {
        resource = resourceRef(subject);
        references[index] = resource;
      }
      if (Array.isArray(verdict))
        checks.push({ ruleId, pillar, severity, resource, outcome: verdict.length === 0 ? 'passed' : 'failed', findings: verdict });
      else checks.push({ ruleId, pillar, severity, resource, outcome: 'unknown', findings: [], reason: verdict.undecided });
    }
  }
  return checks;
}

/** The findings of checks, most severe first, then by file (as localeCompare orders names), line and rule. */
export function findingsOf(checks: readonly Check[]): Finding[] {
  const rank = { high: 0, medium: 1, low: 2 } as const;
  const findings: Finding[] = [];
  for (const check of checks) for (const finding of check.findings) findings.push(finding);
  // Each distinct file and rule is ordered once, and the findings (tens of thousands) by those ranks:
  // the same order as localeCompare on every comparison, at a fraction of the comparisons.
  const files = localeRanks(findings.map((finding) => finding.resource.file ?? ''));
  const rules = localeRanks(findings.map((finding) => finding.ruleId));
  return findings.sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      files.get(a.resource.file ?? '')! - files.get(b.resource.file ?? '')! ||
      (a.resource.line ?? 0) - (b.resource.line ?? 0) ||
      rules.get(a.ruleId)! - rules.get(b.ruleId)!,
  );
}

/** Each distinct string's place in localeCompare's order; strings it holds equal share a place. */
function localeRanks(strings: readonly string[]): Map<string, number> {
  const distinct = [...new Set(strings)].sort((a, b) => a.localeCompare(b));
  const ranks = new Map<string, number>();
  let place = 0;
  for (let index = 0; index < distinct.length; index += 1) {
    if (index > 0 && distinct[index - 1]!.localeCompare(distinct[index]!) !== 0) place += 1;
    ranks.set(distinct[index]!, place);
  }
  return ranks;
}
