"""Ingest: the malformed corpus, formats, idempotent and incremental merges, atomicity."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from vigil import contract
from vigil.ingest import IngestError, IngestSummary, Lake, ingest_extract, merge

CORPUS = Path(__file__).parent / "corpus"
#: Appended to contact_events.csv by the fixture: a byte that is not UTF-8 (kept out of git).
NON_UTF8_LINE = b"C008,2026-01-02T01:10:00Z,S001,CALL,OUT,07700 900\xff123,60\n"
HASH = "3f7a9c0e5b1d2a4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d"


@pytest.fixture
def malformed(tmp_path: Path) -> Path:
    extract = tmp_path / "malformed"
    shutil.copytree(CORPUS / "malformed", extract)
    (extract / "README.md").unlink()
    with (extract / "contact_events.csv").open("ab") as f:
        f.write(NON_UTF8_LINE)
    return extract


@pytest.fixture
def malformed_run(malformed: Path, tmp_path: Path) -> tuple[IngestSummary, Lake]:
    summary = ingest_extract(malformed, tmp_path / "lake")
    return summary, Lake(tmp_path / "lake")


def quarantine(lake: Lake, table: str) -> list[tuple[str, int, str | None, str | None, str]]:
    files = sorted(lake.quarantine_dir(table).glob("*.parquet"))
    rows = pa.concat_tables([pq.read_table(f) for f in files]).to_pylist() if files else []
    return sorted(
        (Path(r["source_file"]).name, r["line"], r["column"], r["value"], r["reason"]) for r in rows
    )


# -- the malformed corpus -------------------------------------------------------------------


def test_malformed_row_accounting(malformed_run: tuple[IngestSummary, Lake]) -> None:
    summary, _ = malformed_run
    got = {
        t.table: (t.rows_read, t.rows_loaded, t.rows_quarantined, t.rows_duplicate)
        for t in summary.tables
    }
    assert got == {
        # table: (read, loaded, quarantined, duplicate)
        "staff": (8, 3, 4, 1),
        "people": (6, 3, 3, 0),
        "person_contacts": (11, 6, 3, 2),
        "incidents": (6, 3, 3, 0),
        "incident_people": (0, 0, 0, 0),
        "incident_staff": (4, 2, 2, 0),
        "duty": (3, 2, 1, 0),
        "access_events": (7, 3, 3, 1),
        "contact_events": (8, 5, 3, 0),
        "partner_reports": (0, 0, 0, 0),
    }
    for t in summary.tables:
        assert t.rows_read == t.rows_loaded + t.rows_quarantined + t.rows_duplicate, t.table
        assert t.rows_in_lake == t.rows_loaded
    assert summary.table("partner_reports").warnings == [
        "partner_reports.csv is 0 bytes: read as no rows"
    ]


def test_malformed_quarantine_reasons_lines_and_columns(
    malformed_run: tuple[IngestSummary, Lake],
) -> None:
    _, lake = malformed_run
    vuln = ", ".join(sorted(contract.VULNERABILITY_CODES))
    phone = "expected phone number (E.164 or GB national format)"
    ts = "expected ISO 8601 timestamp"
    assert quarantine(lake, "staff") == [
        ("staff.csv", 5, "staff_id", "S003", "duplicate key with different values"),
        ("staff.csv", 6, "staff_id", "S003", "duplicate key with different values"),
        ("staff.csv", 7, "name", None, "required value missing"),
        ("staff.csv", 7, "start_date", "2020-02-30", "expected date YYYY-MM-DD"),
        ("staff.csv", 8, "start_date", "01/02/2020", "expected date YYYY-MM-DD"),
    ]
    assert quarantine(lake, "people") == [
        (
            "people.csv",
            5,
            "vulnerability",
            "DA_VICTIM;FOO",
            f"unknown code 'FOO' (expected one of {vuln})",
        ),
        ("people.csv", 6, "sex", "Q", "unknown code 'Q' (expected one of F, M, U, X)"),
        ("people.csv", 7, "date_of_birth", "1999-13-01", "expected date YYYY-MM-DD"),
    ]
    assert quarantine(lake, "person_contacts") == [
        ("person_contacts.csv", 7, "value", "not-an-email", "expected e-mail address"),
        ("person_contacts.csv", 8, "value", "12345", phone),
        (
            "person_contacts.csv",
            11,
            "kind",
            "FAX",
            "unknown code 'FAX' (expected one of EMAIL, PHONE, SOCIAL)",
        ),
    ]
    assert quarantine(lake, "incidents") == [
        ("incidents.csv", 5, "opened_at", "yesterday", ts),
        ("incidents.csv", 6, "opened_at", "2026-01-01", ts),
        ("incidents.csv", 7, "closed_at", "2026-01-32T00:00:00Z", ts),
    ]
    assert quarantine(lake, "incident_staff") == [
        (
            "incident_staff.csv",
            3,
            "unassigned_at",
            None,
            "wrong number of fields: expected 5, found 4",
        ),
        ("incident_staff.csv", 4, None, None, "wrong number of fields: expected 5, found 6"),
    ]
    assert quarantine(lake, "duty") == [
        (
            "duty.csv",
            4,
            "kind",
            "NAP",
            "unknown code 'NAP' (expected one of LEAVE, ON_CALL, OVERTIME, SHIFT, TRAINING)",
        ),
    ]
    # Line 3-4 is one record (a quoted newline) and line 6 is blank: lines stay physical.
    assert quarantine(lake, "access_events") == [
        (
            "access_events.csv",
            5,
            "action",
            "LOOK",
            "unknown code 'LOOK' (expected one of EXPORT, PRINT, SEARCH, UPDATE, VIEW)",
        ),
        ("access_events.csv", 8, "ts", "2026-01-02T25:00:00Z", ts),
        ("access_events.csv", 10, None, None, "unterminated or misplaced quote"),
    ]
    assert quarantine(lake, "contact_events") == [
        ("contact_events.csv", 4, "duration_s", "2.5", "expected integer"),
        ("contact_events.csv", 7, "counterpart", "12345", phone),
        (
            "contact_events.csv",
            9,
            "counterpart",
            None,
            "invalid UTF-8 byte sequence (file must be UTF-8)",
        ),
    ]
    assert quarantine(lake, "incident_people") == []


def test_quarantine_keeps_the_raw_row_as_json(malformed_run: tuple[IngestSummary, Lake]) -> None:
    _, lake = malformed_run
    (file,) = lake.quarantine_dir("staff").glob("*.parquet")
    rows = pq.read_table(file).to_pylist()
    row = next(r for r in rows if r["line"] == 8)
    assert '"notes":null' in row["raw"] and '"start_date":"01/02/2020"' in row["raw"]
    (file,) = lake.quarantine_dir("access_events").glob("*.parquet")
    structural = next(r for r in pq.read_table(file).to_pylist() if r["line"] == 10)
    assert structural["raw"].startswith('"A006,2026-01-02T03:00:00Z')


def test_malformed_loaded_values_are_normalised(malformed_run: tuple[IngestSummary, Lake]) -> None:
    _, lake = malformed_run
    staff = lake.read("staff")
    assert staff.schema == contract.table("staff").schema  # the unknown `notes` column is gone
    assert sorted(staff.column("staff_id").to_pylist()) == ["S001", "S002", "S006"]
    contacts = {
        (r["person_id"], r["kind"]): r["value"] for r in lake.read("person_contacts").to_pylist()
    }
    assert contacts == {
        ("P001", "PHONE"): "+447700900123",
        ("P002", "PHONE"): "+447700900456",
        ("P003", "PHONE"): "+447700900789",
        ("P003", "EMAIL"): "ann.lee@example.org",
        ("P006", "SOCIAL"): "@loumann",
        ("P006", "PHONE"): HASH,
    }
    people = {r["person_id"]: r for r in lake.read("people").to_pylist()}
    assert people["P003"]["sex"] == "F"
    assert people["P003"]["vulnerability"] == "DA_VICTIM;MENTAL_HEALTH"
    assert people["P002"]["vulnerability"] == ""
    opened = {r["incident_id"]: r["opened_at"] for r in lake.read("incidents").to_pylist()}
    assert opened == {
        "I001": datetime(2026, 1, 1, 10, 0, tzinfo=UTC),  # no offset: UTC
        "I002": datetime(2026, 1, 1, 22, 30, tzinfo=UTC),  # +01:00
        "I003": datetime(2026, 1, 1, 13, 15, tzinfo=UTC),  # -05:00, space separator
    }
    counterparts = {
        r["event_id"]: r["counterpart"] for r in lake.read("contact_events").to_pylist()
    }
    assert counterparts == {
        "C001": "+447700900123",
        "C002": "+447700900123",
        "C004": "jane.doe@example.com",
        "C005": HASH,
        "C007": "@loumann",
    }
    access = lake.read("access_events")
    assert access.schema == contract.table("access_events").schema
    days = sorted(p.parent.name for p in lake.files("access_events"))
    assert days == ["day=2026-01-01", "day=2026-01-02"]  # A002 is 22:50 UTC on 1 January
    assert "jane\ndoe" in access.column("query").to_pylist()


def test_rerun_replaces_quarantine_and_changes_nothing(
    malformed: Path, malformed_run: tuple[IngestSummary, Lake]
) -> None:
    first, lake = malformed_run
    before = {t: quarantine(lake, t) for t in contract.EXTRACT_TABLES}
    files_before = {t: lake.read(t) for t in lake.tables()}
    second = ingest_extract(malformed, lake.root)
    assert {t: quarantine(lake, t) for t in contract.EXTRACT_TABLES} == before
    for t in second.tables:
        assert t.rows_loaded == 0
        assert t.rows_duplicate_in_lake == first.table(t.table).rows_loaded
        assert t.rows_quarantined == first.table(t.table).rows_quarantined
        assert t.balanced
    assert {t: lake.read(t) for t in lake.tables()} == files_before


def test_quarantine_removed_when_source_is_fixed(malformed: Path, tmp_path: Path) -> None:
    ingest_extract(malformed, tmp_path / "lake")
    lines = (malformed / "duty.csv").read_text().splitlines()
    (malformed / "duty.csv").write_text("\n".join(lines[:-1]) + "\n")
    ingest_extract(malformed, tmp_path / "lake")
    assert quarantine(Lake(tmp_path / "lake"), "duty") == []


# -- extract-level errors ---------------------------------------------------------------------


def test_missing_required_column_names_table_file_and_column(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest_extract(CORPUS / "missing_column", tmp_path / "lake")
    message = str(err.value)
    assert "access_events" in message and "access_events.csv" in message and "ts" in message
    assert not (tmp_path / "lake").exists()


def test_missing_required_table_is_named(malformed: Path, tmp_path: Path) -> None:
    (malformed / "duty.csv").unlink()
    with pytest.raises(IngestError, match=r"lacks required table.*duty"):
        ingest_extract(malformed, tmp_path / "lake")
    assert not (tmp_path / "lake").exists()


def test_table_given_twice_is_refused(malformed: Path, tmp_path: Path) -> None:
    (malformed / "duty").mkdir()
    with pytest.raises(IngestError, match="duty is given more than once"):
        ingest_extract(malformed, tmp_path / "lake")


def test_missing_extract_folder(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        ingest_extract(tmp_path / "nope", tmp_path / "lake")


# -- a clean extract, generated from the contract -----------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)


def make_table(name: str, n: int, first: int = 0, day: int = 0, days: int = 1) -> pa.Table:
    """`n` valid rows of table `name`, keys numbered from `first`, times over `days` days."""
    spec = contract.table(name)
    arrays = []
    for col in spec:
        values: list[object] = []
        for i in range(first, first + n):
            if not col.required and i % 3 == 0:
                values.append(None)
            elif col.normalise == "contact_point":
                values.append(f"{i:064x}")  # a keyed hash: valid for every kind
            elif col.codes is not None:
                values.append(sorted(col.codes)[i % len(col.codes)])
            elif col.type == contract.TIMESTAMP:
                offset = timedelta(days=day + i % days, seconds=i)
                values.append(START + offset)
            elif col.type == contract.DATE:
                values.append(date(2000, 1, 1) + timedelta(days=i))
            elif col.type == contract.INT:
                values.append(i)
            else:
                values.append(f"{col.name}-{i:06d}")
        arrays.append(pa.array(values, col.type))
    return pa.Table.from_arrays(arrays, schema=spec.schema)


def write_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)


def write_extract(
    root: Path, first: int = 0, day: int = 0, days: int = 2, n: int = 20, fmt: str = "csv"
) -> dict[str, pa.Table]:
    """A clean extract with every required table; returns what was written."""
    written = {}
    for name in contract.REQUIRED_EXTRACT_TABLES:
        table = make_table(name, n, first=first, day=day, days=days)
        written[name] = table
        if fmt == "parquet":
            root.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, root / f"{name}.parquet")
        else:
            write_csv(table, root / f"{name}.csv")
    return written


def by_key(name: str, table: pa.Table) -> list[dict[str, object]]:
    return sorted(
        table.to_pylist(), key=lambda r: tuple(str(r[k]) for k in contract.table(name).key)
    )


def assert_lake_has(lake: Lake, expected: dict[str, list[pa.Table]]) -> None:
    for name, parts in expected.items():
        want = by_key(name, pa.concat_tables(parts))
        # Duplicated keys across parts: the last part wins.
        dedup: dict[tuple[str, ...], dict[str, object]] = {}
        for part in parts:
            for row in part.to_pylist():
                dedup[tuple(str(row[k]) for k in contract.table(name).key)] = row
        want = [dedup[k] for k in sorted(dedup)]
        assert by_key(name, lake.read(name)) == want, name


def test_csv_extract_round_trips(tmp_path: Path) -> None:
    written = write_extract(tmp_path / "x")
    summary = ingest_extract(tmp_path / "x", tmp_path / "lake")
    assert summary.rows_quarantined == 0
    assert_lake_has(Lake(tmp_path / "lake"), {k: [v] for k, v in written.items()})


def test_parquet_extract_round_trips(tmp_path: Path) -> None:
    written = write_extract(tmp_path / "x", fmt="parquet")
    summary = ingest_extract(tmp_path / "x", tmp_path / "lake")
    assert summary.rows_quarantined == 0
    assert summary.table("access_events").rows_loaded == 20
    assert_lake_has(Lake(tmp_path / "lake"), {k: [v] for k, v in written.items()})


def test_folder_of_mixed_files_with_extra_columns(tmp_path: Path) -> None:
    written = write_extract(tmp_path / "x")
    (tmp_path / "x" / "access_events.csv").unlink()
    folder = tmp_path / "x" / "access_events"
    day1 = make_table("access_events", 10, first=100, day=0)
    day2 = make_table("access_events", 10, first=200, day=1)
    write_csv(
        day1.append_column("unknown_extra", pa.array(["x"] * 10)),
        folder / "day=2026-01-01" / "a.csv",
    )
    (folder / "day=2026-01-02").mkdir()
    pq.write_table(
        day2.append_column("other", pa.array(list(range(10)))),
        folder / "day=2026-01-02" / "b.parquet",
    )
    (folder / "_SUCCESS").write_text("")
    (folder / "notes.txt").write_text("ignored")
    summary = ingest_extract(tmp_path / "x", tmp_path / "lake")
    result = summary.table("access_events")
    assert len(result.source_files) == 2 and result.rows_loaded == 20
    lake = Lake(tmp_path / "lake")
    assert lake.read("access_events").schema == contract.table("access_events").schema
    expected = {k: [v] for k, v in written.items() if k != "access_events"}
    expected["access_events"] = [day1, day2]
    assert_lake_has(lake, expected)


def test_typed_parquet_columns(tmp_path: Path) -> None:
    write_extract(tmp_path / "x")
    (tmp_path / "x" / "contact_events.csv").unlink()
    events = make_table("contact_events", 4)
    naive = pa.array([datetime(2026, 1, 1, h) for h in range(4)], pa.timestamp("ns"))
    duration = pa.array([1.0, None, 3.0, 2.5], pa.float64())  # as pandas writes ints with nulls
    events = events.set_column(events.schema.get_field_index("ts"), "ts", naive)
    events = events.set_column(events.schema.get_field_index("duration_s"), "duration_s", duration)
    pq.write_table(events, tmp_path / "x" / "contact_events.parquet")
    summary = ingest_extract(tmp_path / "x", tmp_path / "lake")
    result = summary.table("contact_events")
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    rows = Lake(tmp_path / "lake").read("contact_events").to_pylist()
    assert sorted(r["duration_s"] or 0 for r in rows) == [0, 1, 3]
    assert rows[0]["ts"] == datetime(2026, 1, 1, 0, tzinfo=UTC)
    assert quarantine(Lake(tmp_path / "lake"), "contact_events") == [
        ("contact_events.parquet", 3, "duration_s", "2.5", "expected integer")
    ]


# -- idempotence, increments, updates, atomicity ---------------------------------------------------


def inodes(lake: Lake, name: str) -> dict[str, int]:
    snap = lake.current
    assert snap is not None
    return {str(f.relative_to(snap / name)): f.stat().st_ino for f in lake.files(name)}


def test_reingest_is_idempotent(tmp_path: Path) -> None:
    write_extract(tmp_path / "x")
    ingest_extract(tmp_path / "x", tmp_path / "lake")
    lake = Lake(tmp_path / "lake")
    before = {t: lake.read(t) for t in lake.tables()}
    files_before = {t: inodes(lake, t) for t in lake.tables()}
    again = ingest_extract(tmp_path / "x", tmp_path / "lake")
    for t in again.tables:
        assert (t.rows_loaded, t.rows_duplicate_in_lake) == (0, t.rows_read), t.table
        assert t.files_written == []
    assert {t: lake.read(t) for t in lake.tables()} == before
    assert {t: inodes(lake, t) for t in lake.tables()} == files_before  # all hard links


def test_duplicates_within_input_across_files(tmp_path: Path) -> None:
    write_extract(tmp_path / "x")
    (tmp_path / "x" / "access_events.csv").unlink()
    part = make_table("access_events", 5)
    write_csv(part, tmp_path / "x" / "access_events" / "a.csv")  # creates the folder
    pq.write_table(part, tmp_path / "x" / "access_events" / "b.parquet")
    result = ingest_extract(tmp_path / "x", tmp_path / "lake").table("access_events")
    assert (result.rows_read, result.rows_loaded, result.rows_duplicate_in_input) == (10, 5, 5)


def test_incremental_ingest_links_untouched_days(tmp_path: Path) -> None:
    first = write_extract(tmp_path / "d1", first=0, day=0, days=2)
    ingest_extract(tmp_path / "d1", tmp_path / "lake")
    lake = Lake(tmp_path / "lake")
    old = inodes(lake, "access_events")
    assert sorted(old) == ["day=2026-01-01/part-0.parquet", "day=2026-01-02/part-0.parquet"]
    second = write_extract(tmp_path / "d2", first=1000, day=2, days=1)
    summary = ingest_extract(tmp_path / "d2", tmp_path / "lake")
    result = summary.table("access_events")
    assert result.files_written == ["day=2026-01-03/part-0.parquet"]
    new = inodes(lake, "access_events")
    assert {k: new[k] for k in old} == old  # old days are hard links of the same files
    assert sorted(new) == sorted([*old, "day=2026-01-03/part-0.parquet"])
    assert_lake_has(lake, {k: [first[k], second[k]] for k in first})


def test_changed_row_replaces_lake_row_everywhere(tmp_path: Path) -> None:
    write_extract(tmp_path / "d1", days=2)
    ingest_extract(tmp_path / "d1", tmp_path / "lake")
    lake = Lake(tmp_path / "lake")
    old = inodes(lake, "access_events")
    events = lake.read("access_events")
    row = events.filter(pa.compute.equal(events.column("event_id"), "event_id-000001")).to_pylist()[
        0
    ]
    assert row["ts"].date() == date(2026, 1, 2)
    # The source corrects the event's time: it moves from 2 January to 5 January.
    row["ts"] = datetime(2026, 1, 5, 9, tzinfo=UTC)
    shutil.rmtree(tmp_path / "d1")
    write_extract(tmp_path / "d2", n=0)
    write_csv(
        pa.Table.from_pylist([row], schema=events.schema), tmp_path / "d2" / "access_events.csv"
    )
    result = ingest_extract(tmp_path / "d2", tmp_path / "lake").table("access_events")
    assert (result.rows_loaded, result.rows_updated) == (1, 1)
    assert result.files_written == [
        "day=2026-01-02/part-0.parquet",
        "day=2026-01-05/part-0.parquet",
    ]
    after = lake.read("access_events")
    assert after.num_rows == events.num_rows
    moved = [r for r in after.to_pylist() if r["event_id"] == "event_id-000001"]
    assert [r["ts"] for r in moved] == [datetime(2026, 1, 5, 9, tzinfo=UTC)]
    assert (
        inodes(lake, "access_events")["day=2026-01-01/part-0.parquet"]
        == old["day=2026-01-01/part-0.parquet"]
    )


def test_failure_midway_leaves_lake_unchanged(
    malformed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_extract(tmp_path / "x")
    ingest_extract(tmp_path / "x", tmp_path / "lake")
    lake = Lake(tmp_path / "lake")
    current = lake.current
    before = {t: lake.read(t) for t in lake.tables()}
    real_copy = merge._copy

    def failing_copy(
        con: duckdb.DuckDBPyConnection, select: str, target: Path, day: str | None, order: str = ""
    ) -> None:
        if "access_events" in str(target):
            raise RuntimeError("disk full")
        real_copy(con, select, target, day, order)

    monkeypatch.setattr(merge, "_copy", failing_copy)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_extract(malformed, tmp_path / "lake")
    assert lake.current == current
    assert {t: lake.read(t) for t in lake.tables()} == before
    assert [p for p in (lake.root / "_quarantine").rglob("*") if p.is_file()] == []
    assert [p.name for p in (lake.root / "snapshots").iterdir()] == [
        current.name if current else ""
    ]
    assert not [p for p in lake.root.iterdir() if p.name.startswith(".ingest-tmp")]


def test_progress_and_rich_summary(tmp_path: Path) -> None:
    write_extract(tmp_path / "x", n=5)
    calls: list[tuple[str, int, int | None]] = []
    summary = ingest_extract(tmp_path / "x", tmp_path / "lake", progress=lambda *a: calls.append(a))
    assert ("staff", 0, None) in calls and ("access_events", 5, 5) in calls
    table = summary.as_rich_table()
    assert table.row_count == len(summary.tables) + 1
    assert os.path.isdir(summary.lake / "snapshots" / summary.snapshot)
