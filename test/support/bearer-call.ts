/** What a call answered: the status, the body as text, and parsed (an empty object for a body that is not JSON). */
export interface CallAnswer {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

/** One call to a Trellis route with a bearer token (none: unauthenticated), and a JSON body when one is given. */
export async function bearerCall(
  baseUrl: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<CallAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const isJson = text.startsWith('{') || text.startsWith('[');
  return { status: response.status, text, json: (isJson ? JSON.parse(text) : {}) as Record<string, unknown> };
}
