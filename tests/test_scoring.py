"""Risk scoring: monotone in evidence, independent indicators reinforce, absolute threshold."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil import contract
from vigil.detect.catalogue import load_catalogue
from vigil.detect.engine import finding_id
from vigil.detect.scoring import staff_risk, weigh_by_person

CATALOGUE = load_catalogue()
SCORING = CATALOGUE.scoring
FAMILIES = CATALOGUE.families
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def findings(rows: list[tuple[str, str | None, str, float]]) -> pa.Table:
    """Findings from (staff_id, person_id, indicator, score) tuples."""
    return contract.conform(
        "findings",
        pa.table(
            {
                "finding_id": [finding_id(i, s, p) for s, p, i, _ in rows],
                "staff_id": [s for s, _, _, _ in rows],
                "person_id": [p for _, p, _, _ in rows],
                "indicator": [i for _, _, i, _ in rows],
                "score": [float(x) for _, _, _, x in rows],
                "first_ts": [T0] * len(rows),
                "last_ts": [T0] * len(rows),
                "evidence": ["{}"] * len(rows),
            }
        ),
    )


def risk_of(rows: list[tuple[str, str | None, str, float]]) -> dict[str, float]:
    out = staff_risk(
        ibis.duckdb.connect(), findings(rows), SCORING, FAMILIES, CATALOGUE.reinforcing
    )
    return dict(zip(out["staff_id"].to_pylist(), out["risk_score"].to_pylist(), strict=True))


INDICATORS = sorted(FAMILIES)
finding_rows = st.lists(
    st.tuples(
        st.sampled_from(["S1", "S2", "S3"]),
        st.sampled_from(["P1", "P2", "P3", None]),
        st.sampled_from(INDICATORS),
        st.floats(min_value=0.0, max_value=10.0, allow_nan=False),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: (r[0], r[1], r[2]),
)


@settings(max_examples=60, deadline=None)
@given(rows=finding_rows, extra=finding_rows)
def test_more_evidence_never_lowers_risk(rows, extra) -> None:
    keys = {(s, p, i) for s, p, i, _ in rows}
    extra = [r for r in extra if (r[0], r[1], r[2]) not in keys]
    before = risk_of(rows)
    after = risk_of(rows + extra)
    for staff, risk in before.items():
        assert after[staff] >= risk - 1e-9


@settings(max_examples=40, deadline=None)
@given(rows=finding_rows, other=st.floats(min_value=0.1, max_value=10.0))
def test_another_staff_member_never_changes_ones_risk(rows, other) -> None:
    before = risk_of(rows)
    after = risk_of([*rows, ("S_OTHER", "P1", "ACCESS_NO_PURPOSE", other)])
    assert {k: v for k, v in after.items() if k != "S_OTHER"} == pytest.approx(before)


def test_independent_families_outweigh_indicators_of_one_family() -> None:
    same_family = risk_of(
        [("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0), ("S1", "P1", "ACCESS_OFF_DUTY", 1.0)]
    )
    two_families = risk_of(
        [("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0), ("S1", "P1", "CONTACT_VULNERABLE", 1.0)]
    )
    assert same_family["S1"] == pytest.approx(2.0 * (1 + SCORING.indicator_bonus))
    assert two_families["S1"] == pytest.approx(
        2.0 * (1 + SCORING.indicator_bonus) * (1 + SCORING.family_bonus)
    )


def test_a_crumb_of_evidence_reinforces_in_proportion() -> None:
    after = ("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0)
    crumb = 0.1 * SCORING.reinforce_unit
    risk = risk_of([after, ("S1", "P1", "FREE_TEXT_NAME_SEARCH", crumb)])["S1"]
    assert risk == pytest.approx(
        (1.0 + crumb) * (1 + SCORING.indicator_bonus) ** 0.1 * (1 + SCORING.family_bonus) ** 0.1
    )
    full = risk_of([after, ("S1", "P1", "FREE_TEXT_NAME_SEARCH", SCORING.reinforce_unit)])["S1"]
    assert full == pytest.approx(
        (1.0 + SCORING.reinforce_unit) * (1 + SCORING.indicator_bonus) * (1 + SCORING.family_bonus)
    )


def test_findings_about_a_less_likely_target_count_less() -> None:
    people = ibis.memtable(
        {"person_id": ["P_F", "P_M", "P_U", "P_NULL"], "sex": ["F", "M", "U", None]}
    )
    found = ibis.memtable(
        {
            "person_id": ["P_F", "P_M", "P_U", "P_NULL", None],
            "strength": [1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    weighed = weigh_by_person(found, people, SCORING).to_pyarrow().to_pylist()
    strength = {r["person_id"]: r["strength"] for r in weighed}
    assert SCORING.less_likely_target_sexes == ["M"]
    assert strength == {
        "P_F": 1.0,
        "P_M": SCORING.less_likely_target_weight,
        "P_U": 1.0,
        "P_NULL": 1.0,
        None: 1.0,
    }


def test_independent_indicators_outweigh_one_repeated() -> None:
    two_kinds = risk_of(
        [("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0), ("S1", "P1", "CONTACT_VULNERABLE", 1.0)]
    )
    one_kind_twice = risk_of(
        [
            ("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0),
            ("S1", "P2", "ACCESS_AFTER_INVOLVEMENT", 1.0),
        ]
    )
    assert two_kinds["S1"] > one_kind_twice["S1"]


def test_a_base_indicator_adds_but_does_not_reinforce() -> None:
    # Every look after involvement is also a look without purpose: the two findings
    # describe the same events, so together they add up but do not multiply.
    assert "ACCESS_NO_PURPOSE" not in CATALOGUE.reinforcing
    after = ("S1", "P1", "ACCESS_AFTER_INVOLVEMENT", 1.0)
    off_duty = ("S1", "P1", "ACCESS_OFF_DUTY", 1.0)
    base = ("S1", "P1", "ACCESS_NO_PURPOSE", 1.0)
    assert risk_of([after, base])["S1"] == pytest.approx(2.0)
    assert risk_of([after, off_duty])["S1"] == pytest.approx(2.0 * (1 + SCORING.indicator_bonus))


def test_alert_is_an_absolute_threshold_and_ranks_are_dense() -> None:
    t = SCORING.alert_threshold
    out = staff_risk(
        ibis.duckdb.connect(),
        findings(
            [
                ("S1", "P1", "ACCESS_NO_PURPOSE", t * 0.5),
                ("S2", "P1", "ACCESS_NO_PURPOSE", t * 1.5),
                ("S3", "P1", "ACCESS_NO_PURPOSE", t * 0.9),
            ]
        ),
        SCORING,
        FAMILIES,
    ).to_pylist()
    assert [(r["staff_id"], r["rank"], r["alerted"]) for r in out] == [
        ("S2", 1, True),
        ("S3", 2, False),
        ("S1", 3, False),
    ]


def test_top_indicators_strongest_first() -> None:
    out = staff_risk(
        ibis.duckdb.connect(),
        findings([("S1", "P1", "ACCESS_NO_PURPOSE", 1.0), ("S1", "P2", "CONTACT_VULNERABLE", 3.0)]),
        SCORING,
        FAMILIES,
    )
    assert out["top_indicators"].to_pylist() == ["CONTACT_VULNERABLE;ACCESS_NO_PURPOSE"]


def test_finding_ids_are_stable_and_distinct() -> None:
    assert finding_id("ACCESS_OFF_DUTY", "S1", "P1") == finding_id("ACCESS_OFF_DUTY", "S1", "P1")
    assert finding_id("ACCESS_OFF_DUTY", "S1", "P1") != finding_id("ACCESS_OFF_DUTY", "S1", None)
    assert finding_id("ACCESS_OFF_DUTY", "S1", "P1") != finding_id("ACCESS_NO_PURPOSE", "S1", "P1")
