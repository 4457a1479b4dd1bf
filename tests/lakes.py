"""Building small lakes from rows, for detection tests that need no ingest."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vigil import contract
from vigil.ingest.lake import Lake


def ts(text: str) -> datetime:
    """'2026-03-01 22:15' as a UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def arrow_rows(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    spec = contract.table(name)
    columns = {}
    for col in spec.columns:
        values = [r.get(col.name) for r in rows]
        if col.type == contract.TIMESTAMP:
            values = [ts(v) if isinstance(v, str) else v for v in values]
        if col.type == contract.DATE:
            values = [date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        columns[col.name] = pa.array(values, col.type)
    return pa.table(columns, schema=spec.schema)


def make_lake(root: Path, tables: dict[str, list[dict[str, Any]]]) -> Lake:
    """A lake holding exactly `tables` (absent extract tables are empty)."""
    lake = Lake.open_or_create(root)
    with lake.new_snapshot() as snap:
        for name in contract.EXTRACT_TABLES:
            pq.write_table(
                arrow_rows(name, tables.get(name, [])), snap.table_dir(name) / "part-0.parquet"
            )
    return lake
