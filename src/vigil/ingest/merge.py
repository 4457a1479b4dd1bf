"""Merging validated rows into a new lake snapshot: idempotent, and cheap for a daily increment.

The new table is the previous table's rows together with the incoming rows, with one
row per key (`contract.Table.key`); an incoming row wins over a lake row with the same
key and other values. Incoming rows identical to a lake row are duplicates: they change
nothing. When nothing changes, every file is hard-linked from the previous snapshot, so
re-ingesting an extract leaves the lake identical.

Event tables are partitioned by the UTC day of their time column
(`TABLE/day=YYYY-MM-DD/part-N.parquet`). Only the days that receive incoming rows (and
the days that held a replaced row) are rewritten; all other day partitions are
hard-linked. Reference tables are small and are rewritten whole when they change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from vigil import contract
from vigil.ingest.lake import Snapshot
from vigil.ingest.normalise import sql_ident, sql_string

#: Rows the incoming work table `inc` holds: the contract columns (and bookkeeping).
INCOMING = "inc"
PARTITION_PREFIX = "day="
EMPTY_FILE = "part-0.parquet"


@dataclass
class MergeOutcome:
    loaded: int = 0
    duplicate_in_lake: int = 0
    updated: int = 0
    rows_in_lake: int = 0
    files_written: list[str] = field(default_factory=list)


def merge_table(
    con: duckdb.DuckDBPyConnection, spec: contract.Table, snap: Snapshot
) -> MergeOutcome:
    """Merge the rows of work table `inc` into table `spec.name` of snapshot `snap`.

    Deletes the rows that are already in the lake unchanged from `inc`.
    """
    out = MergeOutcome()
    prev_dir = snap.previous_dir(spec.name)
    prev_files = sorted(prev_dir.rglob("*.parquet")) if prev_dir else []
    touched: set[str] = set()
    if prev_files and _count(con, f"SELECT count(*) FROM {INCOMING}"):
        out.duplicate_in_lake, out.updated, touched = _match_lake(con, spec, prev_files)
    out.loaded = _count(con, f"SELECT count(*) FROM {INCOMING}")

    table_dir = snap.table_dir(spec.name)
    if out.loaded == 0:
        if prev_dir is not None and prev_files:
            for f in prev_files:
                snap.link_from_previous(spec.name, f.relative_to(prev_dir))
        else:
            pq.write_table(spec.empty(), table_dir / EMPTY_FILE)
            out.files_written.append(EMPTY_FILE)
    elif not spec.is_event:
        key = ", ".join(sql_ident(k) for k in spec.key)
        _copy(con, _merged_sql(spec, prev_files), table_dir / "part-0.parquet", None, key)
        out.files_written.append("part-0.parquet")
    else:
        assert prev_dir is not None or not prev_files
        out.files_written = _merge_event_table(con, spec, snap, prev_dir, prev_files, touched)
    out.rows_in_lake = sum(
        pq.ParquetFile(f).metadata.num_rows for f in table_dir.rglob("*.parquet")
    )
    return out


def _match_lake(
    con: duckdb.DuckDBPyConnection, spec: contract.Table, prev_files: list[Path]
) -> tuple[int, int, set[str]]:
    """Find incoming keys already in the lake: drop identical rows from `inc`.

    Returns (identical rows dropped, incoming rows replacing a different lake row, the
    lake files holding the rows they replace). Reads only the key columns of the lake,
    then whole rows of the files that hold a matching key.
    """
    key = ", ".join(sql_ident(k) for k in spec.key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE lake_hits AS SELECT {key}, filename FROM "
        f"{_read(prev_files, filename=True)} SEMI JOIN {INCOMING} USING ({key})"
    )
    hit_files = [r[0] for r in con.execute("SELECT DISTINCT filename FROM lake_hits").fetchall()]
    if not hit_files:
        con.execute("DROP TABLE lake_hits")
        return 0, 0, set()
    on = " AND ".join(f"i.{sql_ident(k)} = p.{sql_ident(k)}" for k in spec.key)
    same = " AND ".join(
        [on]
        + [
            f"i.{sql_ident(c)} IS NOT DISTINCT FROM p.{sql_ident(c)}"
            for c in spec.column_names
            if c not in spec.key
        ]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lake_same AS SELECT DISTINCT i.__src, i.__row FROM "
        f"{INCOMING} AS i JOIN {_read([Path(f) for f in hit_files])} AS p ON {same}"
    )
    duplicates = _count(con, "SELECT count(*) FROM lake_same")
    con.execute(
        f"DELETE FROM {INCOMING} USING lake_same AS s "
        f"WHERE {INCOMING}.__src = s.__src AND {INCOMING}.__row = s.__row"
    )
    updated = _count(con, f"SELECT count(*) FROM {INCOMING} SEMI JOIN lake_hits USING ({key})")
    touched = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT filename FROM lake_hits SEMI JOIN {INCOMING} USING ({key})"
        ).fetchall()
    }
    con.execute("DROP TABLE lake_hits; DROP TABLE lake_same")
    return duplicates, updated, touched


def _merge_event_table(
    con: duckdb.DuckDBPyConnection,
    spec: contract.Table,
    snap: Snapshot,
    prev_dir: Path | None,
    prev_files: list[Path],
    touched: set[str],
) -> list[str]:
    """Rewrite the day partitions that change; hard-link the others. Returns files written."""
    assert spec.time_column is not None
    day = _day_sql(spec)
    new_days = {
        f"{PARTITION_PREFIX}{r[0].isoformat()}"
        for r in con.execute(f"SELECT DISTINCT {day} FROM {INCOMING}").fetchall()
    }
    affected = new_days | {_partition(Path(f), prev_dir) for f in touched}
    rewrite = [f for f in prev_files if _partition(f, prev_dir) in affected]
    keep = [
        f
        for f in prev_files
        if _partition(f, prev_dir) not in affected
        and _partition(f, prev_dir).startswith(PARTITION_PREFIX)
    ]
    table_dir = snap.path / spec.name
    before = set(table_dir.rglob("*.parquet"))
    _copy(con, _merged_sql(spec, rewrite), table_dir, day)
    written = sorted(
        str(p.relative_to(table_dir)) for p in set(table_dir.rglob("*.parquet")) - before
    )
    assert prev_dir is not None or not keep
    for f in keep:
        assert prev_dir is not None
        snap.link_from_previous(spec.name, f.relative_to(prev_dir))
    return written


def _merged_sql(spec: contract.Table, prev_files: list[Path]) -> str:
    """The previous rows of `prev_files` not replaced by incoming rows, and the incoming rows."""
    cols = ", ".join(sql_ident(c) for c in spec.column_names)
    key = ", ".join(sql_ident(k) for k in spec.key)
    incoming = f"SELECT {cols} FROM {INCOMING}"
    if not prev_files:
        return incoming
    kept = f"SELECT {cols} FROM {_read(prev_files)} ANTI JOIN {INCOMING} USING ({key})"
    return f"{kept} UNION ALL {incoming}"


def _copy(
    con: duckdb.DuckDBPyConnection, select: str, target: Path, day: str | None, order: str = ""
) -> None:
    """Write `select` as Parquet: one file (sorted by `order`), or day partitions under `target`.

    Event partitions are not sorted within the day: sorting costs more than it saves a
    reader that scans whole days anyway.
    """
    if day is None:
        sort = f" ORDER BY {order}" if order else ""
        con.execute(
            f"COPY ({select}{sort}) TO {sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )
        return
    con.execute(
        f"COPY (SELECT *, {day} AS day FROM ({select})) TO {sql_string(str(target))} "
        "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day), FILENAME_PATTERN 'part-{i}', "
        "OVERWRITE_OR_IGNORE true)"
    )


def _day_sql(spec: contract.Table) -> str:
    assert spec.time_column is not None
    return f"CAST(timezone('UTC', {sql_ident(spec.time_column)}) AS DATE)"


def _partition(path: Path, prev_dir: Path | None) -> str:
    """The partition folder of a lake file (`day=...`), '' for a file at the table root."""
    if prev_dir is None:
        return ""
    rel = path.relative_to(prev_dir)
    return rel.parts[0] if len(rel.parts) > 1 else ""


def _read(files: list[Path], filename: bool = False) -> str:
    listed = "[" + ", ".join(sql_string(str(f)) for f in files) + "]"
    extra = ", filename = true" if filename else ""
    return f"read_parquet({listed}, hive_partitioning = false{extra})"


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0
