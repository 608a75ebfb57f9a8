import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerHeadersForClient, requestHeadersForScript } from './forwarded-headers.js';

describe('forwarded headers', () => {
  it('gives the script the request headers, less the credential and the hop-by-hop ones', () => {
    const headers = requestHeadersForScript({
      authorization: 'Bearer secret',
      'content-type': 'application/json',
      'content-length': '12',
      host: '127.0.0.1:8080',
      connection: 'keep-alive, x-hop',
      'keep-alive': 'timeout=5',
      'x-hop': 'only for this hop',
      'X-Caller': 'tests',
      'azureml-model-deployment': 'blue',
      accept: ['application/json', 'text/plain'],
      'x-missing': undefined,
    });
    assert.deepEqual(headers, {
      'content-type': 'application/json',
      'x-caller': 'tests',
      'azureml-model-deployment': 'blue',
      accept: 'application/json, text/plain',
    });
  });

  it("gives the client the script's answer headers, less those of the hop and those Trellis sets itself", () => {
    const headers = answerHeadersForClient({
      'content-type': 'image/png',
      'content-length': '3',
      'transfer-encoding': 'chunked',
      connection: 'close',
      date: 'Sun, 06 Dec 2026 01:20:12 GMT',
      server: 'gunicorn',
      'x-ms-run-function-failed': 'False',
      'x-ms-server-version': 'azmlinfsrv/1.5.1',
      'content-disposition': 'attachment; filename="out.png"',
      'azureml-model-deployment': 'spoofed',
    });
    assert.deepEqual(headers, {
      'x-ms-run-function-failed': 'False',
      'x-ms-server-version': 'azmlinfsrv/1.5.1',
      'content-disposition': 'attachment; filename="out.png"',
    });
  });
});
