"""Small detection outputs and shortcuts for the store tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from vigil.detect.engine import finding_id
from vigil.intel.grading import Grading
from vigil.intel.pseudonym import Subject, pseudonym
from vigil.store import Store
from vigil.store.models import User

T0 = datetime(2026, 2, 1, 22, 30, tzinfo=UTC)


def finding(
    staff_id: str,
    person_id: str | None,
    indicator: str = "ACCESS_NO_PURPOSE",
    events: tuple[str, ...] = ("RMS-1", "RMS-2"),
    score: float = 2.0,
    explanation: str | None = None,
    suppressed: bool = False,
) -> dict[str, Any]:
    text = explanation or f"looked at the record of {person_id} with no tasking"
    return {
        "finding_id": finding_id(indicator, staff_id, person_id),
        "staff_id": staff_id,
        "person_id": person_id,
        "indicator": indicator,
        "score": score,
        "first_ts": T0,
        "last_ts": T0,
        "evidence": json.dumps(
            {"explanation": text, "n_events": len(events), "event_ids": list(events)}
        ),
        "suppressed": suppressed,
        "suppression": "legitimate: DA team" if suppressed else None,
    }


def risk(staff_id: str, score: float, rank: int, alerted: bool = True) -> dict[str, Any]:
    return {
        "staff_id": staff_id,
        "risk_score": score,
        "rank": rank,
        "alerted": alerted,
        "top_indicators": "ACCESS_NO_PURPOSE",
    }


def one_alert_output(
    staff_id: str = "S000123", people: tuple[str, ...] = ("P000777",)
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return [risk(staff_id, 5.0, 1)], [finding(staff_id, p) for p in people]


def import_one(store: Store, actor: User, staff_id: str = "S000123", people=("P000777",)) -> str:
    """Import an alert for `staff_id` concerning `people`; returns the alert id."""
    risk_rows, findings = one_alert_output(staff_id, people)
    with store.workbench(actor) as wb:
        wb.import_detection(risk_rows, findings, "test")
        alerts = wb.list_alerts()
    staff = pseudonym(store.ctx.key, Subject.STAFF, staff_id)
    return next(a.id for a in alerts if a.staff == staff)


GRADE = Grading.parse("2/C/P")


def bring_to(store: Store, users: dict[str, User], state: str, staff_id: str = "S000123") -> str:
    """An alert in `state`, reached by the legal path (with safeguarding recorded)."""
    from datetime import date

    alert_id = import_one(store, users["analyst"], staff_id)
    if state == "NEW":
        return alert_id
    with store.workbench(users["analyst"]) as wb:
        view = wb.transition_alert(alert_id, "ASSESSING")
        for person in view.people:
            wb.add_safeguarding(
                "alert",
                alert_id,
                person,
                "WELFARE_CHECK",
                "check by another team",
                "Neighbourhood team B",
                date(2026, 3, 9),
            )
    if state == "ASSESSING":
        return alert_id
    if state in ("NO_FURTHER_ACTION", "MANAGEMENT_ACTION"):
        with store.workbench(users["supervisor"]) as wb:
            wb.transition_alert(alert_id, state, reason="access explained by a tasking")
        return alert_id
    with store.workbench(users["analyst"]) as wb:
        wb.create_intel_report(
            "repeated unexplained access to a DA victim", GRADE, alert_id=alert_id
        )
    if state == "INTELLIGENCE":
        return alert_id
    assert state == "CASE"
    with store.workbench(users["supervisor"]) as wb:
        wb.open_case(alert_id)
    return alert_id
