import { JSON_CONTENT_TYPE, type WorkerAnswer } from './worker-answer.js';

/**
 * What a scoring script's run() returned, as an answer: a string is passed as it is (JSON when it
 * reads as JSON, text otherwise), bytes as bytes, anything else as JSON.
 */
export function scriptAnswer(result: unknown): WorkerAnswer {
  if (typeof result === 'string')
    return { status: 200, contentType: looksLikeJson(result) ? JSON_CONTENT_TYPE : 'text/plain; charset=utf-8', body: Buffer.from(result) };
  if (result instanceof Uint8Array)
    return { status: 200, contentType: 'application/octet-stream', body: Buffer.from(result.buffer, result.byteOffset, result.byteLength) };
  return { status: 200, contentType: JSON_CONTENT_TYPE, body: Buffer.from(JSON.stringify(result ?? null)) };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    // Not JSON: that is the answer to the question, not an error (the text is sent as text/plain).
    return false;
  }
}
