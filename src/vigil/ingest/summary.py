"""What an ingest did, per table: the numbers the CLI prints and the tests check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.table import Table as RichTable


@dataclass
class TableResult:
    """The outcome of ingesting one table.

    Accounting (exact, for every table): ``rows_read == rows_loaded + rows_quarantined +
    rows_duplicate``.

    - ``rows_read``: data rows in the source files. CSV: the records after the header as
      the CSV parser splits them, including records refused for their structure (wrong
      number of fields, bad quoting, invalid UTF-8); blank lines are not rows. Parquet:
      the rows of the file.
    - ``rows_quarantined``: rows refused, each written to the quarantine with its reason(s):
      a structural CSV problem, a bad value (missing, wrong type, unknown code, not a
      contact point), or a key that occurs in the input with *different* values (all
      rows of such a key are refused: ingest cannot tell which is right).
    - ``rows_duplicate``: valid rows not loaded because the same row (same key, same
      values) is already loaded: ``rows_duplicate_in_input`` repeat an earlier row of
      this extract, ``rows_duplicate_in_lake`` are already in the lake unchanged.
    - ``rows_loaded``: valid rows written to the new snapshot: new keys, and
      ``rows_updated`` of them replace a lake row with the same key and other values.
    """

    table: str
    source_files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate_in_input: int = 0
    rows_duplicate_in_lake: int = 0
    rows_updated: int = 0
    #: Rows of the table in the lake after this ingest.
    rows_in_lake: int = 0
    #: Lake files written (not hard-linked) for this table, relative to the table folder.
    files_written: list[str] = field(default_factory=list)
    quarantine_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_duplicate(self) -> int:
        return self.rows_duplicate_in_input + self.rows_duplicate_in_lake

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined + self.rows_duplicate


@dataclass
class IngestSummary:
    """The outcome of one `ingest_extract` call."""

    extract: Path
    lake: Path
    #: Snapshot folder name that became `current`.
    snapshot: str = ""
    tables: list[TableResult] = field(default_factory=list)

    def table(self, name: str) -> TableResult:
        for result in self.tables:
            if result.table == name:
                return result
        raise KeyError(f"table {name} was not in the extract")

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables)

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables)

    @property
    def rows_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.tables)

    @property
    def rows_duplicate(self) -> int:
        return sum(t.rows_duplicate for t in self.tables)

    def as_rich_table(self) -> RichTable:
        """One line per table and a total line, for the CLI."""
        out = RichTable(title=f"Ingest {self.extract} -> {self.lake}")
        out.add_column("table")
        out.add_column("files", justify="right")
        for label in ("read", "loaded", "quarantined", "duplicate", "in lake"):
            out.add_column(label, justify="right")
        out.add_column("notes")
        for t in self.tables:
            notes = []
            if t.rows_updated:
                notes.append(f"{t.rows_updated:,} updated")
            if t.rows_quarantined:
                notes.append("see " + ", ".join(t.quarantine_files))
            notes.extend(t.warnings)
            quarantined = f"{t.rows_quarantined:,}"
            out.add_row(
                t.table,
                str(len(t.source_files)),
                f"{t.rows_read:,}",
                f"{t.rows_loaded:,}",
                f"[red]{quarantined}[/red]" if t.rows_quarantined else quarantined,
                f"{t.rows_duplicate:,}",
                f"{t.rows_in_lake:,}",
                "; ".join(notes),
            )
        out.add_section()
        out.add_row(
            "total",
            str(sum(len(t.source_files) for t in self.tables)),
            f"{self.rows_read:,}",
            f"{self.rows_loaded:,}",
            f"{self.rows_quarantined:,}",
            f"{self.rows_duplicate:,}",
            f"{sum(t.rows_in_lake for t in self.tables):,}",
            "",
        )
        return out
