import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { ownerTokenPath } from '../../config/owner-token-file.js';

interface UpOptions {
  port?: string;
  host?: string;
  home?: string;
  logLevel?: string;
  disableLocalAuth?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

/** trellis up: the server on embedded defaults (SQLite and local files under TRELLIS_HOME). */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start the Trellis server (embedded SQLite and local artifacts unless configured otherwise)')
    .option('--port <port>', 'port to listen on (TRELLIS_PORT; 0 picks a free one)')
    .option('--host <host>', 'address to listen on (TRELLIS_HOST)', undefined)
    .option('--home <dir>', 'data directory (TRELLIS_HOME, default ~/.trellis)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug (TRELLIS_LOG_LEVEL)')
    .option(
      '--disable-local-auth',
      'requests without credentials are refused, from loopback too (TRELLIS_DISABLE_LOCAL_AUTH); needed to listen beyond loopback',
    )
    .option('--tls-cert <pem>', 'serve HTTPS with this PEM certificate chain (TRELLIS_TLS_CERT, tls.cert); needs --tls-key')
    .option('--tls-key <pem>', 'the PEM private key of --tls-cert (TRELLIS_TLS_KEY, tls.key)')
    .action(async (options: UpOptions) => {
      const env = { ...process.env };
      if (options.port !== undefined) env.TRELLIS_PORT = options.port;
      if (options.host !== undefined) env.TRELLIS_HOST = options.host;
      if (options.home !== undefined) env.TRELLIS_HOME = options.home;
      if (options.disableLocalAuth) env.TRELLIS_DISABLE_LOCAL_AUTH = 'true';
      if (options.tlsCert !== undefined) env.TRELLIS_TLS_CERT = options.tlsCert;
      if (options.tlsKey !== undefined) env.TRELLIS_TLS_KEY = options.tlsKey;
      const config = loadConfig(env);
      // Loaded only here: every other command stays a light HTTP client that starts fast.
      const { startServer } = await import('../../server/start-server.js');
      const server = await startServer(config, {
        logLevel: options.logLevel ?? process.env.TRELLIS_LOG_LEVEL ?? 'warn',
        onNotice: (line) => process.stderr.write(`${line}\n`),
      });
      const database = server.store.dialect === 'sqlite' ? `SQLite ${server.store.location}` : `PostgreSQL ${server.store.location}`;
      process.stdout.write(
        [
          `Trellis is up at ${server.url}`,
          `  studio:         ${server.url}/studio/`,
          `  data directory: ${config.home}`,
          `  database:       ${database}`,
          `  artifacts:      ${server.artifactStore}`,
          `  API:            ${server.url}/api/v1/openapi.json`,
          `  sign-in:        ${config.auth.local ? 'requests from this machine act as the owner' : 'credentials required'}; the owner's token is in ${ownerTokenPath(config.home)}`,
          `  CLI:            ./trellis --server ${server.url} workspace list   (from the checkout)`,
          ...(config.tls
            ? [
                `  TLS:            certificate ${config.tls.cert}; clients that do not trust its issuer take the CA's PEM file: --ca-file (the CLI), MLFLOW_TRACKING_SERVER_CERT_PATH (MLflow)`,
              ]
            : []),
          '',
        ].join('\n'),
      );
      let closing = false;
      const stop = async (signal: string) => {
        if (closing) return;
        closing = true;
        process.stdout.write(`received ${signal}, shutting down\n`);
        await server.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
