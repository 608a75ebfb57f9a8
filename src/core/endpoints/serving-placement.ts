/**
 * Where online deployments are served when several servers share one database: the server that
 * runs a deployment's instances says so, with its address and how many are ready; a server that
 * runs none sends a scoring call on to one that has a ready instance. Pure.
 */

/** One deployment served by one server, as that server last said (on the database's clock). */
export interface ServingPlacement {
  workspace: string;
  endpoint: string;
  deployment: string;
  /** The server's id: `<host>:<pid>:<random>`. */
  server: string;
  /** Where the server answers: its scheme, host and port. */
  address: string;
  readyInstances: number;
  seenAt: number;
}

/** What a server says it serves, each reconcile pass. */
export type ServedHere = Pick<ServingPlacement, 'workspace' | 'endpoint' | 'deployment' | 'readyInstances'>;

/** The header a server adds when it sends a scoring call on: the server that received it. A call that has it is not sent on again. */
export const ROUTED_FROM_HEADER = 'x-trellis-routed-from';

/**
 * The servers to send a call for an endpoint to, best first: those whose placement is fresh (said
 * within `freshMs` of `now`) with a ready instance, other than `self`, each once, in an order
 * rotated by `random` (0 ≤ random < 1) so calls spread over the servers that serve the endpoint.
 */
export function serversToRouteTo(
  placements: readonly ServingPlacement[],
  options: { now: number; freshMs: number; self: string; random: number },
): { server: string; address: string }[] {
  const ready = new Map<string, string>();
  for (const placement of placements) {
    if (placement.server === options.self || placement.readyInstances <= 0) continue;
    if (placement.seenAt < options.now - options.freshMs) continue;
    ready.set(placement.server, placement.address);
  }
  const servers = [...ready].sort(([a], [b]) => a.localeCompare(b)).map(([server, address]) => ({ server, address }));
  const first = Math.floor(options.random * servers.length);
  return [...servers.slice(first), ...servers.slice(0, first)];
}
