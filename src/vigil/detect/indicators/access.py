"""Indicators over access to people's records: ACCESS_NO_PURPOSE and ACCESS_OFF_DUTY."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources
from vigil.detect.indicators.base import Indicator, days_between, evidence_ids, plural
from vigil.detect.settings import Strict


class NoPurposeParams(Strict):
    min_days: int = Field(
        default=1, ge=1, description="Fewest distinct days of access to report a pair."
    )


def access_no_purpose(src: Sources, params: NoPurposeParams) -> ir.Table:
    """Access to a vulnerable person with no tasking to any incident involving them."""
    ev = src.without_purpose(src.vulnerable_access)
    g = ev.group_by(["staff_id", "person_id"]).aggregate(
        first_ts=ev.ts.min(),
        last_ts=ev.ts.max(),
        n_events=ev.event_id.nunique(),
        n_days=ev.ts.date().nunique(),
        event_ids=evidence_ids(ev.event_id, ev.ts),
        vulnerability=ev.vulnerability.arbitrary(),
    )
    g = g.filter(g.n_days >= params.min_days)
    explanation = (
        ibis.literal("looked at the record of a vulnerable person (")
        + g.vulnerability
        + ") "
        + plural(g.n_events, "time")
        + " on "
        + plural(g.n_days, "day")
        + " over "
        + plural(days_between(g.first_ts, g.last_ts), "day")
        + " with no tasking to any incident involving them"
    )
    return g.select(
        "staff_id",
        "person_id",
        "first_ts",
        "last_ts",
        "event_ids",
        "n_events",
        strength=(g.n_days + 1).log2(),
        explanation=explanation,
    )


class OffDutyParams(Strict):
    working_session_events: int = Field(
        default=6,
        ge=1,
        description="Look-ups of other subjects within an hour that make an off-duty look part "
        "of a working session (unrostered overtime), not a private look.",
    )
    tasked_factor: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Weight of off-duty access to a person one is tasked to (own case).",
    )


def access_off_duty(src: Sources, params: OffDutyParams) -> ir.Table:
    """Access to a vulnerable person outside rostered duty, unless it falls in a busy
    working session (unrostered overtime), weighted down where the officer is tasked."""
    off = src.off_duty(src.vulnerable_access)
    off = off.filter(~_in_working_session(src, off, params.working_session_events))
    purposeful_ids = src.with_purpose(off).event_id
    off = off.mutate(tasked=off.event_id.isin(purposeful_ids))
    g = off.group_by(["staff_id", "person_id"]).aggregate(
        first_ts=off.ts.min(),
        last_ts=off.ts.max(),
        n_events=off.event_id.nunique(),
        days_untasked=off.ts.date().nunique(where=~off.tasked),
        days_tasked=off.ts.date().nunique(where=off.tasked),
        event_ids=evidence_ids(off.event_id, off.ts),
        vulnerability=off.vulnerability.arbitrary(),
    )
    effective_days = g.days_untasked + params.tasked_factor * g.days_tasked
    untasked = plural(g.days_untasked, "day") + " with no tasking"
    tasked = plural(g.days_tasked, "day") + " on own tasking"
    explanation = (
        ibis.literal("looked at the record of a vulnerable person (")
        + g.vulnerability
        + ") "
        + plural(g.n_events, "time")
        + " while off duty, on "
        + ibis.cases(
            ((g.days_untasked > 0) & (g.days_tasked > 0), untasked + " and " + tasked),
            (g.days_untasked > 0, untasked),
            else_=tasked,
        )
    )
    return g.filter(effective_days > 0).select(
        "staff_id",
        "person_id",
        "first_ts",
        "last_ts",
        "event_ids",
        "n_events",
        strength=(effective_days + 1).log2(),
        explanation=explanation,
    )


def _in_working_session(src: Sources, events: ir.Table, threshold: int) -> ir.BooleanColumn:
    """Whether each event falls within an hour of `threshold` or more other look-ups by
    the same member of staff: the shape of unrostered work, not of a private look."""
    a = src["access_events"]
    hourly = a.group_by(["staff_id", a.ts.truncate("h").name("hour")]).aggregate(n=a.count())
    ev = events.mutate(hour=events.ts.truncate("h"))
    near = ev.join(
        hourly,
        [
            ev.staff_id == hourly.staff_id,
            hourly.hour >= ev.hour - ibis.interval(hours=1),
            hourly.hour <= ev.hour + ibis.interval(hours=1),
        ],
    )
    busy = near.group_by(near.event_id).aggregate(n=near.n.sum())
    busy_ids = busy.filter(busy.n >= threshold + 1).event_id
    return events.event_id.isin(busy_ids)


ACCESS_NO_PURPOSE = Indicator("ACCESS_NO_PURPOSE", NoPurposeParams, access_no_purpose)
ACCESS_OFF_DUTY = Indicator("ACCESS_OFF_DUTY", OffDutyParams, access_off_duty)
