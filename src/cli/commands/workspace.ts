import type { Command } from 'commander';
import { cliContext } from '../cli-context.js';
import { printData, renderTable, resourceDetail, resourceTable } from '../output.js';
import { applyFiles } from './apply.js';

/** trellis workspace create|list|show|delete */
export function registerWorkspace(program: Command): void {
  const group = program.command('workspace').description('workspaces: the isolation unit of resources, members and policies');

  group
    .command('create')
    .description('create a workspace, by name or from an Azure ML workspace YAML file')
    .option('-n, --name <name>', 'workspace name')
    .option('-f, --file <file>', 'Azure ML workspace YAML')
    .option('--description <text>', 'description')
    .action(async (options: { name?: string; file?: string; description?: string }, command: Command) => {
      if (options.file) return applyFiles(command, options.file, { expectedKind: 'workspace' });
      const context = cliContext(command);
      if (!options.name) throw new Error('give --name <name> or --file <workspace.yml>');
      const result = await context.client.createWorkspace({
        name: options.name,
        ...(options.description ? { description: options.description } : {}),
      });
      printData(context.output, result, () => `created workspace ${result.name}`);
    });

  group
    .command('list')
    .description('list workspaces')
    .action(async (_options: unknown, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.listWorkspaces({ limit: 1000 });
      printData(context.output, page.items, () => resourceTable(page.items));
    });

  group
    .command('show')
    .description('show a workspace')
    .option('-n, --name <name>', 'workspace (default: the current one)')
    .action(async (options: { name?: string }, command: Command) => {
      const context = cliContext(command);
      const workspace = await context.client.getWorkspace(options.name ?? context.workspace);
      printData(context.output, workspace, () => resourceDetail(workspace));
    });

  group
    .command('delete')
    .description('delete an empty workspace (it lists what a non-empty one holds); --force deletes everything in it, files included')
    .requiredOption('-n, --name <name>', 'workspace')
    .option('--force', 'also delete its resources, MLflow experiments and runs, finished jobs, endpoints and artifacts')
    .action(async (options: { name: string; force?: boolean }, command: Command) => {
      const context = cliContext(command);
      const deleted = await context.client.deleteWorkspace(options.name, undefined, { force: options.force === true });
      printData(context.output, deleted, () => `deleted workspace ${deleted.name}${options.force ? ' and everything in it' : ''}`);
    });

  group
    .command('rotate-key')
    .description(
      "re-wrap the workspace's data key under a new key-encryption key version (a new key file, or a new key in its PKCS#11 token); nothing is re-encrypted",
    )
    .argument('[name]', 'workspace (default: --workspace)')
    .option('--label <label>', 'PKCS#11: wrap with this existing key in the token instead of a new one')
    .action(async (name: string | undefined, options: { label?: string }, command: Command) => {
      const context = cliContext(command);
      const result = await context.client.rotateWorkspaceKey(name ?? context.workspace, options.label);
      printData(context.output, result, () =>
        result.rewrapped.length === 0
          ? 'no data key yet: one is made, under the current key, when the first secret is stored'
          : renderTable(
              ['WORKSPACE', 'DATA KEY', 'FROM', 'TO'],
              result.rewrapped.map((key) => [key.workspace, key.dataKeyId, key.fromKekId, key.toKekId]),
            ),
      );
    });
}
