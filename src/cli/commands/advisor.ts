import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { AdvisorRecommendationsBody, AdvisorScoreBody } from '../../client/trellis-client.js';
import { rulesOf } from '../../core/advisor/advisor-catalogue.js';
import { type Check, type Finding, type Pillar, pillars, type Severity, severities } from '../../core/advisor/advisor-rule.js';
import type { AdvisorScore } from '../../core/advisor/advisor-score.js';
import { toSarif } from '../../core/advisor/sarif.js';
import { checkFiles, staticRules } from '../../core/advisor/static-rules.js';
import { readFileSet } from '../../core/advisor/file-set.js';
import { scoreChecks } from '../../core/advisor/advisor-score.js';
import { tallyByRule } from '../../core/advisor/rule-tally.js';
import { collectAdvisorFiles } from '../advisor-files.js';
import { writeJsonInPieces } from '../json-pieces.js';
import { standardOutput } from '../standard-output.js';
import { printData, renderTable } from '../output.js';

/** The server's context (client, workspace, output), loaded only by the commands that ask the server: `check` starts faster without it. */
async function cliContext(command: Command) {
  return (await import('../cli-context.js')).cliContext(command);
}

/** The CLI's version, as SARIF logs name the tool that wrote them. */
const toolVersion = '0.1.0';

const pillarNames: Readonly<Record<Pillar, string>> = {
  reliability: 'Reliability',
  security: 'Security',
  cost: 'Cost Optimization',
  operations: 'Operational Excellence',
  performance: 'Performance Efficiency',
};

/** Exit codes of `advisor check`: findings at or above --fail-on, and files that could not be checked. */
export const checkExitCodes = { clean: 0, findings: 1, unreadable: 2 } as const;

/**
 * trellis advisor: `check` runs the static rules on files here, without a server (for CI: an exit
 * code and SARIF); `list` and `score` ask the server for the live rules' verdict on a workspace;
 * `rules` prints the catalogue.
 */
export function registerAdvisor(program: Command): void {
  const advisor = program
    .command('advisor')
    .description('well-architected recommendations: check files before they are applied, and the live score of a workspace');

  advisor
    .command('check')
    .description(
      'check Azure ML YAML files and ARM templates against the static rules, here, without a server; exit 1 when a finding is at or above --fail-on, 2 when a file cannot be read',
    )
    .requiredOption('-f, --file <path...>', 'files, or folders whose .yml, .yaml and .json files are checked (recursively)')
    .addOption(new Option('--format <format>', 'what to print').choices(['table', 'json', 'sarif']).default('table'))
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is this severe or more; none: never')
        .choices([...severities, 'none'])
        .default('high'),
    )
    .option('--output-file <file>', 'also write the SARIF log here (for code scanning), whatever --format prints')
    .option(
      '--include-passed',
      'with --format json: list every check too (passed, failed and unknown), not only the findings and the counts per rule',
    )
    .action(async (options: CheckOptions) => {
      const { files, explicit } = await collectAdvisorFiles(options.file, process.cwd());
      const reading = readFileSet(files, { explicit });
      const { checks, findings } = checkFiles(reading.subjects);
      const score = scoreChecks(checks);
      const sarif = () => toSarif(staticRules, findings, { toolVersion });
      if (options.outputFile) await writeFile(options.outputFile, `${JSON.stringify(sarif(), null, 2)}\n`);
      const { subjects: _subjects, ...rest } = reading;
      const print = standardOutput();
      if (options.format === 'sarif') print(`${JSON.stringify(sarif(), null, 2)}\n`);
      else if (options.format === 'json')
        writeJsonInPieces(jsonReport({ ...rest, checks, findings, score }, options.includePassed === true), print);
      else print(checkReport({ ...rest, checks, findings, score }));
      for (const bad of reading.invalid) {
        process.stderr.write(`error: ${bad.message}\n`);
        // A message of several lines lists its problems already.
        if (!bad.message.includes('\n'))
          for (const problem of bad.problems)
            process.stderr.write(`  ${problem.line ? `line ${problem.line}: ` : ''}${problem.path}: ${problem.message}\n`);
      }
      process.exitCode =
        reading.invalid.length > 0
          ? checkExitCodes.unreadable
          : findings.some((finding) => isAtLeast(finding.severity, options.failOn))
            ? checkExitCodes.findings
            : checkExitCodes.clean;
    });

  advisor
    .command('list')
    .description("the live rules' recommendations for the workspace, most severe first")
    .addOption(new Option('--pillar <pillar>', 'only this pillar').choices([...pillars]))
    .action(async (options: { pillar?: Pillar }, command: Command) => {
      const { client, workspace, output } = await cliContext(command);
      const answer = await client.advisorRecommendations(workspace, options.pillar ? { pillar: options.pillar } : {});
      printData(output, answer.items, () => recommendationsTable(answer));
    });

  advisor
    .command('score')
    .description("the workspace's advisor score per pillar and overall")
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = await cliContext(command);
      const score = await client.advisorScore(workspace);
      printData(output, score, () => scoreTable(score));
    });

  advisor
    .command('rules')
    .description("the advisor's rules, static and live, with their seed lines and fixes")
    .addOption(new Option('--pillar <pillar>', 'only this pillar').choices([...pillars]))
    .addOption(new Option('--kind <kind>', 'static (files) or live (the running system)').choices(['static', 'live']))
    .action(async (options: { pillar?: Pillar; kind?: 'static' | 'live' }, command: Command) => {
      const { output } = await cliContext(command);
      const rules = rulesOf(options.pillar, options.kind);
      printData(output, rules, () =>
        renderTable(
          ['ID', 'KIND', 'SEVERITY', 'TITLE', 'SEED'],
          rules.map((rule) => [rule.id, rule.kind, rule.severity, rule.title, rule.seed.code ?? '']),
        ),
      );
    });
}

interface CheckOptions {
  file: string[];
  format: 'table' | 'json' | 'sarif';
  failOn: Severity | 'none';
  outputFile?: string;
  includePassed?: boolean;
}

/**
 * What `--format json` prints: the files, the findings, the checks whose outcome is unknown (with
 * their reasons), each rule's checks counted by outcome, the rules that applied to nothing, and the
 * score; every check (tens of thousands that passed, for a large repository) only when asked.
 */
function jsonReport(report: CheckReport, includePassed: boolean): Record<string, unknown> {
  const { checks, findings, score, ...files } = report;
  const tallies = tallyByRule(checks, staticRules);
  return {
    ...files,
    ...(includePassed ? { checks } : {}),
    findings,
    unknown: checks.filter((check) => check.outcome === 'unknown'),
    rules: tallies.rules,
    notApplicable: tallies.notApplicable,
    score,
  };
}

const rank: Readonly<Record<Severity, number>> = { high: 3, medium: 2, low: 1 };

function isAtLeast(severity: Severity, threshold: Severity | 'none'): boolean {
  return threshold !== 'none' && rank[severity] >= rank[threshold];
}

interface CheckReport {
  checked: string[];
  skipped: Array<{ file: string; reason: string }>;
  invalid: Array<{ file: string }>;
  checks: Check[];
  findings: Finding[];
  score: AdvisorScore;
}

/** The findings grouped by pillar, each with its location and fix, then the score. */
function checkReport(report: CheckReport): string {
  const count = (outcome: string) => report.checks.filter((check) => check.outcome === outcome).length;
  const lines = [
    `Checked ${report.checked.length} file(s)${report.skipped.length ? `, skipped ${report.skipped.length}` : ''}${report.invalid.length ? `, ${report.invalid.length} invalid` : ''}: ${report.checks.length} checks, ${count('passed')} passed, ${count('failed')} failed, ${count('unknown')} unknown.`,
  ];
  for (const pillar of pillars) {
    const ofPillar = report.findings.filter((finding) => finding.pillar === pillar);
    if (ofPillar.length === 0) continue;
    lines.push('', `${pillarNames[pillar]} (score ${shownScore(report.score.pillars[pillar].score)})`);
    for (const finding of ofPillar) {
      const where = finding.resource.file ? `  ${finding.resource.file}${finding.resource.line ? `:${finding.resource.line}` : ''}` : '';
      lines.push(
        `  ${finding.severity.toUpperCase().padEnd(6)}  ${finding.ruleId}  ${finding.resource.kind} ${finding.resource.name}${where}`,
      );
      lines.push(`          ${finding.message}`, `          fix: ${finding.fix}`);
    }
  }
  lines.push('', scoreLine(report.score));
  if (report.skipped.length > 0 && report.skipped.length <= 20) {
    lines.push('', 'Skipped:');
    for (const skip of report.skipped) lines.push(`  ${skip.file}: ${skip.reason}`);
  } else if (report.skipped.length > 20) {
    lines.push('', `Skipped ${report.skipped.length} files that are not Azure ML resources or ARM templates (--format json lists them).`);
  }
  return `${lines.join('\n')}\n`;
}

function shownScore(score: number | null): string {
  return score === null ? '-' : `${score}%`;
}

function scoreLine(score: AdvisorScore): string {
  const each = pillars.map((pillar) => `${pillar} ${shownScore(score.pillars[pillar].score)}`).join(', ');
  return `Score: ${shownScore(score.overall)} overall (${each})`;
}

function recommendationsTable(answer: AdvisorRecommendationsBody): string {
  const note = answer.serverRules ? '' : "\n(server-wide rules left out: they need Microsoft.Authorization/roleAssignments/read at '/')";
  return `${renderTable(
    ['SEVERITY', 'RULE', 'PILLAR', 'RESOURCE', 'FINDING', 'FIX'],
    answer.items.map((item) => [
      item.severity,
      item.ruleId,
      item.pillar,
      `${item.resource.kind} ${item.resource.name}`,
      item.message,
      item.fix,
    ]),
  )}${note}`;
}

function scoreTable(score: AdvisorScoreBody): string {
  const rows = pillars.map((pillar) => {
    const entry = score.pillars[pillar];
    return [pillarNames[pillar], shownScore(entry.score), String(entry.passed), String(entry.failed), String(entry.unknown)];
  });
  rows.push(['Overall', shownScore(score.overall), '', '', '']);
  const notes = [
    score.notApplicable.length > 0 ? `Not applicable here (nothing to check): ${score.notApplicable.join(', ')}` : '',
    score.serverRules ? '' : "Server-wide rules left out: they need Microsoft.Authorization/roleAssignments/read at '/'",
  ].filter(Boolean);
  return [renderTable(['PILLAR', 'SCORE', 'PASSED', 'FAILED', 'UNKNOWN'], rows), ...notes].join('\n');
}
