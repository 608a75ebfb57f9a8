import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ProblemBody } from '../contract/problem.js';
import { isTrellisError, type Problem } from '../core/errors.js';

// The schema is part of the HTTP contract; handleError below writes what it describes.
export { type ProblemBody, problemSchema } from '../contract/problem.js';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  problems: Problem[] = [],
): FastifyReply {
  const body: ProblemBody = {
    type: `urn:trellis:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    code,
    detail,
    instance: request.url,
    requestId: String(request.id),
    ...(problems.length > 0 ? { problems } : {}),
  };
  return reply.status(status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(body));
}

/** Turns any error into a problem+json answer; never leaks a stack trace. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isMlflowRequest(request)) return sendMlflowError(error, request, reply);
  if (isTrellisError(error)) return sendProblem(request, reply, error.status, error.code, error.message, error.problems);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const problems = error.validation.map((item) => ({
      path: `${where}${item.instancePath.replace(/\//g, '.')}`,
      message: item.message ?? 'is not valid',
    }));
    return sendProblem(
      request,
      reply,
      400,
      'InvalidRequest',
      `the request ${where} is not valid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      problems,
    );
  }
  const fastifyCode = (error as FastifyError).code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // Fastify asks to close here; draining the rest instead lets the client read the 413 (see below).
      reply.removeHeader('connection');
      drainThenClose(request);
      return sendProblem(
        request,
        reply,
        413,
        'PayloadTooLarge',
        `the request body is larger than this server accepts (${(error as FastifyError).message}); send less, upload large files through /uploads, or raise TRELLIS_MAX_BODY_BYTES`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(
        request,
        reply,
        415,
        'UnsupportedMediaType',
        `content type '${request.headers['content-type'] ?? ''}' is not accepted here; send application/json (or application/yaml for apply, application/octet-stream for uploads)`,
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendProblem(request, reply, 400, 'MalformedJson', `the request body is not valid JSON: ${error.message}; send a JSON object`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendProblem(request, reply, 400, 'InvalidContentLength', 'the Content-Length header does not match the body sent');
  }
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return sendProblem(request, reply, status, 'BadRequest', error.message);
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(
    request,
    reply,
    500,
    'InternalError',
    `the server failed to handle this request; its log has the details under request id ${String(request.id)}`,
  );
}

/**
 * Reads and discards the rest of a refused body instead of closing at once: closing a socket with
 * unread bytes makes the kernel send a reset, and the client loses the 413 before reading it.
 * Bounded in time, so a client that never stops sending is cut off.
 */
function drainThenClose(request: FastifyRequest): void {
  request.raw.resume();
  const socket = request.raw.socket;
  const timer = setTimeout(() => socket.destroy(), 10_000);
  timer.unref();
  request.raw.once('end', () => clearTimeout(timer));
}

/** MLflow's REST API (2.0 and 3.0), the web UI's downloads at the root (/get-artifact, /model-versions/get-artifact), and OTLP span ingestion. */
const mlflowPath =
  /^(\/workspaces\/[^/]+\/mlflow)?(\/(ajax-)?api\/[23]\.0\/mlflow(-artifacts)?\/|\/(model-versions\/)?get-artifact(\?|$)|\/v1\/traces(\?|$))/;

export function isMlflowRequest(request: FastifyRequest): boolean {
  return mlflowPath.test(request.url.replace(/\/{2,}/g, '/'));
}

/** MLflow clients read `{error_code, message}` and branch on the code, so the MLflow API answers in that shape. */
function sendMlflowError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status: number;
  let code: string;
  if (isTrellisError(error)) {
    status = error.status;
    code = /^[A-Z_]+$/.test(error.code)
      ? error.code
      : status === 401
        ? 'UNAUTHENTICATED'
        : status === 403
          ? 'PERMISSION_DENIED'
          : status === 429
            ? 'RESOURCE_EXHAUSTED'
            : status === 404
              ? 'RESOURCE_DOES_NOT_EXIST'
              : status === 409
                ? 'RESOURCE_ALREADY_EXISTS'
                : status < 500
                  ? 'INVALID_PARAMETER_VALUE'
                  : 'INTERNAL_ERROR';
  } else if ((error as FastifyError).statusCode === 413 || (error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    reply.removeHeader('connection');
    drainThenClose(request);
    status = 413;
    code = 'INVALID_PARAMETER_VALUE';
  } else if ((error as FastifyError).statusCode !== undefined && (error as FastifyError).statusCode! < 500) {
    status = 400;
    code = 'INVALID_PARAMETER_VALUE';
  } else {
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({
      error_code: 'INTERNAL_ERROR',
      message: `the server failed to handle this request; its log has the details under request id ${String(request.id)}`,
    });
  }
  return reply.status(status).type('application/json').send({ error_code: code, message: error.message });
}
