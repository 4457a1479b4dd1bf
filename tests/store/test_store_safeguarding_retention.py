"""Safeguarding actions (owner, due date, overdue list) and retention review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from store.helpers import bring_to, import_one
from vigil.intel.retention import DEFAULT_REVIEW_DAYS, RetentionCategory, RetentionPolicy
from vigil.intel.workflow import WorkflowError
from vigil.store.errors import IntegrityRefused, NotFound, PermissionDenied
from vigil.store.models import Alert, AuditEntry, RetentionDecisionRecord


def test_overdue_actions_are_listed(store, users):
    alert_id = import_one(store, users["analyst"])
    with store.workbench(users["analyst"]) as wb:
        person = wb.get_alert(alert_id).people[0]
        late = wb.add_safeguarding(
            "alert", alert_id, person, "IDVA_REFERRAL", "refer to IDVA", "DA team", date(2026, 3, 3)
        )
        wb.add_safeguarding(
            "alert",
            alert_id,
            person,
            "WELFARE_CHECK",
            "visit by another team",
            "Team B",
            date(2026, 3, 20),
        )
        assert wb.overdue_safeguarding() == []
    store.ctx.clock.advance(days=5)  # type: ignore[attr-defined]
    with store.workbench(users["supervisor"]) as wb:
        overdue = wb.overdue_safeguarding()
        assert [a.id for a in overdue] == [late.id]
        assert overdue[0].overdue and overdue[0].owner == "DA team"
        assert overdue[0].person == person
        wb.complete_safeguarding(late.id)
        assert wb.overdue_safeguarding() == []
        with pytest.raises(WorkflowError, match="already done"):
            wb.complete_safeguarding(late.id)


def test_safeguarding_is_for_a_person_the_record_concerns(store, users):
    alert_id = import_one(store, users["analyst"])
    with pytest.raises(NotFound), store.workbench(users["analyst"]) as wb:
        wb.add_safeguarding("alert", alert_id, "PER-NOTTHERE", "OTHER", "x", "y", date(2026, 4, 1))
    with pytest.raises(PermissionDenied), store.workbench(users["auditor"]) as wb:
        wb.add_safeguarding("alert", alert_id, "PER-X", "OTHER", "x", "y", date(2026, 4, 1))


def test_policy_overrides():
    policy = RetentionPolicy.from_overrides({"alert_no_further_action": 30})
    assert policy.review_days[RetentionCategory.ALERT_NO_FURTHER_ACTION] == 30
    assert (
        policy.review_days[RetentionCategory.CASE_CLOSED]
        == DEFAULT_REVIEW_DAYS[RetentionCategory.CASE_CLOSED]
    )
    assert policy.review_date("INTELLIGENCE", date(2026, 1, 1)) == date(2026, 1, 1) + timedelta(
        days=DEFAULT_REVIEW_DAYS[RetentionCategory.INTELLIGENCE]
    )
    with pytest.raises(ValueError, match="unknown retention category"):
        RetentionPolicy.from_overrides({"FOREVER": 1})
    with pytest.raises(ValueError, match="positive"):
        RetentionPolicy.from_overrides({"CASE_OPEN": 0})


def test_retention_review_retain_and_delete(store, users):
    kept = bring_to(store, users, "NO_FURTHER_ACTION", staff_id="S1")
    gone = bring_to(store, users, "NO_FURTHER_ACTION", staff_id="S2")
    with store.workbench(users["supervisor"]) as wb:
        assert wb.retention_due() == []
        with pytest.raises(WorkflowError, match="not due"):
            wb.decide_retention("alert", gone, "DELETE", "early")
    store.ctx.clock.advance(days=366)  # type: ignore[attr-defined]
    with store.workbench(users["auditor"]) as wb:
        due = wb.retention_due()
    assert {d.object_id for d in due} == {kept, gone}
    assert {d.category for d in due} == {"ALERT_NO_FURTHER_ACTION"}
    today = store.ctx.clock().date()
    with store.workbench(users["supervisor"]) as wb:
        wb.decide_retention(
            "alert",
            kept,
            "RETAIN",
            "linked to a live complaint",
            retain_until=today + timedelta(days=180),
        )
        wb.decide_retention("alert", gone, "DELETE", "no further relevance")
        assert [d.object_id for d in wb.retention_due()] == []
    with store.session() as session:
        assert session.get(Alert, gone) is None
        decisions = session.scalars(select(RetentionDecisionRecord)).all()
        audited = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action == "retention.decide")
        ).all()
    assert {(d.object_id, d.decision) for d in decisions} == {(kept, "RETAIN"), (gone, "DELETE")}
    assert len(audited) == 2
    assert store.verify_audit().ok


def test_deletion_respects_what_depends_on_a_record(store, users):
    alert_id = bring_to(store, users, "CASE")
    store.ctx.clock.advance(days=7 * 365)  # type: ignore[attr-defined]
    with pytest.raises(IntegrityRefused), store.workbench(users["supervisor"]) as wb:
        wb.decide_retention("alert", alert_id, "DELETE", "old")
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


@pytest.mark.parametrize("role", ["analyst", "investigator", "auditor", "admin", "partner"])
def test_only_supervisors_decide_retention(store, users, role):
    alert_id = import_one(store, users["analyst"])
    store.ctx.clock.advance(days=400)  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied), store.workbench(users[role]) as wb:
        wb.decide_retention("alert", alert_id, "DELETE", "x")
