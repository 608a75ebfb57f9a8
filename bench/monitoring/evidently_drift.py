"""One measured Evidently data drift report, run as its own process by bench/monitoring.ts.

    python evidently_drift.py <reference.csv> <current.csv> <matched|default> '<{"numerical": [...], "categorical": [...]}>'

Loads both CSVs with pandas (timed: load), then builds the two Datasets and runs a Report with
DataDriftPreset on every column (timed: compute). `matched` gives Evidently the column types
Trellis inferred and forces the tests Trellis computes the same way (numerical: `wasserstein`,
the Wasserstein distance normed by the reference's std; categorical: `psi`); `default` lets
Evidently infer the column types and pick its tests. Prints one JSON line: timings, peak RSS
(resource.getrusage ru_maxrss, kilobytes on Linux) and per column the test, threshold, value and
Evidently's own verdict (its per-column test FAIL = drift detected).
"""

import json
import resource
import sys
import time

started_imports = time.perf_counter()
import pandas as pd  # noqa: E402
from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently import __version__ as evidently_version  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

imports_s = time.perf_counter() - started_imports


def main() -> None:
    reference_path, current_path, mode, types_json = sys.argv[1:5]
    types = json.loads(types_json)
    rss_after_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    started = time.perf_counter()
    reference = pd.read_csv(reference_path)
    current = pd.read_csv(current_path)
    loaded = time.perf_counter()

    if mode == "matched":
        definition = DataDefinition(numerical_columns=types["numerical"], categorical_columns=types["categorical"])
        preset = DataDriftPreset(num_method="wasserstein", cat_method="psi")
    else:
        definition = DataDefinition()
        preset = DataDriftPreset()
    report = Report([preset], include_tests=True)
    current_dataset = Dataset.from_pandas(current, data_definition=definition)
    snapshot = report.run(current_dataset, Dataset.from_pandas(reference, data_definition=definition))
    computed = time.perf_counter()

    result = snapshot.dict()
    verdicts = {}
    for test in result["tests"]:
        if test["id"] == "drift":
            verdicts[test["metric_config"]["metric_id"]] = test["status"] == "FAIL"
    columns = []
    drifted_count = None
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":DriftedColumnsCount"):
            drifted_count = metric["value"]["count"]
        if not config["type"].endswith(":ValueDrift"):
            continue
        columns.append(
            {
                "column": config["column"],
                "method": config.get("method"),
                "threshold": config.get("threshold"),
                "value": metric["value"],
                "drift": verdicts.get(metric["id"]),
            }
        )
    # The column types Evidently worked with: those given (matched) or those it inferred (default).
    column_types = {name: current_dataset.column(name).type.value for name in reference.columns}
    print(
        json.dumps(
            {
                "evidently": evidently_version,
                "pandas": pd.__version__,
                "importsS": imports_s,
                "loadS": loaded - started,
                "computeS": computed - loaded,
                "rssAfterImports": rss_after_imports,
                "maxRss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "referenceRows": len(reference),
                "currentRows": len(current),
                "driftedCount": drifted_count,
                "columns": columns,
                "columnTypes": column_types,
            }
        )
    )


main()
