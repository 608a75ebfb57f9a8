import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ROUTED_FROM_HEADER } from '../core/endpoints/serving-placement.js';
import { answerHeadersFromRelay, requestHeadersForRelay } from './forwarded-headers.js';

/** A scoring call as this server received it: what is sent on, as it came. */
export interface RelayedCall {
  method: string;
  /** The path and query string, as the client sent them. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The client's address (x-forwarded-for on the next hop). */
  remoteAddress: string | undefined;
}

/** The answer of the server that ran the call: its status and headers, and its body as a stream. */
export interface RelayedAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: IncomingMessage;
  /** The server that answered. */
  server: string;
}

/** Errors that mean the call never reached the server: another may take it. */
const notReached = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Sends a scoring call on to the first of `servers` that takes it (a server found dead — refused,
 * unreachable — is passed over for the next), marked with this server's id so it is not sent on
 * again. The caller's credential goes with it: the server that runs the instances checks it, so
 * the hop gives the call no right it did not have. The answer streams back as it comes.
 * Rejects with the last error when none took it.
 */
export async function relayScoringCall(
  call: RelayedCall,
  servers: readonly { server: string; address: string }[],
  self: string,
  signal: AbortSignal,
): Promise<RelayedAnswer> {
  let lastError: unknown = new Error('no server to send the call to');
  for (const target of servers) {
    try {
      return await sendTo(call, target, self, signal);
    } catch (error) {
      lastError = error;
      if (!notReached.has(errorCodeOf(error))) throw error;
    }
  }
  throw lastError;
}

function sendTo(call: RelayedCall, target: { server: string; address: string }, self: string, signal: AbortSignal): Promise<RelayedAnswer> {
  const url = new URL(call.url, target.address);
  const forwardedFor = [call.headers['x-forwarded-for'], call.remoteAddress].flat().filter(Boolean).join(', ');
  const headers = {
    ...requestHeadersForRelay(call.headers),
    [ROUTED_FROM_HEADER]: self,
    ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    'content-length': String(call.body.length),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(url, { method: call.method, headers, signal }, (response) =>
      resolve({
        status: response.statusCode ?? 502,
        headers: answerHeadersFromRelay(response.headers),
        body: response,
        server: target.server,
      }),
    );
    outgoing.on('error', reject);
    outgoing.end(call.body);
  });
}

function errorCodeOf(error: unknown): string {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
}
