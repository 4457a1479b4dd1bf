"""The tamper-evident audit log: an append-only hash chain.

Each entry's `hash` is `sha256(canonical JSON of the entry + prev_hash)`, where the entry
is its `seq, ts, actor, action, object_type, object_id, details`. Editing, deleting,
inserting or reordering rows breaks a link that `verify` finds. Appends lock the
single `audit_head` row first (an UPDATE takes the row lock on PostgreSQL and the write
lock on SQLite), so concurrent writers queue and the chain never forks.

A hash chain shows tampering by anyone who cannot rewrite the whole chain after the
change; record the head hash that `vigil audit verify` prints somewhere else (a daily
e-mail to the professional standards head) to detect even that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from vigil.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int,
    ts: str,
    actor: str,
    action: str,
    object_type: str | None,
    object_id: str | None,
    details: str,
    prev_hash: str,
) -> str:
    """The hash of one link of the chain."""
    body = canonical_json(
        {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "details": details,
        }
    )
    return hashlib.sha256((body + prev_hash).encode()).hexdigest()


def format_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    session: Session,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    details: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> AuditEntry:
    """Append an entry in the session's transaction: it commits with the change it
    records, or not at all. `details` must hold no real identity."""
    locked = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if locked is None:
        raise RuntimeError("the audit log has no head row: run `vigil db upgrade`")
    seq, prev_hash = locked
    ts = format_ts(now or datetime.now(UTC))
    details_text = canonical_json(details or {})
    digest = entry_hash(seq, ts, actor, action, object_type, object_id, details_text, prev_hash)
    entry = AuditEntry(
        seq=seq,
        ts=ts,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details_text,
        prev_hash=prev_hash,
        hash=digest,
    )
    session.add(entry)
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(hash=digest)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head_hash: str
    #: The first link that does not hold (its seq, or the expected seq for a gap).
    broken_at: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit log intact: {self.entries} entries, head {self.head_hash}"
        return f"audit log BROKEN at seq {self.broken_at}: {self.reason}"


def verify(session: Session, batch: int = 1000) -> Verification:
    """Walk the chain from the genesis link and report the first link that breaks."""
    expected_seq, prev, count = 1, GENESIS, 0
    for e in _entries(session, batch):
        if e.seq != expected_seq:
            what = "missing" if e.seq > expected_seq else "out of order"
            return Verification(
                False, count, prev, expected_seq, f"entry {expected_seq} is {what} (found {e.seq})"
            )
        if e.prev_hash != prev:
            return Verification(
                False, count, prev, e.seq, "prev_hash does not match the previous entry's hash"
            )
        recomputed = entry_hash(
            e.seq, e.ts, e.actor, e.action, e.object_type, e.object_id, e.details, e.prev_hash
        )
        if recomputed != e.hash:
            return Verification(
                False, count, prev, e.seq, "the entry was altered: its hash does not match it"
            )
        prev, expected_seq, count = e.hash, expected_seq + 1, count + 1
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    if head is None:
        return Verification(False, count, prev, expected_seq, "the chain head row is missing")
    if head.seq != count or head.hash != prev:
        return Verification(
            False,
            count,
            prev,
            min(head.seq, count) + 1,
            f"the chain ends at entry {count} but its head records entry {head.seq}: "
            "entries were removed from the end or added without the head",
        )
    return Verification(True, count, prev)


def _entries(session: Session, batch: int) -> Iterator[Row[Any]]:
    # Keyset pages of plain rows: the log grows without bound, so it is never loaded
    # whole nor kept in the session's identity map (which could also hide raw edits).
    table = AuditEntry.__table__
    last = 0
    while True:
        page = session.execute(
            select(table).where(table.c.seq > last).order_by(table.c.seq).limit(batch)
        ).all()
        if not page:
            return
        yield from page
        last = page[-1].seq
