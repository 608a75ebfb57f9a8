import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'yaml';
import type { RegistryKind } from '../../core/registries/registry-asset-id.js';
import { TrellisError } from '../../core/errors.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable, resourceDetail } from '../output.js';

/** The kinds a registry holds: `trellis <kind> create|show|list --registry-name` and `trellis <kind> share`. */
const registryKinds: RegistryKind[] = ['model', 'environment', 'component', 'data'];

/**
 * trellis registry create|show|list|delete, as `az ml registry`; and `trellis <kind> share`, as
 * `az ml model share`: a workspace's asset version copied into a registry with its provenance.
 */
export function registerRegistry(program: Command): void {
  const registry = program
    .command('registry')
    .description('Azure ML registries: models, environments, components and data shared by workspaces');

  registry
    .command('create')
    .description('create a registry from its Azure ML YAML file (name, location, replication_locations, tags)')
    .option('-f, --file <file>', 'the registry YAML file')
    .option('-n, --name <name>', "the name (overrides the file's)")
    .action(async (options: { file?: string; name?: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const fields = options.file ? fileFields(await readFile(options.file, 'utf8'), options.file) : {};
      const created = await client.createRegistry({ ...fields, ...(options.name ? { name: options.name } : {}) });
      printData(output, created, () => registryTable([created]));
    });

  registry
    .command('show')
    .requiredOption('-n, --name <name>', 'the registry')
    .action(async (options: { name: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const found = await client.getRegistry(options.name);
      printData(output, found, () => registryTable([found]));
    });

  registry.command('list').action(async (_options: unknown, command: Command) => {
    const { client, output } = cliContext(command);
    const { items } = await client.listRegistries();
    printData(output, items, () => registryTable(items));
  });

  registry
    .command('delete')
    .requiredOption('-n, --name <name>', 'the registry')
    .option('--force', 'delete the assets it holds too')
    .action(async (options: { name: string; force?: boolean }, command: Command) => {
      const { client, output } = cliContext(command);
      const deleted = await client.deleteRegistry(options.name, options.force ?? false);
      printData(output, deleted, () => `deleted registry ${deleted.name}`);
    });

  for (const kind of registryKinds) {
    const group = program.commands.find((command) => command.name() === kind);
    if (!group) continue;
    group
      .command('share')
      .description(`copy a ${kind} version of the workspace into a registry, with its provenance (as az ml ${kind} share)`)
      .requiredOption('-n, --name <name>', `the ${kind}`)
      .requiredOption('-v, --version <version>', 'its version')
      .requiredOption('--registry-name <registry>', 'the registry to share into')
      .option('--share-with-name <name>', "its name in the registry (default: the workspace's)")
      .option('--share-with-version <version>', "its version in the registry (default: the workspace's)")
      .action(
        async (
          options: { name: string; version: string; registryName: string; shareWithName?: string; shareWithVersion?: string },
          command: Command,
        ) => {
          const { client, workspace, output } = cliContext(command);
          const shared = await client.share(workspace, kind, options.name, options.version, {
            registryName: options.registryName,
            ...(options.shareWithName ? { shareWithName: options.shareWithName } : {}),
            ...(options.shareWithVersion ? { shareWithVersion: options.shareWithVersion } : {}),
          });
          printData(output, shared, () => resourceDetail(shared));
        },
      );
  }
}

function fileFields(text: string, file: string): Record<string, unknown> {
  const parsed: unknown = parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new TrellisError(
      'InvalidFile',
      400,
      `${file} is not a registry file: it must be a YAML mapping with name, location and replication_locations`,
    );
  return Object.fromEntries(Object.entries(parsed));
}

function registryTable(
  items: Array<{ name: string; location: string | null; replication_locations: Array<{ location: string }>; createdBy: string }>,
): string {
  return renderTable(
    ['NAME', 'LOCATION', 'REPLICATED TO', 'CREATED BY'],
    items.map((item) => [
      item.name,
      item.location ?? '-',
      item.replication_locations.map((entry) => entry.location).join(', '),
      item.createdBy,
    ]),
  );
}
