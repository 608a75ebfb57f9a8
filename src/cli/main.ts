#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ApiError } from '../client/api-error.js';
import { isTrellisError } from '../core/errors.js';
import { useOutputQuery } from './output.js';
import { checkQuery } from './query.js';

const program = new Command('trellis')
  .description('Trellis: a self-hosted machine-learning platform that speaks Azure ML YAML and the MLflow protocol')
  .version('0.1.0', '-V, --cli-version', 'print the Trellis version')
  .option('--server <url>', 'Trellis server URL (TRELLIS_URL)')
  .option('--ca-file <pem>', "PEM file of the certificate authorities that signed the server's certificate (TRELLIS_CA_FILE)")
  .option('-w, --workspace <name>', 'workspace (TRELLIS_WORKSPACE, default: default)')
  .addOption(
    new Option(
      '-o, --output <format>',
      'table, json, yaml or tsv (TRELLIS_OUTPUT); tsv prints bare values for scripts, as az -o tsv',
    ).choices(['table', 'json', 'yaml', 'tsv']),
  )
  .option(
    '--query <jmespath>',
    'print only what this JMESPath expression selects from the JSON output, as az --query: e.g. --query provisioning_state -o tsv',
  )
  .showHelpAfterError()
  .exitOverride()
  // A bad --query fails before the command creates or changes anything.
  .hook('preAction', (_program, action) => {
    const { query } = action.optsWithGlobals<{ query?: string }>();
    if (query !== undefined) checkQuery(query);
    useOutputQuery(query);
  });

// `trellis advisor check` runs in CI on every push: it loads only the advisor's module, not the
// server, client and every other command (half a second of start-up otherwise).
const registrations = process.argv[2] === 'advisor' ? [(await import('./commands/advisor.js')).registerAdvisor] : await allCommands();
for (const register of registrations) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
}

/** Every command's registration, in the order `trellis --help` lists them. */
async function allCommands(): Promise<Array<(program: Command) => void>> {
  const [
    up,
    apply,
    workspace,
    groups,
    computeOperations,
    audit,
    identity,
    job,
    schedule,
    monitor,
    policy,
    cost,
    budget,
    code,
    online,
    batch,
    advisor,
  ] = await Promise.all([
    import('./commands/up.js'),
    import('./commands/apply.js'),
    import('./commands/workspace.js'),
    import('./commands/resource-groups.js'),
    import('./commands/compute-operations.js'),
    import('./commands/audit.js'),
    import('./commands/identity.js'),
    import('./commands/job.js'),
    import('./commands/schedule.js'),
    import('./commands/monitor.js'),
    import('./commands/policy.js'),
    import('./commands/cost.js'),
    import('./commands/budget.js'),
    import('./commands/code.js'),
    import('./commands/online-endpoint.js'),
    import('./commands/batch-endpoint.js'),
    import('./commands/advisor.js'),
  ]);
  return [
    up.registerUp,
    apply.registerApply,
    workspace.registerWorkspace,
    groups.registerResourceGroups,
    computeOperations.registerComputeOperations,
    groups.registerGenericVerbs,
    audit.registerAudit,
    identity.registerIdentity,
    job.registerJob,
    schedule.registerSchedule,
    monitor.registerMonitor,
    policy.registerPolicy,
    cost.registerCost,
    budget.registerBudget,
    code.registerCode,
    online.registerOnlineEndpoints,
    batch.registerBatchEndpoints,
    advisor.registerAdvisor,
  ];
}

/** One clear message per failure, never a stack trace; the exit code says what kind it was. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  // A server's answer (ApiError) and a problem found here before anything was sent (a core
  // parser's TrellisError: a bad file, a bad --set) are reported alike, with their problems.
  if (error instanceof ApiError || isTrellisError(error)) {
    process.stderr.write(`error: ${error.message}\n`);
    const listed = error.message.includes('\n');
    if (!listed) for (const p of error.problems) process.stderr.write(`  ${p.line ? `line ${p.line}: ` : ''}${p.path}: ${p.message}\n`);
    return error.status === 0 ? 3 : 1;
  }
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(`error: the port is already in use; stop the other server or pick another with --port (or TRELLIS_PORT)\n`);
    return 1;
  }
  process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
  return 1;
}
