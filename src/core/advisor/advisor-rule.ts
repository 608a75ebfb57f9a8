/**
 * The advisor's vocabulary, shared by the static rules (files before they are applied) and the
 * live rules (the running system): a rule, what it found, and the outcome of checking one resource.
 */

/** The five pillars of the Azure Well-Architected Framework. */
export const pillars = ['reliability', 'security', 'cost', 'operations', 'performance'] as const;
export type Pillar = (typeof pillars)[number];

export const severities = ['high', 'medium', 'low'] as const;
export type Severity = (typeof severities)[number];

/**
 * Rule ids read `TRL-<PILLAR>-<NNN>`: the pillar's code, then a number that is never reused.
 * 001–099 are static rules (files checked before they are applied), 101–199 live rules (the
 * running system). A retired rule keeps its id retired, so suppressions and SARIF history stay valid.
 */
export const pillarCodes: Readonly<Record<Pillar, string>> = {
  reliability: 'REL',
  security: 'SEC',
  cost: 'COST',
  operations: 'OPS',
  performance: 'PERF',
};
export const ruleIdPattern = /^TRL-(REL|SEC|COST|OPS|PERF)-\d{3}$/;

/**
 * The line of the seed guidance a rule implements: the Well-Architected service guide for Azure
 * Machine Learning (its design checklists and configuration recommendations), or the pillar's own
 * design review checklist, quoted as written there.
 */
export interface SeedLine {
  document: string;
  url: string;
  /** Where in the document, e.g. 'Cost Optimization › Workload design checklist'. */
  section: string;
  /** The line's text. */
  line: string;
  /** The pillar checklist recommendation it belongs to, e.g. 'SE:06'. */
  code?: string;
}

export interface AdvisorRule {
  /** Stable: see ruleIdPattern. */
  id: string;
  pillar: Pillar;
  severity: Severity;
  title: string;
  seed: SeedLine;
  /** Why it matters, in a sentence or two. */
  why: string;
  /** The one-line fix. */
  fix: string;
  /** Which resources it looks at, in words. */
  appliesTo: string;
  /** The same check under other tools' names (PSRule for Azure, Azure Policy, Azure Advisor). */
  alsoKnownAs?: readonly string[];
}

/** The resource a finding is about, and where it is written when it came from a file. */
export interface ResourceRef {
  kind: string;
  name: string;
  file?: string;
  /** 1-based line of the field at fault (or of the resource). */
  line?: number;
  /** JSON pointer of the field at fault within the file. */
  pointer?: string;
}

export interface Finding {
  ruleId: string;
  pillar: Pillar;
  severity: Severity;
  resource: ResourceRef;
  /** What it found, naming the value. */
  message: string;
  fix: string;
}

/**
 * One rule checked against one resource. `unknown`: the rule could not decide (a value is an
 * ARM expression, a file was not given, a referenced resource is not among those checked), so it
 * neither passes nor fails and is left out of the score; `reason` says what was missing.
 */
export interface Check {
  ruleId: string;
  pillar: Pillar;
  severity: Severity;
  resource: ResourceRef;
  outcome: 'passed' | 'failed' | 'unknown';
  findings: Finding[];
  reason?: string;
}
