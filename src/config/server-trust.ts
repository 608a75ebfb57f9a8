import { resolve } from 'node:path';
import type { TrellisConfig } from './config.js';

/**
 * The variables that let clients a job or a deployment runs trust this server's certificate when
 * it serves HTTPS: MLflow's MLFLOW_TRACKING_SERVER_CERT_PATH and the Trellis CLI's TRELLIS_CA_FILE,
 * both naming the certificate authority file of `ca_file` (--ca-file), or else the server's own
 * certificate file (which verifies itself when it is self-signed). Empty over plain HTTP. Paths are
 * absolute, since processes start in folders of their own.
 */
export function serverTrustVariables(config: Pick<TrellisConfig, 'tls' | 'caFile'>): Record<string, string> {
  if (!config.tls) return {};
  const authority = resolve(config.caFile ?? config.tls.cert);
  return { MLFLOW_TRACKING_SERVER_CERT_PATH: authority, TRELLIS_CA_FILE: authority };
}
