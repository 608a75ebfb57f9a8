/** What a JSON call answered: the status, the body as text, and parsed (an empty object for an empty body). */
export interface CallAnswer {
  status: number;
  text: string;
  json: Record<string, unknown>;
}

/** One call to a Trellis API route with a bearer token, and a JSON body when one is given. */
export async function bearerCall(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<CallAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
