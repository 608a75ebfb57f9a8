import type { Command } from 'commander';
import { cliContext } from '../cli-context.js';
import type { TrellisClient } from '../../client/trellis-client.js';
import { printData, renderTable } from '../output.js';

/**
 * The operations on a compute beyond create/show/list: `trellis compute list-nodes`,
 * `list-usage` and `evict`, as `az ml compute list-nodes` / `list-usage` have them (evict is
 * Trellis's: it does what the platform does to a low-priority node).
 */
export function registerComputeOperations(program: Command): void {
  const compute = program.commands.find((command) => command.name() === 'compute') ?? program.command('compute');

  // A compute instance: az ml compute start|stop|restart --name <ci>. The server records the request; its controller acts.
  const operations = {
    start: (client: TrellisClient, workspace: string, name: string) => client.startInstance(workspace, name),
    stop: (client: TrellisClient, workspace: string, name: string) => client.stopInstance(workspace, name),
    restart: (client: TrellisClient, workspace: string, name: string) => client.restartInstance(workspace, name),
  };
  for (const [verb, operation] of Object.entries(operations)) {
    compute
      .command(verb)
      .description(`${verb} a compute instance (its JupyterLab); add --wait to wait until it is ${verb === 'stop' ? 'Stopped' : 'Running'}`)
      .requiredOption('-n, --name <name>', 'the compute instance')
      .option('--wait', 'wait for the state to be reached (at most --timeout seconds)')
      .option('--timeout <seconds>', 'how long --wait waits', '300')
      .action(async (options: { name: string; wait?: boolean; timeout: string }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        let instance = await operation(client, workspace, options.name);
        if (options.wait)
          instance = await waitForInstance(
            client,
            workspace,
            options.name,
            verb === 'stop' ? 'Stopped' : 'Running',
            Number(options.timeout),
          );
        printData(output, instance, () =>
          renderTable(['NAME', 'STATE', 'ASKED', 'LAB'], [[instance.name, instance.state, instance.desiredState, instance.labUrl ?? '']]),
        );
      });
  }

  compute
    .command('list-nodes')
    .description("a cluster's nodes now, its node-hours so far and what they cost at the size's price")
    .requiredOption('-n, --name <name>', 'the compute')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const result = await client.computeNodes(workspace, options.name);
      printData(output, result, () => {
        const nodes = renderTable(
          ['NODE', 'STATE', 'JOB', 'SIZE', 'TIER', 'UP SINCE'],
          result.nodes.map((node) => [
            node.nodeId,
            node.state,
            node.job ?? '',
            node.size,
            node.tier,
            new Date(node.createdAt).toISOString().replace('T', ' ').slice(0, 19),
          ]),
        );
        const usage = renderTable(
          ['SIZE', 'TIER', 'NODES EVER', 'NODE-HOURS', 'COST (USD)'],
          result.usage.map((line) => [
            line.size,
            line.tier,
            String(line.nodes),
            (line.nodeSeconds / 3600).toFixed(4),
            // Priced by the server, with the same catalogue the studio shows.
            line.cost !== null ? line.cost.toFixed(4) : line.tier === 'attached' ? 'attached: not billed here' : 'unknown size',
          ]),
        );
        return `${result.nodes.length === 0 ? `compute '${options.name}' has no nodes now (scaled to zero)` : nodes}\n\n${usage}`;
      });
    });

  compute
    .command('list-usage')
    .description("the workspace's use against its quotas: nodes, and vCPUs per VM family")
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const result = await client.quotaUsage(workspace);
      printData(output, result, () =>
        renderTable(
          ['QUOTA', 'FAMILY', 'CURRENT', 'LIMIT'],
          result.usages.map((line) => [
            line.name,
            line.family ?? '',
            String(line.current),
            line.limit === null ? 'none set' : String(line.limit),
          ]),
        ),
      );
    });

  compute
    .command('evict')
    .description('evict low-priority nodes as the platform would: their jobs get SIGTERM, checkpoint and are requeued')
    .requiredOption('-n, --name <name>', 'the compute (tier: low_priority)')
    .option('--node <id>', 'one node (default: every busy node)')
    .action(async (options: { name: string; node?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const result = await client.evict(workspace, options.name, options.node);
      printData(output, result, () =>
        result.evicted.length === 0
          ? `no node of '${options.name}' was evicted (none busy)`
          : renderTable(
              ['NODE', 'JOB REQUEUED'],
              result.evicted.map((item) => [item.node, item.job ?? '(idle: removed)']),
            ),
      );
    });
}

/** Polls the instance until it reaches `state` (after a restart: Running again); fails on Failed or after `timeoutSeconds`. */
async function waitForInstance(
  client: TrellisClient,
  workspace: string,
  name: string,
  state: 'Running' | 'Stopped',
  timeoutSeconds: number,
) {
  const deadline = Date.now() + timeoutSeconds * 1000;
  // The controller may not have acted yet: a Running seen at once can be the state before a restart.
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (;;) {
    const instance = await client.computeInstance(workspace, name);
    if (instance.state === state && instance.desiredState === state) return instance;
    if (instance.state === 'Failed') throw new Error(`compute instance '${name}' failed: ${instance.reason ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new Error(`compute instance '${name}' is ${instance.state} after ${timeoutSeconds} s, not ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
