import assert from 'node:assert/strict';
import type { TrellisProcess } from './trellis-process.js';
import { waitFor } from './wait-for.js';

/** The server among `servers` whose controllers run, once exactly one says so; the others say standby. */
export async function leaderAmong(servers: TrellisProcess[], what: string, timeoutMs = 30_000): Promise<TrellisProcess> {
  const roles = () => Promise.all(servers.map(async (server) => (await server.client.ready()).controllers));
  const seen = await waitFor(roles, {
    what,
    until: (found) => found.filter((role) => role === 'leader').length === 1 && found.every((role) => role !== undefined),
    intervalMs: 50,
    timeoutMs,
  });
  const leader = servers[seen.indexOf('leader')];
  assert.ok(leader);
  return leader;
}

/** Whether the server's process still runs. */
export function isAlive(server: TrellisProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}
