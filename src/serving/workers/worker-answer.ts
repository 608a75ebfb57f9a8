import type { ScoringAnswer } from '../scoring-instance.js';

export type WorkerAnswer = ScoringAnswer;

export const JSON_CONTENT_TYPE = 'application/json';

/** A JSON answer with the given status. */
export function jsonAnswer(status: number, body: string | Buffer): WorkerAnswer {
  return { status, contentType: JSON_CONTENT_TYPE, body: typeof body === 'string' ? Buffer.from(body) : body };
}

/** An error answer: {"error": message}. */
export function errorAnswer(status: number, message: string): WorkerAnswer {
  return jsonAnswer(status, JSON.stringify({ error: message }));
}
