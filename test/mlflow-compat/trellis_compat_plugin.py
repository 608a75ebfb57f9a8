"""pytest plugin that points MLflow's own REST tests at Trellis instead of an MLflow server.

Loaded by test/mlflow-compat/run.mjs with `-p trellis_compat_plugin`. It never edits MLflow's test
files; after collection it replaces, in every collected test module, the names those modules use
to start a server:

- `ServerThread(app, port)` (an in-process MLflow app): yields the URL of a fresh Trellis instead;
- `_init_server(backend_uri, ...)` (a `uvicorn`/`flask` subprocess): likewise;
- `_launch_server(host, port, ...)` (`mlflow server` for the artifact proxy tests): starts Trellis
  on the port the fixture already chose, because the fixture builds its URLs from that port;
- `initialize_backend_stores(...)`: a no-op, so nothing answers from MLflow's in-process stores;
  where MLflow's in-process server would point the test process's tracking URI at its database,
  the stand-in points it at the Trellis URL.

Each test gets a fresh `trellis up` (new TRELLIS_HOME, SQLite) from a small pool started ahead of
time, because MLflow's tests assume an empty server ("search_experiments() == {'Default', ...}").
With TRELLIS_COMPAT_URL set, every test shares that one server instead (faster, less isolated).

It also deselects what deselected.json lists, and writes each test's outcome to
TRELLIS_COMPAT_RESULTS for run.mjs to summarise. With TRELLIS_COMPAT_BASELINE=1 it replaces
nothing, so the same selection runs against MLflow's own server (run.mjs --baseline).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

NODE = os.environ.get("TRELLIS_COMPAT_NODE", "node")
CLI = os.environ.get("TRELLIS_COMPAT_CLI", "dist/cli/main.js")
SHARED_URL = os.environ.get("TRELLIS_COMPAT_URL") or None
POOL_SIZE = int(os.environ.get("TRELLIS_COMPAT_POOL", "2"))
DESELECTED_PATH = os.environ.get("TRELLIS_COMPAT_DESELECTED")
RESULTS_PATH = os.environ.get("TRELLIS_COMPAT_RESULTS")
SERVER_LOGS = os.environ.get("TRELLIS_COMPAT_SERVER_LOGS")
# Baseline: leave MLflow's own fixtures alone, so the same tests run against MLflow's own server.
IS_BASELINE = os.environ.get("TRELLIS_COMPAT_BASELINE") == "1"
STARTUP_SECONDS = 30
READY_LINE = re.compile(r"Trellis is up at (http://\S+)")


class ServerStartError(RuntimeError):
    def __init__(self, returncode: int, output: str):
        super().__init__(f"trellis up exited with {returncode} before printing its URL:\n{output}")
        self.returncode = returncode


# Every server not yet stopped, so none outlives pytest.
_live: set = set()
atexit.register(lambda: [server.stop() for server in list(_live)])

# Servers that died of a signal while starting: not a test outcome, but worth a line in the summary.
_start_retries: list[str] = []


def _start_server(port: int = 0) -> "TrellisProcess":
    """Starts a server; a start killed by a signal (something outside the harness stopping node
    processes) is retried twice before it fails the test."""
    for attempt in range(3):
        try:
            return TrellisProcess(port)
        except ServerStartError as error:
            if error.returncode >= 0 or attempt == 2:
                raise
            _start_retries.append(f"trellis up killed by signal {-error.returncode} while starting; retried")
    raise AssertionError("unreachable")


class TrellisProcess:
    """One `node dist/cli/main.js up` with its own TRELLIS_HOME; `port=0` picks a free port."""

    def __init__(self, port: int = 0):
        self.home = tempfile.mkdtemp(prefix="trellis-compat-home-")
        self.log_path = os.path.join(self.home, "server.log")
        env = {**os.environ, "TRELLIS_HOME": self.home, "TRELLIS_PORT": str(port), "TRELLIS_LOG_LEVEL": "warn"}
        for name in ("TRELLIS_URL", "TRELLIS_DATABASE_URL", "TRELLIS_WORKSPACE"):
            env.pop(name, None)
        with open(self.log_path, "wb") as log:
            # Its own session: a signal meant for pytest's process group (Ctrl-C, a test that
            # kills its group) does not reach it; atexit and pytest_sessionfinish stop it instead.
            self.process = subprocess.Popen(
                [NODE, CLI, "up"], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        _live.add(self)
        self.url = self._await_url()
        _trellis_hosts.add(urllib.parse.urlsplit(self.url).netloc)

    def _await_url(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            output = self.output()
            if match := READY_LINE.search(output):
                return match.group(1)
            if self.process.poll() is not None:
                shutil.rmtree(self.home, ignore_errors=True)
                _live.discard(self)
                raise ServerStartError(self.process.returncode, output)
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"trellis up did not print its URL in {STARTUP_SECONDS} s:\n{self.output()}")

    def output(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.home, ignore_errors=True)
        _live.discard(self)

    # `mlflow server` stand-in for tests that hold a Popen: they call kill() or terminate().
    def kill(self) -> None:
        if self.process.poll() is not None:
            _record_server_exit(self)
        self.stop()

    terminate = kill

    def wait(self, timeout: float | None = None) -> int:
        return self.process.wait(timeout=timeout)


class ServerPool:
    """Keeps `size` servers starting in the background so a test rarely waits for one."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.executor = ThreadPoolExecutor(max_workers=self.size + 2, thread_name_prefix="trellis-pool")
        self.ready: deque[Future[TrellisProcess]] = deque()
        self.lock = threading.Lock()

    def acquire(self) -> TrellisProcess:
        with self.lock:
            while len(self.ready) < self.size + 1:
                self.ready.append(self.executor.submit(_start_server))
            future = self.ready.popleft()
        return future.result()

    def release(self, server: TrellisProcess) -> None:
        self.executor.submit(server.stop)

    def close(self) -> None:
        with self.lock:
            pending, self.ready = list(self.ready), deque()
        for future in pending:
            with contextlib.suppress(Exception):
                future.result().stop()
        self.executor.shutdown(wait=True)


_pool: ServerPool | None = None


def _acquire() -> TrellisProcess | None:
    global _pool
    if SHARED_URL:
        return None
    if _pool is None:
        _pool = ServerPool(POOL_SIZE)
    return _pool.acquire()


# Servers that were no longer running when their test let go of them, by test id.
_server_exits: dict[str, str] = {}


def _release(server: TrellisProcess | None) -> None:
    if server is None:
        return
    if server.process.poll() is not None:
        _record_server_exit(server)
    if _pool is not None:
        _pool.release(server)
    else:
        server.stop()


def _record_server_exit(server: TrellisProcess) -> None:
    """A server that died during a test: keep its log, and say in the result whether it crashed or
    was stopped by a signal (Trellis logs "shutting down" when it gets SIGTERM or SIGINT)."""
    test = os.environ.get("PYTEST_CURRENT_TEST", "unknown").rsplit(" ", 1)[0]
    output = server.output()
    code = server.process.returncode
    how = "was stopped by a signal from outside the test" if code < 0 or "shutting down" in output else "crashed"
    _server_exits[test] = f"Trellis server {how} (exit code {code}) during the test:\n{output[-3000:]}"
    if SERVER_LOGS:
        os.makedirs(SERVER_LOGS, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", test)[:180]
        with open(os.path.join(SERVER_LOGS, f"{name}.log"), "w", encoding="utf-8") as log:
            log.write(output)


class TrellisServerThread:
    """Stands in for tests.tracking.integration_test_utils.ServerThread; `app` and `port` are ignored.

    MLflow's in-process server also sets the test process's tracking and registry URIs to its
    backend store (handlers._get_tracking_store), so in-process CLI and fluent calls reach the
    server's data; here they are set to the Trellis URL instead, which MLflow reaches over REST.
    """

    def __init__(self, *args, **kwargs):
        self.server: TrellisProcess | None = None

    def __enter__(self) -> str:
        from mlflow.tracking import get_registry_uri, get_tracking_uri, set_registry_uri, set_tracking_uri

        self.server = _acquire()
        url = self.server.url if self.server else SHARED_URL
        self.previous_uris = (get_tracking_uri(), get_registry_uri())
        set_tracking_uri(url)
        set_registry_uri(url)
        return url

    def __exit__(self, *exc_info) -> None:
        from mlflow.tracking import set_registry_uri, set_tracking_uri

        set_tracking_uri(self.previous_uris[0])
        set_registry_uri(self.previous_uris[1])
        _release(self.server)


@contextlib.contextmanager
def trellis_init_server(*args, **kwargs):
    """Stands in for _init_server(backend_uri, root_artifact_uri, ...): the store arguments are ignored."""
    with TrellisServerThread() as url:
        yield url


def trellis_launch_server(host, port, *args, **kwargs):
    """Stands in for test_mlflow_artifacts._launch_server: the fixture chose `port` and built its URLs from it."""
    return _start_server(port=int(port))


def _skip_backend_store_init(*args, **kwargs) -> None:
    return None


_REPLACEMENTS = {
    "ServerThread": TrellisServerThread,
    "_init_server": trellis_init_server,
    "_launch_server": trellis_launch_server,
    "initialize_backend_stores": _skip_backend_store_init,
}


def _point_module_at_trellis(module) -> None:
    for name, replacement in _REPLACEMENTS.items():
        if hasattr(module, name):
            setattr(module, name, replacement)


def _load_deselections() -> dict:
    if not DESELECTED_PATH:
        return {"parameters": [], "groups": []}
    with open(DESELECTED_PATH, encoding="utf-8") as file:
        return json.load(file)


def _deselection_reason(item, deselections: dict) -> tuple[str, str] | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    for rule in deselections.get("parameters", []):
        if rule["fixture"] in params and params[rule["fixture"]] == rule["value"]:
            return rule["category"], rule["reason"]
    path = item.nodeid.split("::", 1)[0]
    name = getattr(item, "originalname", item.name)
    for group in deselections.get("groups", []):
        if group["file"] == path and name in group["tests"]:
            return group["category"], group["reason"]
    return None


def _bridge_version_skew() -> list[str]:
    """Adds what MLflow's conftest calls but the installed client lacks, when the test tree is from
    another MLflow version than the client. Each bridge is listed in the results."""
    bridged = []
    from mlflow.utils import workspace_context

    if not hasattr(workspace_context, "clear_workspace"):
        # conftest.py's autouse `disable_workspace_mode_by_default` calls it before every test.
        def clear_workspace() -> None:
            workspace_context.set_workspace(None)
            workspace_context.clear_server_request_workspace()

        workspace_context.clear_workspace = clear_workspace
        bridged.append("mlflow.utils.workspace_context.clear_workspace")
    return bridged


_results: dict[str, dict] = {}
_deselected: list[dict] = []
_bridged: list[str] = []


# Every 4xx/5xx answer the current test received: what a bare "assert 404 == 400" was about.
_http_errors: list[str] = []
# host:port of every Trellis started, and of every server the current test sent a request to: a
# test that passes without reaching Trellis started a server the plugin does not replace.
_trellis_hosts: set[str] = set()
_hosts_reached: set[str] = set()


def _record_http_errors() -> None:
    import requests

    original_send = requests.Session.send

    def send(self, request, **kwargs):
        url = urllib.parse.urlsplit(request.url)
        _hosts_reached.add(url.netloc)
        response = original_send(self, request, **kwargs)
        if response.status_code >= 400:
            target = url.path + (f"?{url.query}" if url.query else "")
            # A streamed body is the test's to read; reading it here would consume it.
            body = "" if kwargs.get("stream") else response.text[:300].replace("\n", " ")
            _http_errors.append(f"{response.status_code} {request.method} {target[:200]} {body}".rstrip())
        return response

    requests.Session.send = send


def pytest_configure(config):
    _bridged.extend(_bridge_version_skew())
    _record_http_errors()
    if SHARED_URL:
        _trellis_hosts.add(urllib.parse.urlsplit(SHARED_URL).netloc)


def pytest_runtest_logstart(nodeid, location):
    _http_errors.clear()
    _hosts_reached.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    if not IS_BASELINE:
        import tests.tracking.integration_test_utils as integration_test_utils

        _point_module_at_trellis(integration_test_utils)
        for module in {item.module for item in items if getattr(item, "module", None)}:
            _point_module_at_trellis(module)

    deselections = _load_deselections()
    kept, dropped = [], []
    for item in items:
        reason = _deselection_reason(item, deselections)
        if reason is None:
            kept.append(item)
            continue
        dropped.append(item)
        _deselected.append({"nodeid": item.nodeid, "category": reason[0], "reason": reason[1]})
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _crash_message(report) -> str:
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    if crash is not None:
        return crash.message
    if isinstance(report.longrepr, tuple):  # skips: (file, line, reason)
        return str(report.longrepr[2])
    return str(report.longrepr or "")


def pytest_runtest_logreport(report):
    entry = _results.setdefault(report.nodeid, {"nodeid": report.nodeid, "outcome": "passed", "duration": 0.0, "message": "", "details": "", "http": []})
    entry["duration"] = round(entry["duration"] + report.duration, 3)
    # The server is let go of in teardown; by then the test's own outcome is known.
    if report.when == "teardown" and report.nodeid in _server_exits and entry["outcome"] in ("failed", "error"):
        exit_note = _server_exits[report.nodeid]
        entry["message"] = exit_note.split("\n", 1)[0] + "; then: " + entry["message"]
        entry["details"] += "\nE   " + exit_note.replace("\n", "\nE   ")
    if report.when == "teardown" and not IS_BASELINE:
        entry["reachedTrellis"] = bool(_hosts_reached & _trellis_hosts)
    if report.passed:
        return
    if report.skipped:
        outcome = "skipped"
    elif report.when == "call":
        outcome = "failed"
    else:
        outcome = "error"  # a fixture failed in setup or teardown
    # The first problem explains a test; a teardown error after a failure adds nothing.
    if entry["outcome"] == "passed":
        entry["outcome"] = outcome
        entry["phase"] = report.when
        expected = f"expected failure (xfail: {report.wasxfail}): " if getattr(report, "wasxfail", None) else ""
        entry["message"] = (expected + _crash_message(report))[:2000]
        entry["details"] = (report.longreprtext or "")[-6000:]
        entry["http"] = _http_errors[-5:]


def pytest_sessionfinish(session, exitstatus):
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None
    if RESULTS_PATH:
        with open(RESULTS_PATH, "w", encoding="utf-8") as file:
            json.dump({"tests": list(_results.values()), "deselected": _deselected, "bridged": _bridged, "startRetries": _start_retries}, file, indent=1)
