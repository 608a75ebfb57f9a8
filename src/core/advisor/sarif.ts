import type { AdvisorRule, Finding, Severity } from './advisor-rule.js';

/**
 * Findings as a SARIF 2.1.0 log (OASIS Static Analysis Results Interchange Format), the format
 * code scanning (GitHub, Azure DevOps) reads: one run of the tool `trellis-advisor`, its rules as
 * reporting descriptors, each finding a result at its file and line.
 */

export const sarifSchemaUri = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note';

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: SarifDriver };
  results: SarifResult[];
}

export interface SarifDriver {
  name: string;
  version?: string;
  informationUri?: string;
  rules: SarifRule[];
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; pillar: string; severity: Severity; seed: string; 'security-severity'?: string };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex?: number;
  level: SarifLevel;
  message: { text: string };
  locations?: SarifLocation[];
  properties: { fix: string; resource: string };
}

export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
  logicalLocations?: { name: string; kind: string; fullyQualifiedName?: string }[];
}

const levels: Readonly<Record<Severity, SarifLevel>> = { high: 'error', medium: 'warning', low: 'note' };

// GitHub ranks security results by this score (0.0–10.0): high 7.0+, medium 4.0–6.9, low under 4.0.
const securitySeverity: Readonly<Record<Severity, string>> = { high: '8.0', medium: '5.5', low: '3.0' };

export function sarifLevel(severity: Severity): SarifLevel {
  return levels[severity];
}

/**
 * The SARIF log of `findings`, with `rules` (all that were checked, so rule indexes stay stable)
 * as the driver's reporting descriptors. A finding without a file has no location; one without a
 * line points at line 1 of its file, as code scanning needs a line.
 */
export function toSarif(
  rules: readonly AdvisorRule[],
  findings: readonly Finding[],
  options: { toolVersion?: string; informationUri?: string } = {},
): SarifLog {
  const indexes = new Map(rules.map((rule, index) => [rule.id, index]));
  return {
    $schema: sarifSchemaUri,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'trellis-advisor',
            ...(options.toolVersion === undefined ? {} : { version: options.toolVersion }),
            ...(options.informationUri === undefined ? {} : { informationUri: options.informationUri }),
            rules: rules.map(sarifRule),
          },
        },
        results: findings.map((finding) => sarifResult(finding, indexes.get(finding.ruleId))),
      },
    ],
  };
}

function sarifRule(rule: AdvisorRule): SarifRule {
  const seed = `${rule.seed.document}, ${rule.seed.section}${rule.seed.code ? ` (${rule.seed.code})` : ''}: "${rule.seed.line}"`;
  return {
    id: rule.id,
    name: pascalCase(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.why },
    help: {
      text: `${rule.fix}\n\nApplies to: ${rule.appliesTo}.\nSeed: ${seed}`,
      markdown: `**Fix:** ${rule.fix}\n\n**Applies to:** ${rule.appliesTo}.\n\n**Seed:** [${rule.seed.document}](${rule.seed.url}), ${rule.seed.section}${rule.seed.code ? ` (${rule.seed.code})` : ''}: _${rule.seed.line}_`,
    },
    helpUri: rule.seed.url,
    defaultConfiguration: { level: levels[rule.severity] },
    properties: {
      tags: ['well-architected', rule.pillar],
      pillar: rule.pillar,
      severity: rule.severity,
      seed,
      ...(rule.pillar === 'security' ? { 'security-severity': securitySeverity[rule.severity] } : {}),
    },
  };
}

function sarifResult(finding: Finding, ruleIndex: number | undefined): SarifResult {
  const { resource } = finding;
  const resourceName = `${resource.kind} ${resource.name}`;
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    level: levels[finding.severity],
    message: { text: `${resourceName}: ${finding.message}` },
    ...(resource.file === undefined
      ? {}
      : {
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: fileUri(resource.file) }, region: { startLine: resource.line ?? 1 } },
              logicalLocations: [
                {
                  name: resource.name,
                  kind: 'resource',
                  ...(resource.pointer ? { fullyQualifiedName: `${resource.name}${resource.pointer}` } : {}),
                },
              ],
            },
          ],
        }),
    properties: { fix: finding.fix, resource: resourceName },
  };
}

/** A file path as a URI reference: relative paths stay relative (to the repository root), with / and percent-encoding. */
export function fileUri(path: string): string {
  const slashed = path.replaceAll('\\', '/');
  const encode = (text: string) => text.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(slashed)) return `file:///${slashed.slice(0, 2)}${encode(slashed.slice(2))}`;
  if (slashed.startsWith('/')) return `file://${encode(slashed)}`;
  return encode(slashed.replace(/^\.\//, ''));
}

function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}
