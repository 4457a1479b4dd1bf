"""Each indicator on tiny hand-built lakes: positive cases and legitimate look-alikes."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from lakes import make_lake

from vigil.detect.catalogue import load_catalogue
from vigil.detect.engine import run_on_lake
from vigil.ingest.lake import Lake

STAFF = [
    {
        "staff_id": "S1",
        "name": "Alex Example",
        "role": "PC",
        "team_id": "RESPONSE-A",
        "station": "Northtown",
        "start_date": "2020-01-01",
    },
    {
        "staff_id": "S2",
        "name": "Sam Sample",
        "role": "PC",
        "team_id": "RESPONSE-A",
        "station": "Northtown",
        "start_date": "2020-01-01",
    },
]
PEOPLE = [
    {"person_id": "V1", "sex": "F", "vulnerability": "DA_VICTIM"},
    {"person_id": "V2", "sex": "F", "vulnerability": "SEXUAL_OFFENCE_VICTIM;MENTAL_HEALTH"},
    {"person_id": "N1", "sex": "M", "vulnerability": ""},
]
INCIDENTS = [
    {
        "incident_id": "I1",
        "type": "DOMESTIC_ABUSE",
        "opened_at": "2026-03-01 10:00",
        "closed_at": "2026-03-20 10:00",
    },
]
INCIDENT_PEOPLE = [{"incident_id": "I1", "person_id": "V1", "role": "VICTIM"}]
# S1 attended I1 for four hours on 1 March; S1 is on day shifts 07:00-17:00 all month.
TASKING = [
    {
        "incident_id": "I1",
        "staff_id": "S1",
        "role": "ATTENDING",
        "assigned_at": "2026-03-01 10:05",
        "unassigned_at": "2026-03-01 14:00",
    },
]
DUTY = [
    {
        "staff_id": s,
        "start": f"2026-03-{d:02d} 07:00",
        "end": f"2026-03-{d:02d} 17:00",
        "kind": "SHIFT",
    }
    for s in ("S1", "S2")
    for d in range(1, 31)
]


def view(
    event_id: str, when: str, person: str = "V1", staff: str = "S1", subject_type: str = "PERSON"
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "ts": when,
        "staff_id": staff,
        "system": "RMS",
        "action": "VIEW",
        "subject_type": subject_type,
        "subject_id": person,
    }


def sms(event_id: str, when: str, number: str, staff: str = "S1") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "ts": when,
        "staff_id": staff,
        "channel": "SMS",
        "direction": "OUT",
        "counterpart": number,
    }


def run(tmp_path: Path, **tables: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict]:
    """Findings by (indicator, staff, person), with the evidence decoded."""
    base = {
        "staff": STAFF,
        "people": PEOPLE,
        "incidents": INCIDENTS,
        "incident_people": INCIDENT_PEOPLE,
        "incident_staff": TASKING,
        "duty": DUTY,
    }
    lake = make_lake(tmp_path / "lake", {**base, **tables})
    result = run_on_lake(lake)
    out = {}
    for f in result.findings.to_pylist():
        f["evidence"] = json.loads(f["evidence"])
        out[(f["indicator"], f["staff_id"], f["person_id"])] = f
    return out


# -- ACCESS_NO_PURPOSE -------------------------------------------------------------------


def test_no_purpose_repeated_views_after_tasking_ended(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-10 11:00"),
            view("E2", "2026-03-12 12:00"),
            view("E3", "2026-03-12 12:05"),
            view("E4", "2026-03-19 09:00"),
        ],
    )
    f = found[("ACCESS_NO_PURPOSE", "S1", "V1")]
    assert f["evidence"]["event_ids"] == ["E1", "E2", "E3", "E4"]
    assert f["evidence"]["n_events"] == 4
    assert "4 times on 3 days over 10 days" in f["evidence"]["explanation"]
    assert "DA_VICTIM" in f["evidence"]["explanation"]


def test_no_purpose_not_raised_while_tasked_or_within_grace(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-01 09:00"),  # read-up just before assignment (grace 2h)
            view("E2", "2026-03-01 12:00"),  # while attending
            view("E3", "2026-03-03 10:00"),  # follow-up within 72h of unassignment
        ],
    )
    assert not [k for k in found if k[0] == "ACCESS_NO_PURPOSE"]


def test_no_purpose_ignores_people_who_are_not_vulnerable(tmp_path: Path) -> None:
    found = run(tmp_path, access_events=[view("E1", "2026-03-10 11:00", person="N1")])
    assert not found


def test_incident_view_is_access_to_the_people_in_it(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-10 11:00", person="I1", staff="S2", subject_type="INCIDENT"),
            view("E2", "2026-03-11 11:00", person="I1", staff="S2", subject_type="INCIDENT"),
        ],
    )
    assert ("ACCESS_NO_PURPOSE", "S2", "V1") in found


def test_a_victim_is_vulnerable_by_her_incident_when_her_record_lacks_the_marker(
    tmp_path: Path,
) -> None:
    # U1's record has no vulnerability code: I2 says she is a victim of domestic abuse,
    # U2 only witnessed it. S2 was never tasked to I2.
    people = [
        *PEOPLE,
        {"person_id": "U1", "sex": "F", "vulnerability": ""},
        {"person_id": "U2", "sex": "F", "vulnerability": None},
    ]
    incidents = [
        *INCIDENTS,
        {"incident_id": "I2", "type": "DOMESTIC_ABUSE", "opened_at": "2026-03-02 09:00"},
    ]
    incident_people = [
        *INCIDENT_PEOPLE,
        {"incident_id": "I2", "person_id": "U1", "role": "VICTIM"},
        {"incident_id": "I2", "person_id": "U2", "role": "WITNESS"},
    ]
    days = ["2026-03-10 11:00", "2026-03-12 12:00"]
    found = run(
        tmp_path,
        people=people,
        incidents=incidents,
        incident_people=incident_people,
        access_events=[
            *(view(f"E{i}", d, person="U1", staff="S2") for i, d in enumerate(days)),
            *(view(f"W{i}", d, person="U2", staff="S2") for i, d in enumerate(days)),
        ],
    )
    f = found[("ACCESS_NO_PURPOSE", "S2", "U1")]
    assert "(DA_VICTIM)" in f["evidence"]["explanation"]
    assert not [k for k in found if k[2] == "U2"]


# -- ACCESS_OFF_DUTY ---------------------------------------------------------------------


def test_off_duty_late_night_view(tmp_path: Path) -> None:
    found = run(
        tmp_path, access_events=[view("E1", "2026-03-10 23:30"), view("E2", "2026-03-11 23:10")]
    )
    f = found[("ACCESS_OFF_DUTY", "S1", "V1")]
    assert f["evidence"]["event_ids"] == ["E1", "E2"]
    assert (
        "2 times while off duty and outside any working session, on 2 days"
        in (f["evidence"]["explanation"])
    )


def test_off_duty_not_raised_on_shift_or_within_duty_grace(tmp_path: Path) -> None:
    found = run(
        tmp_path, access_events=[view("E1", "2026-03-10 11:00"), view("E2", "2026-03-10 18:00")]
    )  # 1h after shift
    assert ("ACCESS_OFF_DUTY", "S1", "V1") not in found


def busy_session(day: str, hour: str, prefix: str = "B") -> list[dict[str, Any]]:
    """Eight vehicle checks by S1 within the hour: the shape of unrostered work."""
    return [
        {
            "event_id": f"{prefix}{i}",
            "ts": f"{day} {hour}:{i * 5 + 1:02d}",
            "staff_id": "S1",
            "system": "PNC",
            "action": "SEARCH",
            "subject_type": "VEHICLE",
            "subject_id": f"VRM{i}",
        }
        for i in range(8)
    ]


def test_off_duty_busy_session_is_taken_as_unrostered_work(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            *busy_session("2026-03-10", "22"),
            view("E1", "2026-03-10 22:30"),
            view("E2", "2026-03-12 12:00"),
        ],
    )
    assert ("ACCESS_OFF_DUTY", "S1", "V1") not in found
    assert ("ACCESS_NO_PURPOSE", "S1", "V1") in found  # still no purpose


def test_leave_is_not_duty(tmp_path: Path) -> None:
    leave = [
        {"staff_id": "S2", "start": "2026-03-10 00:00", "end": "2026-03-12 00:00", "kind": "LEAVE"}
    ]
    duty = [d for d in DUTY if not (d["staff_id"] == "S2" and d["start"].startswith("2026-03-10"))]
    found = run(
        tmp_path, duty=duty + leave, access_events=[view("E1", "2026-03-10 11:00", staff="S2")]
    )
    assert ("ACCESS_OFF_DUTY", "S2", "V1") in found


def test_no_roster_is_not_off_duty(tmp_path: Path) -> None:
    # S1's team is rostered in another system: the extract has no duty rows for S1.
    duty = [d for d in DUTY if d["staff_id"] != "S1"]
    nights = ["2026-03-10 23:30", "2026-03-11 23:10"]
    found = run(
        tmp_path,
        duty=duty,
        access_events=[
            *(view(f"E{i}", t) for i, t in enumerate(nights)),
            *(view(f"F{i}", t, person="V2", staff="S2") for i, t in enumerate(nights)),
        ],
    )
    assert ("ACCESS_OFF_DUTY", "S1", "V1") not in found
    assert ("ACCESS_NO_PURPOSE", "S1", "V1") in found  # still no purpose
    assert ("ACCESS_OFF_DUTY", "S2", "V2") in found  # S2's roster is there


def test_a_long_gap_in_the_roster_is_not_off_duty(tmp_path: Path) -> None:
    # S1's roster stops after 9 March (an export that misses the rest of the month): looks
    # within roster_gap_days (10) of the last shift are judged, later ones are not.
    duty = [d for d in DUTY if d["staff_id"] != "S1" or d["start"] < "2026-03-10"]
    found = run(
        tmp_path,
        duty=duty,
        access_events=[
            view("E1", "2026-03-12 23:30"),
            view("E2", "2026-03-13 23:10"),
            view("E3", "2026-03-25 23:30"),
            view("E4", "2026-03-26 23:10"),
        ],
    )
    assert found[("ACCESS_OFF_DUTY", "S1", "V1")]["evidence"]["event_ids"] == ["E1", "E2"]


# -- OFF_DUTY_RETURNS --------------------------------------------------------------------

# Days in three weeks (Mondays 2, 9 and 16 March) after S1's grace period for I1 ended on
# 4 March; S1 and S2 are on shift 07:00-17:00 every day.
DAYS = ["2026-03-05", "2026-03-10", "2026-03-17"]


def looks_at(hour: str, staff: str = "S1", prefix: str = "E", days: list[str] = DAYS) -> list[dict]:
    return [view(f"{prefix}{i}", f"{d} {hour}", staff=staff) for i, d in enumerate(days)]


def night_looks(staff: str = "S1", prefix: str = "E", days: list[str] = DAYS) -> list[dict]:
    return looks_at("23:10", staff, prefix, days)


def returns(found: dict) -> dict | None:
    return found.get(("OFF_DUTY_RETURNS", "S1", "V1"))


def test_off_duty_returns_week_after_week(tmp_path: Path) -> None:
    f = returns(run(tmp_path, access_events=night_looks()))
    assert f is not None
    assert f["evidence"]["event_ids"] == ["E0", "E1", "E2"]
    assert (
        "off duty, outside any working session, in 3 weeks of 3 weeks"
        in (f["evidence"]["explanation"])
    )
    assert "no one else looked at her off duty as often" in f["evidence"]["explanation"]


def test_off_duty_returns_need_several_weeks(tmp_path: Path) -> None:
    found = run(tmp_path, access_events=night_looks(days=DAYS[:2]))
    assert returns(found) is None
    assert ("ACCESS_OFF_DUTY", "S1", "V1") in found


def test_colleagues_on_shift_do_not_hide_off_duty_returns(tmp_path: Path) -> None:
    alone = run(tmp_path / "alone", access_events=night_looks())
    # S2 reads about V1 at work on the same days, as often: that crowds S1's looks for
    # ACCESS_NO_PURPOSE, but not his looks from home.
    crowded = run(tmp_path / "crowded", access_events=night_looks() + looks_at("12:00", "S2", "D"))
    assert returns(alone) is not None and returns(crowded) is not None
    assert returns(crowded)["score"] == returns(alone)["score"]
    no_purpose = ("ACCESS_NO_PURPOSE", "S1", "V1")
    assert crowded[no_purpose]["score"] < alone[no_purpose]["score"]


def test_a_team_colleagues_tasking_does_not_discount_looks_from_home(tmp_path: Path) -> None:
    alone = run(tmp_path / "alone", access_events=night_looks())
    colleague_on_her_case = {
        "incident_id": "I1",
        "staff_id": "S2",
        "role": "OIC",
        "assigned_at": "2026-03-01 12:00",
        "unassigned_at": None,
    }
    covered = run(
        tmp_path / "covered",
        incident_staff=[*TASKING, colleague_on_her_case],
        access_events=night_looks(),
    )
    assert returns(alone) is not None and returns(covered) is not None
    assert returns(covered)["score"] == returns(alone)["score"]
    off_duty = ("ACCESS_OFF_DUTY", "S1", "V1")
    assert covered[off_duty]["score"] == alone[off_duty]["score"]
    # ACCESS_NO_PURPOSE counts looks wherever they were made, and keeps the team discount.
    no_purpose = ("ACCESS_NO_PURPOSE", "S1", "V1")
    assert covered[no_purpose]["score"] < alone[no_purpose]["score"]


def test_colleagues_off_duty_as_often_share_the_concern(tmp_path: Path) -> None:
    alone = returns(run(tmp_path / "alone", access_events=night_looks()))
    both = run(tmp_path / "both", access_events=night_looks() + night_looks("S2", "F"))
    assert alone is not None and returns(both) is not None
    assert returns(both)["score"] < alone["score"]
    assert "1.0 other staff looked at her off duty" in returns(both)["evidence"]["explanation"]


def test_off_duty_returns_in_working_sessions_are_unrostered_work(tmp_path: Path) -> None:
    busy = [e for w, d in enumerate(DAYS) for e in busy_session(d, "23", f"B{w}-")]
    assert returns(run(tmp_path, access_events=night_looks() + busy)) is None


# -- CONTACT_VULNERABLE ------------------------------------------------------------------

CONTACTS = [
    {"person_id": "V1", "kind": "PHONE", "value": "+447700900001"},
    {"person_id": "V2", "kind": "PHONE", "value": "+441632960000"},  # household landline
    {"person_id": "N1", "kind": "PHONE", "value": "+441632960000"},
]


def test_contact_after_tasking_ended_late_at_night(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        person_contacts=CONTACTS,
        contact_events=[
            sms("C1", "2026-03-15 23:40", "+447700900001"),
            sms("C2", "2026-03-16 00:10", "+447700900001"),
        ],
    )
    f = found[("CONTACT_VULNERABLE", "S1", "V1")]
    assert f["evidence"]["event_ids"] == ["C1", "C2"]
    assert "2 contacts (2 outgoing, 2 late at night, 2 off duty)" in f["evidence"]["explanation"]


def test_contact_while_tasked_is_purpose(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        person_contacts=CONTACTS,
        contact_events=[
            sms("C1", "2026-03-01 13:00", "+447700900001"),
            sms("C2", "2026-03-03 19:00", "+447700900001"),
        ],
    )
    assert ("CONTACT_VULNERABLE", "S1", "V1") not in found


def test_late_contact_while_tasked_counts_less_than_untasked(tmp_path: Path) -> None:
    tasked = run(
        tmp_path / "a",
        person_contacts=CONTACTS,
        contact_events=[sms("C1", "2026-03-02 23:00", "+447700900001")],
    )
    untasked = run(
        tmp_path / "b",
        person_contacts=CONTACTS,
        contact_events=[sms("C1", "2026-03-15 23:00", "+447700900001")],
    )
    key = ("CONTACT_INTENSITY", "S1", "V1")
    assert tasked[key]["score"] < untasked[key]["score"]
    assert "1 while tasked to her" in tasked[key]["evidence"]["explanation"]
    assert "0 while tasked to her" in untasked[key]["evidence"]["explanation"]


def test_shared_landline_counts_for_less(tmp_path: Path) -> None:
    own = run(
        tmp_path / "a",
        person_contacts=CONTACTS,
        contact_events=[sms("C1", "2026-03-15 12:00", "+447700900001", staff="S2")],
    )
    shared = run(
        tmp_path / "b",
        person_contacts=CONTACTS,
        contact_events=[sms("C1", "2026-03-15 12:00", "+441632960000", staff="S2")],
    )
    own_score = own[("CONTACT_VULNERABLE", "S2", "V1")]["score"]
    shared_score = shared[("CONTACT_VULNERABLE", "S2", "V2")]["score"]
    assert shared_score == pytest.approx(own_score / 2)
    assert (
        "shared by 2 people"
        in shared[("CONTACT_VULNERABLE", "S2", "V2")]["evidence"]["explanation"]
    )


def test_a_line_recorded_for_many_people_is_no_ones(tmp_path: Path) -> None:
    max_sharing = load_catalogue().indicators["CONTACT_VULNERABLE"].params.max_sharing
    switchboard = "+441632960999"
    people = [
        {"person_id": f"R{i}", "sex": "F", "vulnerability": "DA_VICTIM"}
        for i in range(max_sharing + 1)
    ]
    points = [{"person_id": p["person_id"], "kind": "PHONE", "value": switchboard} for p in people]
    late = [sms("C1", "2026-03-15 23:40", switchboard), sms("C2", "2026-03-16 23:40", switchboard)]
    many = run(tmp_path / "a", people=PEOPLE + people, person_contacts=points, contact_events=late)
    assert not [k for k in many if k[0].startswith("CONTACT_")]
    # One fewer sharer and it is a shared line again: each counts for less, but counts.
    few = run(
        tmp_path / "b",
        people=PEOPLE + people[:-1],
        person_contacts=points[:-1],
        contact_events=late,
    )
    assert ("CONTACT_VULNERABLE", "S1", "R0") in few


# S2 texts V1 late on two nights.
NIGHT_TEXTS = [
    sms("C1", "2026-03-15 23:40", "+447700900001", staff="S2"),
    sms("C2", "2026-03-17 23:10", "+447700900001", staff="S2"),
]
# Ten colleagues (TEAM) call her number on duty in the daytime (no intensity of their own).
DAYTIME_CALLERS = [
    {**sms(f"K{i}", "2026-03-16 10:00", "+447700900001", staff=f"T{i}"), "channel": "CALL"}
    for i in range(10)
]
CALLERS_DUTY = [
    {"staff_id": f"T{i}", "start": "2026-03-16 07:00", "end": "2026-03-16 17:00"}
    | {"kind": "SHIFT"}
    for i in range(10)
]
# A routine look in January: the team's audit trail covers two months, so its peer
# baseline is learned from more than the few days of the calls (baseline_days).
TEAM_HISTORY = [view("H0", "2026-01-15 10:00", person="N1", staff="T0")]


def test_a_number_the_whole_force_calls_counts_less(tmp_path: Path) -> None:
    base = dict(
        staff=STAFF + TEAM,
        duty=DUTY + CALLERS_DUTY,
        person_contacts=CONTACTS,
        access_events=TEAM_HISTORY,
    )
    alone = run(tmp_path / "a", **base, contact_events=NIGHT_TEXTS)
    crowded = run(tmp_path / "b", **base, contact_events=NIGHT_TEXTS + DAYTIME_CALLERS)
    key = ("CONTACT_INTENSITY", "S2", "V1")
    assert crowded[key]["score"] < alone[key]["score"]
    assert "11 staff contact this number" in crowded[key]["evidence"]["explanation"]
    assert "staff contact this number" not in alone[key]["evidence"]["explanation"]
    untasked = crowded[("CONTACT_VULNERABLE", "S2", "V1")]["evidence"]["explanation"]
    assert "11 staff contact this number with no tasking" in untasked


def test_a_victims_own_number_called_by_her_case_officers_is_still_hers(tmp_path: Path) -> None:
    # The ten colleagues who call her are tasked to her cases: a repeat victim.
    cases = [
        {"incident_id": f"J{i}", "type": "DOMESTIC_ABUSE", "opened_at": "2026-03-16 08:00"}
        for i in range(10)
    ]
    victim = [{"incident_id": f"J{i}", "person_id": "V1", "role": "VICTIM"} for i in range(10)]
    officers = [
        {"incident_id": f"J{i}", "staff_id": f"T{i}", "role": "OIC"}
        | {"assigned_at": "2026-03-16 08:00"}
        for i in range(10)
    ]
    base = dict(
        staff=STAFF + TEAM,
        duty=DUTY + CALLERS_DUTY,
        person_contacts=CONTACTS,
        access_events=TEAM_HISTORY,
    )
    busy_victim = dict(
        incidents=INCIDENTS + cases,
        incident_people=INCIDENT_PEOPLE + victim,
        incident_staff=TASKING + officers,
    )
    alone = run(tmp_path / "a", **base, contact_events=NIGHT_TEXTS)
    busy = run(tmp_path / "b", **base, **busy_victim, contact_events=NIGHT_TEXTS + DAYTIME_CALLERS)
    key = ("CONTACT_VULNERABLE", "S2", "V1")
    assert busy[key]["score"] == pytest.approx(alone[key]["score"])
    assert "staff contact this number" not in busy[key]["evidence"]["explanation"]
    # A call on duty in the daytime to a woman many officers call is most likely about
    # one of her cases: her callers dilute it.
    day = [sms(f"D{d}", f"2026-03-{d} 11:00", "+447700900001", staff="S2") for d in range(17, 23)]
    day_alone = run(tmp_path / "c", **base, contact_events=day)
    day_busy = run(tmp_path / "d", **base, **busy_victim, contact_events=day + DAYTIME_CALLERS)
    assert day_busy[key]["score"] < day_alone[key]["score"]
    # Late contact is judged against what her cases need: many officers call her.
    key = ("CONTACT_INTENSITY", "S2", "V1")
    assert busy[key]["score"] < alone[key]["score"]
    assert "11 staff contact this number" in busy[key]["evidence"]["explanation"]


def test_a_team_colleagues_tasking_discounts_contact_at_work_only(tmp_path: Path) -> None:
    # S1 attends V1's incident on 1 March (purpose until the 4th); S2, in the same team,
    # texts her on the 2nd, while the team has her case, or on the 15th, when it has not.
    def texted(when: str) -> dict:
        found = run(
            tmp_path / when.replace(" ", "-").replace(":", ""),
            person_contacts=CONTACTS,
            contact_events=[sms("C1", when, "+447700900001", staff="S2")],
        )
        return found[("CONTACT_VULNERABLE", "S2", "V1")]

    team, alone = texted("2026-03-02 12:00"), texted("2026-03-15 12:00")
    assert 0 < team["score"] < alone["score"]
    assert "1 while a team colleague was tasked to her" in team["evidence"]["explanation"]
    assert "team colleague" not in alone["evidence"]["explanation"]
    # At midnight a colleague's case is no reason to text her.
    at_midnight = texted("2026-03-02 23:40")["score"]
    assert at_midnight == pytest.approx(texted("2026-03-15 23:40")["score"])


def test_shared_landline_of_a_person_one_is_tasked_to_is_purpose(tmp_path: Path) -> None:
    incidents = [*INCIDENTS, {"incident_id": "I2", "type": "ASB", "opened_at": "2026-03-14 10:00"}]
    people = [*INCIDENT_PEOPLE, {"incident_id": "I2", "person_id": "N1", "role": "VICTIM"}]
    tasking = [
        *TASKING,
        {"incident_id": "I2", "staff_id": "S2", "role": "OIC", "assigned_at": "2026-03-14 10:00"},
    ]
    found = run(
        tmp_path,
        person_contacts=CONTACTS,
        incidents=incidents,
        incident_people=people,
        incident_staff=tasking,
        contact_events=[sms("C1", "2026-03-15 12:00", "+441632960000", staff="S2")],
    )
    assert ("CONTACT_VULNERABLE", "S2", "V2") not in found


# -- ACCESS_AFTER_INVOLVEMENT ------------------------------------------------------------


def test_after_involvement_names_the_incident_and_the_gap(tmp_path: Path) -> None:
    found = run(
        tmp_path, access_events=[view("E1", "2026-03-10 11:00"), view("E2", "2026-03-24 11:00")]
    )
    f = found[("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")]
    assert f["evidence"]["event_ids"] == ["E1", "E2"]
    text = f["evidence"]["explanation"]
    assert "incident I1 (as ATTENDING) ended on 2026-03-01" in text
    assert "2 times on 2 days, the last 3 weeks after" in text


def test_returns_after_desk_work_on_her_incident_count_less(tmp_path: Path) -> None:
    looks = [view("E1", "2026-03-10 11:00"), view("E2", "2026-03-24 11:00")]
    supervisor = [{**TASKING[0], "role": "SUPERVISOR"}]
    attended = run(tmp_path / "a", access_events=looks)
    supervised = run(tmp_path / "b", access_events=looks, incident_staff=supervisor)
    key = ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")
    params = load_catalogue().indicators["ACCESS_AFTER_INVOLVEMENT"].params
    assert "SUPERVISOR" not in params.met_roles and params.other_roles_weight < 1
    assert supervised[key]["score"] < attended[key]["score"]
    assert "(as SUPERVISOR)" in supervised[key]["evidence"]["explanation"]
    # Having met her outweighs later desk work on another of her incidents: the
    # explanation names the meeting, and the looks count in full.
    incidents = [*INCIDENTS, {"incident_id": "I2", "type": "STALKING", "opened_at": "2026-03-03"}]
    both = run(
        tmp_path / "c",
        access_events=looks,
        incidents=incidents,
        incident_people=[*INCIDENT_PEOPLE, {"incident_id": "I2", "person_id": "V1"}],
        incident_staff=[
            *TASKING,
            {**TASKING[0], "incident_id": "I2", "role": "SUPERVISOR"}
            | {"assigned_at": "2026-03-03 09:00", "unassigned_at": "2026-03-04 09:00"},
        ],
    )
    assert "incident I1 (as ATTENDING)" in both[key]["evidence"]["explanation"]
    assert both[key]["score"] == pytest.approx(attended[key]["score"])


def test_an_analysts_work_on_her_incident_outlasts_the_tasking(tmp_path: Path) -> None:
    # The tasking ended on 1 March. The attending officer's returns 9, 23 and 44 days
    # later are after involvement; the analyst's are the problem profile that draws on
    # the incident, until lasting_grace_days have passed.
    purpose = load_catalogue().purpose
    assert "ANALYST" in purpose.lasting_roles and 23 < purpose.lasting_grace_days < 44
    looks = [
        view("E1", "2026-03-10 11:00"),
        view("E2", "2026-03-24 11:00"),
        view("E3", "2026-04-14 11:00"),
    ]
    analyst = [{**TASKING[0], "role": "ANALYST"}]
    attended = run(tmp_path / "a", access_events=looks)
    analysed = run(tmp_path / "b", access_events=looks, incident_staff=analyst)
    key = ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")
    assert attended[key]["evidence"]["event_ids"] == ["E1", "E2", "E3"]
    assert analysed[key]["evidence"]["event_ids"] == ["E3"]
    assert "(as ANALYST)" in analysed[key]["evidence"]["explanation"]


def test_tasking_that_begins_after_the_incident_closed_runs_until_its_own_end(
    tmp_path: Path,
) -> None:
    # I1 closed on 20 March. An OIC still assigned then keeps a purpose for
    # grace_after_closure_days; an investigator assigned the day after the closure works
    # the crime that follows the incident, until her own tasking ends on 20 April.
    grace = load_catalogue().purpose.grace_after_closure_days
    assert 14 <= grace < 21
    looks = [
        view("E1", "2026-03-25 11:00"),
        view("E2", "2026-04-10 11:00"),
        view("E3", "2026-04-14 11:00"),
        view("E4", "2026-04-28 11:00"),
    ]
    oic = [{**TASKING[0], "role": "OIC", "unassigned_at": None}]
    investigator = [
        {**TASKING[0], "role": "INVESTIGATOR"}
        | {"assigned_at": "2026-03-21 09:00", "unassigned_at": "2026-04-20 09:00"}
    ]
    still_assigned = run(tmp_path / "a", access_events=looks, incident_staff=oic)
    after_closure = run(tmp_path / "b", access_events=looks, incident_staff=investigator)
    key = ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")
    assert still_assigned[key]["evidence"]["event_ids"] == ["E2", "E3", "E4"]
    assert "(as OIC) ended on 2026-03-20" in still_assigned[key]["evidence"]["explanation"]
    assert after_closure[key]["evidence"]["event_ids"] == ["E4"]
    text = after_closure[key]["evidence"]["explanation"]
    assert "(as INVESTIGATOR) ended on 2026-04-20" in text


def test_tasking_with_a_recorded_end_runs_to_it_past_the_closure(tmp_path: Path) -> None:
    # An investigator assigned on 15 March, before I1 closed on 20 March, and unassigned on
    # 20 April: the record says the work went on after the incident log closed, so only
    # the look after 20 April (and its grace) is without purpose. Capping her at the
    # closure's grace would flag the investigation's own looks on 10 and 14 April.
    looks = [
        view("E1", "2026-03-25 11:00"),
        view("E2", "2026-04-10 11:00"),
        view("E3", "2026-04-14 11:00"),
        view("E4", "2026-04-28 11:00"),
    ]
    investigator = [
        {**TASKING[0], "role": "INVESTIGATOR"}
        | {"assigned_at": "2026-03-15 09:00", "unassigned_at": "2026-04-20 09:00"}
    ]
    found = run(tmp_path, access_events=looks, incident_staff=investigator)
    key = ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")
    assert found[key]["evidence"]["event_ids"] == ["E4"]
    assert "(as INVESTIGATOR) ended on 2026-04-20" in found[key]["evidence"]["explanation"]


def test_a_finding_about_a_man_counts_the_less_likely_target_weight(tmp_path: Path) -> None:
    looks = [view("E1", "2026-03-10 11:00"), view("E2", "2026-03-24 11:00")]
    man = [{**p, "sex": "M"} if p["person_id"] == "V1" else p for p in PEOPLE]
    as_woman = run(tmp_path / "a", access_events=looks)
    as_man = run(tmp_path / "b", people=man, access_events=looks)
    key = ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")
    weight = load_catalogue().scoring.less_likely_target_weight
    assert weight < 1
    assert as_man[key]["score"] == pytest.approx(as_woman[key]["score"] * weight)


def test_after_involvement_not_for_someone_never_tasked(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-10 11:00", staff="S2"),
            view("E2", "2026-03-12 11:00", staff="S2"),
        ],
    )
    assert ("ACCESS_AFTER_INVOLVEMENT", "S2", "V1") not in found
    assert ("ACCESS_NO_PURPOSE", "S2", "V1") in found


def test_after_involvement_not_when_a_new_incident_gives_purpose(tmp_path: Path) -> None:
    incidents = [
        *INCIDENTS,
        {"incident_id": "I9", "type": "DOMESTIC_ABUSE", "opened_at": "2026-03-09 20:00"},
    ]
    people = [*INCIDENT_PEOPLE, {"incident_id": "I9", "person_id": "V1", "role": "VICTIM"}]
    tasking = [
        *TASKING,
        {
            "incident_id": "I9",
            "staff_id": "S1",
            "role": "ATTENDING",
            "assigned_at": "2026-03-09 20:05",
        },
    ]
    found = run(
        tmp_path,
        incidents=incidents,
        incident_people=people,
        incident_staff=tasking,
        access_events=[view("E1", "2026-03-10 11:00")],
    )
    assert not found


def _case_file_update(
    event_id: str, when: str, reason: str | None = None, staff: str = "S1"
) -> dict[str, Any]:
    incident = view(event_id, when, person="I1", subject_type="INCIDENT", staff=staff)
    return {**incident, "action": "UPDATE", "system": "CASE_FILE", "reason": reason}


def test_an_update_to_her_case_explains_the_looks_around_it(tmp_path: Path) -> None:
    # Weeks after handing the case on, S1 reads V1's record and updates the case file
    # of I1 (court preparation): work on her case, on the record.
    looks = [view("E1", "2026-03-10 11:00"), view("E2", "2026-03-24 11:00")]
    updates = [
        _case_file_update("U1", "2026-03-10 11:20"),
        _case_file_update("U2", "2026-03-24 13:30"),
    ]
    found = run(tmp_path, access_events=looks + updates)
    assert not [k for k in found if k[2] == "V1"]


def test_a_typed_reason_or_an_update_hours_away_explains_nothing(tmp_path: Path) -> None:
    looks = [
        {**view("E1", "2026-03-10 11:00"), "reason": "I1"},
        {**view("E2", "2026-03-24 11:00"), "reason": "I1"},
    ]
    later = [_case_file_update("U1", "2026-03-24 18:00")]  # beyond case_work_hours
    found = run(tmp_path, access_events=looks + later)
    assert found[("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")]["evidence"]["n_events"] == 2


def _s2_updates_then_looks(
    tmp_path: Path, updated_at: list[str], looked_at: list[str]
) -> dict[tuple[str, str, str], dict]:
    """S2, never recorded as tasked to I1, updates its case file (U0, U1, ...) and looks
    at V1 (E0, E1, ...) at the given times."""
    updates = [_case_file_update(f"U{i}", t, staff="S2") for i, t in enumerate(updated_at)]
    looks = [view(f"E{i}", t, staff="S2") for i, t in enumerate(looked_at)]
    return run(tmp_path, access_events=updates + looks)


def test_updates_over_days_are_a_case_the_tasking_record_misses(tmp_path: Path) -> None:
    # S2 was never recorded as tasked to I1, but updates it four days apart: the case is
    # S2's, and so are looks at V1 from I1's opening (1 March: the work began before the
    # first update was written), while I1 is open and for the grace after its closure.
    found = _s2_updates_then_looks(
        tmp_path,
        ["2026-03-05 10:00", "2026-03-09 10:00"],
        ["2026-03-02 11:00", "2026-03-03 11:00", "2026-03-07 11:00", "2026-03-16 11:00",
         "2026-03-30 11:00"],
    )  # fmt: skip
    assert not [k for k in found if k[1] == "S2"]


def test_updates_inside_recorded_tasking_do_not_extend_it(tmp_path: Path) -> None:
    # S1's attendance at I1 is recorded (ended 1 March, grace to 4 March); S1's updates
    # fall inside it, two days apart: the record rules, and the looks a week later are
    # returns after involvement, not an unrecorded case.
    updates = [
        _case_file_update("U1", "2026-03-01 11:00"),
        _case_file_update("U2", "2026-03-03 10:00"),
    ]
    looks = [view("E1", "2026-03-10 11:00"), view("E2", "2026-03-12 11:00")]
    found = run(tmp_path, access_events=updates + looks)
    assert found[("ACCESS_AFTER_INVOLVEMENT", "S1", "V1")]["evidence"]["event_ids"] == ["E1", "E2"]


def test_updates_within_a_day_explain_the_incident_until_the_days_after(tmp_path: Path) -> None:
    # A day's updates are the attendance's paperwork, or the one entry of an OIC whose
    # assignment was never recorded: they explain looks from I1's opening (1 March) to
    # the grace after them; looks a week later are not work.
    found = _s2_updates_then_looks(
        tmp_path,
        ["2026-03-05 10:00", "2026-03-05 15:00"],
        ["2026-03-02 11:00", "2026-03-04 11:00", "2026-03-07 11:00", "2026-03-12 11:00",
         "2026-03-16 11:00"],
    )  # fmt: skip
    assert found[("ACCESS_NO_PURPOSE", "S2", "V1")]["evidence"]["event_ids"] == ["E3", "E4"]
    assert (
        "ACCESS_AFTER_INVOLVEMENT",
        "S2",
        "V1",
    ) not in found  # no recorded tasking to return from


# -- VULNERABLE_TRAWL --------------------------------------------------------------------

TEAM = [
    {
        "staff_id": f"T{i}",
        "name": f"Team Member {i}",
        "role": "PC",
        "team_id": "RESPONSE-B",
        "station": "Southtown",
        "start_date": "2020-01-01",
    }
    for i in range(10)
]
MANY = [
    {"person_id": f"W{i}", "sex": "F", "vulnerability": "SEXUAL_OFFENCE_VICTIM"} for i in range(30)
]


def trawl_run(tmp_path: Path, n_people: int) -> dict[tuple[str, str, str], dict]:
    """T1 to T9 each look at one or two of the W women without purpose; T0 at `n_people`."""
    views = [
        view(f"T{s}-{p}", f"2026-03-{10 + p % 5} 11:00", person=f"W{p}", staff=f"T{s}")
        for s in range(1, 10)
        for p in range(s % 2 + 1)
    ]
    views += [
        view(f"T0-{p}", f"2026-03-{10 + p % 10} 12:00", person=f"W{p}", staff="T0")
        for p in range(n_people)
    ]
    return run(tmp_path, staff=STAFF + TEAM, people=PEOPLE + MANY, access_events=views)


def test_trawl_against_peers(tmp_path: Path) -> None:
    found = trawl_run(tmp_path, 12)
    f = found[("VULNERABLE_TRAWL", "T0", None)]
    assert f["evidence"]["n_events"] == 12
    assert "looked at 12 vulnerable people" in f["evidence"]["explanation"]
    # Colleagues' looks overlap on the same women, so they count for less than T0's.
    assert "against a median of 0.2 among peers (PC:RESPONSE)" in f["evidence"]["explanation"]
    assert not [k for k in found if k[0] == "VULNERABLE_TRAWL" and k[1] != "T0"]


def test_volume_alone_stays_below_the_alert_threshold_however_far_out(tmp_path: Path) -> None:
    # T0 looks at all thirty women, fifteen times what a colleague does.
    found = trawl_run(tmp_path, 30)
    catalogue = load_catalogue()
    spec = catalogue.indicators["VULNERABLE_TRAWL"]
    most = spec.weight * spec.params.max_strength
    assert most < catalogue.scoring.alert_threshold
    assert found[("VULNERABLE_TRAWL", "T0", None)]["score"] == pytest.approx(most, rel=0.05)


def test_no_trawl_where_the_whole_peer_group_searches_widely(tmp_path: Path) -> None:
    analysts = [{**t, "role": "ANALYST", "team_id": "INTEL-ANALYSIS"} for t in TEAM]
    views = [
        view(f"T{s}-{p}", f"2026-03-{10 + p % 10} 11:00", person=f"W{p}", staff=f"T{s}")
        for s in range(10)
        for p in range(10 + s)
    ]
    found = run(tmp_path, staff=STAFF + analysts, people=PEOPLE + MANY, access_events=views)
    assert not [k for k in found if k[0] == "VULNERABLE_TRAWL"]


# -- PARTNER_CONCERN ---------------------------------------------------------------------

NAMED_STAFF = [
    {**STAFF[0], "name": "Daniel Hartley", "collar_number": "NH4823", "station": "Northtown"},
    {**STAFF[1], "name": "Daniel Okafor", "collar_number": "NH1190", "station": "Northtown"},
    {
        "staff_id": "S3",
        "name": "Priya Hartley",
        "collar_number": "SH7730",
        "role": "PC",
        "team_id": "RESPONSE-C",
        "station": "Southtown",
        "start_date": "2020-01-01",
    },
]


def report(
    description: str, person: str | None = None, concern: str = "texts her late at night"
) -> dict[str, Any]:
    return {
        "report_id": "R1",
        "received_at": "2026-03-20 09:00",
        "organisation": "Refuge North",
        "officer_description": description,
        "concern": concern,
        "person_id": person,
    }


def test_partner_report_with_misspelt_surname_and_collar_fragment(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("PC called Dan Hartly, number had 48 in it")],
    )
    f = found[("PARTNER_CONCERN", "S1", None)]
    assert f["evidence"]["event_ids"] == ["R1"]
    assert "surname (92% similar)" in f["evidence"]["explanation"]
    assert "artley" not in f["evidence"]["explanation"]  # no names under pseudonyms
    assert "collar number fragment (2 of 4 digits)" in f["evidence"]["explanation"]
    assert ("PARTNER_CONCERN", "S3", None) not in found  # same surname, nothing else


def test_a_shortened_name_is_a_first_name_not_a_surname(tmp_path: Path) -> None:
    # "PC Rob" is what a woman calls PC Robert Hartley. PC Priya Roberts and PC Daniel
    # Robinson have surnames that begin "Rob", at the same station: people shorten first
    # names, not surnames, so they do not match (were they to, the three would tie and
    # the description would fit too many to link to anyone at all).
    robert = {**NAMED_STAFF[0], "name": "Robert Hartley"}
    roberts = {**NAMED_STAFF[1], "name": "Priya Roberts"}
    robinson = {**NAMED_STAFF[2], "name": "Daniel Robinson", "station": "Northtown"}
    found = run(
        tmp_path,
        staff=[robert, roberts, robinson],
        partner_reports=[report("PC Rob; works out of Northtown")],
    )
    linked = sorted(k[1] for k in found if k[0] == "PARTNER_CONCERN")
    assert linked == ["S1"]
    assert (
        "first name (85% similar)"
        in found[("PARTNER_CONCERN", "S1", None)]["evidence"]["explanation"]
    )


def test_one_word_names_a_first_name_or_a_surname_not_both(tmp_path: Path) -> None:
    # "Ali" is PC Ali Ali's first name and surname, and PC Ali White's first name; "Whita"
    # is one slip from White. The one word "Ali" cannot name both of PC Ali Ali's names.
    # DC Ali White falls a whole ambiguity margin (the rank) short, and does not share.
    ali_ali = {**NAMED_STAFF[0], "name": "Ali Ali", "collar_number": "NH3301"}
    ali_white = {**NAMED_STAFF[1], "name": "Ali White", "collar_number": "NH1252"}
    dc_white = {**NAMED_STAFF[2], "staff_id": "S4", "name": "Ali White", "role": "DC"}
    staff = [ali_ali, ali_white, NAMED_STAFF[2], dc_white]
    params = load_catalogue().indicators["PARTNER_CONCERN"].params
    assert params.ambiguity_margin == params.role_points
    found = run(tmp_path, staff=staff, partner_reports=[report("She knows him as Ali; PC Whita?")])
    f = found[("PARTNER_CONCERN", "S2", None)]
    assert "first name (100% similar), surname (85% similar), rank" in f["evidence"]["explanation"]
    assert "staff who match" not in f["evidence"]["explanation"]
    assert ("PARTNER_CONCERN", "S1", None) not in found
    assert ("PARTNER_CONCERN", "S4", None) not in found
    # Written out twice, "Ali Ali" names both.
    found = run(tmp_path / "both", staff=staff, partner_reports=[report("PC Ali Ali")])
    f = found[("PARTNER_CONCERN", "S1", None)]
    assert "first name (100% similar), surname (100% similar)" in f["evidence"]["explanation"]


def test_a_collar_fragment_counts_where_the_witness_placed_it(tmp_path: Path) -> None:
    # S1 is NH4823; S4, at the same station, is NH2148: the same two digits at its end.
    s4 = {**NAMED_STAFF[2], "staff_id": "S4", "collar_number": "NH2148", "station": "Northtown"}
    staff = [*NAMED_STAFF, s4]
    linked = {}
    for case, description in (
        ("start", "number on his shoulder started NH48, from Northtown"),
        ("end", "collar number ending 48, from Northtown"),
        ("anywhere", "number had 48 in it, from Northtown"),
    ):
        found = run(tmp_path / case, staff=staff, partner_reports=[report(description)])
        linked[case] = {
            k[1]: f["evidence"]["explanation"]
            for k, f in found.items()
            if k[0] == "PARTNER_CONCERN"
        }
    assert {case: sorted(matched) for case, matched in linked.items()} == {
        "start": ["S1"],
        "end": ["S4"],
        "anywhere": ["S1", "S4"],
    }
    assert "collar number fragment (first 2 of 4 digits)" in linked["start"]["S1"]
    assert "collar number fragment (last 2 of 4 digits)" in linked["end"]["S4"]
    assert "collar number fragment (2 of 4 digits)" in linked["anywhere"]["S4"]


def test_a_partner_concern_fades_by_its_own_half_life(tmp_path: Path) -> None:
    catalogue = load_catalogue()
    concern_half_life = catalogue.half_life_days("PARTNER_CONCERN")
    assert concern_half_life > catalogue.scoring.half_life_days
    concern = report("PC called Dan Hartly, number had 48 in it")
    fresh = run(tmp_path / "a", staff=NAMED_STAFF, partner_reports=[concern])
    # 90 days after the report, a look at someone else sets the end of the window.
    later = run(
        tmp_path / "b",
        staff=NAMED_STAFF,
        partner_reports=[concern],
        access_events=[view("A1", "2026-06-18 09:00", person="N1", staff="S3")],
    )
    key = ("PARTNER_CONCERN", "S1", None)
    assert later[key]["score"] == pytest.approx(
        fresh[key]["score"] * 0.5 ** (90 / concern_half_life), rel=1e-6
    )


def test_a_concern_about_service_counts_less_than_one_about_apsp(tmp_path: Path) -> None:
    described = "PC called Dan Hartly, number had 48 in it"
    apsp = run(
        tmp_path / "a",
        staff=NAMED_STAFF,
        partner_reports=[
            report(described, concern="He has been messaging her since the case was closed.")
        ],
    )
    service = run(
        tmp_path / "b",
        staff=NAMED_STAFF,
        partner_reports=[report(described, concern="Rude to her at the front counter.")],
    )
    key = ("PARTNER_CONCERN", "S1", None)
    assert service[key]["score"] == pytest.approx(0.25 * apsp[key]["score"])
    assert "(describes contact" in apsp[key]["evidence"]["explanation"]
    assert "(does not describe contact" in service[key]["evidence"]["explanation"]


def test_partner_report_with_slips_a_witness_makes(tmp_path: Path) -> None:
    # A surname with two letters swapped, collar digits swapped, and the rank.
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("PC Okfaor?; number something like 1910")],
    )
    f = found[("PARTNER_CONCERN", "S2", None)]
    assert "surname (85% similar)" in f["evidence"]["explanation"]
    assert "collar number fragment (3 of 4 digits, one slip)" in f["evidence"]["explanation"]
    assert "rank" in f["evidence"]["explanation"]
    assert not [k for k in found if k[0] == "PARTNER_CONCERN" and k[1] != "S2"]


def test_a_clause_opening_word_is_no_name_with_a_slip(tmp_path: Path) -> None:
    # "Hartly" one slip from Hartley would match; "Tall" opening the sentence must not
    # match a surname one letter away ("Hall") — here, nothing else links either.
    staff = [*NAMED_STAFF, {**NAMED_STAFF[2], "staff_id": "S4", "name": "Sam Hall"}]
    found = run(
        tmp_path,
        staff=staff,
        partner_reports=[report("Tall officer with glasses, possibly from Southtown")],
    )
    assert ("PARTNER_CONCERN", "S4", None) not in found


def test_vague_partner_report_links_to_no_one(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("a tall officer from Northtown, not sure of his name")],
    )
    assert not [k for k in found if k[0] == "PARTNER_CONCERN"]


def test_ambiguous_partner_report_shares_the_link(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("a tall officer called Daniel from Northtown")],
    )
    both = [found[("PARTNER_CONCERN", s, None)] for s in ("S1", "S2")]
    assert all("one of 2 staff who match" in f["evidence"]["explanation"] for f in both)
    assert both[0]["score"] == pytest.approx(both[1]["score"])
    assert ("PARTNER_CONCERN", "S3", None) not in found


def test_partner_report_naming_the_person_links_to_who_looked_at_her(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("an officer from Northtown", person="V1")],
        access_events=[
            view("E1", "2026-03-10 11:00", staff="S2"),
            view("E2", "2026-03-01 12:00", staff="S1"),  # S1 attended her incident then
        ],
    )
    f = found[("PARTNER_CONCERN", "S2", "V1")]
    assert (
        "had looked at the person at risk untasked, as no one else did as often"
        in f["evidence"]["explanation"]
    )
    # Her case officer's look is no link (and "Northtown" alone matches both officers).
    assert ("PARTNER_CONCERN", "S1", "V1") not in found


def test_a_text_to_her_links_more_than_a_look_others_made_as_often(tmp_path: Path) -> None:
    # Both Northtown officers are linked to her untasked: S2 texted her; S1 looked
    # at her record once, as S3 did. The concern is about texts: it is S2's alone.
    found = run(
        tmp_path,
        staff=NAMED_STAFF,
        partner_reports=[report("an officer from Northtown", person="V1")],
        person_contacts=CONTACTS,
        contact_events=[sms("C1", "2026-03-15 23:40", "+447700900001", staff="S2")],
        access_events=[
            view("E1", "2026-03-10 11:00", staff="S1"),
            view("E2", "2026-03-10 12:00", staff="S3"),
        ],
    )
    f = found[("PARTNER_CONCERN", "S2", "V1")]
    assert "had contacted the person at risk untasked" in f["evidence"]["explanation"]
    assert "one of" not in f["evidence"]["explanation"]
    assert ("PARTNER_CONCERN", "S1", "V1") not in found


# -- REPEAT_ACCESS_SAME_PERSON, rarity and team tasking ------------------------------------

WEEKS = ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]


def weekly_views(staff: str, person: str, prefix: str) -> list[dict[str, Any]]:
    return [
        view(f"{prefix}{i}", f"{d} 11:00", person=person, staff=staff) for i, d in enumerate(WEEKS)
    ]


def team_run(
    path: Path, views: list[dict[str, Any]], **tables: list[dict[str, Any]]
) -> dict[tuple[str, str, str], dict]:
    """`run` with the RESPONSE-B team and the thirty W people."""
    return run(path, staff=STAFF + TEAM, people=PEOPLE + MANY, access_events=views, **tables)


def test_repeat_access_week_after_week(tmp_path: Path) -> None:
    found = team_run(tmp_path, weekly_views("T0", "W1", "R"))
    f = found[("REPEAT_ACCESS_SAME_PERSON", "T0", "W1")]
    assert "in 4 weeks of 4 weeks with no tasking" in f["evidence"]["explanation"]
    assert "no one else looked at her without a tasking as often" in f["evidence"]["explanation"]


def test_no_repeat_when_the_whole_team_keeps_looking(tmp_path: Path) -> None:
    # A prolific missing person the whole shift checks every week: not a fixation.
    views = [v for t in range(10) for v in weekly_views(f"T{t}", "W1", f"R{t}-")]
    found = team_run(tmp_path, views)
    assert not [k for k in found if k[0] == "REPEAT_ACCESS_SAME_PERSON"]


def test_crowded_looks_count_for_less(tmp_path: Path) -> None:
    alone = team_run(tmp_path / "a", weekly_views("T0", "W1", "R"))
    others = [view(f"O{t}", "2026-03-03 10:00", person="W1", staff=f"T{t}") for t in range(1, 9)]
    crowded = team_run(tmp_path / "b", weekly_views("T0", "W1", "R") + others)
    key = ("ACCESS_NO_PURPOSE", "T0", "W1")
    assert crowded[key]["score"] < alone[key]["score"]


def test_one_who_comes_back_day_after_day_is_not_hidden_by_those_who_looked_once(
    tmp_path: Path,
) -> None:
    # T0 looks at W1 on three days each week; eight colleagues each look at her once.
    daily = [
        view(f"R{i}-{k}", f"{d[:-2]}{int(d[-2:]) + k:02d} 11:00", person="W1", staff="T0")
        for i, d in enumerate(WEEKS)
        for k in range(3)
    ]
    others = [view(f"O{t}", "2026-03-03 10:00", person="W1", staff=f"T{t}") for t in range(1, 9)]
    alone = team_run(tmp_path / "a", daily)
    crowded = team_run(tmp_path / "b", daily + others)
    key = ("ACCESS_NO_PURPOSE", "T0", "W1")
    assert crowded[key]["score"] == pytest.approx(alone[key]["score"])
    assert (
        "no one else looked at her without a tasking as often"
        in (crowded[key]["evidence"]["explanation"])
    )


def test_a_look_after_a_new_incident_counts_less(tmp_path: Path) -> None:
    # Each week a new incident about W1 is opened the day before T0 looks: the look is
    # what a briefing produces, not a look at a woman with nothing new on her record.
    incidents = [*INCIDENTS] + [
        {"incident_id": f"N{i}", "type": "ASB", "opened_at": f"{d} 09:00"}
        for i, d in enumerate(["2026-03-01", "2026-03-08", "2026-03-15", "2026-03-22"])
    ]
    people = [*INCIDENT_PEOPLE] + [
        {"incident_id": f"N{i}", "person_id": "W1", "role": "REPORTER"} for i in range(4)
    ]
    quiet = team_run(tmp_path / "a", weekly_views("T0", "W1", "R"))
    in_news = team_run(
        tmp_path / "b", weekly_views("T0", "W1", "R"), incidents=incidents, incident_people=people
    )
    key = ("ACCESS_NO_PURPOSE", "T0", "W1")
    assert key not in in_news or in_news[key]["score"] < quiet[key]["score"]
    assert quiet[key]["score"] > 0


def test_returning_to_many_people_is_a_caseload_not_a_fixation(tmp_path: Path) -> None:
    one = team_run(tmp_path / "a", weekly_views("T0", "W1", "R"))
    views = [v for k in range(1, 7) for v in weekly_views("T0", f"W{k}", f"R{k}-")]
    many = team_run(tmp_path / "b", views)
    key = ("REPEAT_ACCESS_SAME_PERSON", "T0", "W1")
    assert many[key]["score"] < one[key]["score"]
    assert "one of 6 people returned to like this" in many[key]["evidence"]["explanation"]


# -- DORMANT_RECORD_RETURNS ---------------------------------------------------------------

DORMANT = "DORMANT_RECORD_RETURNS"
DORMANT_WEIGHT = load_catalogue().indicators[DORMANT].weight


def test_returning_to_a_record_on_which_nothing_is_happening(tmp_path: Path) -> None:
    # V2 is in no incident, S1 was never tasked to her, and no one else looks at her.
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-03 11:00", person="V2"),
            view("E2", "2026-03-10 11:00", person="V2"),
        ],
    )
    f = found[(DORMANT, "S1", "V2")]
    assert f["evidence"]["event_ids"] == ["E1", "E2"]
    # The last look ends the window: no decay.
    assert f["score"] == pytest.approx(DORMANT_WEIGHT * math.log2(3))
    explanation = f["evidence"]["explanation"]
    assert "in 2 weeks of 2 weeks (2 times on 2 days)" in explanation
    assert "no incident about her in the 60 days before" in explanation
    assert "no colleague looking at her in the 28 days before" in explanation


def test_looks_at_a_dormant_record_in_one_week_are_not_returns(tmp_path: Path) -> None:
    found = run(
        tmp_path,
        access_events=[
            view("E1", "2026-03-03 11:00", person="V2"),
            view("E2", "2026-03-05 11:00", person="V2"),
        ],
    )
    assert (DORMANT, "S1", "V2") not in found
    assert ("ACCESS_NO_PURPOSE", "S1", "V2") in found


def test_a_new_incident_about_her_is_a_reason_to_look(tmp_path: Path) -> None:
    # A stalking report by V2 in February, handled by another team: the record is live.
    incidents = [
        *INCIDENTS,
        {
            "incident_id": "I2",
            "type": "STALKING",
            "opened_at": "2026-02-10 09:00",
            "closed_at": "2026-02-12 09:00",
        },
    ]
    people = [*INCIDENT_PEOPLE, {"incident_id": "I2", "person_id": "V2", "role": "VICTIM"}]
    views = [
        view("E1", "2026-03-03 11:00", person="V2"),
        view("E2", "2026-03-10 11:00", person="V2"),
    ]
    found = run(tmp_path, access_events=views, incidents=incidents, incident_people=people)
    assert (DORMANT, "S1", "V2") not in found
    assert ("ACCESS_NO_PURPOSE", "S1", "V2") in found


def test_colleagues_looking_at_her_share_each_look(tmp_path: Path) -> None:
    # S2 looked at V2 the day before S1's first look and within 28 days of his second.
    views = [
        view("O1", "2026-03-02 11:00", person="V2", staff="S2"),
        view("E1", "2026-03-03 11:00", person="V2"),
        view("E2", "2026-03-10 11:00", person="V2"),
    ]
    found = run(tmp_path, access_events=views)
    f = found[(DORMANT, "S1", "V2")]
    assert f["score"] == pytest.approx(DORMANT_WEIGHT * math.log2(1 + 0.5 + 0.5))
    assert "on average 1.0 colleagues had looked at her" in f["evidence"]["explanation"]
    assert (DORMANT, "S2", "V2") not in found


def test_returning_to_a_woman_met_through_work_is_not_a_dormant_record(tmp_path: Path) -> None:
    # S1 attended I1 about V1 on 1 March; in May, more than 60 days after it was opened,
    # he looks at her again in two weeks. That is ACCESS_AFTER_INVOLVEMENT's to judge.
    views = [view("E1", "2026-05-05 11:00"), view("E2", "2026-05-12 11:00")]
    found = run(tmp_path, access_events=views)
    assert (DORMANT, "S1", "V1") not in found
    assert ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1") in found
    # The same looks by S2, who never met her, are returns to a dormant record.
    found = run(tmp_path / "s2", access_events=[{**v, "staff_id": "S2"} for v in views])
    assert (DORMANT, "S2", "V1") in found


def test_a_colleagues_tasking_discounts_the_look(tmp_path: Path) -> None:
    incidents = [
        *INCIDENTS,
        {"incident_id": "I7", "type": "MISSING_PERSON", "opened_at": "2026-03-01 08:00"},
    ]
    people = [*INCIDENT_PEOPLE, {"incident_id": "I7", "person_id": "W1", "role": "SUBJECT"}]
    tasking = [
        *TASKING,
        {"incident_id": "I7", "staff_id": "T5", "role": "OIC", "assigned_at": "2026-03-01 08:00"},
    ]
    views = weekly_views("T0", "W1", "R")
    untasked = team_run(tmp_path / "a", views)
    team_tasked = team_run(
        tmp_path / "b", views, incidents=incidents, incident_people=people, incident_staff=tasking
    )
    key = ("ACCESS_NO_PURPOSE", "T0", "W1")
    assert team_tasked[key]["score"] < untasked[key]["score"]


def test_peer_baseline_keeps_only_what_is_unusual_for_the_team(tmp_path: Path) -> None:
    # Every DA officer looks at two victims on two days; DA9 looks at one on eight days.
    da = [
        {**t, "staff_id": f"DA{i}", "role": "DC", "team_id": "DA-SAFEGUARDING"}
        for i, t in enumerate(TEAM)
    ]
    views = [
        view(f"D{i}-{p}-{d}", f"2026-03-{10 + d} 11:00", person=f"W{i * 2 + p}", staff=f"DA{i}")
        for i in range(9)
        for p in range(2)
        for d in range(2)
    ]
    views += [
        view(f"X{d}", f"2026-03-{2 + 3 * d:02d} 11:00", person="W29", staff="DA9") for d in range(8)
    ]
    found = run(tmp_path, staff=STAFF + da, people=PEOPLE + MANY, access_events=views)
    no_purpose = {k[1] for k in found if k[0] == "ACCESS_NO_PURPOSE"}
    assert no_purpose == {"DA9"}
    assert found[("ACCESS_NO_PURPOSE", "DA9", "W29")]["evidence"]["peer_baseline"] > 0


def test_a_short_audit_trail_widens_the_peer_baseline(tmp_path: Path) -> None:
    # S2 looks at an untasked victim every day for a week; none of the eleven other
    # response PCs has a finding, so the baseline is the spread floor. Over the week's
    # own trail (six days) the floor is 28/6 times wider; with the team's January look,
    # two months of trail, it is not.
    looks = [view(f"L{d}", f"2026-03-{10 + d} 11:00", person="V2", staff="S2") for d in range(7)]
    short = run(tmp_path / "a", staff=STAFF + TEAM, access_events=looks)
    long = run(tmp_path / "b", staff=STAFF + TEAM, access_events=looks + TEAM_HISTORY)
    key = ("ACCESS_NO_PURPOSE", "S2", "V2")
    assert long[key]["evidence"]["peer_baseline"] == pytest.approx(0.5)
    assert short[key]["evidence"]["peer_baseline"] == pytest.approx(0.5 * 28 / 6)
    assert short[key]["score"] < long[key]["score"]


# -- TARGET_PROFILE_SKEW -------------------------------------------------------------------

PROFILE_PEOPLE = [
    *[
        {
            "person_id": f"Y{i}",
            "sex": "F",
            "date_of_birth": "2003-05-01",
            "vulnerability": "SEXUAL_OFFENCE_VICTIM",
        }
        for i in range(12)
    ],
    *[
        {
            "person_id": f"M{i}",
            "sex": "M",
            "date_of_birth": "1970-05-01",
            "vulnerability": "MENTAL_HEALTH",
        }
        for i in range(40)
    ],
]


def test_profile_skew_against_peers(tmp_path: Path) -> None:
    # Colleagues look at a mix, one in five in the profile; T0 looks almost only at young
    # women who reported sexual offences.
    views = [
        view(
            f"T{s}-M{p}",
            f"2026-03-{10 + p % 10} 11:00",
            person=f"M{(s * 4 + p) % 40}",
            staff=f"T{s}",
        )
        for s in range(1, 10)
        for p in range(4)
    ]
    views += [
        view(f"T{s}-Y", "2026-03-12 11:00", person=f"Y{s}", staff=f"T{s}") for s in range(1, 10)
    ]
    views += [
        view(f"T0-Y{p}", f"2026-03-{10 + p % 10} 22:00", person=f"Y{p}", staff="T0")
        for p in range(10)
    ]
    found = run(tmp_path, staff=STAFF + TEAM, people=PEOPLE + PROFILE_PEOPLE, access_events=views)
    f = found[("TARGET_PROFILE_SKEW", "T0", None)]
    assert "100% fit the profile" in f["evidence"]["explanation"]
    assert not [k for k in found if k[0] == "TARGET_PROFILE_SKEW" and k[1] != "T0"]


def test_no_profile_skew_when_peers_look_at_the_same_profile(tmp_path: Path) -> None:
    views = [
        view(f"T{s}-Y{p}", f"2026-03-{10 + p % 10} 11:00", person=f"Y{p}", staff=f"T{s}")
        for s in range(10)
        for p in range(10)
    ]
    found = run(tmp_path, staff=STAFF + TEAM, people=PEOPLE + PROFILE_PEOPLE, access_events=views)
    assert not [k for k in found if k[0] == "TARGET_PROFILE_SKEW"]


def test_a_small_specialist_team_is_judged_against_itself_not_the_role(tmp_path: Path) -> None:
    # A small force: four in public protection (three DCs and a DS), each looking at ten
    # young women who reported sexual offences, which is their job; ten DCs in CID who
    # look at a mix, except C0, who looks almost only at such women.
    def member(staff_id: str, role: str, team: str) -> dict[str, Any]:
        return {**TEAM[0], "staff_id": staff_id, "role": role, "team_id": team}

    ppu = [member(f"P{i}", "DS" if i == 3 else "DC", "PUBLIC-PROTECTION") for i in range(4)]
    cid = [member(f"C{i}", "DC", "CID-NORTH") for i in range(10)]
    women = [{**PROFILE_PEOPLE[0], "person_id": f"Z{i}"} for i in range(50)]
    views = [
        view(f"P{s}-{p}", f"2026-03-{1 + p:02d} 11:00", person=f"Z{s * 10 + p}", staff=f"P{s}")
        for s in range(4)
        for p in range(10)
    ]
    views += [
        view(f"C{s}-{p}", f"2026-03-{1 + p:02d} 11:00", person=f"M{s * 4 + p}", staff=f"C{s}")
        for s in range(1, 10)
        for p in range(4)
    ]
    views += [
        view(f"C0-{p}", f"2026-03-{1 + p:02d} 22:00", person=f"Z{40 + p}", staff="C0")
        for p in range(10)
    ]
    found = run(
        tmp_path,
        staff=STAFF + ppu + cid,
        people=PEOPLE + PROFILE_PEOPLE + women,
        access_events=views,
    )
    skewed = {k[1] for k in found if k[0] == "TARGET_PROFILE_SKEW"}
    assert skewed == {"C0"}
    explanation = found[("TARGET_PROFILE_SKEW", "C0", None)]["evidence"]["explanation"]
    assert "peers (DC:CID)" in explanation


def test_a_trawler_in_a_small_team_is_not_hidden_by_his_own_looks(tmp_path: Path) -> None:
    # Five in roads policing: four look up two men each; R0 looks up ten young women. Were
    # his looks pooled with theirs, the team's share would be 10 of 18 and he would look
    # only a little above it.
    roads = [{**TEAM[0], "staff_id": f"R{i}", "team_id": "ROADS-POLICING"} for i in range(5)]
    views = [
        view(f"R{s}-{p}", f"2026-03-{1 + p:02d} 11:00", person=f"M{s * 2 + p}", staff=f"R{s}")
        for s in range(1, 5)
        for p in range(2)
    ]
    views += [
        view(f"R0-{p}", f"2026-03-{1 + p:02d} 22:00", person=f"Y{p}", staff="R0") for p in range(10)
    ]
    found = run(tmp_path, staff=STAFF + roads, people=PEOPLE + PROFILE_PEOPLE, access_events=views)
    f = found[("TARGET_PROFILE_SKEW", "R0", None)]
    assert "100% fit the profile" in f["evidence"]["explanation"]
    assert "against 0% for peers (*:ROADS)" in f["evidence"]["explanation"]


def test_a_trawl_of_a_few_weeks_is_judged_on_those_weeks(tmp_path: Path) -> None:
    # Sixteen weeks in which everyone looks at five people a week without purpose, one
    # in five weeks a young woman in the profile; in weeks 10 and 11 T0 also looks up four
    # such women. Over the sixteen weeks that is lost among eighty ordinary looks.
    men = [{**PROFILE_PEOPLE[-1], "person_id": f"M{i}"} for i in range(40, 100)]
    mondays = [date(2026, 1, 5) + timedelta(weeks=w) for w in range(16)]
    views = [
        view(
            f"T{s}-{w}-{j}",
            f"{monday} 11:00",
            person=f"M{(s * 37 + w * 5 + j) % 100}",
            staff=f"T{s}",
        )
        for s in range(10)
        for w, monday in enumerate(mondays)
        for j in range(5)
    ]
    views += [
        view(f"T{s}-{w}-Y", f"{monday} 12:00", person=f"Y{(s + w) % 12}", staff=f"T{s}")
        for s in range(10)
        for w, monday in enumerate(mondays)
        if (s + w) % 5 == 0
    ]
    trawl = [
        view(
            f"T0-trawl-{i}",
            f"{mondays[10 + i // 2] + timedelta(days=1 + i)} 22:00",
            person=f"Z{i}",
            staff="T0",
        )
        for i in range(4)
    ]
    women = [{**PROFILE_PEOPLE[0], "person_id": f"Z{i}"} for i in range(4)]
    people = PEOPLE + PROFILE_PEOPLE + men + women
    found = run(tmp_path, staff=STAFF + TEAM, people=people, access_events=views + trawl)
    f = found[("TARGET_PROFILE_SKEW", "T0", None)]
    text = f["evidence"]["explanation"]
    assert text.startswith("in the 4 weeks from 2026-03-02, ")
    # His colleagues alone (his own looks are not his baseline): 4%, not the 6% pooled.
    assert "22% fit the profile" in text and "against 4% for peers" in text
    assert [e for e in f["evidence"]["event_ids"] if "trawl" in e] == [t["event_id"] for t in trawl]
    assert not [k for k in found if k[0] == "TARGET_PROFILE_SKEW" and k[1] != "T0"]
    # Judged over the sixteen weeks alone, the same looks are not skewed enough.
    catalogue = load_catalogue()
    spec = catalogue.indicators["TARGET_PROFILE_SKEW"]
    params = spec.params.model_copy(update={"window_weeks": 0})
    indicators = {
        **catalogue.indicators,
        "TARGET_PROFILE_SKEW": spec.model_copy(update={"params": params}),
    }
    catalogue = catalogue.model_copy(update={"indicators": indicators})
    whole = run_on_lake(Lake(tmp_path / "lake"), catalogue=catalogue)
    assert "TARGET_PROFILE_SKEW" not in whole.findings.column("indicator").to_pylist()


def test_memory_limit_and_scratch_file_reach_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ibis

    seen: list[tuple[str, str]] = []
    connect = ibis.duckdb.connect

    def spy(**kwargs: Any) -> Any:
        con = connect(**kwargs)
        limit = con.raw_sql("select current_setting('memory_limit')").fetchone()[0]
        database = con.raw_sql(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        seen.append((limit, database))
        return con

    monkeypatch.setattr(ibis.duckdb, "connect", spy)
    monkeypatch.setenv("VIGIL_DETECT_MEMORY_LIMIT", "1GB")
    found = run(tmp_path, access_events=[view("E1", "2026-03-10 11:00")])
    assert ("ACCESS_AFTER_INVOLVEMENT", "S1", "V1") in found
    [(limit, database)] = seen
    assert limit == "953.6 MiB"  # DuckDB's 1GB is 10^9 bytes
    # Shared relations live in a scratch file the buffer manager can page out, not in RAM.
    assert database.endswith("detect.duckdb")
    assert not Path(database).exists()  # removed with the run's spill directory
