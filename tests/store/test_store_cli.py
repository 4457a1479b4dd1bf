"""The store's CLI end to end, on both databases: set-up, import, triage, intelligence,
case, safeguarding, unmasking, audit verification (and tampering), retention."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from argon2 import PasswordHasher
from sqlalchemy import select, text
from typer.testing import CliRunner

from store.conftest import PASSWORD
from store.helpers import finding, risk
from vigil.store import users as users_module
from vigil.store.cli import (
    alerts_app,
    audit_app,
    cases_app,
    db_app,
    intel_app,
    retention_app,
    users_app,
)
from vigil.store.db import make_engine
from vigil.store.models import Alert, Case, IntelReport

app = typer.Typer()
for name, sub in {
    "db": db_app,
    "users": users_app,
    "alerts": alerts_app,
    "intel": intel_app,
    "cases": cases_app,
    "audit": audit_app,
    "retention": retention_app,
}.items():
    app.add_typer(sub, name=name)


@pytest.fixture
def cli(empty_url, tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIGIL_DATABASE_URL", empty_url)
    monkeypatch.setenv("VIGIL_PASSWORD", PASSWORD)
    monkeypatch.setenv("VIGIL_NEW_PASSWORD", PASSWORD)
    monkeypatch.setenv("COLUMNS", "250")
    # Every command logs in: argon2 at its real cost (~0.3 s a hash here) would dominate.
    monkeypatch.setattr(users_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, f"{args}: {result.output}\n{result.exception!r}"
        return result.output

    run.url = empty_url  # type: ignore[attr-defined]
    return run


def _output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    pq.write_table(
        pa.Table.from_pylist([risk("S000123", 6.0, 1), risk("S000999", 0.2, 2, False)]),
        out / "staff_risk.parquet",
    )
    pq.write_table(
        pa.Table.from_pylist([finding("S000123", "P000777"), finding("S000999", None)]),
        out / "findings.parquet",
    )
    return out


def _one(url: str, model):
    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(select(model.id)).scalars().first()
    engine.dispose()
    return value


def test_workflow_through_the_cli(cli, tmp_path):
    assert "revision 0002" in cli("db", "upgrade")
    cli("users", "create-admin", "chief")
    cli("users", "create-admin", "second", code=2)  # only into an empty store
    for user, role in (
        ("ann", "analyst"),
        ("sam", "supervisor"),
        ("sue", "supervisor"),
        ("ian", "investigator"),
        ("aud", "auditor"),
    ):
        cli("users", "create", user, "--role", role, "--user", "chief")
    assert "ann" in cli("users", "list", "--user", "chief")

    out = _output(tmp_path)
    assert "1 alerts created" in cli("alerts", "import", str(out), "--user", "ann")
    assert "0 alerts created" in cli("alerts", "import", str(out), "--user", "ann")
    listing = cli("alerts", "list", "--user", "ann")
    assert "S000123" not in listing and "STF-" in listing
    alert_id = _one(cli.url, Alert)
    shown = cli("alerts", "show", alert_id, "--user", "ann")
    assert "P000777" not in shown
    person = next(w.strip(",;") for w in shown.split() if w.startswith("PER-"))

    cli("alerts", "transition", alert_id, "NO_FURTHER_ACTION", "--user", "ann", code=2)
    cli("alerts", "assign", alert_id, "--to", "ann", "--user", "ann")
    cli("alerts", "transition", alert_id, "assessing", "--user", "ann", "--version", "1", code=3)
    cli("alerts", "transition", alert_id, "assessing", "--user", "ann")
    cli(
        "alerts",
        "safeguard",
        alert_id,
        "--user",
        "ann",
        "--person",
        person,
        "--kind",
        "idva_referral",
        "--description",
        "refer to IDVA",
        "--owner",
        "DA team",
        "--due",
        "2020-01-01",
    )
    assert person in cli("alerts", "overdue", "--user", "sam")
    cli(
        "intel",
        "create",
        "--user",
        "ann",
        "--alert",
        alert_id,
        "--grade",
        "2/B/P",
        "--text",
        "repeated access to a DA victim's record with no tasking",
    )
    report_id = _one(cli.url, IntelReport)
    assert "2/B/P" in cli("intel", "show", report_id, "--user", "ann")
    cli(
        "intel",
        "partner",
        "--user",
        "ann",
        "--account",
        "PC 'Dave' texts our client",
        "--organisation",
        "Northside Refuge",
    )
    assert "UNGRADED" in cli("intel", "list", "--user", "ann", "--ungraded")

    cli("cases", "open", alert_id, "--user", "ann", code=2)  # supervisors open cases
    cli("cases", "open", alert_id, "--user", "sam")
    case_id = _one(cli.url, Case)
    cli(
        "cases",
        "refer",
        case_id,
        "--user",
        "sam",
        "--no-iopc",
        "--type",
        "LOCAL",
        "--reason",
        "keep it in house",
        code=2,
    )
    cli(
        "cases",
        "refer",
        case_id,
        "--user",
        "sam",
        "--type",
        "directed",
        "--reason",
        "APSP: mandatory referral",
        "--reference",
        "IOPC-1",
        "--investigator",
        "ian",
    )
    cli(
        "cases",
        "safeguard",
        case_id,
        "--user",
        "ian",
        "--person",
        person,
        "--kind",
        "victim_contact",
        "--description",
        "update",
        "--owner",
        "OIC",
        "--due",
        "2030-01-01",
    )
    closed = cli(
        "cases",
        "close",
        case_id,
        "--user",
        "ian",
        "--outcome",
        "final_written_warning",
        "--summary",
        "misconduct proven",
    )
    assert "FINAL_WRITTEN_WARNING" in closed
    assert case_id in cli("cases", "list", "--user", "ian")

    cli("alerts", "reveal", alert_id, "--user", "ann", code=2)
    cli("alerts", "grant", alert_id, "--user", "sam", "--to", "sam", "--reason", "x", code=2)
    cli(
        "alerts",
        "grant",
        alert_id,
        "--user",
        "sam",
        "--to",
        "ann",
        "--reason",
        "interview",
        "--hours",
        "2",
    )
    assert "S000123" in cli("alerts", "reveal", alert_id, "--user", "ann")
    cli("cases", "grant", case_id, "--user", "sue", "--to", "ian", "--reason", "file prep")
    assert "P000777" in cli("cases", "reveal", case_id, "--user", "ian")

    assert "intact" in cli("audit", "verify")
    shown = cli("audit", "show", "--user", "aud", "--last", "500")
    assert "identity.unmask" in shown and "S000123" not in shown
    cli("audit", "show", "--user", "ann", code=2)
    cli("retention", "due", "--user", "sam")
    cli("retention", "decide", "alert", alert_id, "--user", "sam", "--reason", "x", code=2)

    engine = make_engine(cli.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'nobody' WHERE seq = 3"))
    engine.dispose()
    broken = cli("audit", "verify", code=1)
    assert "BROKEN at seq 3" in broken


def test_bad_password_is_refused_and_audited(cli, monkeypatch):
    cli("db", "upgrade")
    cli("users", "create-admin", "chief")
    monkeypatch.setenv("VIGIL_PASSWORD", "not the password")
    cli("users", "list", "--user", "chief", code=2)
    engine = make_engine(cli.url)
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_log ORDER BY seq")).scalars().all()
    engine.dispose()
    assert actions[-1] == "user.login_failed"
