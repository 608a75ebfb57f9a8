#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ApiError } from '../client/api-error.js';
import { isTrellisError } from '../core/errors.js';
import { registerAdvisor } from './commands/advisor.js';
import { registerApply } from './commands/apply.js';
import { registerAudit } from './commands/audit.js';
import { registerBatchEndpoints } from './commands/batch-endpoint.js';
import { registerGenericVerbs, registerResourceGroups } from './commands/resource-groups.js';
import { registerComputeOperations } from './commands/compute-operations.js';
import { registerIdentity } from './commands/identity.js';
import { registerJob } from './commands/job.js';
import { registerSchedule } from './commands/schedule.js';
import { registerMonitor } from './commands/monitor.js';
import { registerPolicy } from './commands/policy.js';
import { registerBudget } from './commands/budget.js';
import { registerCode } from './commands/code.js';
import { registerCost } from './commands/cost.js';
import { registerOnlineEndpoints } from './commands/online-endpoint.js';
import { registerUp } from './commands/up.js';
import { registerWorkspace } from './commands/workspace.js';
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

registerUp(program);
registerApply(program);
registerWorkspace(program);
registerResourceGroups(program);
registerComputeOperations(program);
registerGenericVerbs(program);
registerAudit(program);
registerIdentity(program);
registerJob(program);
registerSchedule(program);
registerMonitor(program);
registerPolicy(program);
registerCost(program);
registerBudget(program);
registerCode(program);
registerOnlineEndpoints(program);
registerBatchEndpoints(program);
registerAdvisor(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportError(error);
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
