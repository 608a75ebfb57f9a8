import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { LabTarget } from '../../controllers/compute-instances/jupyter-lab-process.js';
import { TrellisError, isTrellisError } from '../../core/errors.js';
import { actorOf, type Principal } from '../../core/identity/principal.js';
import { ml } from '../../core/identity/route-access.js';
import { getInstance, viewOf } from '../../services/compute-instances/instance-operations.js';
import type { Context } from '../../services/context.js';
import type { AccessControl } from '../../services/identity/access-control.js';
import { type Authenticator, authenticate, sessionCookie } from '../auth/authenticate.js';
import type { RouteOptions } from '../route-options.js';

/**
 * JupyterLab of a compute instance, reverse-proxied at /compute-instances/<ws>/<name>/lab/ (HTTP,
 * and WebSocket for kernels and terminals) to the Jupyter server on 127.0.0.1. The user signs in
 * with Trellis's credentials; Jupyter's own token is added here and known to nobody else. Only the
 * assigned user (with computes/applicationaccess/action, as on Azure) and Owners get through.
 */

/** What the proxy needs: where each running instance listens. */
export interface InstanceTargets {
  targetOf(workspace: string, name: string): LabTarget | undefined;
}

const labPattern = /^\/compute-instances\/([^/?]+)\/([^/?]+)\/lab(?:[/?]|$)/;
/** Azure's action for reaching a compute instance's applications (Jupyter, terminals). */
const applicationAccess = `${ml}/computes/applicationaccess/action`;
/** What only Owners (and User Access Administrators) may do in a workspace: they may enter any instance. */
const ownerAction = 'Microsoft.Authorization/roleAssignments/write';
/** Hop-by-hop headers, which a proxy does not pass on (RFC 9110 §7.6.1). */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

export const computeInstanceLabRoutes: FastifyPluginAsync<RouteOptions & { authenticator: Authenticator }> = async (app, options) => {
  const { context, access, computeInstances, authenticator } = options;
  // The body goes to Jupyter as it came, unparsed: a JSON parser here would consume it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const handler = async (
    request: import('fastify').FastifyRequest<{ Params: { workspace: string; name: string } }>,
    reply: import('fastify').FastifyReply,
  ) => {
    const { workspace, name } = request.params;
    const principal = request.principal;
    if (!principal) throw new TrellisError('Unauthenticated', 401, 'JupyterLab of a compute instance needs credentials');
    const target = await admit(context, access, computeInstances, principal, workspace, name);
    reply.hijack();
    forwardHttp(request.raw, reply.raw, target);
  };
  // Jupyter's own security headers (its CSP) apply to its pages, not the API's.
  const routeOptions = { schema: { hide: true }, helmet: false } as const;
  app.all('/compute-instances/:workspace/:name/lab', routeOptions, handler);
  app.all('/compute-instances/:workspace/:name/lab/*', routeOptions, handler);

  // WebSocket upgrades bypass fastify's routes: authenticated and admitted here the same way.
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = labPattern.exec(request.url ?? '');
    if (!match) return;
    void (async () => {
      // A page of another site must not open a kernel with the user's session cookie (cross-site WebSocket hijacking).
      if (!isSameOrigin(request.headers))
        throw new TrellisError('CrossOriginRefused', 403, 'a WebSocket to JupyterLab must come from a page of this server');
      const principal = await authenticate(
        { headers: request.headers, method: request.method ?? 'GET', socket: request.socket },
        authenticator,
      );
      if (!principal) throw new TrellisError('Unauthenticated', 401, 'JupyterLab of a compute instance needs credentials');
      const target = await admit(
        context,
        access,
        computeInstances,
        principal,
        decodeURIComponent(match[1] ?? ''),
        decodeURIComponent(match[2] ?? ''),
      );
      forwardUpgrade(request, socket, head, target);
    })().catch((error: unknown) => {
      const status = isTrellisError(error) ? error.status : 500;
      if (status === 500) context.logger.error({ err: error }, 'compute instance lab: a WebSocket could not be proxied');
      socket.end(
        `HTTP/1.1 ${status} ${isTrellisError(error) ? error.code : 'InternalError'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
    });
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade);
  });
};

/** The running instance's target when `principal` may enter it: 404 (no such instance), 403 (not theirs), 409 (not running). */
async function admit(
  context: Context,
  access: AccessControl,
  instances: InstanceTargets | undefined,
  principal: Principal,
  workspace: string,
  name: string,
): Promise<LabTarget> {
  const scope = `/workspaces/${workspace}`;
  const isOwner = (await access.check(principal, ownerAction, scope)) === 'allowed';
  const instance = viewOf(await getInstance(context, workspace, name));
  const isAssigned = principal.name === instance.assignedUser && (await access.check(principal, applicationAccess, scope)) === 'allowed';
  if (!isOwner && !isAssigned)
    throw new TrellisError(
      'AuthorizationFailed',
      403,
      `compute instance '${name}' is assigned to ${instance.assignedUser ?? 'nobody'}; ${actorOf(principal)} may not use its JupyterLab (only its assigned user and Owners may)`,
    );
  const target = instances?.targetOf(workspace, name);
  if (!target)
    throw new TrellisError(
      'ComputeInstanceNotRunning',
      409,
      `compute instance '${name}' is ${instance.state}, not running; start it with: trellis compute start --name ${name} -w ${workspace}`,
    );
  return target;
}

/** The request's headers for Jupyter: hop-by-hop ones dropped, Trellis's credentials swapped for Jupyter's token. */
function upstreamHeaders(headers: IncomingHttpHeaders, target: LabTarget, keepUpgrade: boolean): IncomingHttpHeaders {
  const forwarded: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (keepUpgrade || !hopByHop.has(name)) forwarded[name] = value;
  forwarded.authorization = `token ${target.token}`;
  // The studio's session cookie is a Trellis credential: it never reaches the user's notebooks.
  const cookie = headers.cookie
    ?.split(';')
    .filter((part) => part.trim().split('=')[0] !== sessionCookie)
    .join(';');
  if (cookie) forwarded.cookie = cookie;
  else delete forwarded.cookie;
  return forwarded;
}

function forwardHttp(request: IncomingMessage, response: import('node:http').ServerResponse, target: LabTarget): void {
  const upstream = httpRequest(
    {
      host: '127.0.0.1',
      port: target.port,
      method: request.method,
      path: request.url,
      headers: upstreamHeaders(request.headers, target, false),
    },
    (answer) => {
      const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !hopByHop.has(name)));
      response.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', (error) => {
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
    response.end(`JupyterLab did not answer: ${error.message}`);
  });
  request.pipe(upstream);
}

function forwardUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: LabTarget): void {
  const upstream = httpRequest({
    host: '127.0.0.1',
    port: target.port,
    method: request.method,
    path: request.url,
    headers: upstreamHeaders(request.headers, target, true),
  });
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 ${answer.statusCode ?? 101} ${answer.statusMessage ?? 'Switching Protocols'}`];
    for (let index = 0; index < answer.rawHeaders.length; index += 2)
      lines.push(`${answer.rawHeaders[index]}: ${answer.rawHeaders[index + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    // Either side closing closes the other: a kernel's channel ends with the tab, and the tab's with the kernel.
    socket.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('error', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
  });
  upstream.on('response', (answer) => {
    // Jupyter refused the upgrade (an unknown kernel, say): its answer goes back as it is.
    socket.end(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    answer.resume();
  });
  upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
  upstream.end();
}

/** True when the request has no Origin (not a browser page) or one naming the host it was sent to. */
function isSameOrigin(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
