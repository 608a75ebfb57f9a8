"""What every MLflow client script of the test suite shares: `check` asserts and prints one
numbered line per check, `error_code` runs a call expected to fail and returns MLflow's error
code, and `done` prints the line the Node tests look for ('ALL CHECKS PASSED (n)')."""
from mlflow.exceptions import MlflowException

_count = 0


def check(condition, what):
    global _count
    assert condition, what
    _count += 1
    print(f"ok {_count} - {what}", flush=True)


def error_code(call):
    try:
        call()
    except MlflowException as error:
        return error.error_code
    return None


def done():
    print(f"ALL CHECKS PASSED ({_count})", flush=True)
