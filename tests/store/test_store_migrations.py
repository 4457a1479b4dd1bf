"""Migrations: up from empty, up from the previous revision with data kept, down and up
again; and the models agree with what the migrations build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from vigil.store.db import make_engine
from vigil.store.migrate import current_revision, downgrade, head_revision, upgrade
from vigil.store.models import Base


def test_upgrade_from_empty_builds_the_models_schema(empty_url):
    engine = make_engine(empty_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
        )
        head = conn.execute(text("SELECT seq, hash FROM audit_head")).all()
    assert diff == []
    assert head == [(0, "0" * 64)]
    engine.dispose()


def test_upgrade_from_previous_revision_keeps_data(empty_url):
    engine = make_engine(empty_url)
    upgrade(engine, "0001")
    assert "intel_reports" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO alerts (id, staff_id, staff_pseudonym, state, risk_score, rank, "
                "alerted, top_indicators, version, created_at, updated_at, reopened_count, "
                "review_date) VALUES ('A-1', 'S1', 'STF-X', 'NEW', 1.5, 1, true, '', 1, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, '2027-01-01')"
            )
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert {"intel_reports", "cases", "unmask_grants"} <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT staff_id FROM alerts")).scalar_one() == "S1"
    engine.dispose()


def test_downgrade_then_upgrade_again(empty_url):
    engine = make_engine(empty_url)
    upgrade(engine)
    downgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "cases" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrade_is_idempotent(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
