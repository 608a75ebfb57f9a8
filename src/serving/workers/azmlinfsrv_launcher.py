"""Starts Azure ML's inference server (azmlinfsrv) for runtime azureml-inference-server.

Started by src/serving/inference-server-instance.ts with the deployment environment's Python, in
the code folder, with azmlinfsrv's own arguments (--entry_script, --model_dir, --port). It runs
what the `azmlinfsrv` console script runs (azureml_inference_server_http.amlserver.run), with
four differences:

- it listens on 127.0.0.1 only (azmlinfsrv binds 0.0.0.0); Trellis's router is the way in;
- gunicorn's control socket (gunicorn 25.1 and later, one per user at ~/.gunicorn/gunicorn.ctl
  by default) is turned off, so instances on one machine do not take it from each other;
- the root logger writes INFO to stderr, so a scoring script's logging.info(...) reaches the
  instance log (`get-logs`); azmlinfsrv configures only its own and gunicorn's loggers;
- it stops (gunicorn and its workers) when Trellis's end of its stdin closes: a server that was
  killed leaves no scoring server behind.
"""

import os
import signal
import sys
import threading

from azureml_inference_server_http import amlserver
from trellis_script_logging import log_root_to_stderr

def turn_off_control_socket():
    import gunicorn.config

    if any(setting.name == "control_socket_disable" for setting in gunicorn.config.KNOWN_SETTINGS):
        given = os.environ.get("GUNICORN_CMD_ARGS", "")
        os.environ["GUNICORN_CMD_ARGS"] = f"{given} --no-control-socket".strip()


def stop_with_trellis():
    def watch():
        # Nothing is ever written: read() returns b"" when the writer, the Trellis server, is gone.
        # os.read holds no lock of sys.stdin's: a worker forked meanwhile must not inherit one held.
        while os.read(0, 4096):
            pass
        os.killpg(os.getpgid(0), signal.SIGTERM)

    # Started before gunicorn forks: the thread lives in the master only.
    threading.Thread(target=watch, name="trellis-watch", daemon=True).start()


def main():
    stop_with_trellis()
    turn_off_control_socket()
    log_root_to_stderr(skip_prefixes=("azmlinfsrv", "gunicorn"))
    amlserver.DEFAULT_HOST = "127.0.0.1"
    sys.argv = ["azmlinfsrv", *sys.argv[1:]]
    amlserver.run()


if __name__ == "__main__":
    main()
