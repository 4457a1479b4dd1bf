"""`alerts import`: detection output becomes alerts, idempotently; a closed alert is
reopened by new evidence only, and the reopening says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.helpers import bring_to, finding, import_one, risk
from vigil.store.errors import PermissionDenied
from vigil.store.importer import read_detection_output
from vigil.store.models import Alert, AuditEntry, Finding


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory) -> Path:
    """A real detection output of a small simulated force."""
    from vigil.detect.engine import run_on_lake, write_output
    from vigil.ingest import ingest_extract
    from vigil.ingest.lake import Lake
    from vigil.simulate import SimulationConfig, simulate

    base = tmp_path_factory.mktemp("demo")
    simulate(SimulationConfig(staff=120, days=21, seed=3), base / "extract", fmt="parquet")
    ingest_extract(base / "extract", base / "lake")
    write_output(run_on_lake(Lake(base / "lake")), base / "out")
    return base / "out"


def test_real_detection_output_imports_idempotently(store, users, demo_output):
    risk_rows, findings, label = read_detection_output(demo_output)
    alerted = {r["staff_id"] for r in risk_rows if r["alerted"]}
    assert alerted, "the demo force should raise alerts"
    with store.workbench(users["analyst"]) as wb:
        first = wb.import_detection(risk_rows, findings, label)
    assert first.created == len(alerted)
    with store.workbench(users["analyst"]) as wb:
        second = wb.import_detection(risk_rows, findings, label)
        alerts = wb.list_alerts()
    assert (second.created, second.updated, second.reopened) == (0, 0, 0)
    assert second.unchanged == len(alerted)
    assert len(alerts) == len(alerted)
    with store.session() as session:
        n_findings = session.scalar(select(func.count()).select_from(Finding))
    assert n_findings == sum(1 for f in findings if f["staff_id"] in alerted)
    # What the analyst sees carries no real staff id.
    assert not any(a.staff in alerted for a in alerts)
    assert store.verify_audit().ok


def test_rerun_updates_without_duplicating(store, users):
    with store.workbench(users["analyst"]) as wb:
        wb.import_detection([risk("S1", 5.0, 1)], [finding("S1", "P1")])
        wb.import_detection(
            [risk("S1", 6.0, 1)], [finding("S1", "P1", score=3.0), finding("S1", "P2")]
        )
        [alert] = wb.list_alerts()
        view = wb.get_alert(alert.id)
    assert view.risk_score == 6.0
    assert len(view.findings) == 2
    assert view.state == "NEW"
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_staff_below_threshold_raise_no_alert(store, users):
    with store.workbench(users["analyst"]) as wb:
        summary = wb.import_detection([risk("S1", 0.5, 1, alerted=False)], [finding("S1", "P1")])
        assert summary.created == 0
        assert wb.list_alerts() == []


def test_closed_alert_stays_closed_without_new_evidence(store, users):
    alert_id = bring_to(store, users, "NO_FURTHER_ACTION", staff_id="S000123")
    with store.workbench(users["analyst"]) as wb:
        # Same findings, a decayed score: not new evidence.
        summary = wb.import_detection(
            [risk("S000123", 4.0, 1)], [finding("S000123", "P000777", score=1.5)]
        )
        view = wb.get_alert(alert_id)
    assert summary.reopened == 0
    assert view.state == "NO_FURTHER_ACTION"
    assert view.risk_score == 4.0


@pytest.mark.parametrize("kind", ["new finding", "new events"])
def test_new_evidence_reopens_a_closed_alert_and_says_so(store, users, kind):
    alert_id = bring_to(store, users, "MANAGEMENT_ACTION", staff_id="S000123")
    if kind == "new finding":
        findings = [finding("S000123", "P000777"), finding("S000123", "P000888")]
    else:
        findings = [finding("S000123", "P000777", events=("RMS-1", "RMS-2", "RMS-9"))]
    with store.workbench(users["analyst"]) as wb:
        summary = wb.import_detection([risk("S000123", 7.0, 1)], findings)
        view = wb.get_alert(alert_id)
    assert summary.reopened == 1 and summary.new_evidence == 1
    assert view.state == "NEW"
    assert view.reopened_count == 1
    reopened = [h for h in view.history if h.kind == "reopened"]
    assert reopened and reopened[-1].from_state == "MANAGEMENT_ACTION"
    assert "new evidence" in (reopened[-1].note or "")
    with store.session() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == alert_id)
        ).all()
    assert "alert.reopen" in actions


def test_suppressed_findings_are_not_new_evidence(store, users):
    alert_id = bring_to(store, users, "NO_FURTHER_ACTION", staff_id="S000123")
    with store.workbench(users["analyst"]) as wb:
        wb.import_detection(
            [risk("S000123", 5.0, 1)],
            [finding("S000123", "P000777"), finding("S000123", "P9", suppressed=True)],
        )
        view = wb.get_alert(alert_id)
    assert view.state == "NO_FURTHER_ACTION"
    assert any(f.suppressed for f in view.findings)


def test_new_evidence_on_an_open_case_is_recorded_not_reopened(store, users):
    alert_id = bring_to(store, users, "CASE", staff_id="S000123")
    with store.workbench(users["analyst"]) as wb:
        wb.import_detection(
            [risk("S000123", 9.0, 1)],
            [finding("S000123", "P000777"), finding("S000123", "P5")],
        )
        view = wb.get_alert(alert_id)
    assert view.state == "CASE"
    assert view.new_evidence_at is not None
    assert view.history[-1].kind == "new_evidence"


@pytest.mark.parametrize("role", ["investigator", "auditor", "partner"])
def test_import_needs_the_permission(store, users, role):
    with pytest.raises(PermissionDenied), store.workbench(users[role]) as wb:
        wb.import_detection([risk("S1", 5.0, 1)], [finding("S1", "P1")])


def test_missing_output_is_a_clear_error(tmp_path):
    from vigil.store.errors import StoreError

    with pytest.raises(StoreError, match=r"staff_risk\.parquet"):
        read_detection_output(tmp_path)


def test_import_one_alert_helper(store, users):
    assert import_one(store, users["analyst"]).startswith("A-")
