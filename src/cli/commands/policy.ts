import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { PolicyStateBody } from '../../client/trellis-client.js';
import { plainObjectOr } from '../../core/azureml/schema-helpers.js';
import { cliContext } from '../cli-context.js';
import { printData, renderTable } from '../output.js';

/**
 * trellis policy definition|alias|assignment|exemption|state: Azure Policy on Trellis
 * (docs/governance.md). Definitions are Azure Policy JSON; assignments put one to work at the
 * server or a workspace; exemptions take a resource out, with a reason; states show compliance.
 */
export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('Azure Policy definitions, assignments, exemptions and compliance (docs/governance.md)');

  const definition = policy.command('definition').description("policy definitions: Azure's built-in Machine Learning ones and your own");
  definition
    .command('list')
    .description('every definition, built-in and custom')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = cliContext(command);
      const { items } = await client.listPolicyDefinitions();
      printData(output, items, () =>
        renderTable(
          ['NAME', 'TYPE', 'MODE', 'EFFECT', 'DISPLAY NAME'],
          items.map((item) => [
            item.file?.replace(/\.json$/, '') ?? item.name,
            item.policyType,
            item.mode,
            effectOf(item),
            item.displayName ?? '',
          ]),
        ),
      );
    });
  definition
    .command('show')
    .description('one definition: its parameters and rule')
    .requiredOption('-n, --name <name>', "its name, display name, or a built-in's file name (IdleShutdown_Audit)")
    .action(async (options: { name: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const found = await client.getPolicyDefinition(options.name);
      printData(output, found, () =>
        [
          `name:         ${found.name}`,
          `display name: ${found.displayName ?? '-'}`,
          `type:         ${found.policyType}${found.file ? ` (policies/azure-machine-learning/${found.file})` : ''}`,
          `mode:         ${found.mode}`,
          `effect:       ${effectOf(found)}`,
          `parameters:   ${Object.keys(found.parameters).join(', ') || '-'}`,
          '',
          JSON.stringify(found.policyRule, null, 2),
        ].join('\n'),
      );
    });
  definition
    .command('create')
    .description('create or replace a custom definition from an Azure Policy JSON file (the whole file, or its properties)')
    .requiredOption('-n, --name <name>', 'the name to give it')
    .requiredOption('-f, --file <path>', 'the definition file (JSON or YAML)')
    .action(async (options: { name: string; file: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const definitionBody = parseYaml(await readFile(options.file, 'utf8'));
      const created = await client.putPolicyDefinition({ name: options.name, definition: definitionBody });
      printData(output, created, () => `policy definition '${created.name}' saved (${created.mode}, effect ${effectOf(created)})`);
    });
  definition
    .command('delete')
    .description('delete a custom definition that is not assigned')
    .requiredOption('-n, --name <name>', 'the definition')
    .action(async (options: { name: string }, command: Command) => {
      const { client } = cliContext(command);
      await client.deletePolicyDefinition(options.name);
      process.stdout.write(`policy definition '${options.name}' deleted\n`);
    });

  policy
    .command('alias')
    .description('the aliases definitions may name')
    .command('list')
    .description('each alias and the Trellis field it reads')
    .action(async (_options: unknown, command: Command) => {
      const { client, output } = cliContext(command);
      const { items } = await client.listPolicyAliases();
      printData(output, items, () =>
        renderTable(
          ['ALIAS', 'MODIFY', 'READS'],
          items.map((item) => [item.name, item.modifiable ? 'yes' : '-', item.meaning]),
        ),
      );
    });

  const assignment = policy.command('assignment').description('assignments of definitions to the server or a workspace');
  assignment
    .command('create')
    .description('assign a definition, with parameter values and optionally its effect')
    .requiredOption('-n, --name <name>', 'the assignment')
    .requiredOption('-d, --definition <definition>', "the definition: name, display name, or a built-in's file name")
    .option('--scope <scope>', "'/' for the whole server (default), or /workspaces/<name>")
    .option('--effect <effect>', 'the effect (audit, deny, modify, disabled, ...), where the definition takes one')
    .option('-p, --param <name=value>', 'a parameter value (JSON, or text); repeat for more', collect, [])
    .option('--params <file>', 'parameter values from a JSON or YAML file ({name: value} or {name: {value: ...}})')
    .option('--do-not-enforce', 'evaluate and report only: refuse and change nothing (enforcementMode DoNotEnforce)')
    .option('--description <text>', 'why it is assigned')
    .action(
      async (
        options: {
          name: string;
          definition: string;
          scope?: string;
          effect?: string;
          param: string[];
          params?: string;
          doNotEnforce?: boolean;
          description?: string;
        },
        command: Command,
      ) => {
        const { client, output } = cliContext(command);
        const parameters: Record<string, unknown> = options.params
          ? (plainObjectOr(parseYaml(await readFile(options.params, 'utf8'))) ?? {})
          : {};
        for (const pair of options.param) {
          const at = pair.indexOf('=');
          if (at <= 0) throw new Error(`--param '${pair}' is not name=value`);
          parameters[pair.slice(0, at)] = jsonOrText(pair.slice(at + 1));
        }
        const created = await client.createPolicyAssignment({
          name: options.name,
          definition: options.definition,
          scope: options.scope ?? '/',
          parameters,
          ...(options.effect ? { effect: options.effect } : {}),
          enforcement_mode: options.doNotEnforce ? 'DoNotEnforce' : 'Default',
          ...(options.description ? { description: options.description } : {}),
        });
        printData(
          output,
          created,
          () =>
            `assigned '${created.displayName ?? created.definition}' as '${created.name}' at ${created.scope} (${created.enforcementMode})`,
        );
      },
    );
  assignment
    .command('list')
    .description('assignments at the server, or reaching a workspace (--scope /workspaces/<name>)')
    .option('--scope <scope>', "'/' (default) or /workspaces/<name>")
    .action(async (options: { scope?: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const { items } = await client.listPolicyAssignments(options.scope ? { scope: options.scope } : {});
      printData(output, items, () =>
        renderTable(
          ['NAME', 'SCOPE', 'MODE', 'PARAMETERS', 'DEFINITION'],
          items.map((item) => [
            item.name,
            item.scope,
            item.enforcementMode,
            JSON.stringify(item.parameters),
            item.displayName ?? item.definition,
          ]),
        ),
      );
    });
  assignment
    .command('show')
    .requiredOption('-n, --name <name>', 'the assignment')
    .action(async (options: { name: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const found = await client.getPolicyAssignment(options.name);
      printData(output, found, () => JSON.stringify(found, null, 2));
    });
  assignment
    .command('delete')
    .description('delete an assignment and its exemptions')
    .requiredOption('-n, --name <name>', 'the assignment')
    .action(async (options: { name: string }, command: Command) => {
      const { client } = cliContext(command);
      await client.deletePolicyAssignment(options.name);
      process.stdout.write(`policy assignment '${options.name}' deleted\n`);
    });

  const exemption = policy.command('exemption').description('exemptions of a resource (or workspace) from an assignment');
  exemption
    .command('create')
    .description('exempt a resource from an assignment, saying why (and until when)')
    .requiredOption('-n, --name <name>', 'the exemption')
    .requiredOption('-a, --assignment <assignment>', 'the assignment')
    .requiredOption('--scope <resource-id>', 'what is exempted: /workspaces/<ws>/computes/<name>, ... or /workspaces/<ws>')
    .requiredOption('--reason <text>', 'why: kept and audited')
    .option('--category <category>', 'Waiver (default) or Mitigated')
    .option('--expires <time>', 'when it ends, ISO 8601 (e.g. 2027-01-31T00:00:00Z)')
    .action(
      async (
        options: { name: string; assignment: string; scope: string; reason: string; category?: string; expires?: string },
        command: Command,
      ) => {
        const { client, output } = cliContext(command);
        const created = await client.createPolicyExemption({
          name: options.name,
          assignment: options.assignment,
          scope: options.scope,
          reason: options.reason,
          category: options.category ?? 'Waiver',
          ...(options.expires ? { expires_at: options.expires } : {}),
        });
        printData(output, created, () => `exempted ${created.scope} from '${created.assignment}' (${created.category})`);
      },
    );
  exemption
    .command('list')
    .option('-a, --assignment <assignment>', 'only those of this assignment')
    .action(async (options: { assignment?: string }, command: Command) => {
      const { client, output } = cliContext(command);
      const { items } = await client.listPolicyExemptions(options.assignment ? { assignment: options.assignment } : {});
      printData(output, items, () =>
        renderTable(
          ['NAME', 'ASSIGNMENT', 'SCOPE', 'CATEGORY', 'EXPIRES', 'REASON'],
          items.map((item) => [
            item.name,
            item.assignment,
            item.scope,
            item.category,
            item.expiresAt === null ? '-' : new Date(item.expiresAt).toISOString(),
            item.reason,
          ]),
        ),
      );
    });
  exemption
    .command('delete')
    .requiredOption('-n, --name <name>', 'the exemption')
    .action(async (options: { name: string }, command: Command) => {
      const { client } = cliContext(command);
      await client.deletePolicyExemption(options.name);
      process.stdout.write(`policy exemption '${options.name}' deleted\n`);
    });

  policy
    .command('state')
    .description('compliance of resources with the assignments reaching them')
    .command('list')
    .description(
      'each resource of the workspace against each assignment: Compliant, NonCompliant (with what matched), NotApplicable (with why), Exempt',
    )
    .option('--compliance <state>', 'only Compliant, NonCompliant, NotApplicable or Exempt')
    .action(async (options: { compliance?: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const wanted = complianceOf(options.compliance);
      const answer = await client.listPolicyStates(workspace, wanted ? { compliance: wanted } : {});
      printData(output, answer, () =>
        [
          renderTable(
            ['RESOURCE', 'ASSIGNMENT', 'EFFECT', 'COMPLIANCE', 'WHY'],
            answer.items.map((item) => [
              item.resourceId,
              item.assignment,
              item.effect,
              item.compliance,
              item.reasons.join('; ') || item.note || '',
            ]),
          ),
          '',
          `${answer.summary.nonCompliant} of ${answer.summary.resources} resources non-compliant`,
        ].join('\n'),
      );
    });
}

function effectOf(definition: { policyRule: { then: { effect: string } }; parameters: Record<string, unknown> }): string {
  const effect = definition.policyRule.then.effect;
  const parameter = /^\[parameters\('([^']+)'\)\]$/i.exec(effect)?.[1];
  if (!parameter) return effect;
  const declared = plainObjectOr(definition.parameters[parameter]) ?? {};
  return declared.defaultValue === undefined ? `(${parameter}: no default)` : `${String(declared.defaultValue)} (${parameter})`;
}

function complianceOf(text: string | undefined): PolicyStateBody['compliance'] | undefined {
  if (text === undefined) return undefined;
  const states = ['Compliant', 'NonCompliant', 'NotApplicable', 'Exempt'] as const;
  const found = states.find((state) => state.toLowerCase() === text.toLowerCase());
  if (!found) throw new Error(`--compliance is one of ${states.join(', ')}, not '${text}'`);
  return found;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the value is the text as written (a name, a registry).
    return text;
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
