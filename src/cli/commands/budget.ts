import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { ApiError } from '../../client/api-error.js';
import type { BudgetBody } from '../../client/trellis-client.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';
import { formatCost } from './cost.js';

/**
 * trellis budget create/show/list/update/delete: what a workspace may spend a month, the
 * thresholds that alert, and whether reaching it keeps new jobs queued (enforcing).
 */
export function registerBudget(program: Command): void {
  const budget = program.command('budget').description('workspace budgets: a monthly amount, alert thresholds, optional enforcement');

  budget
    .command('create')
    .description('create a budget from flags or a YAML file')
    .option('-n, --name <name>', 'the budget')
    .option('--amount <amount>', 'what the workspace may spend a month, in the prices currency')
    .option('--threshold <percent>', 'alert when spent reaches this percent of amount (repeat; default 50, 80, 100)', collect, [])
    .option('--forecast-threshold <percent>', "alert when the month's forecast reaches this percent (repeat)", collect, [])
    .option('--enforcing', 'at 100%, new jobs of the workspace wait (queued, never failed) until it is raised or the month turns')
    .option('--webhook <url>', 'POST each threshold reached here, as JSON')
    .option('--email <address>', "who Alertmanager mails (the alert's emails label; repeat)", collect, [])
    .option('--time-zone <zone>', 'where the month starts (IANA or Windows name; default UTC)')
    .option('-f, --file <path>', 'a budget YAML file (flags override its fields)')
    .action(async (options: CreateOptions, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const created = await client.createBudget(workspace, { ...(await fileFields(options.file)), ...flagFields(options) });
      printData(output, created, () => budgetDetail(created));
    });

  budget
    .command('show')
    .description('one budget: spent this month, forecast, thresholds reached and alerted, whether it holds jobs back')
    .requiredOption('-n, --name <name>', 'the budget')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getBudget(workspace, options.name);
      printData(output, found, () => budgetDetail(found));
    });

  budget
    .command('list')
    .description("the workspace's budgets and where each stands this month")
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listBudgets(workspace);
      printData(output, items, () =>
        renderTable(
          ['NAME', 'AMOUNT', 'SPENT', 'USED', 'FORECAST', 'ENFORCING', 'STATE'],
          items.map((item) => [
            item.name,
            formatCost(item.spec.amount, item.spec.currency),
            formatCost(item.status.spent, item.status.currency),
            `${item.status.percentUsed.toFixed(1)}%`,
            item.status.forecast === undefined ? '-' : formatCost(item.status.forecast, item.status.currency),
            item.spec.enforcing ? 'yes' : 'no',
            item.status.blocking ? 'holding new jobs' : 'ok',
          ]),
        ),
      );
    });

  budget
    .command('update')
    .description('change fields of a budget: --set amount=1000, --set enforcing=false, --set thresholds=[50,90]')
    .requiredOption('-n, --name <name>', 'the budget')
    .requiredOption('--set <field=value>', 'a field and its new value (repeat)', collect, [])
    .action(async (options: { name: string; set: string[] }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const updated = await client.updateBudget(workspace, options.name, { set: options.set });
      printData(output, updated, () => budgetDetail(updated));
    });

  budget
    .command('delete')
    .description('delete a budget; jobs it held back run')
    .requiredOption('-n, --name <name>', 'the budget')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteBudget(workspace, options.name);
      printData(output, { deleted: options.name }, () => `budget ${options.name} deleted`);
    });
}

interface CreateOptions {
  name?: string;
  amount?: string;
  threshold: string[];
  forecastThreshold: string[];
  enforcing?: boolean;
  webhook?: string;
  email: string[];
  timeZone?: string;
  file?: string;
}

/** The fields the flags give; the server checks them all (a negative amount is refused there, naming the field). */
function flagFields(options: CreateOptions): Record<string, unknown> {
  const notify = {
    ...(options.email.length > 0 ? { emails: options.email } : {}),
    ...(options.webhook ? { webhook: options.webhook } : {}),
  };
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.amount !== undefined ? { amount: options.amount } : {}),
    ...(options.threshold.length > 0 ? { thresholds: options.threshold } : {}),
    ...(options.forecastThreshold.length > 0 ? { forecast_thresholds: options.forecastThreshold } : {}),
    ...(options.enforcing ? { enforcing: true } : {}),
    ...(options.timeZone ? { time_zone: options.timeZone } : {}),
    ...(Object.keys(notify).length > 0 ? { notify } : {}),
  };
}

async function fileFields(file: string | undefined): Promise<Record<string, unknown>> {
  if (!file) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ApiError(400, 'FileNotReadable', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const value: unknown = parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ApiError(400, 'InvalidYaml', `${file} is not a mapping of budget fields (name, amount, thresholds, ...)`);
  return value as Record<string, unknown>;
}

function budgetDetail(budget: BudgetBody): string {
  const { spec, status } = budget;
  const money = (amount: number) => formatCost(amount, spec.currency);
  const thresholds = (list: number[]) => (list.length > 0 ? list.map((percent) => `${percent}%`).join(', ') : '-');
  const alerts = status.alerts.map(
    (alert) =>
      `  ${alert.kind} ${alert.threshold}% reached ${new Date(alert.at).toISOString()}: ${alert.sentAt !== null ? 'alerted' : `not delivered (${alert.error ?? 'pending'})`}`,
  );
  return [
    `name:        ${budget.name} (workspace ${budget.workspace})`,
    `amount:      ${money(spec.amount)} a month (${spec.time_zone})`,
    `spent:       ${money(status.spent)} in ${status.month} (${status.percentUsed.toFixed(1)}%), ${money(status.remaining)} left`,
    ...(status.forecast !== undefined
      ? [`forecast:    ${money(status.forecast)} by the end of the month (${(status.forecastPercent ?? 0).toFixed(1)}%)`]
      : []),
    `thresholds:  ${thresholds(spec.thresholds)}${spec.forecast_thresholds.length > 0 ? `; forecast ${thresholds(spec.forecast_thresholds)}` : ''}`,
    `enforcing:   ${spec.enforcing ? 'yes: at 100% new jobs wait' : 'no'}`,
    `notify:      ${[...(spec.notify?.emails ?? []), ...(spec.notify?.webhook ? [spec.notify.webhook] : [])].join(', ') || '-'}`,
    ...(status.blocking ? [`holding:     ${status.blocking}`] : []),
    `alerts:      ${alerts.length === 0 ? '(none this month)' : ''}`,
    ...alerts,
  ]
    .join('\n')
    .replace(/: +\n/g, ':\n');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
