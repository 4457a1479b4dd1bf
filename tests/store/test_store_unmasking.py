"""Pseudonymisation and unmasking: no role sees a real identity without an active grant
for that record; grants are given by a supervisor, for a reason, to someone else, and
expire; every reveal is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.helpers import bring_to, finding, risk
from vigil.intel.pseudonym import Subject, mask_text, pseudonym
from vigil.intel.roles import Role
from vigil.intel.workflow import InvestigationType, Referral, WorkflowError
from vigil.store.errors import PermissionDenied
from vigil.store.models import AuditEntry

STAFF, PERSON = "S000123", "P000777"
ALL_ROLES = ["analyst", "supervisor", "investigator", "auditor", "admin", "partner"]
CAN_HOLD = {"analyst", "supervisor", "investigator"}


def _grantor(name: str) -> str:
    return "supervisor2" if name == "supervisor" else "supervisor"


def test_pseudonyms_are_stable_keyed_and_shaped():
    a = pseudonym(b"k1", Subject.STAFF, STAFF)
    assert a == pseudonym(b"k1", "staff", STAFF)
    assert a != pseudonym(b"k2", Subject.STAFF, STAFF)
    assert a.startswith("STF-") and len(a) == 14
    assert pseudonym(b"k1", Subject.PERSON, STAFF).startswith("PER-")
    assert pseudonym(b"k1", Subject.PERSON, STAFF) != a.replace("STF", "PER")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("report PR-2 from Children's Social Care matches: first name 'patricia', had", "patricia"),
        ("matches: surname 'o'brien' and collar '4471'", "brien"),
        ("matches: collar '4471'", "4471"),
        ('searched "jane doe" with no reference', "jane"),
    ],
)
def test_mask_text_withholds_quoted_fragments(text, secret):
    masked = mask_text(text, {})
    assert secret not in masked and "[withheld]" in masked


def test_mask_text_keeps_apostrophes():
    assert mask_text("Children's Social Care", {}) == "Children's Social Care"


def test_mask_text_replaces_ids_and_withholds_quotes():
    text = "partner report PR-1 from Refuge matches: first name 'patricia', viewed P000777"
    masked = mask_text(text, {PERSON: "PER-X"})
    assert "patricia" not in masked and PERSON not in masked and "PER-X" in masked


@pytest.mark.parametrize("name", ALL_ROLES)
def test_no_role_sees_identities_without_a_grant(store, users, name):
    alert_id = bring_to(store, users, "ASSESSING")
    with pytest.raises(PermissionDenied), store.workbench(users[name]) as wb:
        wb.reveal("alert", alert_id)


@pytest.mark.parametrize("name", ALL_ROLES)
def test_grant_boundary_for_every_role(store, users, name):
    alert_id = bring_to(store, users, "ASSESSING")
    if name not in CAN_HOLD:
        with pytest.raises(PermissionDenied), store.workbench(users["supervisor"]) as wb:
            wb.grant_unmask(name, "alert", alert_id, "need to know", hours=2)
        return
    with store.workbench(users[_grantor(name)]) as wb:
        grant = wb.grant_unmask(name, "alert", alert_id, "interview planning", hours=2)
    assert grant.active
    with store.workbench(users[name]) as wb:
        identity = wb.reveal("alert", alert_id)
    assert identity.staff_id == STAFF
    assert PERSON in identity.people.values()
    assert all(events for events, _ in identity.evidence.values())
    # Another record stays masked.
    other = bring_to(store, users, "NEW", staff_id="S000999")
    with pytest.raises(PermissionDenied), store.workbench(users[name]) as wb:
        wb.reveal("alert", other)
    # The grant expires.
    store.ctx.clock.advance(hours=2, seconds=1)  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied), store.workbench(users[name]) as wb:
        wb.reveal("alert", alert_id)


def test_revoked_grant_no_longer_unmasks(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with store.workbench(users["supervisor"]) as wb:
        grant = wb.grant_unmask("analyst", "alert", alert_id, "safeguarding call", hours=8)
        wb.revoke_unmask(grant.id)
    with pytest.raises(PermissionDenied), store.workbench(users["analyst"]) as wb:
        wb.reveal("alert", alert_id)


def test_nobody_grants_themselves_and_only_supervisors_grant(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with pytest.raises(PermissionDenied, match="own"), store.workbench(users["supervisor"]) as wb:
        wb.grant_unmask("supervisor", "alert", alert_id, "x", hours=1)
    for name in ("analyst", "investigator", "auditor", "admin", "partner"):
        with pytest.raises(PermissionDenied), store.workbench(users[name]) as wb:
            wb.grant_unmask("analyst2", "alert", alert_id, "x", hours=1)


def test_a_grant_needs_a_reason_and_a_bounded_time(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with pytest.raises(WorkflowError, match="reason"), store.workbench(users["supervisor"]) as wb:
        wb.grant_unmask("analyst", "alert", alert_id, " ", hours=1)
    with pytest.raises(WorkflowError, match="hours"), store.workbench(users["supervisor"]) as wb:
        wb.grant_unmask("analyst", "alert", alert_id, "x", hours=10_000)


def test_reveal_is_audited_without_identities(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with store.workbench(users["supervisor"]) as wb:
        wb.grant_unmask("analyst", "alert", alert_id, "interview", hours=1)
    with store.workbench(users["analyst"]) as wb:
        wb.reveal("alert", alert_id)
    with store.session() as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert any(e.action == "identity.unmask" and e.actor == "analyst" for e in entries)
    assert any(e.action == "unmask.grant" for e in entries)
    for e in entries:
        assert STAFF not in e.details and PERSON not in e.details
        assert e.object_id != STAFF


def test_case_and_intel_grants(store, users):
    alert_id = bring_to(store, users, "CASE")
    with store.workbench(users["supervisor"]) as wb:
        view = wb.get_alert(alert_id)
        case_id = view.case_id
        report_id = view.intel_reports[0]
        wb.grant_unmask("investigator", "case", case_id, "investigation", hours=4)
        wb.grant_unmask("analyst", "intel", report_id, "source assessment", hours=4)
    with store.workbench(users["investigator"]) as wb:
        assert wb.reveal("case", case_id).staff_id == STAFF
    with store.workbench(users["analyst"]) as wb:
        identity = wb.reveal("intel", report_id)
        assert identity.staff_id == STAFF and identity.source_details is not None
    with pytest.raises(PermissionDenied), store.workbench(users["analyst"]) as wb:
        wb.reveal("case", case_id)


@pytest.mark.parametrize("name", ["analyst", "supervisor", "investigator"])
def test_views_never_carry_real_identities(store, users, name):
    alert_id = bring_to(store, users, "CASE")
    with store.workbench(users["analyst"]) as wb:
        wb.import_detection(
            [risk(STAFF, 9.0, 1)],
            [
                finding(STAFF, PERSON),
                finding(
                    STAFF,
                    "P000555",
                    indicator="PARTNER_CONCERN",
                    explanation=f"partner report PR-9 matches: first name 'dave' ({STAFF})",
                ),
            ],
        )
    with store.workbench(users["supervisor"]) as wb:
        case_id = wb.get_alert(alert_id).case_id
        wb.record_referral(
            case_id, Referral(True, "APSP", InvestigationType.LOCAL), investigator="investigator"
        )
    with store.workbench(users[name]) as wb:
        seen = [
            wb.get_alert(alert_id),
            wb.list_alerts(),
            wb.get_case(case_id),
            wb.list_cases(),
            wb.list_intel_reports(),
        ]
    text = repr(seen)
    for secret in (STAFF, PERSON, "P000555", "dave"):
        assert secret not in text, f"{secret} leaked to {name}"


def test_the_key_matters(store, users):
    alert_id = bring_to(store, users, "NEW")
    with store.workbench(users["analyst"]) as wb:
        view = wb.get_alert(alert_id)
    assert view.staff == pseudonym(store.ctx.key, Subject.STAFF, STAFF)
    assert view.people == (pseudonym(store.ctx.key, Subject.PERSON, PERSON),)
    assert Role.ANALYST.value == "analyst"


def test_grants_are_listed_to_supervisors_and_holders(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with store.workbench(users["supervisor"]) as wb:
        wb.grant_unmask("analyst", "alert", alert_id, "visit", hours=1)
        wb.grant_unmask("investigator", "alert", alert_id, "file", hours=1)
        assert len(wb.list_grants()) == 2
    with store.workbench(users["analyst"]) as wb:
        assert [g.user for g in wb.list_grants()] == ["analyst"]
    store.ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    with store.workbench(users["analyst"]) as wb:
        assert wb.list_grants() == []
        assert len(wb.list_grants(active_only=False)) == 1
