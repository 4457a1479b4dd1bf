"""`ingest_extract`: a force extract in, validated tables into the lake, bad rows quarantined.

Per table: every source file is read by DuckDB (CSV as text, with structural problems
caught as per-record rejects; Parquet as typed), validated column-wise by SQL generated
from the contract (`validate.check_query`), and its good rows collected; duplicate keys
in the input are then resolved (identical rows kept once, conflicting rows quarantined);
finally the rows are merged into a new lake snapshot (`merge.merge_table`). All tables go
into one snapshot, which becomes current only if the whole extract succeeds. Quarantine
files are committed after the snapshot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from vigil import contract
from vigil.ingest import merge
from vigil.ingest.csvlines import index_records
from vigil.ingest.lake import Lake, Snapshot
from vigil.ingest.normalise import normalise_contact_point, sql_ident, sql_string
from vigil.ingest.quarantine import QuarantineWriter, file_name
from vigil.ingest.sources import Format, SourceFile, discover
from vigil.ingest.summary import IngestSummary, TableResult
from vigil.ingest.validate import (
    ContactMap,
    check_query,
    duckdb_type,
    error_column,
    kind_sql,
    text_sql,
)

#: Progress callback: `(table, done_rows, total_rows)`. Called when a table starts
#: (`done_rows=0`), after each source file (rows read so far; `total_rows` is None while
#: unknown, CSV row counts being known only once read) and when the table is written
#: (`done_rows == total_rows == rows_read`). A CLI maps it to one Rich progress bar per table.
Progress = Callable[[str, int, int | None], None]

CONFLICT = "duplicate key with different values"


def ingest_extract(
    extract_dir: str | os.PathLike[str],
    lake_dir: str | os.PathLike[str],
    progress: Progress | None = None,
    default_region: str = "GB",
) -> IngestSummary:
    """Validate the force extract in `extract_dir` and merge it into the lake at `lake_dir`.

    The lake is created if `lake_dir` is missing or empty. Raises IngestError, before
    anything is written, when a required table or a required column is missing (the
    message names the table, file and columns). Bad rows never stop an ingest: they are
    quarantined (`LAKE/_quarantine/TABLE/`) with their reasons, and counted.

    Re-running with the same extract changes no row and reports every row as a
    duplicate of the lake; an exception part-way leaves the lake as it was.
    `default_region` is the region national phone numbers are read in.

    A 0-byte file has no header: it is read as a table with no rows, with a warning (export
    tools write one when there is nothing to export). A header-only file has no rows.
    """
    extract = Path(extract_dir)
    sources = discover(extract)  # raises IngestError before the lake is touched
    lake = Lake.open_or_create(lake_dir)
    summary = IngestSummary(extract=extract, lake=lake.root)
    writer = QuarantineWriter(lake.quarantine_dir("x").parent)
    spill = lake.root / f".ingest-tmp-{uuid.uuid4().hex[:8]}"
    con = _connect(spill)
    try:
        with lake.new_snapshot() as snap:
            for name, files in sources.items():
                job = _TableJob(con, name, files, extract, snap, writer, progress, default_region)
                summary.tables.append(job.run())
        current = lake.current
        summary.snapshot = current.name if current else ""
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return summary


def _connect(spill: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET threads = {max(1, os.cpu_count() or 1)}")
    # Order matters only where a CSV file is read (see _TableJob._read_csv): elsewhere rows
    # carry their ordinal, and unordered execution is faster.
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SET temp_directory = {sql_string(str(spill))}")
    con.execute("SET enable_progress_bar = false")  # progress goes through `progress`
    return con


@dataclass
class _FileState:
    source: SourceFile
    rows_read: int = 0
    #: Rows the CSV parser accepted (the `__row` ordinals are 0..accepted-1).
    accepted: int = 0


@dataclass
class _TableJob:
    con: duckdb.DuckDBPyConnection
    name: str
    sources: list[SourceFile]
    extract: Path
    snap: Snapshot
    writer: QuarantineWriter
    progress: Progress | None
    region: str
    files: list[_FileState] = field(default_factory=list)
    _contact_cache: dict[tuple[str, str], tuple[str | None, str | None]] = field(
        default_factory=dict
    )

    @property
    def spec(self) -> contract.Table:
        return contract.table(self.name)

    def run(self) -> TableResult:
        result = TableResult(self.name, source_files=[str(s.path) for s in self.sources])
        self._report(0, None)
        self._create_work_tables()
        for i, source in enumerate(self.sources):
            state = _FileState(source)
            self.files.append(state)
            if source.empty:
                result.warnings.append(f"{source.path.name} is 0 bytes: read as no rows")
            else:
                self._read_file(i, state)
            result.rows_read += state.rows_read
            self._report(result.rows_read, None)
        result.rows_duplicate_in_input = self._resolve_input_duplicates()
        result.rows_quarantined = self._count(
            "SELECT count(*) FROM (SELECT DISTINCT __src, __row, __record FROM q)"
        )
        quarantine = self._quarantine_tables(result)
        outcome = merge.merge_table(self.con, self.spec, self.snap)
        result.rows_duplicate_in_lake = outcome.duplicate_in_lake
        result.rows_updated = outcome.updated
        result.rows_loaded = outcome.loaded
        result.rows_in_lake = outcome.rows_in_lake
        result.files_written = outcome.files_written
        for i, table in quarantine.items():
            path = self.writer.stage(
                self.name, file_name(self.sources[i].path, self.extract), table
            )
            if table.num_rows:
                result.quarantine_files.append(str(path))
        self._report(result.rows_read, result.rows_read)
        assert result.balanced, f"{self.name}: row accounting does not balance: {result}"
        return result

    def _report(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(self.name, done, total)

    def _count(self, sql: str) -> int:
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- work tables ---------------------------------------------------------------------
    def _create_work_tables(self) -> None:
        cols = ", ".join(f"{sql_ident(c.name)} {duckdb_type(c.type)}" for c in self.spec)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE inc (__src INTEGER, __row BIGINT, {cols})")
        # __row: ordinal of an accepted row; __record: DuckDB's record number of a CSV
        # record its parser refused; __pos: column position, to order the quarantine.
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE q (__src INTEGER, __row BIGINT, __record BIGINT, "
            '__pos INTEGER, "column" VARCHAR, value VARCHAR, reason VARCHAR, raw VARCHAR)'
        )

    # -- one source file ----------------------------------------------------------------
    def _read_file(self, i: int, state: _FileState) -> None:
        source = state.source
        if source.format is Format.CSV:
            relation = self._read_csv(i, state)
        else:
            relation = (
                "(SELECT file_row_number AS __row, * EXCLUDE (file_row_number) FROM "
                f"read_parquet({sql_string(str(source.path))}, file_row_number = true, "
                "hive_partitioning = false))"
            )
        described = self.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        types = {str(r[0]): str(r[1]) for r in described if r[0] != "__row"}
        maps = self._contact_maps(relation, types)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE chk AS {check_query(self.spec, relation, types, maps)}"
        )
        accepted = self._count("SELECT count(*) FROM chk")
        state.accepted = accepted
        state.rows_read += accepted
        errs = [sql_ident(error_column(c.name)) for c in self.spec]
        ok = " AND ".join(f"{e} IS NULL" for e in errs)
        cols = ", ".join(sql_ident(c) for c in self.spec.column_names)
        self.con.execute(f"INSERT INTO inc SELECT {i}, __row, {cols} FROM chk WHERE {ok}")
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE bad AS SELECT b.*, {_raw_json(types)} AS __raw, "
            + ", ".join(
                f"CAST(src.{sql_ident(c)} AS VARCHAR) AS {sql_ident(c + '__text')}"
                if c in types
                else f"CAST(NULL AS VARCHAR) AS {sql_ident(c + '__text')}"
                for c in self.spec.column_names
            )
            + f" FROM (SELECT * FROM chk WHERE NOT ({ok})) AS b JOIN {relation} AS src "
            "ON src.__row = b.__row"
        )
        for pos, col in enumerate(self.spec.column_names):
            self.con.execute(
                f"INSERT INTO q SELECT {i}, __row, NULL, {pos}, {sql_string(col)}, "
                f"{sql_ident(col + '__text')}, {sql_ident(error_column(col))}, __raw "
                f"FROM bad WHERE {sql_ident(error_column(col))} IS NOT NULL"
            )
        self.con.execute("DROP TABLE IF EXISTS chk; DROP TABLE IF EXISTS bad")
        if source.format is Format.CSV:
            self.con.execute("DROP TABLE IF EXISTS src_csv")

    def _read_csv(self, i: int, state: _FileState) -> str:
        source = state.source
        columns = "{" + ", ".join(f"{sql_string(c)}: 'VARCHAR'" for c in source.columns) + "}"
        self.con.execute("DROP TABLE IF EXISTS rej_err; DROP TABLE IF EXISTS rej_scan")
        # Rows keep the file's order, so that rowid is the ordinal of an accepted record.
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE src_csv AS SELECT * FROM read_csv("
            f"{sql_string(str(source.path))}, header = true, auto_detect = false, "
            f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', "
            "hive_partitioning = false, store_rejects = true, rejects_table = 'rej_err', "
            "rejects_scan = 'rej_scan')"
        )
        self.con.execute("SET preserve_insertion_order = false")
        rejected = self.con.execute(
            "SELECT line, any_value(column_name), any_value(error_type), "
            "any_value(error_message), any_value(csv_line) FROM rej_err GROUP BY line"
        ).fetchall()
        for line, column, error_type, message, csv_line in rejected:
            self.con.execute(
                "INSERT INTO q VALUES (?, NULL, ?, -1, ?, NULL, ?, ?)",
                [
                    i,
                    line,
                    column if error_type in ("MISSING COLUMNS", "INVALID ENCODING") else None,
                    _structural_reason(str(error_type), str(message)),
                    json.dumps(str(csv_line).strip("\r\n")),
                ],
            )
        state.rows_read += len(rejected)
        self.con.execute("DROP TABLE IF EXISTS rej_err; DROP TABLE IF EXISTS rej_scan")
        return "(SELECT rowid AS __row, * FROM src_csv)"

    def _contact_maps(self, relation: str, types: dict[str, str]) -> dict[str, ContactMap]:
        """Normalise the distinct values of each contact-point column; register the maps."""
        maps: dict[str, ContactMap] = {}
        kind = kind_sql(self.spec, types)
        for col in self.spec:
            if col.normalise != "contact_point" or col.name not in types:
                continue
            pairs = self.con.execute(
                f"SELECT DISTINCT {kind} AS k, {text_sql(col.name, types)} AS v "
                f"FROM {relation} AS src WHERE v IS NOT NULL"
            ).fetchall()
            ks, vs, norms, errs = [], [], [], []
            for k, v in pairs:
                key = (str(k), str(v))
                if key not in self._contact_cache:
                    self._contact_cache[key] = normalise_contact_point(
                        key[1], key[0] or None, self.region
                    )
                norm, err = self._contact_cache[key]
                ks.append(key[0])
                vs.append(key[1])
                norms.append(norm)
                errs.append(err)
            table = pa.table(
                {"k": ks, "v": vs, "norm": norms, "err": errs},
                schema=pa.schema([(n, pa.string()) for n in ("k", "v", "norm", "err")]),
            )
            relation_name = f"cpmap_{col.name}"
            self.con.register(relation_name, table)
            maps[col.name] = ContactMap(relation_name, kind)
        return maps

    # -- duplicates in the input -----------------------------------------------------------
    def _resolve_input_duplicates(self) -> int:
        """Drop repeated rows of a key (keep the first); quarantine keys with conflicting rows.

        Returns the number of repeated (identical) rows dropped.
        """
        key = [sql_ident(k) for k in self.spec.key]
        others = [c for c in self.spec.column_names if c not in self.spec.key]
        distinct = (
            "count(DISTINCT {"
            + ", ".join(f"{sql_string(c)}: {sql_ident(c)}" for c in others)
            + "})"
            if others
            else "1"
        )
        # Repeated keys are rare: find them first, then count their distinct rows.
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE dupkeys AS SELECT {', '.join(key)} "
            f"FROM inc GROUP BY ALL HAVING count(*) > 1"
        )
        if self._count("SELECT count(*) FROM dupkeys") == 0:
            self.con.execute("DROP TABLE dupkeys")
            return 0
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE dupkeys AS SELECT {', '.join(key)}, {distinct} AS nd "
            f"FROM inc SEMI JOIN dupkeys USING ({', '.join(key)}) GROUP BY ALL"
        )
        on = " AND ".join(f"i.{k} = d.{k}" for k in key)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE duprows AS SELECT i.*, d.nd > 1 AS __conflict, "
            f"row_number() OVER (PARTITION BY {', '.join('i.' + k for k in key)} "
            f"ORDER BY i.__src, i.__row) AS __rn FROM inc AS i JOIN dupkeys AS d ON {on}"
        )
        key_text = "concat_ws(',', " + ", ".join(f"CAST({k} AS VARCHAR)" for k in key) + ")"
        row_json = (
            "to_json({"
            + ", ".join(f"{sql_string(c)}: {sql_ident(c)}" for c in self.spec.column_names)
            + "})"
        )
        self.con.execute(
            f"INSERT INTO q SELECT __src, __row, NULL, -1, {sql_string(','.join(self.spec.key))}, "
            f"{key_text}, {sql_string(CONFLICT)}, {row_json} FROM duprows WHERE __conflict"
        )
        repeated = self._count("SELECT count(*) FROM duprows WHERE NOT __conflict AND __rn > 1")
        self.con.execute(
            "DELETE FROM inc USING duprows AS d WHERE inc.__src = d.__src AND inc.__row = d.__row "
            "AND (d.__conflict OR d.__rn > 1)"
        )
        self.con.execute("DROP TABLE dupkeys; DROP TABLE duprows")
        return repeated

    # -- quarantine ------------------------------------------------------------------------
    def _quarantine_tables(self, result: TableResult) -> dict[int, pa.Table]:
        """The quarantine of each source file (empty tables for clean files)."""
        out: dict[int, pa.Table] = {}
        for i, state in enumerate(self.files):
            rows = self.con.execute(
                'SELECT __row, __record, "column", value, reason, raw FROM q '
                "WHERE __src = ? ORDER BY coalesce(__row, -1), coalesce(__record, -1), __pos",
                [i],
            ).arrow()
            if isinstance(rows, pa.RecordBatchReader):
                rows = rows.read_all()
            out[i] = self._with_lines(state, rows, result)
        return out

    def _with_lines(self, state: _FileState, rows: pa.Table, result: TableResult) -> pa.Table:
        n = rows.num_rows
        source = state.source
        row = rows.column("__row").to_numpy(zero_copy_only=False)
        record = rows.column("__record").to_numpy(zero_copy_only=False)
        is_row = ~np.isnan(row.astype(np.float64)) if n else np.zeros(0, bool)
        row_i = np.nan_to_num(row.astype(np.float64), nan=0).astype(np.int64)
        rec_i = np.nan_to_num(record.astype(np.float64), nan=1).astype(np.int64)
        raw = rows.column("raw").to_pylist()
        if source.format is Format.PARQUET or n == 0:
            lines = row_i
        else:
            index = index_records(source.path)
            rejected = np.unique(rec_i[~is_row]) - 1
            data = index.data_records()
            accepted = data[~np.isin(data, rejected)]
            exact = len(accepted) == state.accepted and len(index) >= int(rec_i.max(initial=1))
            if exact:
                lines = np.where(is_row, index.first_line[accepted[row_i]], 0)
                for j in np.flatnonzero(~is_row):
                    lines[j] = index.first_line[rec_i[j] - 1]
                    raw[j] = json.dumps(index.text(source.path, int(rec_i[j] - 1)))
            else:
                # The file's quoting defeats the line index: fall back to record numbers.
                lines = np.where(is_row, row_i + 2, rec_i)
                result.warnings.append(
                    f"{source.path.name}: line numbers are record numbers (irregular quoting)"
                )
        return pa.table(
            {
                "source_file": pa.array([str(source.path)] * n, pa.string()),
                "line": pa.array(lines, pa.int64()),
                "column": rows.column("column"),
                "value": rows.column("value"),
                "reason": rows.column("reason"),
                "raw": pa.array(raw, pa.string()),
            }
        )


def _raw_json(types: dict[str, str]) -> str:
    """SQL of the source row (all its columns, known or not) as a JSON object."""
    return "to_json({" + ", ".join(f"{sql_string(c)}: src.{sql_ident(c)}" for c in types) + "})"


_FIELDS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _structural_reason(error_type: str, message: str) -> str:
    """A plain reason for a CSV record DuckDB's parser refused."""
    if error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        m = _FIELDS.search(message)
        if m:
            return f"wrong number of fields: expected {m.group(1)}, found {m.group(2)}"
        return "wrong number of fields"
    if error_type == "UNQUOTED VALUE":
        return "unterminated or misplaced quote"
    if error_type == "INVALID ENCODING":
        return "invalid UTF-8 byte sequence (file must be UTF-8)"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return "line longer than the maximum line size"
    return f"malformed CSV record: {message}"
