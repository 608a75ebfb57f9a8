import { hostname as machineHostname, networkInterfaces } from 'node:os';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackHost, type TrellisConfig } from '../config/config.js';
import { isMlflowRequest, sendProblem } from './problem.js';

/**
 * What a browser may and may not make this server do. Three guards, one hook each, on every route:
 * - the Host header must name this server (DNS rebinding: a page of `evil.example`, whose name
 *   the attacker points at 127.0.0.1, is same-origin with itself and reads every answer);
 * - a state change (any method but GET, HEAD, OPTIONS) must not come from another origin's page:
 *   a foreign `Origin` or `Sec-Fetch-Site: cross-site|same-site` is refused, and a POST relying on
 *   ambient credentials (no Authorization header) may not use a content type a page can send
 *   cross-site without a CORS preflight;
 * - security headers (helmet): no framing, no MIME sniffing, no referrer, and a Content-Security-Policy:
 *   the studio's pages run only their own scripts; everything else (API answers, artifacts) runs none.
 */

export interface HttpGuardsOptions {
  config: TrellisConfig;
  /** The address the server listens on (config.host): a specific address is a name it serves; 0.0.0.0 or :: admit this machine's names. */
  listenHost: string;
  /**
   * Lets a POST without an Authorization header and with a form content type through, when it proves
   * it came from this server's own page (a session cookie's CSRF token, once the studio signs in with one).
   */
  acceptsCsrfToken?: (request: FastifyRequest) => boolean;
  /** This machine's addresses and host name (default: from os.networkInterfaces() and os.hostname()). */
  machineNames?: () => Iterable<string>;
}

/** Why a request is refused, before any route sees it. */
export interface Refusal {
  status: 403 | 415;
  code: 'HostNotAllowed' | 'CrossOriginRefused' | 'SimpleContentTypeRefused';
  message: string;
}

/** The names a Host header may carry, besides loopback names and (on 0.0.0.0 or ::) this machine's own. */
export interface HostAllowList {
  names: ReadonlySet<string>;
  /** `.example.org` in allowed_hosts: that domain and every name under it. */
  domains: readonly string[];
  /** `*` in allowed_hosts: the Host check is off. */
  isAnyHost: boolean;
  /** Listening on every interface: this machine's addresses and host name are its names too. */
  isWildcardListen: boolean;
}

/** The headers and facts the guards decide on; plain values, so the decision is a pure function. */
export interface RequestFacts {
  method: string;
  /** The scheme the request arrived over. */
  protocol: 'http' | 'https';
  host?: string | undefined;
  origin?: string | undefined;
  secFetchSite?: string | undefined;
  authorization?: string | undefined;
  contentType?: string | undefined;
  requestedBy?: string | undefined;
}

const wildcardAddresses = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * The host name a Host header names: lower case, without its port, IPv6 brackets or a trailing dot.
 * Undefined when the header is not a host[:port].
 */
export function hostNameOf(header: string): string | undefined {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d*)?$/i.exec(header);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const plain = /^([a-z0-9_.-]+)(?::\d*)?$/i.exec(header);
  if (!plain) return undefined;
  return plain[1]!.toLowerCase().replace(/\.$/, '');
}

/** A name as a setting gives it: a Host header's form, or an IPv6 address without brackets. */
function hostNameOfSetting(text: string): string | undefined {
  return hostNameOf(/:.*:/.test(text) && !text.startsWith('[') ? `[${text}]` : text);
}

/** The allow-list from the settings: public_url's host, allowed_hosts, and the listen address when it is a specific one. */
export function hostAllowList(settings: {
  publicUrl?: string | undefined;
  allowedHosts: readonly string[];
  listenHost: string;
}): HostAllowList {
  const names = new Set<string>();
  const domains: string[] = [];
  let isAnyHost = false;
  for (const entry of settings.allowedHosts) {
    const name = entry.trim().toLowerCase();
    if (name === '*') isAnyHost = true;
    else if (name.startsWith('.')) domains.push(name.replace(/\.$/, ''));
    else {
      const parsed = hostNameOfSetting(name);
      if (parsed) names.add(parsed);
    }
  }
  if (settings.publicUrl && URL.canParse(settings.publicUrl)) {
    const name = hostNameOf(new URL(settings.publicUrl).host);
    if (name) names.add(name);
  }
  const listen = settings.listenHost.trim().toLowerCase();
  const isWildcardListen = wildcardAddresses.has(listen);
  // 0.0.0.0 (or ::) as a Host is this machine too: only a page served from it can name it.
  const listenName = hostNameOfSetting(listen);
  if (listenName) names.add(listenName);
  return { names, domains, isAnyHost, isWildcardListen };
}

/**
 * Whether a Host header's name (see hostNameOf) is one this server serves: a loopback name, a name
 * of the allow-list, or, when listening on every interface, one of `machineNames()`. The machine's
 * names are read only for a name not found otherwise, so addresses that change (DHCP) are seen.
 */
export function isHostAllowed(list: HostAllowList, name: string, machineNames: () => Iterable<string>): boolean {
  if (list.isAnyHost || isLoopbackHost(name) || list.names.has(name)) return true;
  if (list.domains.some((domain) => name === domain.slice(1) || name.endsWith(domain))) return true;
  if (!list.isWildcardListen) return false;
  for (const own of machineNames()) if (own.toLowerCase() === name) return true;
  return false;
}

/** This machine's interface addresses (without IPv6 zones) and its host name, short and as given. */
export function localMachineNames(): string[] {
  const names: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) names.push(address.address.replace(/%.*$/, ''));
  }
  const hostname = machineHostname().toLowerCase();
  names.push(hostname, hostname.split('.')[0]!);
  return names;
}

/**
 * Whether an Origin header names this server: the scheme the request came over, an allowed host
 * name, and the port of the request's Host header (another port on the same name is another
 * program); or exactly the origin of public_url, which a proxy in front may serve under another scheme.
 * `null` (sandboxed frames, file: pages) and anything unparsable are not this server.
 */
export function isOwnOrigin(
  origin: string,
  request: { protocol: 'http' | 'https'; host: string },
  isAllowedName: (name: string) => boolean,
  publicUrl?: string,
): boolean {
  if (!URL.canParse(origin)) return false;
  const from = new URL(origin);
  if (publicUrl && URL.canParse(publicUrl) && from.origin === new URL(publicUrl).origin) return true;
  const ownText = `${request.protocol}://${request.host}`;
  if (!URL.canParse(ownText)) return false;
  const own = new URL(ownText);
  const fromName = hostNameOf(from.host);
  return from.protocol === own.protocol && from.port === own.port && fromName !== undefined && isAllowedName(fromName);
}

/** The content types a page may send to another origin without a CORS preflight (the Fetch standard's list). */
export function isCorsSimpleContentType(contentType: string): boolean {
  const essence = contentType.split(';')[0]!.trim().toLowerCase();
  return essence === 'text/plain' || essence === 'application/x-www-form-urlencoded' || essence === 'multipart/form-data';
}

/**
 * The guards' decision for one request; undefined lets it through. `isAllowedName` is
 * isHostAllowed over the server's allow-list; `acceptsCsrfToken` asks the optional CSRF-token check.
 */
export function refusalOf(
  facts: RequestFacts,
  policy: { isAllowedName: (name: string) => boolean; publicUrl?: string | undefined; acceptsCsrfToken: () => boolean },
): Refusal | undefined {
  // Browsers always send Host, and Node refuses HTTP/1.1 without one: a request without it is no rebinding page.
  if (facts.host !== undefined) {
    const name = hostNameOf(facts.host);
    if (name === undefined || !policy.isAllowedName(name))
      return {
        status: 403,
        code: 'HostNotAllowed',
        message: `this server does not answer to the host '${facts.host}' (the Host header; names are checked to stop DNS-rebinding pages). It answers to loopback names${policy.publicUrl ? `, public_url's host` : ''} and allowed_hosts; to reach it by this name, add it to allowed_hosts in config.yaml or to TRELLIS_ALLOWED_HOSTS (comma-separated), or set public_url to the address clients use`,
      };
  }
  if (['GET', 'HEAD', 'OPTIONS'].includes(facts.method.toUpperCase())) return undefined;
  if (
    facts.origin !== undefined &&
    !isOwnOrigin(facts.origin, { protocol: facts.protocol, host: facts.host ?? '' }, policy.isAllowedName, policy.publicUrl)
  )
    return {
      status: 403,
      code: 'CrossOriginRefused',
      message: `a ${facts.method} from the origin '${facts.origin}' (the Origin header) is refused: this server takes changes only from its own pages, scripts and the CLI. Call it without an Origin header (curl, the SDKs, trellis), or from the studio on this server; behind a proxy, set public_url (TRELLIS_PUBLIC_URL) to the address browsers use`,
    };
  const site = facts.secFetchSite?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site')
    return {
      status: 403,
      code: 'CrossOriginRefused',
      message: `a ${facts.method} from a page of another ${site === 'cross-site' ? 'site' : 'origin on this site'} (Sec-Fetch-Site: ${site}) is refused: this server takes changes only from its own pages, scripts and the CLI; use the studio on this server, or call the API from a script`,
    };
  // Only a POST can be sent cross-origin without a preflight (a form, a no-cors fetch): a PUT, PATCH or
  // DELETE always asks first, and this server approves no preflight. A request with an Authorization
  // header carries its own credentials, which a foreign page cannot make the browser attach.
  if (
    facts.method.toUpperCase() === 'POST' &&
    !facts.authorization &&
    facts.requestedBy === undefined &&
    // No body, no content type: a browser sends Origin with such a POST, which the check above judged.
    facts.contentType !== undefined &&
    isCorsSimpleContentType(facts.contentType) &&
    !policy.acceptsCsrfToken()
  )
    return {
      status: 415,
      code: 'SimpleContentTypeRefused',
      message: `a POST with the content type '${facts.contentType}' (the Content-Type header) and no Authorization header is refused: a page of another site can make a browser send one like it (cross-site request forgery). Send the body as application/json, or add the header 'X-Requested-By: <your tool>' (any value), or authenticate with an Authorization header`,
    };
  return undefined;
}

/** The studio runs its own bundled scripts and styles and talks to this server only; nothing may frame it. */
const studioDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // React and uPlot set element styles through the CSSOM (element.style), which style-src does not
  // govern; the studio has no inline <style> or style="" markup (the browser test checks for violations).
  'style-src': ["'self'"],
  // data: for small images a stylesheet or an artifact preview may inline; they run no code.
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Everything else (JSON answers, artifacts, logs) is data, never a page: an HTML artifact opened from
 * this origin runs nothing and loads nothing, so an uploaded page cannot act with the viewer's access.
 */
const dataDirectives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

function isStudioPath(url: string): boolean {
  return url === '/studio' || url.startsWith('/studio/');
}

async function guards(app: FastifyInstance, options: HttpGuardsOptions): Promise<void> {
  const { config } = options;
  // Before helmet's own onRoute hook, which reads a route's `helmet` option: the studio's pages get their policy.
  app.addHook('onRoute', (route) => {
    if (isStudioPath(route.url)) route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: studioDirectives } };
  });
  await app.register(fastifyHelmet, {
    // useDefaults off: helmet's defaults add upgrade-insecure-requests, which sends a plain-HTTP server's
    // (LAN address, no TLS) own subresources to https and breaks the studio.
    contentSecurityPolicy: { useDefaults: false, directives: dataDirectives },
    // require-corp would make pages refuse any subresource without CORP; the studio needs no
    // cross-origin isolation (no SharedArrayBuffer), and API clients and scoring callers ignore it.
    crossOriginEmbedderPolicy: false,
    // Other origins' pages may not embed these answers (artifacts, JSON) as images or scripts; the
    // studio is same-origin, and non-browser clients (MLflow, scoring, the CLI) never read this header.
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // Run IDs, workspace and endpoint names sit in studio URLs; links out need not tell them.
    referrerPolicy: { policy: 'no-referrer' },
    // Only a server that speaks TLS may tell browsers to insist on it; 180 days, this host only
    // (Trellis does not own its domain's other names).
    strictTransportSecurity: config.tls ? { maxAge: 180 * 24 * 60 * 60, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' },
  });

  const allowList = hostAllowList({ publicUrl: config.publicUrl, allowedHosts: config.allowedHosts, listenHost: options.listenHost });
  const machineNames = options.machineNames ?? localMachineNames;
  const isAllowedName = (name: string) => isHostAllowed(allowList, name, machineNames);
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refusalOf(factsOf(request), {
      isAllowedName,
      publicUrl: config.publicUrl,
      acceptsCsrfToken: () => options.acceptsCsrfToken?.(request) ?? false,
    });
    if (refusal) return refuse(request, reply, refusal);
  });
}

/**
 * Host allow-list, cross-site write refusals and security headers, as hooks on the instance it is
 * registered on: on the root, before the route plugins, they cover every route and the 404 handler.
 */
export const httpGuards: FastifyPluginAsync<HttpGuardsOptions> = Object.assign(guards, {
  // Fastify's documented opt-out of plugin encapsulation (what fastify-plugin sets): the hooks land on the parent.
  [Symbol.for('skip-override')]: true,
});

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function factsOf(request: FastifyRequest): RequestFacts {
  return {
    method: request.method,
    protocol: request.protocol === 'https' ? 'https' : 'http',
    host: header(request, 'host'),
    origin: header(request, 'origin'),
    secFetchSite: header(request, 'sec-fetch-site'),
    authorization: header(request, 'authorization'),
    contentType: header(request, 'content-type'),
    requestedBy: header(request, 'x-requested-by'),
  };
}

/** problem+json, or MLflow's `{error_code, message}` on the MLflow API, which its clients read. */
function refuse(request: FastifyRequest, reply: FastifyReply, refusal: Refusal): FastifyReply {
  if (isMlflowRequest(request))
    return reply
      .status(refusal.status)
      .type('application/json')
      .send({ error_code: refusal.status === 403 ? 'PERMISSION_DENIED' : 'BAD_REQUEST', message: `${refusal.code}: ${refusal.message}` });
  return sendProblem(request, reply, refusal.status, refusal.code, refusal.message);
}
