import { advisorRules, type CatalogueRule } from '../../core/advisor/advisor-catalogue.js';
import type { Check, Finding, Pillar } from '../../core/advisor/advisor-rule.js';
import { type AdvisorScore, scoreChecks } from '../../core/advisor/advisor-score.js';
import { type AdvisorFile, type FileSetReading, readFileSet } from '../../core/advisor/file-set.js';
import { checkLive, liveRules } from '../../core/advisor/live/live-rules.js';
import { type SarifLog, toSarif } from '../../core/advisor/sarif.js';
import { checkFiles, staticRules } from '../../core/advisor/static-rules.js';
import type { Context } from '../context.js';
import { gatherSnapshot, type ServerFacts } from './advisor-snapshot.js';

/** A finding with what the catalogue says of its rule: what a person reads in the studio or `trellis advisor list`. */
export interface Recommendation extends Finding {
  title: string;
  kind: CatalogueRule['kind'];
  why: string;
  seed: CatalogueRule['seed'];
}

/** The live rules' verdict on one workspace. */
export interface WorkspaceAdvice {
  workspace: string;
  /** The snapshot's time (epoch ms). */
  evaluatedAt: number;
  /** Whether the server-wide rules (local authentication, plain HTTP, role assignments at '/', tokens) were evaluated. */
  serverRules: boolean;
  checks: Check[];
  recommendations: Recommendation[];
  score: AdvisorScore;
  /** Live rules that applied to nothing here, so are not in the score. */
  notApplicable: string[];
}

/** The rules that look at the server, not the workspace: left out unless the caller may read the server's role assignments. */
export const serverRuleIds: ReadonlySet<string> = new Set(['TRL-SEC-101', 'TRL-SEC-103', 'TRL-SEC-104', 'TRL-SEC-105']);

/**
 * Checks one workspace against the live rules, at the context's clock. `server`: the server's own
 * facts, for callers who may see server-wide rules; without it they are left out. `readsAssignments`:
 * the caller may read the workspace's role assignments, which the rules on them name.
 */
export async function adviseWorkspace(
  context: Context,
  workspace: string,
  server?: ServerFacts,
  readsAssignments = false,
): Promise<WorkspaceAdvice> {
  const snapshot = await gatherSnapshot(context, workspace, server, readsAssignments);
  const rules = server ? liveRules : liveRules.filter((rule) => !serverRuleIds.has(rule.id));
  const { checks, findings } = checkLive(snapshot, rules);
  const applied = new Set(checks.map((check) => check.ruleId));
  return {
    workspace,
    evaluatedAt: snapshot.now,
    serverRules: server !== undefined,
    checks,
    recommendations: recommendationsOf(findings),
    score: scoreChecks(checks),
    notApplicable: rules.filter((rule) => !applied.has(rule.id)).map((rule) => rule.id),
  };
}

/** The findings of one pillar (all without one), with their rules' titles, reasons and seed lines. */
export function recommendationsOf(findings: readonly Finding[], pillar?: Pillar): Recommendation[] {
  const rules = new Map(advisorRules.map((rule) => [rule.id, rule]));
  return findings
    .filter((finding) => pillar === undefined || finding.pillar === pillar)
    .map((finding) => {
      const rule = rules.get(finding.ruleId)!;
      return { ...finding, title: rule.title, kind: rule.kind, why: rule.why, seed: rule.seed };
    });
}

/** What checking files gives: how they were read, every check, the findings and the score. */
export interface FileCheck extends FileSetReading {
  checks: Check[];
  findings: Finding[];
  score: AdvisorScore;
}

/**
 * Checks files against the static rules, as `trellis advisor check` does on the user's machine:
 * pure, nothing stored. `explicit`: names the user gave one by one (those are invalid, not
 * skipped, when the advisor cannot read them).
 */
export function checkAdvisorFiles(files: readonly AdvisorFile[], explicit?: ReadonlySet<string>): FileCheck {
  const reading = readFileSet(files, explicit ? { explicit } : {});
  const { checks, findings } = checkFiles(reading.subjects);
  return { ...reading, checks, findings, score: scoreChecks(checks) };
}

/** The SARIF log of a file check: every static rule as a reporting descriptor, each finding a result at its file and line. */
export function fileCheckSarif(check: Pick<FileCheck, 'findings'>, toolVersion?: string): SarifLog {
  return toSarif(staticRules, check.findings, toolVersion ? { toolVersion } : {});
}
