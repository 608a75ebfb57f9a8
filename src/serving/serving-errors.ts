import { TrellisError } from '../core/errors.js';

/**
 * What a scoring call can fail with besides the model's own answer. Each is a TrellisError with
 * a stable code and the HTTP status the router answers with.
 */

/** Every instance was busy for max_queue_wait_ms: the router answers 429 with Retry-After. */
export class QueueFullError extends TrellisError {
  /** Seconds the client should wait before trying again (the Retry-After header). */
  readonly retryAfterSeconds: number;

  constructor(deployment: string, settings: { maxConcurrentRequestsPerInstance: number; maxQueueWaitMs: number; readyInstances: number }) {
    const retryAfterSeconds = Math.max(1, Math.ceil(settings.maxQueueWaitMs / 1000));
    super(
      'TooManyRequests',
      429,
      `deployment '${deployment}' is busy: ${settings.readyInstances} ready instance(s) × max_concurrent_requests_per_instance ` +
        `${settings.maxConcurrentRequestsPerInstance} calls are in flight and none freed up within max_queue_wait_ms ${settings.maxQueueWaitMs}; ` +
        `retry after ${retryAfterSeconds} s, or raise instance_count / max_concurrent_requests_per_instance`,
      { details: { retryAfterSeconds } },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The model did not answer in time: the router answers 504. */
export class TimeoutError extends TrellisError {
  /** `what` did not answer within `timeoutMs`; `setting` names the knob that sets the limit. */
  constructor(what: string, timeoutMs: number, setting = 'request_settings.request_timeout_ms') {
    super('RequestTimeout', 504, `${what} did not answer within ${timeoutMs} ms (${setting}); make the model faster or raise ${setting}`);
  }
}

/** The worker process died while calls were in flight, or the instance is not ready to take one. */
export class InstanceUnavailableError extends TrellisError {
  constructor(instanceId: string, reason: string) {
    super('InstanceUnavailable', 502, `instance '${instanceId}' could not answer: ${reason}`);
  }
}

/** No instance of the deployment is ready (still loading, or the model cannot load), or it is draining. */
export class DeploymentUnavailableError extends TrellisError {
  constructor(deployment: string, reason: string) {
    super('DeploymentNotReady', 503, `deployment '${deployment}' cannot take calls: ${reason}`);
  }
}

/** An instance's model did not load (the worker said why, or died): its deployment is not ready. */
export class ModelLoadError extends TrellisError {
  constructor(instanceId: string, reason: string) {
    super('ModelLoadFailed', 503, `instance '${instanceId}' is not ready: ${reason}`);
  }
}
