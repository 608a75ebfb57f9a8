import { Command, CommanderError, Option } from 'commander';
import { ApiError } from '../client/api-error.js';
import { isTrellisError } from '../core/errors.js';
import { useOutputQuery } from './output.js';
import { checkQuery } from './query.js';

/** The `trellis` program with its global options, before any command is registered. */
export function createProgram(): Command {
  return (
    new Command('trellis')
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
      })
  );
}

/** Registers the commands, runs the one named on the command line, and sets the exit code. */
export async function runProgram(registrations: ReadonlyArray<(program: Command) => void>): Promise<void> {
  const program = createProgram();
  for (const register of registrations) register(program);
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = reportError(error);
  }
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
