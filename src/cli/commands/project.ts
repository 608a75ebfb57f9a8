import type { Command } from 'commander';
import { type ProjectBody, projectRoutes as routes } from '../../client/trellis-client.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/** Each workspace's role assignments as a table, then what breaks the one-writer-in-prod rule. */
function renderProject(project: ProjectBody): string {
  return [
    renderTable(
      ['WORKSPACE', 'STAGE', 'PRINCIPAL', 'TYPE', 'ROLE', 'WRITES'],
      project.workspaces.flatMap((workspace) =>
        workspace.assignments.length === 0
          ? [[workspace.name, workspace.stage, '-', '-', '-', '-']]
          : workspace.assignments.map((assignment) => [
              workspace.name,
              workspace.stage,
              assignment.principal,
              assignment.principalKind,
              assignment.role,
              assignment.writes ? 'yes' : 'no',
            ]),
      ),
    ),
    ...project.warnings.map((warning) => `warning: ${warning}`),
  ].join('\n');
}

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
];

/** trellis project create|show|list: a dev and a prod workspace kept apart by their role assignments. */
export function registerProject(program: Command): void {
  const project = program
    .command('project')
    .description("a project's dev and prod workspaces: people write in dev and read prod; only its CI service principal writes in prod");
  project
    .command('create')
    .description('create the project (or converge it: adds what is missing, duplicates nothing, says what it changed)')
    .requiredOption('--name <name>', "the project: its workspaces are '<name>-dev' and '<name>-prod'")
    .option('--members <names>', 'users or groups, comma-separated: AzureML Data Scientist in dev, Reader in prod', list)
    .option('--ci-principal <name>', "the CI service principal (default '<name>-ci'), created when missing")
    .option('--token-expires-in <duration>', "how long the CI principal's token lives when one is issued", '90d')
    .action(async (options: { name: string; members?: string[]; ciPrincipal?: string; tokenExpiresIn: string }, command: Command) => {
      const context = cliContext(command);
      const created = await context.client.call(routes.create, {
        body: {
          name: options.name,
          members: options.members ?? [],
          tokenExpiresIn: options.tokenExpiresIn,
          ...(options.ciPrincipal ? { ciPrincipal: options.ciPrincipal } : {}),
        },
      });
      printData(context.output, created, () =>
        [
          created.changes.length === 0
            ? `project '${created.name}' is already as asked; nothing changed`
            : created.changes.map((change) => `+ ${change}`).join('\n'),
          '',
          renderProject(created),
          ...(created.ciToken
            ? [
                '',
                `CI token for ${created.ciToken.record.principal} (${created.ciToken.record.id}), expires ${new Date(created.ciToken.record.expiresAt ?? 0).toISOString()}:`,
                created.ciToken.token,
                'This is the only time it is shown: store it now as your CI system’s secret (TRELLIS_TOKEN).',
              ]
            : []),
        ].join('\n'),
      );
    });
  project
    .command('show')
    .description("a project's workspaces and who holds which role there")
    .requiredOption('--name <name>', 'the project')
    .action(async (options: { name: string }, command: Command) => {
      const context = cliContext(command);
      const found = await context.client.call(routes.get, { params: { name: options.name } });
      printData(context.output, found, () => renderProject(found));
    });
  project
    .command('list')
    .description('every project, its workspaces and who holds which role there')
    .action(async (_options: object, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.call(routes.list);
      printData(context.output, page.items, () =>
        renderTable(
          ['PROJECT', 'WORKSPACES', 'ASSIGNMENTS', 'WARNINGS'],
          page.items.map((item) => [
            item.name,
            item.workspaces.map((workspace) => workspace.name).join(', '),
            String(item.workspaces.reduce((count, workspace) => count + workspace.assignments.length, 0)),
            String(item.warnings.length),
          ]),
        ),
      );
    });
}
