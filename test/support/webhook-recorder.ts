import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

/** One POST a webhook receiver got: Alertmanager's webhook payload (version 4). */
export interface WebhookPost {
  status: 'firing' | 'resolved';
  receiver: string;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }>;
}

export interface WebhookRecorder {
  url: string;
  posts(): WebhookPost[];
  /** Every body received, as parsed JSON, for receivers of other shapes than Alertmanager's. */
  bodies(): unknown[];
  /** The first post (oldest first) that `predicate` accepts, waiting up to `timeoutMs` (default 10 s). */
  waitForPost(predicate: (post: WebhookPost) => boolean, timeoutMs?: number): Promise<WebhookPost>;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 that answers every POST 200 and keeps its JSON body: a webhook receiver. */
export async function startWebhookRecorder(): Promise<WebhookRecorder> {
  const received: WebhookPost[] = [];
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST') {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        bodies.push(body);
        received.push(body as WebhookPost);
      }
      response.writeHead(request.method === 'POST' ? 200 : 405).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    posts: () => [...received],
    bodies: () => [...bodies],
    waitForPost: (predicate, timeoutMs = 10_000) =>
      waitFor(() => received.find(predicate), {
        what: 'a webhook post that matches',
        timeoutMs,
        describe: () => `${received.length} post(s): ${JSON.stringify(received).slice(0, 1000)}`,
      }) as Promise<WebhookPost>,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
