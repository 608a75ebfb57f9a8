/**
 * Which HTTP headers cross the router, each way. A scoring script (azmlinfsrv's @rawhttp, a
 * `request_headers` argument) sees the client's request headers, less the credential and the
 * headers of the hop itself; the client sees the script's response headers (an AMLResponse's own,
 * azmlinfsrv's x-ms-*), less the hop's and those the router sets itself. Pure.
 */

type Headers = Record<string, string | string[] | undefined>;

// RFC 9110 section 7.6.1, plus what the HTTP client sets for the next hop.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
]);

/** Never passed to the model: the endpoint's key or token. */
const credentials = new Set(['authorization']);

/** Set by the router (content type, trace headers) or by the server that answers the client. */
const answeredByTrellis = new Set([
  'content-type',
  'date',
  'server',
  'azureml-model-deployment',
  'x-trellis-model',
  'x-trellis-collection-id',
]);

/** The request headers a scoring script gets: names in lower case, repeated values joined with ', '. */
export function requestHeadersForScript(headers: Headers): Record<string, string> {
  return pick(headers, (name) => !hopByHop.has(name) && !credentials.has(name) && !namedByConnection(headers).has(name));
}

/** The response headers of the script's answer that the client gets, besides its status, body and content type. */
export function answerHeadersForClient(headers: Headers): Record<string, string> {
  return pick(headers, (name) => !hopByHop.has(name) && !answeredByTrellis.has(name) && !namedByConnection(headers).has(name));
}

/**
 * The request headers of a scoring call sent on to the server that runs the endpoint's instances:
 * every end-to-end header, the credential included (that server checks it, as for a call it receives).
 */
export function requestHeadersForRelay(headers: Headers): Record<string, string> {
  return pick(headers, (name) => !hopByHop.has(name) && !namedByConnection(headers).has(name));
}

/** The response headers of the server that answered a relayed call that the client gets: all but the hop's (repeated ones kept apart). */
export function answerHeadersFromRelay(headers: Headers): Record<string, string | string[]> {
  const named = namedByConnection(headers);
  const kept: Record<string, string | string[]> = {};
  for (const [given, value] of Object.entries(headers)) {
    const name = given.toLowerCase();
    if (value === undefined || hopByHop.has(name) || named.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Headers the Connection header names are hop-by-hop too. */
function namedByConnection(headers: Headers): Set<string> {
  const connection = headers.connection ?? headers.Connection;
  const text = Array.isArray(connection) ? connection.join(',') : (connection ?? '');
  return new Set(
    text
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

function pick(headers: Headers, keep: (name: string) => boolean): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [given, value] of Object.entries(headers)) {
    const name = given.toLowerCase();
    if (value === undefined || !keep(name)) continue;
    picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}
