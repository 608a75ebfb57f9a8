import { Socket } from 'node:net';
import { hasCode } from '../../core/error-codes.js';
import { FrameWriter } from '../frame-writer.js';
import {
  CallKind,
  CONTROL_ID,
  ControlStatus,
  encodeAnswerHeader,
  PROTOCOL_FD,
  RequestDecoder,
  WORKER_CONFIG_ENV,
  type RequestFrame,
  type WorkerConfig,
} from '../worker-protocol.js';
import { errorAnswer, JSON_CONTENT_TYPE, type WorkerAnswer } from './worker-answer.js';

/**
 * The worker's side of the protocol, for the Node workers (onnx, node-script): loads the model,
 * says so (or why not, and exits 1), then answers calls as they come, several at a time. A ping is
 * answered at once. When the server's end closes, the worker exits: it never outlives its server.
 */

/** What a loaded model answers; each may return a promise. */
export interface WorkerHandlers {
  score(body: Buffer, contentType: string): Promise<WorkerAnswer> | WorkerAnswer;
  inferV2(body: Buffer, contentType: string): Promise<WorkerAnswer> | WorkerAnswer;
  metadata(): Promise<WorkerAnswer> | WorkerAnswer;
  /** A batch scoring script's run(mini_batch) (CallKind.miniBatch); only script runtimes have one. */
  miniBatch?(body: Buffer): Promise<WorkerAnswer> | WorkerAnswer;
}

/** The worker's configuration, from the environment the server set. */
export function readWorkerConfig(): WorkerConfig {
  const raw = process.env[WORKER_CONFIG_ENV];
  if (!raw) throw new Error(`${WORKER_CONFIG_ENV} is not set: this script is started by Trellis, one process per deployment instance`);
  return JSON.parse(raw) as WorkerConfig;
}

/** The first line of an error, for the caller; the whole stack goes to the instance log. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.split('\n')[0] ?? message;
}

export async function runWorker(load: (config: WorkerConfig) => Promise<WorkerHandlers>): Promise<void> {
  const socket = new Socket({ fd: PROTOCOL_FD, readable: true, writable: true });
  const writer = new FrameWriter(socket);
  let exitCode = 0;
  // The server went away (or closed the channel to stop us): nothing is left to answer. Any other
  // error is said first on stderr, which is the instance log: a worker's only channel besides fd 3.
  socket.on('error', (error) => {
    if (!hasCode(error, 'EPIPE', 'ECONNRESET')) process.stderr.write(`the channel to the server failed, exiting: ${error.message}\n`);
    process.exit(exitCode);
  });
  socket.on('close', () => process.exit(exitCode));
  const send = (id: number, answer: WorkerAnswer) =>
    writer.write(encodeAnswerHeader(id, answer.status, answer.contentType, answer.body.length), answer.body);

  let handlers: WorkerHandlers;
  try {
    handlers = await load(readWorkerConfig());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`the model could not load: ${error instanceof Error ? (error.stack ?? reason) : reason}\n`);
    const body = Buffer.from(reason);
    exitCode = 1;
    socket.end(Buffer.concat([encodeAnswerHeader(CONTROL_ID, ControlStatus.failed, 'text/plain', body.length), body]), () =>
      process.exit(1),
    );
    return;
  }

  const answer = (frame: RequestFrame, result: Promise<WorkerAnswer> | WorkerAnswer) => {
    if (!(result instanceof Promise)) return send(frame.id, result);
    result.then(
      (value) => send(frame.id, value),
      (error: unknown) => {
        process.stderr.write(`call failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
        send(frame.id, errorAnswer(500, firstLine(error)));
      },
    );
  };
  const decoder = new RequestDecoder((frame) => {
    try {
      switch (frame.kind) {
        case CallKind.ping:
          return send(frame.id, pong);
        case CallKind.score:
          return answer(frame, handlers.score(frame.body, frame.contentType));
        case CallKind.v2Infer:
          return answer(frame, handlers.inferV2(frame.body, frame.contentType));
        case CallKind.v2Metadata:
          return answer(frame, handlers.metadata());
        case CallKind.miniBatch:
          return answer(
            frame,
            handlers.miniBatch
              ? handlers.miniBatch(frame.body)
              : errorAnswer(400, 'this runtime has no run(mini_batch): batch scoring scripts need code_configuration.scoring_script'),
          );
        default:
          return send(frame.id, errorAnswer(400, `unknown call kind ${frame.kind}`));
      }
    } catch (error) {
      process.stderr.write(`call failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      send(frame.id, errorAnswer(500, firstLine(error)));
    }
  });
  socket.on('data', (chunk: Buffer) => decoder.push(chunk));
  const facts = Buffer.from(JSON.stringify({ pid: process.pid }));
  writer.write(encodeAnswerHeader(CONTROL_ID, ControlStatus.loaded, JSON_CONTENT_TYPE, facts.length), facts);
}

const pong: WorkerAnswer = { status: 200, contentType: '', body: Buffer.alloc(0) };
