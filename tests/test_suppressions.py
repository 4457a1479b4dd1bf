"""Suppressions mark matching findings (never drop them), stop adding risk, and expire."""

from __future__ import annotations

from pathlib import Path

import pytest
from lakes import make_lake, ts
from test_detect_indicators import DUTY, INCIDENT_PEOPLE, INCIDENTS, PEOPLE, STAFF, TASKING, view

from vigil.detect.engine import run_on_lake
from vigil.detect.suppressions import SuppressionError, load_suppressions

HEADER = "scope,value,indicator,reason,decided_by,expires\n"
VIEWS = [view("E1", "2026-03-10 23:00"), view("E2", "2026-03-12 23:30")]


def lake(tmp_path: Path):  # type: ignore[no-untyped-def]
    return make_lake(
        tmp_path / "lake",
        {
            "staff": STAFF,
            "people": PEOPLE,
            "incidents": INCIDENTS,
            "incident_people": INCIDENT_PEOPLE,
            "incident_staff": TASKING,
            "duty": DUTY,
            "access_events": VIEWS,
        },
    )


def suppressions(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "suppressions.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_suppressed_findings_are_kept_marked_and_add_no_risk(tmp_path: Path) -> None:
    entries = load_suppressions(
        suppressions(
            tmp_path,
            "STAFF,S1,ACCESS_OFF_DUTY,night safeguarding checks agreed,DI Example,2026-12-31",
        )
    )
    plain = run_on_lake(lake(tmp_path))
    marked = run_on_lake(lake(tmp_path / "again"), suppressions=entries)
    assert plain.findings.num_rows == marked.findings.num_rows
    rows = {f["indicator"]: f for f in marked.findings.to_pylist()}
    assert rows["ACCESS_OFF_DUTY"]["suppressed"] is True
    assert "night safeguarding checks agreed" in rows["ACCESS_OFF_DUTY"]["suppression"]
    assert rows["ACCESS_NO_PURPOSE"]["suppressed"] is False
    risk = lambda r: r.staff_risk.to_pylist()[0]["risk_score"]  # noqa: E731
    assert risk(marked) < risk(plain)
    assert "ACCESS_OFF_DUTY" not in marked.staff_risk.to_pylist()[0]["top_indicators"]


def test_team_and_wildcard_scope_and_expiry(tmp_path: Path) -> None:
    entries = load_suppressions(
        suppressions(
            tmp_path, "TEAM,RESPONSE-A,*,pilot of new tasking system,DCI Example,2026-03-31"
        )
    )
    during = run_on_lake(lake(tmp_path), suppressions=entries, as_of=ts("2026-03-20 00:00"))
    assert all(during.findings["suppressed"].to_pylist())
    assert during.staff_risk.num_rows == 0
    after = run_on_lake(lake(tmp_path / "b"), suppressions=entries, as_of=ts("2026-04-02 00:00"))
    assert not any(after.findings["suppressed"].to_pylist())


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("DEPT,S1,*,x,y,2026-12-31", "line 2, column scope: expected one of STAFF, PERSON, TEAM"),
        ("STAFF,S1,NOPE,x,y,2026-12-31", "column indicator: expected an indicator id or *"),
        ("STAFF,S1,*,,y,2026-12-31", "column reason"),
        ("STAFF,S1,*,x,y,31/12/2026", "column expires: expected a date YYYY-MM-DD"),
    ],
)
def test_invalid_entries_name_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(SuppressionError, match=message):
        load_suppressions(suppressions(tmp_path, row))
