import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isKubernetesKind, kubernetesSchemaErrors } from '../fixtures/kubernetes-schemas/validate-manifest.js';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export type KubeObject = {
  kind?: string;
  metadata: { name: string; uid?: string; ownerReferences?: unknown[] };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  stringData?: Record<string, string>;
};

/**
 * A stand-in for the Kubernetes API server, over real HTTP: records every request, keeps
 * Deployments, Services and Secrets in memory in the API server's JSON shapes, and refuses (422)
 * any object that the official v1.30 schema of its kind does not accept, as the API server would.
 */
export class FakeApiServer {
  requests: Recorded[] = [];
  deployments = new Map<string, KubeObject>();
  services = new Map<string, KubeObject>();
  secrets = new Map<string, KubeObject>();
  schemaErrors: string[] = [];
  failNextWith: { code: number; message: string } | undefined;
  private readonly server = createServer((request, response) => void this.handle(request, response));

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    assert.ok(address && typeof address === 'object');
    return `http://127.0.0.1:${(address satisfies AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const body: KubeObject | undefined = text ? JSON.parse(text) : undefined;
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    const send = (code: number, answer: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
    if (this.failNextWith) {
      const { code, message } = this.failNextWith;
      this.failNextWith = undefined;
      return status(code, 'Forbidden', message);
    }
    if (body?.kind && isKubernetesKind(body.kind)) {
      const errors = kubernetesSchemaErrors(body.kind, body);
      if (errors.length > 0) {
        this.schemaErrors.push(...errors);
        return status(422, 'Invalid', errors.join('; '));
      }
    }
    const route =
      /^\/(?:apis\/apps\/v1|api\/v1)\/namespaces\/([^/]+)\/(deployments|services|secrets)(?:\/([^/]+))?(?:\/(status|scale))?$/.exec(
        url.pathname,
      );
    if (!route) return status(404, 'NotFound', `no route for ${method} ${url.pathname}`);
    const [, , resource, name, sub] = route;
    const store = resource === 'deployments' ? this.deployments : resource === 'services' ? this.services : this.secrets;
    if (method === 'POST' && body) {
      if (store.has(body.metadata.name)) return status(409, 'AlreadyExists', `${resource} "${body.metadata.name}" already exists`);
      const stored = { ...body, metadata: { ...body.metadata, uid: `uid-${body.metadata.name}` }, status: {} };
      store.set(body.metadata.name, stored);
      return send(201, stored);
    }
    const stored = name ? store.get(name) : undefined;
    if (!stored || !name) return status(404, 'NotFound', `${resource} "${name}" not found`);
    if (method === 'GET') return send(200, stored);
    if (method === 'PUT' && sub === 'scale' && body) {
      stored.spec = { ...stored.spec, replicas: body.spec?.replicas };
      return send(200, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name }, spec: body.spec, status: {} });
    }
    if (method === 'PUT' && body) {
      const replaced = { ...body, metadata: { ...body.metadata, uid: stored.metadata.uid }, status: stored.status };
      store.set(name, replaced);
      return send(200, replaced);
    }
    if (method === 'DELETE') {
      store.delete(name);
      // The garbage collector: objects owned by the deleted one (an ownerReference with its uid) go too, and only those.
      const isOwnedByDeleted = (reference: unknown) =>
        typeof reference === 'object' && reference !== null && 'uid' in reference && reference.uid === stored.metadata.uid;
      for (const owned of [this.services, this.secrets])
        for (const [key, object] of owned) if (object.metadata.ownerReferences?.some(isOwnedByDeleted)) owned.delete(key);
      return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
    }
    return status(405, 'MethodNotAllowed', `${method} ${url.pathname}`);
  }
}
