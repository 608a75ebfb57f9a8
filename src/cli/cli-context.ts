import type { Command } from 'commander';
import { TrellisClient } from '../client/trellis-client.js';
import { loadConfig, type TrellisConfig } from '../config/config.js';
import { readOwnerToken } from '../config/owner-token-file.js';
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
  // TRELLIS_TOKEN, else the owner token `trellis up` wrote under this home (for the server it started).
  const token = process.env.TRELLIS_TOKEN || (server === config.serverUrl ? readOwnerToken(config.home) : undefined);
  return {
    config,
    client: new TrellisClient(server, { token }),
    workspace: options.workspace ?? config.workspace,
    output: options.output ?? config.output,
  };
}
