"""The contract in code matches its rules, and tables round-trip through Parquet and CSV."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from lakes import arrow_rows

from vigil import contract


def test_every_key_column_is_required() -> None:
    for t in contract.ALL_TABLES.values():
        for name in t.key:
            assert t[name].required, f"{t.name}.{name}"


def test_required_tables_exclude_partner_reports_and_truth() -> None:
    assert "partner_reports" not in contract.REQUIRED_EXTRACT_TABLES
    assert "truth" not in contract.REQUIRED_EXTRACT_TABLES
    assert {"staff", "access_events", "contact_events"} <= set(contract.REQUIRED_EXTRACT_TABLES)


def test_event_tables_have_a_time_column() -> None:
    for t in contract.EXTRACT_TABLES.values():
        if t.is_event:
            assert t.time_column and t[t.time_column].type == contract.TIMESTAMP


def test_leave_is_not_duty() -> None:
    assert "LEAVE" in contract.DUTY_KINDS and "LEAVE" not in contract.ON_DUTY_KINDS


def test_unknown_table_is_named() -> None:
    with pytest.raises(KeyError, match="no table 'stafff'"):
        contract.table("stafff")


def test_conform_adds_optional_columns_and_refuses_missing_required() -> None:
    t = contract.conform(
        "truth",
        pa.table(
            {
                "staff_id": ["S1"],
                "scenario": ["x"],
                "start": pa.array([0], pa.timestamp("s", tz="UTC")),
                "end": pa.array([0], pa.timestamp("s", tz="UTC")),
            }
        ),
    )
    assert t.schema == contract.table("truth").schema
    assert t["person_id"].null_count == 1
    with pytest.raises(ValueError, match="required column 'scenario'"):
        contract.conform("truth", pa.table({"staff_id": ["S1"]}))


SAMPLE = {
    "access_events": [
        {
            "event_id": "RMS-1",
            "ts": "2026-03-01 23:15",
            "staff_id": "S1",
            "system": "RMS",
            "action": "VIEW",
            "subject_type": "PERSON",
            "subject_id": "P1",
        }
    ],
    "people": [
        {
            "person_id": "P1",
            "sex": "F",
            "date_of_birth": "1990-02-03",
            "vulnerability": "DA_VICTIM;MENTAL_HEALTH",
        }
    ],
}


@pytest.mark.parametrize("name", sorted(SAMPLE))
def test_round_trip_parquet_and_csv(tmp_path: Path, name: str) -> None:
    table = arrow_rows(name, SAMPLE[name])
    pq.write_table(table, tmp_path / "t.parquet")
    assert pq.read_table(tmp_path / "t.parquet").equals(table)
    pacsv.write_csv(table, tmp_path / "t.csv")
    types = {c.name: c.type for c in contract.table(name).columns}
    back = pacsv.read_csv(
        tmp_path / "t.csv",
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )
    assert contract.conform(name, back).equals(table)
