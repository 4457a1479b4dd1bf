"""Intelligence (3x5x2 grading, partner reports) and cases (referral, outcomes)."""

from __future__ import annotations

from datetime import date

import pytest

from store.helpers import GRADE, bring_to
from vigil.intel.grading import Grading
from vigil.intel.workflow import (
    CASE_TRANSITIONS,
    CaseState,
    InvestigationType,
    Outcome,
    Referral,
    WorkflowError,
    check_case_transition,
    validate_outcomes,
    validate_referral,
)
from vigil.store.errors import PermissionDenied

REFER = Referral(True, "APSP: mandatory referral", InvestigationType.DIRECTED, "IOPC/2026/001")


# ---------------------------------------------------------------- grading (no database)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1/A/P", "1/A/P"),
        ("2/C/P", "2/C/P"),
        ("3/E/P", "3/E/P"),
        ("2cp", "2/C/P"),
        ("1 B P", "1/B/P"),
    ],
)
def test_valid_grades(code, expected):
    assert Grading.parse(code).code == expected


@pytest.mark.parametrize("code", ["4/A/P", "1/F/P", "1/A/X", "1A", "", "12/A/P"])
def test_invalid_grades(code):
    with pytest.raises(WorkflowError):
        Grading.parse(code)


def test_handling_code_c_needs_conditions_and_p_has_none():
    assert Grading.parse("1/B/C", "not to be shared outside PSD").conditions
    with pytest.raises(WorkflowError, match="conditions"):
        Grading.parse("1/B/C")
    with pytest.raises(WorkflowError, match="no conditions"):
        Grading.parse("1/B/P", "only PSD")


# -------------------------------------------------------------- case rules (no database)


@pytest.mark.parametrize("current", list(CaseState))
@pytest.mark.parametrize("target", list(CaseState))
@pytest.mark.parametrize(
    "role", ["analyst", "supervisor", "investigator", "auditor", "admin", "partner"]
)
def test_case_transitions(current, target, role):
    allowed = CASE_TRANSITIONS[current].get(target, frozenset())
    if role in allowed:
        check_case_transition(current, target, role)
    else:
        with pytest.raises(WorkflowError):
            check_case_transition(current, target, role)


def test_apsp_is_a_mandatory_referral():
    with pytest.raises(WorkflowError, match="mandatory referral to the IOPC"):
        validate_referral(Referral(False, "local matter", InvestigationType.LOCAL), apsp=True)
    validate_referral(Referral(False, "not APSP", InvestigationType.LOCAL), apsp=False)
    with pytest.raises(WorkflowError, match="decided by the IOPC"):
        validate_referral(Referral(False, "x", InvestigationType.INDEPENDENT), apsp=False)
    with pytest.raises(WorkflowError, match="reason"):
        validate_referral(Referral(True, " ", InvestigationType.LOCAL), apsp=True)


def test_outcomes():
    assert validate_outcomes(["BARRED_LIST", "DISMISSAL", "CRIMINAL_CHARGE"]) == [
        Outcome.DISMISSAL,
        Outcome.CRIMINAL_CHARGE,
        Outcome.BARRED_LIST,
    ]
    for bad in (
        [],
        ["NO_CASE_TO_ANSWER", "WRITTEN_WARNING"],
        ["DISMISSAL"],
        ["WRITTEN_WARNING", "FINAL_WRITTEN_WARNING"],
        ["SACKED"],
    ):
        with pytest.raises(ValueError):
            validate_outcomes(bad)


# ------------------------------------------------------------------------ in the store


def test_case_lifecycle(store, users):
    alert_id = bring_to(store, users, "INTELLIGENCE")
    with store.workbench(users["supervisor"]) as wb:
        case = wb.open_case(alert_id)
        assert case.state == "AWAITING_REFERRAL" and case.apsp
        assert wb.get_alert(alert_id).state == "CASE"
        with pytest.raises(WorkflowError, match="mandatory"):
            wb.record_referral(case.id, Referral(False, "keep local", InvestigationType.LOCAL))
    with store.workbench(users["supervisor"]) as wb:
        case = wb.record_referral(case.id, REFER, investigator="investigator")
    assert case.state == "INVESTIGATING" and case.referred_to_iopc
    assert case.investigation_type == "DIRECTED" and case.investigator == "investigator"
    # Only the case's own investigator (or a supervisor) closes it.
    with pytest.raises(PermissionDenied), store.workbench(users["investigator2"]) as wb:
        wb.close_case(case.id, ["WRITTEN_WARNING"], "found")
    with store.workbench(users["investigator"]) as wb:
        for person in case.people:
            wb.add_safeguarding(
                "case", case.id, person, "VICTIM_CONTACT", "update victim", "OIC", date(2026, 3, 20)
            )
        closed = wb.close_case(
            case.id, ["DISMISSAL", "BARRED_LIST", "CRIMINAL_CHARGE"], "gross misconduct proven"
        )
    assert closed.state == "CLOSED"
    assert closed.outcomes == ("DISMISSAL", "CRIMINAL_CHARGE", "BARRED_LIST")
    with pytest.raises(WorkflowError), store.workbench(users["supervisor"]) as wb:
        wb.close_case(case.id, ["REFLECTIVE_PRACTICE"], "again")
    assert store.verify_audit().ok


def test_case_cannot_close_before_referral(store, users):
    alert_id = bring_to(store, users, "INTELLIGENCE")
    with store.workbench(users["supervisor"]) as wb:
        case = wb.open_case(alert_id)
    with (
        pytest.raises(WorkflowError, match="AWAITING_REFERRAL"),
        store.workbench(users["supervisor"]) as wb,
    ):
        wb.close_case(case.id, ["NO_CASE_TO_ANSWER"], "nothing")


@pytest.mark.parametrize("role", ["analyst", "investigator", "auditor"])
def test_only_a_supervisor_opens_and_refers(store, users, role):
    alert_id = bring_to(store, users, "INTELLIGENCE")
    with pytest.raises(PermissionDenied), store.workbench(users[role]) as wb:
        wb.open_case(alert_id)


def test_investigator_sees_only_their_cases(store, users):
    alert_id = bring_to(store, users, "INTELLIGENCE")
    with store.workbench(users["supervisor"]) as wb:
        case = wb.open_case(alert_id)
        wb.record_referral(case.id, REFER, investigator="investigator")
    with store.workbench(users["investigator"]) as wb:
        assert [c.id for c in wb.list_cases()] == [case.id]
    with store.workbench(users["investigator2"]) as wb:
        assert wb.list_cases() == []
    with pytest.raises(PermissionDenied), store.workbench(users["investigator2"]) as wb:
        wb.get_case(case.id)


def test_partner_report_enters_as_ungraded_intelligence(store, users):
    with store.workbench(users["partner"]) as wb:
        report_id = wb.submit_partner_report(
            "PC 'Dave', collar 4471, keeps texting our client late at night",
            person_id="P000777",
            reference="NR-88",
        )
    with pytest.raises(PermissionDenied), store.workbench(users["partner"]) as wb:
        wb.get_intel_report(report_id)
    with pytest.raises(PermissionDenied), store.workbench(users["partner"]) as wb:
        wb.submit_partner_report("x", organisation="Another Org")
    with store.workbench(users["analyst"]) as wb:
        view = wb.get_intel_report(report_id)
        assert view.source_kind == "PARTNER"
        assert view.source_organisation == "Northside Refuge"
        assert view.grade is None and view.sanitised_text == ""
        assert "Dave" not in repr(view) and "P000777" not in repr(view)
        assert [r.id for r in wb.list_intel_reports(ungraded_only=True)] == [report_id]
        graded = wb.grade_intel_report(
            report_id,
            Grading.parse("2/B/C", "PSD only"),
            "an officer is reported to contact a vulnerable woman at night",
        )
    assert graded.grade == "2/B/C" and graded.handling_conditions == "PSD only"


def test_partner_report_linked_to_alert_takes_it_to_intelligence(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with store.workbench(users["partner"]) as wb:
        report_id = wb.submit_partner_report("an officer called our client", person_id="P000777")
    with store.workbench(users["analyst"]) as wb:
        wb.grade_intel_report(report_id, GRADE, "a concern about contact")
        wb.link_intel_report(report_id, alert_id)
        view = wb.transition_alert(alert_id, "INTELLIGENCE")
    assert view.state == "INTELLIGENCE" and report_id in view.intel_reports


def test_intel_report_needs_sanitised_text(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with pytest.raises(WorkflowError, match="sanitised"), store.workbench(users["analyst"]) as wb:
        wb.create_intel_report("  ", GRADE, alert_id=alert_id)
