import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOnlineDeployment } from '../core/azureml/parse-endpoint-file.js';
import { poolSettingsFor } from './pool-settings.js';

const file = (...rows: string[]) =>
  `${[
    '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json',
    'name: blue',
    'endpoint_name: my-endpoint',
    'model: azureml:my-model:1',
    'instance_type: Standard_DS3_v2',
    'instance_count: 3',
    ...rows,
  ].join('\n')}\n`;

describe('poolSettingsFor', () => {
  it("turns Azure's defaults into the pool's settings, in milliseconds", () => {
    const { spec } = parseOnlineDeployment(file(), 'd.yml');
    assert.deepEqual(poolSettingsFor(spec), {
      instanceCount: 3,
      maxConcurrentRequestsPerInstance: 1,
      maxQueueWaitMs: 500,
      requestTimeoutMs: 5_000,
      loadTimeoutMs: 310_000,
      livenessProbe: { initialDelayMs: 10_000, periodMs: 10_000, timeoutMs: 2_000, failureThreshold: 30 },
    });
  });

  it('takes request_settings and the longer probe window to load in', () => {
    const { spec } = parseOnlineDeployment(
      file(
        'request_settings:',
        '  request_timeout_ms: 90000',
        '  max_concurrent_requests_per_instance: 4',
        '  max_queue_wait_ms: 0',
        'liveness_probe:',
        '  period: 5',
        '  timeout: 1',
        '  failure_threshold: 3',
        'readiness_probe:',
        '  initial_delay: 600',
      ),
      'd.yml',
    );
    const settings = poolSettingsFor(spec);
    assert.equal(settings.requestTimeoutMs, 90_000);
    assert.equal(settings.maxConcurrentRequestsPerInstance, 4);
    assert.equal(settings.maxQueueWaitMs, 0);
    assert.deepEqual(settings.livenessProbe, { initialDelayMs: 10_000, periodMs: 5_000, timeoutMs: 1_000, failureThreshold: 3 });
    assert.equal(settings.loadTimeoutMs, 900_000);
  });
});
