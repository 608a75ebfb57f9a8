import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { ServingPool } from '../../serving/serving-pool.js';
import type { RuntimeKind } from '../../serving/scoring-instance.js';

/** A deployment this process serves: the pool of the version the store names, and the previous one until it is ready. */
export interface Served {
  key: string;
  etag: string;
  deployment: Deployment<'online'>;
  pool: ServingPool;
  folder: string;
  runtime: RuntimeKind;
  /** The id of the token this version's scoring processes call back to Trellis with; none when its creator is no principal. */
  tokenId: string | undefined;
  /** The pool of the previous version, serving until `pool` is ready. */
  previous: { pool: ServingPool; etag: string; deployment: Deployment<'online'>; tokenId: string | undefined } | undefined;
}

/** A deployment's key in this process: `<workspace>/<endpoint>/<deployment>`. */
export function servedKey(deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name'>): string {
  return `${deployment.workspace}/${deployment.endpoint}/${deployment.name}`;
}

/** Until the new version of a deployment has a ready instance, the previous one answers. */
export function answeringVersion(served: Served): { pool: ServingPool; deployment: Deployment<'online'> } {
  return served.previous && served.pool.readyInstances().length === 0 ? served.previous : served;
}

/** The deployments served in this process, by key: what model preparation fills and the other serving controllers read. */
export class ServedDeployments {
  private readonly served = new Map<string, Served>();

  /** The served deployment with this key, if any. */
  get(key: string): Served | undefined {
    return this.served.get(key);
  }

  /** Whether a deployment with this key is served. */
  has(key: string): boolean {
    return this.served.has(key);
  }

  /** Every served deployment. */
  values(): IterableIterator<Served> {
    return this.served.values();
  }

  /** Serves a (new version of a) deployment; the caller has dealt with the pool it replaces. */
  set(served: Served): void {
    this.served.set(served.key, served);
  }

  /** Stops serving the deployments not in `wanted` (deleted, or their endpoint was): their pools drain. Returns them. */
  retireAllBut(wanted: Set<string>): Served[] {
    const retired: Served[] = [];
    for (const [name, served] of this.served) {
      if (wanted.has(name)) continue;
      this.served.delete(name);
      void served.pool.drain();
      void served.previous?.pool.drain();
      retired.push(served);
    }
    return retired;
  }

  /** Drains every pool (on close), giving calls in flight `timeoutMs` to finish, and forgets them all. */
  async drainAll(timeoutMs: number): Promise<void> {
    await Promise.all(
      [...this.served.values()].flatMap((served) => [served.pool.drain(timeoutMs), served.previous?.pool.drain(timeoutMs)]),
    );
    this.served.clear();
  }
}
