import type { FastifyInstance } from 'fastify';
import type { TrellisConfig } from '../config/config.js';

/**
 * The URL this server gives clients for calling it back (scoring URIs, artifact part and
 * presigned URLs): TRELLIS_PUBLIC_URL / public_url when set, else the address it listens on.
 * Never the request's Host header, which the caller chooses: a forged one would send the next
 * upload, with its data, to a server of the caller's choosing.
 */
export function publicUrlOf(config: Pick<TrellisConfig, 'publicUrl'>, app: Pick<FastifyInstance, 'server'>): string {
  if (config.publicUrl) return config.publicUrl;
  const address = app.server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the server is not listening on a TCP port, so it has no URL to give clients; set TRELLIS_PUBLIC_URL');
  // A wildcard or loopback address is reached at 127.0.0.1, as start-server.ts reports it.
  const isLocal = ['0.0.0.0', '::', '::1'].includes(address.address);
  const host = isLocal ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
