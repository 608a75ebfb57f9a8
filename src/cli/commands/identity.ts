import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { identityRoutes as routes } from '../../client/trellis-client.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

const when = (at: number | null) =>
  at === null
    ? '-'
    : new Date(at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');

/** trellis whoami / token / principal / role: who may do what, and where. */
export function registerIdentity(program: Command): void {
  program
    .command('whoami')
    .description('who the server takes you for, and the roles you hold where')
    .action(async (_options: object, command: Command) => {
      const context = cliContext(command);
      const me = await context.client.call(routes.whoami);
      printData(context.output, me, () =>
        [
          `${me.actor} (signed in by ${me.via})`,
          `groups: ${me.groups.join(', ') || '-'}`,
          renderTable(
            ['ROLE', 'SCOPE'],
            me.roles.map((role) => [role.role, role.scope]),
          ),
        ].join('\n'),
      );
    });

  const token = program.command('token').description('personal access tokens: for the CLI, CI and MLflow clients');
  token
    .command('create')
    .description('create a token; it is printed once and only its hash is kept')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires-in <duration>', 'how long it lives: 30d, 12h, 90m (at most 365d)', '30d')
    .option('--principal <name>', 'a service principal to make it for (needs Microsoft.Authorization/principals/write)')
    .action(async (options: { name: string; expiresIn: string; principal?: string }, command: Command) => {
      const context = cliContext(command);
      const issued = await context.client.call(routes.createToken, {
        body: { name: options.name, expiresIn: options.expiresIn, ...(options.principal ? { principal: options.principal } : {}) },
      });
      printData(context.output, issued, () =>
        [
          issued.token,
          '',
          `token '${issued.record.name}' (${issued.record.id}) for ${issued.record.principal}, expires ${when(issued.record.expiresAt)}.`,
          'This is the only time it is shown: store it now (e.g. export TRELLIS_TOKEN=..., or MLFLOW_TRACKING_TOKEN for MLflow clients).',
        ].join('\n'),
      );
    });
  token
    .command('list')
    .description("list your tokens (or a service principal's), never the tokens themselves")
    .option('--principal <name>', 'a service principal')
    .option('--workloads', "the tokens of jobs and deployments acting with your (or the principal's) rights instead")
    .action(async (options: { principal?: string; workloads?: boolean }, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.call(routes.listTokens, {
        query: { ...(options.principal ? { principal: options.principal } : {}), workloads: options.workloads ? 'true' : 'false' },
      });
      printData(context.output, page.items, () =>
        renderTable(
          [
            'ID',
            'NAME',
            'PRINCIPAL',
            ...(options.workloads ? ['IDENTITY', 'WORKSPACE'] : []),
            'CREATED',
            'EXPIRES',
            'LAST USED',
            'REVOKED',
          ],
          page.items.map((item) => [
            item.id,
            item.name,
            item.principal,
            ...(options.workloads ? [item.identity ?? '', item.workspace ?? ''] : []),
            when(item.createdAt),
            when(item.expiresAt),
            when(item.lastUsedAt),
            when(item.revokedAt),
          ]),
        ),
      );
    });
  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id (tok_...), from trellis token list')
    .action(async (id: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const revoked = await context.client.call(routes.revokeToken, { params: { id } });
      printData(context.output, revoked, () => `revoked token '${revoked.name}' (${revoked.id})`);
    });

  const principal = program.command('principal').description('users, groups and service principals');
  principal
    .command('list')
    .option('--type <kind>', 'user, group or servicePrincipal')
    .action(async (options: { type?: 'user' | 'group' | 'servicePrincipal' }, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.call(routes.listPrincipals, { query: options.type ? { kind: options.type } : {} });
      printData(context.output, page.items, () =>
        renderTable(
          ['NAME', 'TYPE', 'DISPLAY NAME', 'CREATED BY', 'CREATED'],
          page.items.map((item) => [item.name, item.kind, item.displayName ?? '-', item.createdBy, when(item.createdAt)]),
        ),
      );
    });
  principal
    .command('create')
    .requiredOption('--name <name>', 'its name (a user name, an e-mail address, a service name)')
    .option('--type <kind>', 'user, group or servicePrincipal', 'user')
    .option('--display-name <text>', 'a name for people')
    .action(async (options: { name: string; type: string; displayName?: string }, command: Command) => {
      const context = cliContext(command);
      const kind = options.type === 'service-principal' ? 'servicePrincipal' : options.type;
      const created = await context.client.call(routes.createPrincipal, {
        body: {
          name: options.name,
          kind: kind as 'user' | 'group' | 'servicePrincipal',
          ...(options.displayName ? { displayName: options.displayName } : {}),
        },
      });
      printData(context.output, created, () => `created ${created.kind} '${created.name}'`);
    });
  principal
    .command('show')
    .argument('<name>')
    .action(async (name: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const found = await context.client.call(routes.getPrincipal, { params: { name } });
      printData(context.output, found, () =>
        [
          `${found.kind} '${found.name}'`,
          found.members ? `members: ${found.members.join(', ') || '-'}` : `groups: ${found.groups?.join(', ') || '-'}`,
        ].join('\n'),
      );
    });
  principal
    .command('delete')
    .argument('<name>')
    .action(async (name: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const deleted = await context.client.call(routes.deletePrincipal, { params: { name } });
      printData(context.output, deleted, () => `deleted ${deleted.kind} '${deleted.name}' with its tokens and role assignments`);
    });
  const member = principal.command('member').description("a group's members");
  member
    .command('add')
    .requiredOption('--group <group>')
    .requiredOption('--member <name>')
    .action(async (options: { group: string; member: string }, command: Command) => {
      const context = cliContext(command);
      const group = await context.client.call(routes.addMember, { params: { name: options.group }, body: { member: options.member } });
      printData(context.output, group, () => `group '${group.name}': ${group.members?.join(', ')}`);
    });
  member
    .command('remove')
    .requiredOption('--group <group>')
    .requiredOption('--member <name>')
    .action(async (options: { group: string; member: string }, command: Command) => {
      const context = cliContext(command);
      const group = await context.client.call(routes.removeMember, { params: { name: options.group, member: options.member } });
      printData(context.output, group, () => `group '${group.name}': ${group.members?.join(', ') || '-'}`);
    });

  const role = program.command('role').description("roles in Azure's shape: built-in and custom");
  role.command('list').action(async (_options: object, command: Command) => {
    const context = cliContext(command);
    const page = await context.client.call(routes.listRoles);
    printData(context.output, page.items, () =>
      renderTable(
        ['NAME', 'TYPE', 'ID', 'DESCRIPTION'],
        page.items.map((item) => [item.name, item.type, item.id, item.description]),
      ),
    );
  });
  role
    .command('show')
    .argument('<role>', 'name or id')
    .action(async (name: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const found = await context.client.call(routes.getRole, { params: { role: name } });
      printData(context.output === 'table' ? 'json' : context.output, found, () => '');
    });
  role
    .command('create')
    .description("create or replace a custom role from Azure's role definition file (JSON or YAML)")
    .requiredOption('--file <path>', 'the file az role definition create --role-definition takes')
    .action(async (options: { file: string }, command: Command) => {
      const context = cliContext(command);
      const body = parseYaml(await readFile(options.file, 'utf8')) as Record<string, unknown>;
      const created = await context.client.call(routes.putRole, { body });
      printData(context.output, created, () => `custom role '${created.name}' (${created.id})`);
    });
  role
    .command('delete')
    .argument('<role>', 'name or id')
    .action(async (name: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const deleted = await context.client.call(routes.deleteRole, { params: { role: name } });
      printData(context.output, deleted, () => `deleted custom role '${deleted.name}'`);
    });
  role
    .command('actions')
    .description("every action Trellis's routes check")
    .action(async (_options: object, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.call(routes.actions);
      printData(context.output, page.items, () => page.items.join('\n'));
    });

  const assignment = role.command('assignment').description('who holds which role where');
  assignment
    .command('create')
    .requiredOption('--role <role>', 'a role name or id')
    .requiredOption('--assignee <name>', 'a user, group or service principal')
    .option('--scope <scope>', "'/' (the server) or /workspaces/<name>", '/')
    .action(async (options: { role: string; assignee: string; scope: string }, command: Command) => {
      const context = cliContext(command);
      const created = await context.client.call(routes.createAssignment, { body: options });
      printData(
        context.output,
        created,
        () => `assigned '${created.roleName}' to '${created.principal}' at '${created.scope}' (${created.id})`,
      );
    });
  assignment
    .command('list')
    .option('--scope <scope>', "'/' or /workspaces/<name> (default: every scope, which needs the server's roleAssignments/read)")
    .option('--assignee <name>')
    .action(async (options: { scope?: string; assignee?: string }, command: Command) => {
      const context = cliContext(command);
      const page = await context.client.call(routes.listAssignments, { query: options });
      printData(context.output, page.items, () =>
        renderTable(
          ['ID', 'ROLE', 'ASSIGNEE', 'SCOPE', 'BY', 'CREATED'],
          page.items.map((item) => [item.id, item.roleName, item.principal, item.scope, item.createdBy, when(item.createdAt)]),
        ),
      );
    });
  assignment
    .command('delete')
    .argument('<id>')
    .action(async (id: string, _options: object, command: Command) => {
      const context = cliContext(command);
      const deleted = await context.client.call(routes.deleteAssignment, { params: { id } });
      printData(context.output, deleted, () => `removed '${deleted.roleName}' from '${deleted.principal}' at '${deleted.scope}'`);
    });
}
