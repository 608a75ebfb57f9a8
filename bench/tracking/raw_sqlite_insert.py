"""SQLite's own batched insert rate on this disk, the ceiling Trellis's ingest is measured against
(issue 22): Python's sqlite3, WAL, synchronous=FULL, one transaction of `batch` rows at a time, into
a table made with the same DDL as Trellis's `metrics` table (read from a Trellis database, so the
primary key and indexes are the same). Prints one JSON line: rows, seconds, rows_per_second.
Usage: raw_sqlite_insert.py <trellis.db to copy the DDL from> <new database path> <rows> <batch>"""
import json
import math
import sqlite3
import sys
import time

source, target, rows, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as schema:
    ddl = [row[0] for row in schema.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'metrics' AND sql IS NOT NULL ORDER BY type DESC")]
    columns = [row[1] for row in schema.execute("PRAGMA table_info(metrics)")]

db = sqlite3.connect(target, isolation_level=None)
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = FULL")
for statement in ddl:
    db.execute(statement)

values = {
    "run_uuid": lambda run, i: f"{run:032x}",
    "key": lambda run, i: f"m{i % 10}",
    "value": lambda run, i: math.sin(i),
    "timestamp": lambda run, i: 1_700_000_000_000 + i // 10,
    "step": lambda run, i: i // 10,
    "is_nan": lambda run, i: 0,
}
missing = [column for column in columns if column not in values]
if missing:
    sys.exit(f"the metrics table has columns this script does not fill: {missing}")
insert = f"INSERT INTO metrics ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
clients = 8  # rows spread over 8 runs, as the 8 clients of the ingest measurement write them
started = time.perf_counter()
for first in range(0, rows, batch):
    run = (first // batch) % clients
    chunk = [tuple(values[c](run, i) for c in columns) for i in range(first, min(rows, first + batch))]
    db.execute("BEGIN")
    db.executemany(insert, chunk)
    db.execute("COMMIT")
seconds = time.perf_counter() - started
print(json.dumps({"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds}))
