import { advisorRules, type CatalogueRule } from '../../src/core/advisor/advisor-catalogue.js';
import type { Pillar } from '../../src/core/advisor/advisor-rule.js';

/**
 * The rule tables of docs/advisor.md, one per pillar, made from the catalogue: the docs test checks
 * the document holds them as they are. Print them all with
 * `node --import tsx -e "import('./test/support/advisor-rule-table.ts').then((m) => console.log(m.allRuleTables()))"`.
 */

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function row(rule: CatalogueRule): string {
  const where = rule.seed.section === 'Checklist' ? rule.seed.document : rule.seed.section;
  const seed = `${rule.seed.code ?? ''} [${where}](${rule.seed.url}): “${rule.seed.line}”`;
  return `| ${rule.id} | ${rule.kind} | ${rule.severity} | ${cell(rule.title)} | ${cell(rule.appliesTo)} | ${cell(seed)} | ${cell(rule.fix)} |`;
}

/** The table of one pillar's rules, static then live. */
export function ruleTable(pillar: Pillar): string {
  const rules = advisorRules.filter((rule) => rule.pillar === pillar);
  return [
    '| id | kind | severity | rule | applies to | seed line | fix |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rules.map(row),
  ].join('\n');
}

const headings: Readonly<Record<Pillar, string>> = {
  reliability: 'Reliability',
  security: 'Security',
  cost: 'Cost Optimization',
  operations: 'Operational Excellence',
  performance: 'Performance Efficiency',
};

/** Every pillar's heading and table, as the document writes them. */
export function allRuleTables(): string {
  return (Object.keys(headings) as Pillar[]).map((pillar) => `### ${headings[pillar]}\n\n${ruleTable(pillar)}`).join('\n\n');
}
