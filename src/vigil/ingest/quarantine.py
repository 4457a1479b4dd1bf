"""The quarantine: rows ingest refused, with where they came from and why.

`LAKE/_quarantine/TABLE/<source>.parquet`, one file per source file, columns:

- `source_file`: the source file's path (absolute);
- `line`: CSV: the 1-based physical line the record starts on, the header being line 1;
  Parquet: the 0-based row index in the file;
- `column`: the contract column refused (key columns joined with `,` for a conflicting
  duplicate; NULL for a structural CSV problem that concerns no single column);
- `value`: the value as it was read (NULL when missing);
- `reason`: what was expected, e.g. `expected ISO 8601 timestamp`;
- `raw`: the row as read, as JSON (an object of column -> text; for a record the CSV
  parser refused, a JSON string of the record's text).

A row with several bad values has one quarantine line per bad value (the accounting
counts it once). The file for a source is replaced when that source is ingested again
and removed when it no longer has bad rows, so re-runs do not pile up duplicates.
Files are staged beside their final name and renamed into place only after the lake
snapshot has been committed.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        pa.field("source_file", pa.string()),
        pa.field("line", pa.int64()),
        pa.field("column", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("raw", pa.string()),
    ]
)


def file_name(source: Path, extract_dir: Path) -> str:
    """The quarantine file name of a source file: readable, and unique per source path."""
    try:
        rel = source.resolve().relative_to(extract_dir.resolve())
    except ValueError:
        rel = Path(source.name)
    readable = re.sub(r"[^A-Za-z0-9=._-]+", "_", "__".join(rel.parts))
    digest = hashlib.sha1(str(source.resolve()).encode()).hexdigest()[:10]
    return f"{readable}-{digest}.parquet"


@dataclass
class QuarantineWriter:
    """Stages quarantine files; `commit` renames them into place, `abort` removes them."""

    root: Path
    _staged: list[tuple[Path, Path]] = field(default_factory=list)
    _remove: list[Path] = field(default_factory=list)

    def stage(self, table: str, name: str, rows: pa.Table) -> Path:
        """Stage `rows` (SCHEMA) as the quarantine of one source; empty `rows` removes it."""
        final = self.root / table / name
        if rows.num_rows == 0:
            self._remove.append(final)
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
        pq.write_table(rows.cast(SCHEMA), tmp, compression="zstd")
        self._staged.append((tmp, final))
        return final

    def commit(self) -> None:
        for tmp, final in self._staged:
            os.replace(tmp, final)
        for path in self._remove:
            path.unlink(missing_ok=True)
        self._staged.clear()
        self._remove.clear()

    def abort(self) -> None:
        for tmp, _ in self._staged:
            tmp.unlink(missing_ok=True)
        self._staged.clear()
        self._remove.clear()
