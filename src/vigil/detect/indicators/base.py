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
