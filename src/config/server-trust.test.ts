import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverTrustVariables } from './server-trust.js';

describe('serverTrustVariables', () => {
  it('names nothing over plain HTTP', () => {
    assert.deepEqual(serverTrustVariables({ tls: undefined, caFile: '/etc/ca.pem' }), {});
  });

  it('names the ca_file when there is one, else the server certificate, as absolute paths', () => {
    const tls = { cert: 'certs/server.pem', key: 'certs/server.key' };
    assert.deepEqual(serverTrustVariables({ tls, caFile: '/etc/ca.pem' }), {
      MLFLOW_TRACKING_SERVER_CERT_PATH: '/etc/ca.pem',
      TRELLIS_CA_FILE: '/etc/ca.pem',
    });
    const own = serverTrustVariables({ tls, caFile: undefined });
    assert.equal(own.MLFLOW_TRACKING_SERVER_CERT_PATH, `${process.cwd()}/certs/server.pem`);
    assert.equal(own.TRELLIS_CA_FILE, own.MLFLOW_TRACKING_SERVER_CERT_PATH);
  });
});
