import type { Command } from 'commander';
import type { MonitorBody, MonitorRunBody } from '../../client/trellis-client.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/**
 * trellis monitor list/show/run: model monitors (schedules with create_monitor) and what their
 * runs measured. Monitors are created, changed, enabled and fired with `trellis schedule`.
 */
export function registerMonitor(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('model monitors: their signals, runs and per-feature results (create them with trellis schedule create)');

  monitor
    .command('list')
    .description('monitors, each with its latest run')
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listMonitors(workspace);
      printData(output, items, () =>
        renderTable(
          ['NAME', 'ENABLED', 'TRIGGER', 'DEPLOYMENT', 'SIGNALS', 'LAST RUN', 'OUTCOME'],
          items.map((item) => {
            const last = item.runs[0];
            return [
              item.name,
              item.enabled ? 'yes' : 'no',
              item.triggerDescription,
              item.endpoint ? `${item.endpoint}/${item.deployment}` : '-',
              item.signals.map((signal) => signal.name).join(', '),
              last ? new Date(last.slotAt).toISOString() : '-',
              last ? runOutcome(last) : '-',
            ];
          }),
        ),
      );
    });

  monitor
    .command('show')
    .description("one monitor: what it watches, its signals, and its runs' outcomes")
    .requiredOption('-n, --name <name>', 'the monitor (its schedule name)')
    .option('--limit <n>', 'how many runs, newest first', '20')
    .action(async (options: { name: string; limit: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getMonitor(workspace, options.name, { limit: Number(options.limit) });
      printData(output, found, () => monitorDetail(found));
    });

  monitor
    .command('run')
    .description("one run of a monitor: each signal's per-feature values against their thresholds")
    .requiredOption('-n, --name <name>', 'the monitor')
    .option('-r, --run <run>', 'the run (default: the latest)')
    .action(async (options: { name: string; run?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      let runName = options.run;
      if (!runName) {
        const latest = (await client.getMonitor(workspace, options.name, { limit: 1 })).runs[0];
        if (!latest)
          throw new Error(`monitor '${options.name}' has not run yet; run it now with: trellis schedule trigger --name ${options.name}`);
        runName = latest.name;
      }
      const run = await client.getMonitorRun(workspace, options.name, runName);
      printData(output, run, () => runDetail(run));
    });
}

function runOutcome(run: Pick<MonitorRunBody, 'state' | 'breaches' | 'signals'>): string {
  if (run.state === 'Failed') return 'failed';
  if (run.breaches > 0) return `${run.breaches} breach${run.breaches === 1 ? '' : 'es'}`;
  return run.signals.every((signal) => signal.outcome === 'no_data') ? 'no data' : 'passed';
}

function monitorDetail(monitor: MonitorBody): string {
  return [
    `name:        ${monitor.name}`,
    `enabled:     ${monitor.enabled ? 'yes' : 'no'}`,
    `trigger:     ${monitor.triggerDescription}`,
    `next run:    ${monitor.nextFireAt === null ? '-' : new Date(monitor.nextFireAt).toISOString()}`,
    `watches:     ${monitor.endpoint ? `${monitor.endpoint}/${monitor.deployment}` : '(data assets only)'}${monitor.mlTask ? ` (${monitor.mlTask})` : ''}`,
    `alerts to:   ${monitor.emails.length > 0 ? monitor.emails.join(', ') : '-'}`,
    `signals:     ${monitor.signals.map((signal) => `${signal.name} (${signal.type}${signal.alertEnabled ? '' : ', no alerts'})`).join(', ')}`,
    'runs:',
    indent(
      renderTable(
        ['RUN', 'COMPUTED FOR', 'STATE', 'OUTCOME', 'SIGNALS'],
        monitor.runs.map((run) => [
          run.name,
          new Date(run.slotAt).toISOString(),
          run.state,
          runOutcome(run),
          run.signals.map((signal) => `${signal.name}: ${signal.outcome}`).join(', '),
        ]),
      ),
    ),
  ].join('\n');
}

function runDetail(run: MonitorRunBody): string {
  const lines = [
    `run:         ${run.name} (monitor ${run.schedule})`,
    `computed for ${new Date(run.slotAt).toISOString()}, in ${run.endedAt - run.startedAt} ms`,
    `state:       ${run.state}${run.reason ? ` (${run.reason})` : ''}`,
    `outcome:     ${runOutcome(run)}`,
    ...(run.alertError ? [`alerts:      not sent: ${run.alertError}`] : []),
  ];
  for (const signal of run.signals) {
    lines.push('', `${signal.name} (${signal.type}): ${signal.outcome}${signal.reason ? ` (${signal.reason})` : ''}`);
    for (const [side, data] of [
      ['production', signal.production],
      ['reference', signal.reference],
    ] as const) {
      const window =
        data.from !== null && data.to !== null ? ` from ${new Date(data.from).toISOString()} to ${new Date(data.to).toISOString()}` : '';
      lines.push(`  ${side}: ${data.rows} rows of ${data.source || '-'}${window}`);
    }
    if (signal.metrics.length > 0)
      lines.push(
        indent(
          renderTable(
            ['FEATURE', 'TYPE', 'METRIC', 'VALUE', 'THRESHOLD', 'BREACHED'],
            signal.metrics.map((metric) => [
              metric.feature,
              metric.featureType,
              metric.metric,
              metric.value === null ? `- (${metric.reason ?? 'not computed'})` : formatValue(metric.value),
              formatValue(metric.threshold),
              metric.breached ? 'YES' : 'no',
            ]),
          ),
        ),
      );
  }
  return lines.join('\n');
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
