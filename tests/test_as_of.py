"""An as-of run sees only what the force's systems knew then: it equals a run over an
extract cut at that time by hand."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lakes import make_lake, ts
from test_detect_indicators import (
    CONTACTS,
    DUTY,
    INCIDENT_PEOPLE,
    INCIDENTS,
    PEOPLE,
    STAFF,
    TASKING,
    sms,
    view,
)

from vigil.detect.engine import run_on_lake

EVENTS = {
    "access_events": [
        view("E1", "2026-03-01 12:00"),
        view("E2", "2026-03-06 23:00"),
        view("E3", "2026-03-09 11:00", staff="S2"),
        view("E4", "2026-03-12 22:30"),
        view("E5", "2026-03-18 23:50"),
        view("E6", "2026-03-25 10:00", person="V2", staff="S2"),
    ],
    "contact_events": [
        sms("C1", "2026-03-01 13:00", "+447700900001"),
        sms("C2", "2026-03-14 23:00", "+447700900001"),
        sms("C3", "2026-03-22 01:00", "+447700900001"),
    ],
    "partner_reports": [
        {
            "report_id": "R1",
            "received_at": "2026-03-16 09:00",
            "organisation": "Refuge",
            "officer_description": "Alex from Northtown",
            "concern": "messages at night",
            "person_id": "V1",
        },
    ],
}
INCIDENT_2 = {
    "incident_id": "I2",
    "type": "STALKING",
    "opened_at": "2026-03-08 09:00",
    "closed_at": "2026-03-21 09:00",
}
TASKING_2 = {
    "incident_id": "I2",
    "staff_id": "S2",
    "role": "OIC",
    "assigned_at": "2026-03-08 10:00",
    "unassigned_at": "2026-03-20 10:00",
}
BASE = {
    "staff": STAFF,
    "people": PEOPLE,
    "person_contacts": CONTACTS,
    "incidents": [*INCIDENTS, INCIDENT_2],
    "incident_people": [
        *INCIDENT_PEOPLE,
        {"incident_id": "I2", "person_id": "V2", "role": "VICTIM"},
    ],
    "incident_staff": [*TASKING, TASKING_2],
    "duty": DUTY,
}
TIME_COLUMNS = {"access_events": "ts", "contact_events": "ts", "partner_reports": "received_at"}


def cut_by_hand(t: datetime) -> dict[str, list[dict[str, Any]]]:
    """The extract a force would have produced at time `t`."""

    def known(value: str | None) -> bool:
        return value is not None and ts(value) <= t

    out = {name: [r for r in rows if known(r[TIME_COLUMNS[name]])] for name, rows in EVENTS.items()}
    out["staff"], out["people"], out["person_contacts"] = (
        BASE["staff"],
        BASE["people"],
        BASE["person_contacts"],
    )
    out["incidents"] = [
        {**r, "closed_at": r.get("closed_at") if known(r.get("closed_at")) else None}
        for r in BASE["incidents"]
        if known(r["opened_at"])
    ]
    open_ids = {r["incident_id"] for r in out["incidents"]}
    out["incident_people"] = [r for r in BASE["incident_people"] if r["incident_id"] in open_ids]
    out["incident_staff"] = [
        {**r, "unassigned_at": r.get("unassigned_at") if known(r.get("unassigned_at")) else None}
        for r in BASE["incident_staff"]
        if known(r["assigned_at"])
    ]
    out["duty"] = [{**r, "end": min(ts(r["end"]), t)} for r in BASE["duty"] if known(r["start"])]
    return out


def comparable(result) -> tuple[list, list]:  # type: ignore[no-untyped-def]
    findings = sorted(
        (
            f["finding_id"],
            f["indicator"],
            f["staff_id"],
            f["person_id"],
            round(f["score"], 9),
            f["first_ts"],
            f["last_ts"],
            f["evidence"],
        )
        for f in result.findings.to_pylist()
    )
    risk = sorted(
        (r["staff_id"], round(r["risk_score"], 9), r["rank"], r["alerted"], r["top_indicators"])
        for r in result.staff_risk.to_pylist()
    )
    return findings, risk


def _hours(when: str) -> int:
    return int((ts(when) - ts("2026-03-01 00:00")).total_seconds() // 3600)


# Times just before an event, a partner report, an unassignment and a closure.
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hours=st.integers(min_value=0, max_value=31 * 24))
@example(hours=_hours("2026-03-06 22:00"))
@example(hours=_hours("2026-03-14 22:00"))
@example(hours=_hours("2026-03-16 08:00"))
@example(hours=_hours("2026-03-20 11:00"))
@example(hours=_hours("2026-03-22 00:00"))
def test_as_of_equals_a_run_on_the_extract_cut_at_that_time(hours: int) -> None:
    t = ts("2026-03-01 00:00") + timedelta(hours=hours)
    with tempfile.TemporaryDirectory() as tmp:
        full = make_lake(Path(tmp) / "full", {**BASE, **EVENTS})
        cut = make_lake(Path(tmp) / "cut", cut_by_hand(t))
        assert comparable(run_on_lake(full, as_of=t)) == comparable(run_on_lake(cut, as_of=t))


def test_as_of_hides_later_evidence(tmp_path: Path) -> None:
    lake = make_lake(tmp_path / "lake", {**BASE, **EVENTS})
    early = run_on_lake(lake, as_of=ts("2026-03-10 00:00"))
    late = run_on_lake(lake, as_of=ts("2026-03-31 00:00"))
    assert "PARTNER_CONCERN" not in early.findings["indicator"].to_pylist()
    assert "PARTNER_CONCERN" in late.findings["indicator"].to_pylist()
    assert all(t <= ts("2026-03-10 00:00") for t in early.findings["last_ts"].to_pylist())
