"""Two users updating one alert at once (optimistic locking), and users and logins."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from store.conftest import PASSWORD
from store.helpers import bring_to, import_one
from vigil.store.errors import AuthenticationFailed, ConflictError, PermissionDenied, StoreError
from vigil.store.models import AlertEvent, AuditEntry, User
from vigil.store.users import create_user


def test_second_writer_gets_a_clear_conflict_and_nothing_is_lost(store, users):
    alert_id = bring_to(store, users, "ASSESSING")
    with store.workbench(users["supervisor"]) as wb:
        seen_by_supervisor = wb.get_alert(alert_id).version
    with store.workbench(users["supervisor2"]) as wb:
        seen_by_supervisor2 = wb.get_alert(alert_id).version
    with store.workbench(users["supervisor"]) as wb:
        wb.transition_alert(alert_id, "NO_FURTHER_ACTION", "explained", seen_by_supervisor)
    with (
        pytest.raises(ConflictError, match="changed since you read it"),
        store.workbench(users["supervisor2"]) as wb,
    ):
        wb.transition_alert(alert_id, "MANAGEMENT_ACTION", "words of advice", seen_by_supervisor2)
    with store.workbench(users["analyst"]) as wb:
        view = wb.get_alert(alert_id)
    assert view.state == "NO_FURTHER_ACTION" and view.closure_reason == "explained"
    assert view.version == seen_by_supervisor + 1


def test_concurrent_threads_one_wins(store, users):
    alert_id = import_one(store, users["analyst"])
    with store.workbench(users["analyst"]) as wb:
        version = wb.get_alert(alert_id).version
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def act(name: str) -> None:
        barrier.wait()
        try:
            with store.workbench(users[name]) as wb:
                results[name] = wb.transition_alert(alert_id, "ASSESSING", None, version).state
        except Exception as exc:
            results[name] = exc

    threads = [threading.Thread(target=act, args=(n,)) for n in ("analyst", "analyst2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(type(r).__name__ for r in results.values())
    assert outcomes == ["ConflictError", "str"], results
    with store.session() as session:
        moves = session.scalars(
            select(AlertEvent).where(
                AlertEvent.alert_id == alert_id, AlertEvent.kind == "transition"
            )
        ).all()
    assert len(moves) == 1
    assert store.verify_audit().ok


def test_stale_orm_state_is_caught_by_the_version_column(store, users):
    """Two sessions load the alert; the second flush finds the row changed under it."""
    from vigil.store.service import Workbench

    alert_id = import_one(store, users["analyst"])
    if store.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writing transactions from BEGIN: no interleaving")
    s1, s2 = store.factory(), store.factory()
    try:
        s1.begin()
        s2.begin()
        wb1 = Workbench(s1, store.ctx, users["analyst"])
        wb2 = Workbench(s2, store.ctx, users["analyst2"])
        from vigil.store.models import Alert

        # Held: the identity map is weak, and a dropped object would simply be reloaded.
        read_by_1, read_by_2 = s1.get(Alert, alert_id), s2.get(Alert, alert_id)
        assert read_by_1 is not None and read_by_2 is not None
        wb1.transition_alert(alert_id, "ASSESSING")
        s1.commit()
        with pytest.raises(ConflictError):
            wb2.assign_alert(alert_id, "analyst2")
    finally:
        s2.rollback()
        s1.close()
        s2.close()


def test_bootstrap_admin_then_users(store):
    with store.session() as session:
        admin = create_user(session, None, "chief", PASSWORD, "admin")
        with pytest.raises(PermissionDenied):
            create_user(session, None, "second", PASSWORD, "admin")
        analyst = create_user(session, admin, "a.analyst", PASSWORD, "analyst")
        with pytest.raises(PermissionDenied):
            create_user(session, analyst, "x", PASSWORD, "analyst")
        with pytest.raises(StoreError, match="at least"):
            create_user(session, admin, "short", "pw", "analyst")
        with pytest.raises(StoreError, match="organisation"):
            create_user(session, admin, "refuge", PASSWORD, "partner")
        with pytest.raises(StoreError, match="exists"):
            create_user(session, admin, "a.analyst", PASSWORD, "analyst")
        stored = session.scalar(select(User.password_hash).where(User.username == "a.analyst"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_logins_are_audited(store, users):
    assert store.login("analyst", PASSWORD).username == "analyst"
    with pytest.raises(AuthenticationFailed):
        store.login("analyst", "wrong password!!")
    with pytest.raises(AuthenticationFailed):
        store.login("nobody-here", PASSWORD)
    with store.session() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-3:] == ["user.login", "user.login_failed", "user.login_failed"]
    assert store.verify_audit().ok
