import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CostReportBody } from '../../client/trellis-client.js';
import { formatMoney } from '../../core/cost/budget.js';
import { parseGranularity } from '../../core/cost/cost-series.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/**
 * trellis cost show/export: what usage cost at this installation's prices (config.yaml prices:),
 * grouped for chargeback, and the FinOps FOCUS CSV of it.
 */
export function registerCost(program: Command): void {
  const cost = program.command('cost').description("what jobs, idle nodes and endpoints cost at this installation's prices");

  cost
    .command('show')
    .description('cost in a period, by a dimension, with hours and a total line')
    .option(
      '--group-by <dimension>',
      'workspace, compute, job, endpoint, size, day or tag:<key> (default: compute; workspace with --all-workspaces)',
    )
    .option('--from <date>', 'a day (2026-01-31), a month (2026-01) or an instant (2026-01-31T12:00:00Z); default: the start of this month')
    .option('--to <date>', 'as --from; a day or month includes it whole; default: now')
    .option('--granularity <period>', "day, week or month: each period's groups too, before the totals")
    .option('--all-workspaces', 'every workspace whose cost you may read, not only -w')
    .action(
      async (
        options: { groupBy?: string; from?: string; to?: string; granularity?: string; allWorkspaces?: boolean },
        command: Command,
      ) => {
        const { client, workspace, output } = cliContext(command);
        const groupBy = options.groupBy ?? (options.allWorkspaces ? 'workspace' : 'compute');
        const report = await client.cost(options.allWorkspaces ? undefined : workspace, {
          group_by: groupBy,
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
          ...(options.granularity ? { granularity: parseGranularity(options.granularity) } : {}),
        });
        printData(output, report, () => (report.series ? `${seriesTable(report)}\n\n${costTable(report)}` : costTable(report)));
      },
    );

  cost
    .command('export')
    .description("the workspace's usage as a FinOps FOCUS 1.1 CSV (one row per resource, SKU and tier per day)")
    .option('--from <date>', 'as for cost show; default: the start of this month')
    .option('--to <date>', 'as for cost show; default: now')
    .option('--file <path>', 'write it here (default: standard output)')
    .action(async (options: { from?: string; to?: string; file?: string }, command: Command) => {
      const { client, workspace } = cliContext(command);
      const { csv } = await client.costExport(workspace, {
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
      });
      if (!options.file) {
        process.stdout.write(csv);
        return;
      }
      await writeFile(options.file, csv);
      const rows = Math.max(0, csv.split('\r\n').filter(Boolean).length - 1);
      process.stderr.write(`wrote ${rows} row${rows === 1 ? '' : 's'} to ${options.file}\n`);
    });
}

/** Money as people read it: the currency's decimals, four under one unit so a short job's cost is not 0.00. */
export function formatCost(amount: number, currency: string): string {
  return amount !== 0 && Math.abs(amount) < 1 ? `${amount.toFixed(4)} ${currency}` : formatMoney(amount, currency);
}

/** Hours of machine time, one decimal (three under an hour: a short job's seconds still show). */
export function formatHours(seconds: number): string {
  const hours = seconds / 3600;
  return hours >= 1 || hours === 0 ? hours.toFixed(1) : hours.toFixed(3);
}

function costTable(report: CostReportBody): string {
  const period = `${new Date(report.from).toISOString()} to ${new Date(report.to).toISOString()}`;
  const hasWorkspace = report.rows.some((row) => row.workspace !== undefined) && report.workspaces.length > 1;
  const header = [
    report.groupBy.toUpperCase(),
    ...(hasWorkspace ? ['WORKSPACE'] : []),
    'COST',
    'NODE HOURS',
    'INSTANCE HOURS',
    'UNPRICED HOURS',
  ];
  const line = (group: string, workspace: string | undefined, totals: CostReportBody['total']) => [
    group,
    ...(hasWorkspace ? [workspace ?? ''] : []),
    formatCost(totals.cost, totals.currency),
    formatHours(totals.nodeSeconds),
    formatHours(totals.instanceSeconds),
    totals.unpricedSeconds > 0 ? formatHours(totals.unpricedSeconds) : '-',
  ];
  const rows = report.rows.map((row) => line(row.group, row.workspace, row));
  const table = renderTable(header, [...rows, line('TOTAL', hasWorkspace ? '' : undefined, report.total)]);
  const note =
    report.total.unpricedSeconds > 0
      ? '\nunpriced hours have no price (an attached compute not under prices.computes in config.yaml): they are not in COST'
      : '';
  return `cost of ${report.workspaces.join(', ') || '(no workspaces)'} from ${period}\n${table}${note}`;
}

/** One line per period and group (periods in order, each most expensive first); a period with nothing used says so. */
function seriesTable(report: CostReportBody): string {
  const rows = (report.series ?? []).flatMap((period) =>
    period.rows.length === 0
      ? [[period.period, '-', formatCost(0, report.currency), formatHours(0)]]
      : period.rows.map((row) => [
          period.period,
          row.group,
          formatCost(row.cost, row.currency),
          formatHours(row.nodeSeconds + row.instanceSeconds),
        ]),
  );
  return renderTable(['PERIOD', report.groupBy.toUpperCase(), 'COST', 'HOURS'], rows);
}
