import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestRecord } from './endpoint-router.js';

/**
 * The online endpoints' metrics in Prometheus text at `/metrics`: requests by endpoint,
 * deployment and status, latency, requests in flight and instances per deployment. Mirrored
 * copies are counted apart (`mirrored="true"`), so a candidate's errors show before it takes
 * live traffic.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'trellis_endpoint_requests_total',
    help: 'Scoring requests answered, by endpoint, deployment, status code and whether it was a mirrored copy',
    labelNames: ['workspace', 'endpoint', 'deployment', 'status', 'mirrored'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'trellis_endpoint_request_duration_seconds',
    help: 'Time from the request reaching the router to its answer, by endpoint and deployment',
    labelNames: ['workspace', 'endpoint', 'deployment'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'trellis_endpoint_requests_in_flight',
    help: 'Scoring calls being answered or waiting for an instance, by deployment',
    labelNames: ['workspace', 'endpoint', 'deployment'] as const,
    registers: [this.registry],
  });
  readonly instances = new Gauge({
    name: 'trellis_deployment_instances',
    help: 'Instances of a deployment, by state (ready, desired)',
    labelNames: ['workspace', 'endpoint', 'deployment', 'state'] as const,
    registers: [this.registry],
  });

  /** Counts one finished request (the router's onRequest). */
  record = (record: RequestRecord): void => {
    const deployment = record.deployment ?? '';
    this.requests.inc({
      workspace: record.workspace,
      endpoint: record.endpoint,
      deployment,
      status: String(record.status),
      mirrored: String(record.mirrored),
    });
    if (!record.mirrored)
      this.latency.observe({ workspace: record.workspace, endpoint: record.endpoint, deployment }, record.latencyMs / 1000);
  };

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
