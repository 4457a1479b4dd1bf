"""The hash-chained audit log: intact chains verify; editing, deleting, inserting or
reordering any row through raw SQL is found, at the first broken link."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from vigil.store import audit
from vigil.store.db import make_engine, session_factory

N = 12


@pytest.fixture
def chain(store):
    with store.session() as session:
        for i in range(N):
            audit.append(session, f"user{i % 3}", "alert.read", "alert", f"A-{i}", {"i": i})
    return store


def _raw(store, sql: str, **params) -> None:
    # A separate engine: tampering as someone with database access would, not via the ORM.
    engine = make_engine(str(store.engine.url.render_as_string(hide_password=False)))
    with engine.begin() as conn:
        conn.execute(text(sql), params)
    engine.dispose()


def test_intact_chain_verifies(chain):
    result = chain.verify_audit()
    assert result.ok, result.describe()
    assert result.entries == N
    assert "intact" in result.describe()


def test_empty_chain_verifies(store):
    assert store.verify_audit().ok


def test_edit_is_detected(chain):
    _raw(chain, "UPDATE audit_log SET actor = 'someone' WHERE seq = 5")
    result = chain.verify_audit()
    assert not result.ok and result.broken_at == 5
    assert "altered" in (result.reason or "")


def test_edit_of_details_is_detected(chain):
    _raw(chain, "UPDATE audit_log SET details = :d WHERE seq = 3", d='{"i":99}')
    assert chain.verify_audit().broken_at == 3


def test_edit_with_recomputed_hash_breaks_the_next_link(chain):
    row = _row(chain, 4)
    forged = audit.entry_hash(
        4, row.ts, "someone", row.action, row.object_type, row.object_id, row.details, row.prev_hash
    )
    _raw(chain, "UPDATE audit_log SET actor = 'someone', hash = :h WHERE seq = 4", h=forged)
    result = chain.verify_audit()
    assert not result.ok and result.broken_at == 5
    assert "prev_hash" in (result.reason or "")


def test_delete_in_the_middle_is_detected(chain):
    _raw(chain, "DELETE FROM audit_log WHERE seq = 7")
    result = chain.verify_audit()
    assert not result.ok and result.broken_at == 7
    assert "missing" in (result.reason or "")


def test_delete_at_the_end_is_detected(chain):
    _raw(chain, f"DELETE FROM audit_log WHERE seq = {N}")
    result = chain.verify_audit()
    assert not result.ok and result.broken_at == N


def test_insert_is_detected(chain):
    row = _row(chain, N)
    _raw(
        chain,
        "INSERT INTO audit_log (seq, ts, actor, action, object_type, object_id, details, "
        "prev_hash, hash) VALUES (:seq, :ts, 'x', 'alert.read', 'alert', 'A-X', '{}', :p, :h)",
        seq=N + 1,
        ts=row.ts,
        p=row.hash,
        h=audit.entry_hash(N + 1, row.ts, "x", "alert.read", "alert", "A-X", "{}", row.hash),
    )
    result = chain.verify_audit()
    assert not result.ok
    assert "head" in (result.reason or "")


def test_reorder_is_detected(chain):
    # Swap the contents of entries 3 and 4 (seq stays the primary key).
    a, b = _row(chain, 3), _row(chain, 4)
    for seq, row in ((3, b), (4, a)):
        _raw(
            chain,
            "UPDATE audit_log SET ts=:ts, actor=:actor, action=:action, object_id=:oid, "
            "details=:details, prev_hash=:prev, hash=:hash WHERE seq=:seq",
            ts=row.ts,
            actor=row.actor,
            action=row.action,
            oid=row.object_id,
            details=row.details,
            prev=row.prev_hash,
            hash=row.hash,
            seq=seq,
        )
    result = chain.verify_audit()
    assert not result.ok and result.broken_at == 3


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seq=st.integers(min_value=1, max_value=N),
    column=st.sampled_from(["ts", "actor", "action", "object_id", "details", "prev_hash", "hash"]),
)
def test_any_edit_of_any_row_is_detected(chain, seq, column):
    original = getattr(_row(chain, seq), column)
    # Same length (the columns are bounded): change the last character.
    tampered = original[:-1] + ("y" if original.endswith("x") else "x")
    _raw(chain, f"UPDATE audit_log SET {column} = :v WHERE seq = :s", v=tampered, s=seq)
    try:
        result = chain.verify_audit()
        assert not result.ok
        assert result.broken_at in (seq, seq + 1)
    finally:
        _raw(chain, f"UPDATE audit_log SET {column} = :v WHERE seq = :s", v=original, s=seq)
    assert chain.verify_audit().ok


def test_concurrent_writers_never_fork_the_chain(store):
    factory = session_factory(make_engine(store.engine.url.render_as_string(hide_password=False)))
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with factory() as session, session.begin():
                    audit.append(session, f"w{n}", "alert.read", "alert", f"A-{n}-{i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    result = store.verify_audit()
    assert result.ok, result.describe()
    assert result.entries == 40


def _row(store, seq: int):
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM audit_log WHERE seq = :s"), {"s": seq}).one()
