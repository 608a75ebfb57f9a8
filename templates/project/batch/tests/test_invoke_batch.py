"""The nightly invocation finds Trellis from what a job is given."""

import pytest

from {{package}}.invoke_batch import server_url


def test_inside_a_job_the_server_is_the_tracking_uri_without_its_workspace_tail():
    environ = {"MLFLOW_TRACKING_URI": "http://127.0.0.1:8080/workspaces/{{project}}-prod/mlflow"}
    assert server_url(environ) == "http://127.0.0.1:8080"


def test_trellis_url_wins_and_loses_its_trailing_slash():
    environ = {"TRELLIS_URL": "https://trellis.example/", "MLFLOW_TRACKING_URI": "http://other/workspaces/x/mlflow"}
    assert server_url(environ) == "https://trellis.example"


def test_without_either_it_says_what_to_set():
    with pytest.raises(SystemExit, match="set TRELLIS_URL"):
        server_url({})
