"""Finding the tables of a force extract and checking their columns before anything is read.

A table is `NAME.csv`, `NAME.parquet`, or a folder `NAME/` of `.csv`/`.parquet` files
(nested folders such as `day=2026-01-01/` are searched). File extensions are matched
case-insensitively; hidden files and files starting with `_` (`_SUCCESS`) are ignored, as
are files of other types and tables the contract does not know.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyarrow.parquet as pq

from vigil import contract


class IngestError(Exception):
    """The extract cannot be ingested at all (nothing was written to the lake).

    The message names the table, the file and the column(s) concerned.
    """


class Format(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


@dataclass(frozen=True)
class SourceFile:
    """One file of one table, with the columns its header (or Parquet schema) declares."""

    table: str
    path: Path
    format: Format
    #: Column names in file order (CSV: header as written, surrounding spaces removed).
    columns: tuple[str, ...]
    #: The file is 0 bytes: no header, no rows.
    empty: bool = False

    @property
    def contract_columns(self) -> list[str]:
        """The contract columns this file provides."""
        return [c for c in contract.table(self.table).column_names if c in self.columns]


def discover(extract_dir: Path) -> dict[str, list[SourceFile]]:
    """The contract tables present in `extract_dir`, each with its files, header-checked.

    Raises IngestError when the folder is missing, a required table is missing, a table
    is given in two forms, or a file lacks a required column.
    """
    if not extract_dir.is_dir():
        raise IngestError(f"extract folder {extract_dir} does not exist or is not a folder")
    found: dict[str, list[SourceFile]] = {}
    for name in contract.EXTRACT_TABLES:
        candidates = _candidates(extract_dir, name)
        if len(candidates) > 1:
            listed = ", ".join(str(c) for c in candidates)
            raise IngestError(f"table {name} is given more than once: {listed}; keep one")
        if not candidates:
            continue
        found[name] = [_inspect(name, path) for path in _files_of(candidates[0])]
    missing = [n for n in contract.REQUIRED_EXTRACT_TABLES if n not in found]
    if missing:
        raise IngestError(
            f"extract {extract_dir} lacks required table(s) {', '.join(missing)} "
            f"(expected NAME.csv, NAME.parquet or a folder NAME/ for each)"
        )
    return found


def _candidates(extract_dir: Path, name: str) -> list[Path]:
    def is_table(entry: Path) -> bool:
        if entry.is_dir():
            return entry.name == name
        return entry.is_file() and _format(entry) is not None and entry.stem == name

    return [entry for entry in sorted(extract_dir.iterdir()) if is_table(entry)]


def _format(path: Path) -> Format | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return Format.CSV
    if suffix == ".parquet":
        return Format.PARQUET
    return None


def _files_of(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if p.is_file() and _format(p) is not None:
            files.append(p)
    return files


def _inspect(name: str, path: Path) -> SourceFile:
    fmt = _format(path)
    assert fmt is not None
    spec = contract.table(name)
    if fmt is Format.PARQUET:
        try:
            columns = tuple(pq.read_schema(path).names)
        except Exception as exc:
            raise IngestError(
                f"table {name}: {path} is not a readable Parquet file: {exc}"
            ) from exc
        source = SourceFile(name, path, fmt, columns)
    else:
        header = _csv_header(name, path)
        source = SourceFile(name, path, fmt, header or (), empty=header is None)
    if source.empty:
        return source
    duplicated = sorted({c for c in source.columns if source.columns.count(c) > 1})
    if duplicated:
        raise IngestError(f"table {name}: {path}: column(s) {', '.join(duplicated)} appear twice")
    missing = [c for c in spec.required_columns if c not in source.columns]
    if missing:
        raise IngestError(
            f"table {name}: {path}: missing required column(s) {', '.join(missing)} "
            f"(found: {', '.join(source.columns) or 'no columns'})"
        )
    return source


def _csv_header(name: str, path: Path) -> tuple[str, ...] | None:
    """The header of a CSV file, or None for a 0-byte file."""
    with path.open("rb") as f:
        head = f.read(1024 * 1024)
    if not head:
        return None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(f"table {name}: {path} is UTF-16 encoded; export it as UTF-8")
    text = head.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise IngestError(f"table {name}: {path}: line 1: unreadable CSV header") from exc
    return tuple(h.strip() for h in header)
