import { type BodyOf, type ParamsOf, pathOf, type QueryOf, type ResponseOf, type Route } from '../contract/route.js';
import { ApiError } from './api-error.js';

/** The header that marks a request as sent by a program, not by a page of another site. */
export const requestedByHeader = 'x-requested-by';

/** A query string's values: repeated keys for arrays, nothing for undefined. */
export type QueryValues = Record<string, unknown>;

/** How one request is sent besides its method and path. */
export interface RequestOptions {
  query?: QueryValues;
  body?: unknown;
  /** Bytes streamed as the body (a Node Readable, or any async iterable of chunks). */
  stream?: AsyncIterable<Uint8Array>;
  contentType?: string;
  ifMatch?: string;
}

/** No fields: what an object whose fields are all optional extends. */
type NoFields = Record<never, never>;

type Given<K extends string, T> = [T] extends [undefined]
  ? { [P in K]?: undefined }
  : NoFields extends T
    ? { [P in K]?: T }
    : { [P in K]: T };

/** What a caller gives a route: its path parameters, query and body, as the contract types them. */
export type CallOptions<R extends Route> = Given<'params', ParamsOf<R>> &
  Given<'query', QueryOf<R>> &
  Given<'body', BodyOf<R>> & { ifMatch?: string };

/** Sends one request: the global fetch, or one the caller gives. */
export type FetchFunction = (url: URL, init: RequestInit) => Promise<Response>;

/** Calls a Trellis server over fetch: in Node (the CLI, the tests) and in the browser (the studio). */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    private readonly options: {
      /** A Trellis token or OpenID Connect JWT sent as the bearer credential; none: the server decides (the local owner from loopback). */
      token?: string | undefined;
      csrfToken?: () => string | undefined;
      /**
       * Sends the requests instead of the global fetch: the CLI's trusts the certificate authorities of
       * --ca-file (a Node dispatcher, which the browser build must not import). An ApiError it throws is passed on as it is.
       */
      fetch?: FetchFunction | undefined;
    } = {},
  ) {}

  /** Calls a route of the contract: the URL comes from its path template, the answer is typed by its response schema. */
  call<R extends Route>(
    route: R,
    ...[options]: NoFields extends CallOptions<R> ? [CallOptions<R>?] : [CallOptions<R>]
  ): Promise<ResponseOf<R>> {
    const given = (options ?? {}) as { params?: Record<string, string>; query?: QueryValues; body?: unknown; ifMatch?: string };
    return this.request<ResponseOf<R>>(route.method, pathOf(route.path, given.params), {
      ...(given.query ? { query: given.query } : {}),
      ...(given.body !== undefined ? { body: given.body } : {}),
      ...(given.ifMatch ? { ifMatch: given.ifMatch } : {}),
    });
  }

  /** The URL of a path on the server, with its query. */
  urlOf(path: string, query: QueryValues = {}): URL {
    const url = new URL(path, `${this.baseUrl}/`);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    return url;
  }

  /**
   * fetch, with a refused connection turned into an ApiError that says how to start a server. Every
   * request names its sender in X-Requested-By: a custom header, which a page of another site cannot
   * send without a CORS preflight, so the server's cross-site guard (api/http-guards.ts) lets this
   * client's POSTs through whatever their content type.
   */
  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has(requestedByHeader)) headers.set(requestedByHeader, 'trellis-client');
    if (this.options.token && !headers.has('authorization')) headers.set('authorization', `Bearer ${this.options.token}`);
    const csrf = this.options.csrfToken?.();
    if (csrf && !headers.has('x-csrf-token')) headers.set('x-csrf-token', csrf);
    try {
      return await (this.options.fetch ? this.options.fetch(url, { ...init, headers }) : fetch(url, { ...init, headers }));
    } catch (error) {
      if ((error as Error).name === 'AbortError' || error instanceof ApiError) throw error;
      const cause = (error as { cause?: { code?: string; errors?: Array<{ code?: string }>; message?: string } }).cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
      throw new ApiError(
        0,
        'ServerUnreachable',
        `cannot reach Trellis at ${this.baseUrl} (${reason}); start it with 'trellis up', or point --server / TRELLIS_URL at a running server`,
      );
    }
  }

  /** Sends one request and reads its JSON answer; a problem+json answer becomes an ApiError. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.urlOf(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: RequestInit['body'] | undefined;
    if (options.stream) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = readableStreamOf(options.stream);
    } else if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    if (options.ifMatch) headers['if-match'] = `"${options.ifMatch}"`;
    const response = await this.fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(options.stream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await response.text();
    const parsed = text.length > 0 ? safeJson(text) : undefined;
    if (!response.ok) throw problemOf(response, text, parsed);
    return parsed as T;
  }
}

/** The ApiError of a failed answer: the problem+json's code and detail, or the status. */
export function problemOf(response: Response, text: string, parsed = safeJson(text)): ApiError {
  const problem = (parsed ?? {}) as { code?: string; detail?: string; problems?: ApiError['problems']; requestId?: string };
  return new ApiError(
    response.status,
    problem.code ?? `Http${response.status}`,
    problem.detail ?? (text || response.statusText),
    problem.problems ?? [],
    problem.requestId,
  );
}

/** Chunks as a web ReadableStream, which fetch takes as a body in Node and in the browser. */
function readableStreamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** JSON.parse, or undefined for text that is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
