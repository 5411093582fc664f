"""One PyAirbyte sync of source-freshdesk into a local DuckDB cache; prints what landed, as JSON.

    python integration_tests/pyairbyte_sync.py --executable PATH --config CONFIG.json --cache-dir DIR [--streams a,b]

Run by integration_tests/test_pyairbyte.py with the interpreter of the separate PyAirbyte venv (it
imports `airbyte`, which the connector's own environment does not have). The connector runs as a
local executable; set AIRBYTE_OFFLINE_MODE=1 so that PyAirbyte neither reads Airbyte's connector
registry nor sends telemetry. The row counts, and the columns of tickets, contacts and companies with the
types DuckDB gives them, are read back from the DuckDB file with DuckDB itself.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import airbyte as ab
import duckdb
from airbyte.caches import DuckDBCache


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--executable", required=True, help="the source-freshdesk console script")
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--streams", default="*", help="the streams to sync, comma-separated (default: all)")
    parser.add_argument("--query", action="append", default=[], help="NAME=SQL, run on the DuckDB file afterwards")
    args = parser.parse_args()

    source = ab.get_source(
        "source-freshdesk",
        config=json.loads(args.config.read_text()),
        local_executable=args.executable,
        streams="*" if args.streams == "*" else args.streams.split(","),
    )
    source.check()
    db_path = args.cache_dir / "sync.duckdb"
    cache = DuckDBCache(db_path=db_path, cache_dir=args.cache_dir, schema_name="freshdesk")
    result = source.read(cache=cache)
    streams = sorted(result.streams)
    cache.get_sql_engine().dispose()  # let DuckDB itself open the file below

    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = {
            stream: connection.execute(f'SELECT COUNT(*) FROM freshdesk."{stream}"').fetchone()[0]
            for stream in streams
        }
        columns = {
            stream: dict(connection.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'freshdesk' "
                "AND table_name = ? ORDER BY ordinal_position", [stream]).fetchall())
            for stream in ("tickets", "contacts", "companies")
        }
        values = {
            name: [list(row) for row in connection.execute(sql).fetchall()]
            for name, sql in (query.split("=", 1) for query in args.query)
        }
    finally:
        connection.close()
    print(json.dumps({"pyairbyte": ab.__version__ if hasattr(ab, "__version__") else None,
                      "streams": streams, "rows": rows, "columns": columns, "values": values}, default=str))


if __name__ == "__main__":
    main()
