import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DatastoreBody } from '../../client/answers.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/**
 * trellis datastore create|show|list|delete, as `az ml datastore`: Azure ML's datastore YAML
 * (azure_blob, azure_data_lake_gen2, azure_file) and Trellis's `type: s3`. The server tries the
 * credentials before it keeps them, and never shows them again.
 */
export function registerDatastore(program: Command): void {
  const datastore = program
    .command('datastore')
    .description(
      'datastores: Azure Blob containers and S3 buckets that jobs read inputs from and write outputs to (azureml://datastores/<name>/paths/...)',
    );

  datastore
    .command('create')
    .description('create (or replace) a datastore from its Azure ML YAML file; its credentials are tried first and stored sealed')
    .requiredOption('-f, --file <file>', 'the datastore YAML file')
    .option('-n, --name <name>', "the name (overrides the file's)")
    .action(async (options: { file: string; name?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const yaml = await readFile(options.file, 'utf8');
      const created = await client.createDatastore(workspace, {
        yaml,
        fileName: options.file,
        ...(options.name ? { name: options.name } : {}),
      });
      printData(output, created, () => datastoreTable([created]));
    });

  datastore
    .command('show')
    .requiredOption('-n, --name <name>', 'the datastore')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getDatastore(workspace, options.name);
      printData(output, found, () => datastoreTable([found]));
    });

  datastore.command('list').action(async (_options: unknown, command: Command) => {
    const { client, workspace, output } = cliContext(command);
    const { items } = await client.listDatastores(workspace);
    printData(output, items, () => datastoreTable(items));
  });

  datastore
    .command('delete')
    .description('delete a datastore (the files it points at stay); workspaceblobstore and workspaceartifactstore cannot be deleted')
    .requiredOption('-n, --name <name>', 'the datastore')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteDatastore(workspace, options.name);
      printData(output, { deleted: options.name }, () => `deleted datastore ${options.name}`);
    });
}

function datastoreTable(items: DatastoreBody[]): string {
  return renderTable(
    ['NAME', 'TYPE', 'WHERE', 'CREDENTIALS'],
    items.map((item) => [item.name, String(item.spec.type), whereOf(item.spec), item.credentials.type]),
  );
}

function whereOf(spec: DatastoreBody['spec']): string {
  const text = (key: string) => (typeof spec[key] === 'string' ? String(spec[key]) : '');
  if (spec.type === 'trellis') return `artifact store${text('prefix') ? ` /${text('prefix')}` : ''}`;
  if (spec.type === 's3') return `s3://${text('bucket')}${text('endpoint_url') ? ` at ${text('endpoint_url')}` : ''}`;
  return `${text('account_name')}/${text('container_name') || text('filesystem') || text('file_share_name')}`;
}
