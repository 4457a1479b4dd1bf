"""What every indicator is: an id, a parameter model, and a function from the shared
sources to a table of findings.

An indicator returns one row per (staff_id, person_id) pair it finds concerning, with
these columns; the engine adds the indicator id, weight, time decay and finding id:

    staff_id, person_id, first_ts, last_ts, event_ids (array<string>), n_events,
    strength (float >= 0, before weight and decay), explanation (one line, plain English)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel

if TYPE_CHECKING:
    from vigil.detect.context import Sources

FINDING_COLUMNS = (
    "staff_id",
    "person_id",
    "first_ts",
    "last_ts",
    "event_ids",
    "n_events",
    "strength",
    "explanation",
)
#: Evidence lists at most this many event ids per finding; `n_events` still counts all.
MAX_EVIDENCE_IDS = 200


@dataclass(frozen=True)
class Indicator:
    id: str
    params_model: type[BaseModel]
    find: Callable[[Sources, Any], ir.Table]


def as_findings(
    g: ir.Table, *, strength: ir.FloatingValue, explanation: ir.StringValue
) -> ir.Table:
    """The finding columns from a per-(staff_id, person_id) summary `g` that already has
    first_ts, last_ts, event_ids and n_events."""
    return g.select(
        "staff_id",
        "person_id",
        "first_ts",
        "last_ts",
        "event_ids",
        "n_events",
        strength=strength,
        explanation=explanation,
    )


def text(value: ir.Value) -> ir.StringValue:
    """A value as text for an explanation."""
    return value.cast("string")


def days_between(first: ir.TimestampValue, last: ir.TimestampValue) -> ir.IntegerValue:
    """Calendar days from `first` to `last`, counting both ends (same day is 1)."""
    return last.date().delta(first.date(), unit="day") + 1


def evidence_ids(event_id: ir.StringColumn, ts: ir.TimestampColumn) -> ir.ArrayValue:
    return event_id.collect(order_by=[ts, event_id], distinct=False)[:MAX_EVIDENCE_IDS]


def plural(n: ir.IntegerValue, word: str, words: str | None = None) -> ir.StringValue:
    """'1 day', '3 days'; `words` for irregular plurals."""
    return text(n) + " " + ibis.ifelse(n == 1, word, words or word + "s")


def pair_summary(events: ir.Table) -> ir.Table:
    """Per (staff_id, person_id) summary of access events that carry `rarity` and `crowd`
    (see `Sources.unexplained_access`): first_ts, last_ts, n_events, n_days, n_weeks,
    weighted_days (each day counts its rarest look: a day spent looking at a person no one
    else looked at counts 1), mean_others (other staff looking as often that week, on average),
    event_ids, vulnerability."""
    keys = ["staff_id", "person_id"]
    day = events.ts.date()
    per_day = events.group_by([*keys, day.name("day")]).aggregate(w=events.rarity.max())
    weights = per_day.group_by(keys).aggregate(weighted_days=per_day.w.sum())
    g = events.group_by(keys).aggregate(
        first_ts=events.ts.min(),
        last_ts=events.ts.max(),
        n_events=events.event_id.nunique(),
        n_days=day.nunique(),
        n_weeks=events.week.nunique(),
        mean_others=(events.crowd - 1).mean(),
        event_ids=evidence_ids(events.event_id, events.ts),
        vulnerability=events.vulnerability.arbitrary(),
    )
    return g.join(weights, keys)


def others_note(mean_others: ir.FloatingValue, how: str = "without a tasking") -> ir.StringValue:
    """How crowded the looks were: '; on average 2.5 other staff looked at her without a
    tasking as often in the same weeks' (see `Sources.unexplained_access`). `how` names
    the looks the crowd was counted among ("off duty")."""
    return ibis.ifelse(
        mean_others >= 0.5,
        ibis.literal("; on average ")
        + text(mean_others.round(1))
        + f" other staff looked at her {how} as often in the same weeks",
        f"; no one else looked at her {how} as often in those weeks",
    )
