import assert from 'node:assert/strict';

/** A POST to a server's MLflow REST API (`<base>/api/2.0/mlflow/<path>`) that must answer 200; its JSON. */
export async function mlflowPost<T>(base: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}
