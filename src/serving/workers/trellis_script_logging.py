"""Where a scoring script's `logging` goes, for Trellis's own worker (python_worker.py) and for
azmlinfsrv (azmlinfsrv_launcher.py): the root logger writes INFO and above to stderr, which is the
instance log (`online-deployment get-logs`), as on Azure ML. A script that calls
logging.basicConfig() itself gets its own configuration instead of this one.
"""

import logging
import sys

LINE_FORMAT = "%(asctime)s %(levelname).1s [%(process)d] %(name)s - %(message)s"


def log_root_to_stderr(skip_prefixes=()):
    """`skip_prefixes`: loggers that have handlers of their own (azmlinfsrv's, gunicorn's): not twice."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    if skip_prefixes:
        handler.addFilter(lambda record: not record.name.startswith(tuple(skip_prefixes)))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    basic_config = logging.basicConfig

    def script_basic_config(**kwargs):
        root.removeHandler(handler)
        logging.basicConfig = basic_config
        basic_config(**kwargs)

    logging.basicConfig = script_basic_config
