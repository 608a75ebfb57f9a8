import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFailure } from './inference-server-failure.js';

const initFailed = `2026-12-06 01:20:29,571 I [5361] azmlinfsrv.user_script - Invoking user's init function
2026-12-06 01:20:29,571 E [5361] azmlinfsrv - User's init function failed
2026-12-06 01:20:29,572 E [5361] azmlinfsrv - Encountered Exception Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/azureml_inference_server_http/server/user_script.py", line 119, in invoke_init
    self._user_init()
  File "/code/score.py", line 3, in init
    raise RuntimeError("the model file models/iris.pkl is missing")
RuntimeError: the model file models/iris.pkl is missing

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/azureml_inference_server_http/server/aml_blueprint.py", line 109, in setup
    self.user_script.invoke_init()
azureml_inference_server_http.server.user_script.UserScriptException: Caught an unhandled exception from the user script

2026-12-06 01:20:29,572 I [5361] azmlinfsrv - Model Directory Contents:
2026-12-06 01:20:29,572 I [5361] azmlinfsrv - model/
2026-12-06 01:20:29,729 E [5360] gunicorn.error - Shutting down: Master
2026-12-06 01:20:29,729 E [5360] gunicorn.error - Reason: Worker failed to boot.`.split('\n');

describe('why azmlinfsrv did not start', () => {
  it("names init() and the script's own exception, not azmlinfsrv's wrapper", () => {
    assert.equal(startFailure(initFailed), 'init() failed: RuntimeError: the model file models/iris.pkl is missing');
  });

  it('names a script that cannot be imported, with the import error', () => {
    const lines = [
      'Traceback (most recent call last):',
      '  File "/code/score.py", line 1, in <module>',
      "ModuleNotFoundError: No module named 'PIL'",
      '',
      'azureml_inference_server_http.server.user_script.UserScriptImportException: Failed to import user script because it raised an unhandled exception',
    ];
    assert.equal(startFailure(lines), "the scoring script could not be imported: ModuleNotFoundError: No module named 'PIL'");
  });

  it("gives azmlinfsrv's own complaint when the script raised nothing", () => {
    const lines = [
      'azureml_inference_server_http.server.user_script.UserScriptError: User script at /code/score.py does not have a run() function defined.',
    ];
    assert.equal(startFailure(lines), 'User script at /code/score.py does not have a run() function defined.');
  });

  it("else the last error line, without azmlinfsrv's prefix, else the last line", () => {
    assert.equal(
      startFailure([
        "2026-12-06 01:20:29,729 E [1] gunicorn.error - Connection in use: ('127.0.0.1', 5001)",
        '2026-12-06 01:20:29,730 I [1] gunicorn.error - Retrying in 1 second.',
      ]),
      "Connection in use: ('127.0.0.1', 5001)",
    );
    assert.equal(
      startFailure(['/venv/bin/python: No module named azureml_inference_server_http']),
      '/venv/bin/python: No module named azureml_inference_server_http',
    );
    assert.equal(startFailure(['', '  ']), undefined);
  });
});
