"""Measure ingest throughput on a large synthetic access-event extract.

    .venv/bin/python bench/ingest_throughput.py --rows 10000000 --format csv
    .venv/bin/python bench/ingest_throughput.py --rows 10000000 --format parquet --reingest

Generates (with DuckDB `range()`) an extract whose `access_events` has ROWS rows over
DAYS days plus `contact_events` with ROWS/10 rows (phone numbers to normalise) and
header-only reference tables, ingests it into a fresh lake and prints measured figures.
Nothing here is typed in: every number printed is measured.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from vigil import contract
from vigil.ingest import ingest_extract


def generate(extract: Path, rows: int, days: int, fmt: str) -> None:
    extract.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in contract.REQUIRED_EXTRACT_TABLES:
        if contract.table(name).is_event:
            continue
        header = ",".join(contract.table(name).column_names)
        (extract / f"{name}.csv").write_text(header + "\n")
    seconds = days * 86400
    access = f"""
        SELECT 'E' || lpad(range::VARCHAR, 10, '0') AS event_id,
               strftime(TIMESTAMP '2026-01-01' + to_seconds((range * 7919) % {seconds}),
                        '%Y-%m-%dT%H:%M:%SZ') AS ts,
               'S' || lpad((range % 5000)::VARCHAR, 6, '0') AS staff_id,
               ['RMS', 'PNC', 'PND', 'INTEL'][1 + range % 4] AS system,
               ['SEARCH', 'VIEW', 'UPDATE', 'PRINT', 'EXPORT'][1 + range % 5] AS action,
               ['PERSON', 'INCIDENT', 'ADDRESS', 'VEHICLE', 'FREE_TEXT'][1 + range % 5]
                   AS subject_type,
               'P' || lpad((range % 200000)::VARCHAR, 7, '0') AS subject_id,
               CASE WHEN range % 10 = 0 THEN 'smith' END AS query,
               CASE WHEN range % 3 = 0 THEN 'ENQUIRY' END AS reason,
               'T' || (range % 900)::VARCHAR AS terminal
        FROM range({rows})"""
    contacts = f"""
        SELECT 'C' || lpad(range::VARCHAR, 10, '0') AS event_id,
               strftime(TIMESTAMP '2026-01-01' + to_seconds((range * 7919) % {seconds}),
                        '%Y-%m-%dT%H:%M:%S+01:00') AS ts,
               'S' || lpad((range % 5000)::VARCHAR, 6, '0') AS staff_id,
               ['CALL', 'SMS'][1 + range % 2] AS channel,
               ['OUT', 'IN'][1 + range % 2] AS direction,
               '07700 9' || lpad((range % 20000)::VARCHAR, 5, '0') AS counterpart,
               (range % 600)::VARCHAR AS duration_s
        FROM range({rows // 10})"""
    for name, sql in (("access_events", access), ("contact_events", contacts)):
        target = extract / f"{name}.{fmt}"
        options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
        con.execute(f"COPY ({sql}) TO '{target}' ({options})")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--reingest", action="store_true", help="also time a re-run")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vigil-bench-", dir=args.workdir))
    try:
        t0 = time.perf_counter()
        generate(work / "extract", args.rows, args.days, args.format)
        size = sum(f.stat().st_size for f in (work / "extract").iterdir())
        print(
            f"generated {args.rows:,} access rows ({args.format}, {size / 1e9:.2f} GB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        runs = ["first ingest", "re-ingest"] if args.reingest else ["first ingest"]
        for label in runs:
            t0 = time.perf_counter()
            summary = ingest_extract(work / "extract", work / "lake")
            elapsed = time.perf_counter() - t0
            total = summary.rows_read
            print(
                f"{label}: {total:,} rows in {elapsed:.1f} s = {total / elapsed:,.0f} rows/s "
                f"(loaded {summary.rows_loaded:,}, duplicate {summary.rows_duplicate:,}, "
                f"quarantined {summary.rows_quarantined:,})"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
