import type { Command } from 'commander';
import { TrellisClient } from '../client/trellis-client.js';
import { loadConfig, type TrellisConfig } from '../config/config.js';
import type { OutputFormat } from './output.js';

export interface CliContext {
  config: TrellisConfig;
  client: TrellisClient;
  workspace: string;
  output: OutputFormat;
}

/** Global options (--server, --workspace, --output) over env over ~/.trellis/config.yaml. */
export function cliContext(command: Command): CliContext {
  const options = command.optsWithGlobals<{ server?: string; workspace?: string; output?: OutputFormat }>();
  const config = loadConfig();
  const server = (options.server ?? config.serverUrl).replace(/\/+$/, '');
  return {
    config,
    client: new TrellisClient(server),
    workspace: options.workspace ?? config.workspace,
    output: options.output ?? config.output,
  };
}
