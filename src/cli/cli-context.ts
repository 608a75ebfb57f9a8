import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiError } from '../client/api-error.js';
import type { FetchFunction } from '../client/http-client.js';
import { TrellisClient } from '../client/trellis-client.js';
import { loadConfig, type TrellisConfig } from '../config/config.js';
import { readOwnerToken } from '../config/owner-token-file.js';
import { TrellisError } from '../core/errors.js';
import type { OutputFormat } from './output.js';

export interface CliContext {
  config: TrellisConfig;
  client: TrellisClient;
  workspace: string;
  output: OutputFormat;
}

/** Commands whose --registry-name names where to share to, not where they act. */
const registryCommands = new Set(['share']);

/** Global options (--server, --workspace, --output, --ca-file) over env over ~/.trellis/config.yaml. */
export function cliContext(command: Command): CliContext {
  const options = command.optsWithGlobals<{
    server?: string;
    workspace?: string;
    output?: OutputFormat;
    caFile?: string;
    registryName?: string;
  }>();
  const config = loadConfig();
  const server = (options.server ?? config.serverUrl).replace(/\/+$/, '');
  // TRELLIS_TOKEN, else the owner token `trellis up` wrote under this home (for the server it started).
  const token = process.env.TRELLIS_TOKEN || (server === config.serverUrl ? readOwnerToken(config.home) : undefined);
  return {
    config,
    client: new TrellisClient(server, { token, fetch: verifyingFetch(options.caFile ?? config.caFile) }),
    // An asset command with --registry-name works on the registry: its assets live in the space '@<registry>'.
    workspace:
      options.registryName !== undefined && !registryCommands.has(command.name())
        ? `@${options.registryName}`
        : (options.workspace ?? config.workspace),
    output: options.output ?? config.output,
  };
}

/** Codes Node gives a TLS connection whose server certificate did not verify. */
const untrustedCertificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * fetch that verifies the server's certificate against the certificate authorities in `caFile`
 * (instead of the system's, as curl --cacert does), or the system's without one; a certificate that
 * does not verify is an ApiError that says which option fixes it.
 */
export function verifyingFetch(caFile: string | undefined): FetchFunction {
  const ca = caFile ? readCaFile(caFile) : undefined;
  // undici loads only for a CA file: it is a tenth of a second of every other CLI start.
  const agent = ca ? import('undici').then(({ Agent }) => new Agent({ connect: { ca } })) : undefined;
  return async (url, init) => {
    try {
      const dispatcher = await agent;
      return await fetch(url, dispatcher ? { ...init, dispatcher } : init);
    } catch (error) {
      throw certificateProblem(error, url, caFile) ?? error;
    }
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `--ca-file (TRELLIS_CA_FILE, ca_file in config.yaml) ${path} could not be read (${(error as Error).message}); give the PEM file of the certificate authority that signed the server's certificate`,
    );
  }
}

/** The ApiError for a fetch that failed because the server's certificate did not verify; undefined for any other failure. */
function certificateProblem(error: unknown, url: URL, caFile: string | undefined): ApiError | undefined {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== 'string') return undefined;
  const server = url.origin;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new ApiError(
      0,
      'ServerCertificateUntrusted',
      `the certificate of ${server} does not name the host ${url.hostname} (${code}); reach the server by a name its certificate lists (--server, TRELLIS_URL)`,
    );
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return new ApiError(
      0,
      'ServerCertificateUntrusted',
      `the certificate of ${server} is outside its validity period (${code}); the server needs a current one (trellis up --tls-cert)`,
    );
  if (!untrustedCertificateCodes.has(code)) return undefined;
  const fix = caFile
    ? `it is not signed by an authority in --ca-file ${caFile}; give the PEM file of the authority that signed it`
    : `give the PEM file of the certificate authority that signed it with --ca-file <pem> (TRELLIS_CA_FILE, or ca_file in config.yaml)`;
  return new ApiError(0, 'ServerCertificateUntrusted', `the certificate of ${server} is not trusted (${code}): ${fix}`);
}
