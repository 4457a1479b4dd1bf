"""Indicators over access to people's records without a policing purpose:
ACCESS_NO_PURPOSE, ACCESS_OFF_DUTY, OFF_DUTY_RETURNS and REPEAT_ACCESS_SAME_PERSON.

All four read `Sources.unexplained_access`: looks at vulnerable people that neither the
member of staff's own tasking nor their team's explains, each weighted by its rarity."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources
from vigil.detect.indicators.base import (
    Indicator,
    as_findings,
    days_between,
    others_note,
    pair_summary,
    plural,
    text,
)
from vigil.detect.settings import STRENGTH_DIGITS, Strict


class NoPurposeParams(Strict):
    min_days: int = Field(
        default=2,
        ge=1,
        description="Fewest distinct days of access to report a pair (one look is common).",
    )


def access_no_purpose(src: Sources, params: NoPurposeParams) -> ir.Table:
    """Looks at a vulnerable person with no tasking, own or team's, involving them."""
    g = pair_summary(src.unexplained_access)
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
        + " with no tasking, own or team's, involving them"
        + others_note(g.mean_others)
    )
    return as_findings(g, strength=(g.weighted_days + 1).log2(), explanation=explanation)


class OffDutyParams(Strict):
    working_session_events: int = Field(
        default=6,
        ge=1,
        description="Look-ups within an hour that make an off-duty look part of a working "
        "session (unrostered overtime), not a private look.",
    )


def access_off_duty(src: Sources, params: OffDutyParams) -> ir.Table:
    """Unexplained looks at a vulnerable person outside rostered duty, unless they fall in
    a busy working session (the shape of unrostered overtime). A team colleague's tasking
    does not discount them: a team shares its cases at work, not from home at night."""
    g = pair_summary(_from_home(_private_looks(src, params.working_session_events)))
    explanation = (
        ibis.literal("looked at the record of a vulnerable person (")
        + g.vulnerability
        + ") "
        + plural(g.n_events, "time")
        + " while off duty and outside any working session, on "
        + plural(g.n_days, "day")
        + ", with no tasking involving them"
    )
    return as_findings(g, strength=(g.weighted_days + 1).log2(), explanation=explanation)


def _private_looks(src: Sources, working_session_events: int) -> ir.Table:
    """Unexplained looks made off duty and outside a busy working session."""
    off = src.off_duty(src.unexplained_access)
    return off.filter(~_in_working_session(src, off, working_session_events))


def _from_home(looks: ir.Table) -> ir.Table:
    """`looks` (with `crowd_rarity`) with their rarity before the team discount: a team
    shares its cases at work, not from home at night."""
    return looks.mutate(rarity=looks.crowd_rarity)


class OffDutyReturnsParams(OffDutyParams):
    min_weeks: int = Field(
        default=3, ge=2, description="Fewest distinct weeks with off-duty looks at her."
    )


def off_duty_returns(src: Sources, params: OffDutyReturnsParams) -> ir.Table:
    """Returning in one's own time, week after week, to the same vulnerable person.

    Each look is judged against the looks colleagues made at her off duty: a woman in the
    news is read about at work by hundreds, and their looks say nothing about the one
    officer who looks her up from home, night after night. Each week counts its rarest
    look, so the measure is persistence, not volume. A team colleague's tasking does not
    discount these looks: a team shares its cases at work, not from home at night."""
    off = _from_home(src.with_rarity(_private_looks(src, params.working_session_events)))
    g = weekly_returns(off, "rarity", params.min_weeks)
    explanation = (
        ibis.literal("looked at the record of a vulnerable person (")
        + g.vulnerability
        + ") off duty, outside any working session, in "
        + weeks_and_looks(g)
        + ", with no tasking involving them"
        + others_note(g.mean_others, how="off duty")
    )
    return as_findings(g, strength=(g.weighted_weeks + 1).log2(), explanation=explanation)


def weekly_returns(looks: ir.Table, weight: str, min_weeks: int) -> ir.Table:
    """`pair_summary` of `looks` (which carry `week`, `rarity` and `crowd`) for each
    (staff_id, person_id) seen in at least `min_weeks` distinct weeks, with
    `weighted_weeks`: each week counts its largest `weight`, so persistence counts, not
    volume."""
    keys = ["staff_id", "person_id"]
    per_week = looks.group_by([*keys, "week"]).aggregate(w=looks[weight].max())
    weights = per_week.group_by(keys).aggregate(weighted_weeks=per_week.w.sum())
    g = pair_summary(looks).join(weights, keys)
    return g.filter(g.n_weeks >= min_weeks)


def weeks_and_looks(g: ir.Table) -> ir.StringValue:
    """'3 weeks of 5 weeks (4 times on 4 days)', from a `weekly_returns` row."""
    return (
        plural(g.n_weeks, "week")
        + " of "
        + plural(weeks_spanned(g.first_ts, g.last_ts), "week")
        + " ("
        + plural(g.n_events, "time")
        + " on "
        + plural(g.n_days, "day")
        + ")"
    )


#: Fixation is on one, two, at most three people; beyond that, returns are spread over a caseload.
FIXATION_PEOPLE = 3


class RepeatParams(Strict):
    min_weeks: int = Field(
        default=3, ge=2, description="Fewest distinct weeks with looks at the same person."
    )
    peer_factor: float = Field(
        default=2.0,
        ge=0,
        description="Weeks the member of staff's team colleagues looked at the same person, "
        "on average, times this, are taken as explained by the team's work.",
    )


def repeat_access_same_person(src: Sources, params: RepeatParams) -> ir.Table:
    """Returning to the same vulnerable person week after week with no tasking, beyond
    what the team's colleagues do with the same person (fixation)."""
    ev = src.unexplained_access
    g = pair_summary(ev)
    g = g.filter(g.n_weeks >= params.min_weeks)
    team = src["staff"].select("staff_id", "team_id")
    team_size = team.group_by("team_id").aggregate(team_n=team.staff_id.nunique())
    weeks = ev.group_by(["staff_id", "person_id"]).aggregate(w=ev.week.nunique())
    weeks = weeks.join(team, "staff_id")
    team_weeks = weeks.group_by(["team_id", "person_id"]).aggregate(tw=weeks.w.sum())
    g = (
        g.join(team, "staff_id")
        .join(team_weeks, ["team_id", "person_id"])
        .join(team_size, "team_id")
    )
    colleagues = ibis.greatest(g.team_n - 1, 1)
    colleague_weeks = (g.tw - g.n_weeks) / colleagues
    excess = g.n_weeks - params.peer_factor * colleague_weeks
    mean_rarity = g.weighted_days / g.n_days
    excess = (excess * mean_rarity).round(STRENGTH_DIGITS)
    g = g.mutate(colleague_weeks=colleague_weeks, excess=excess)
    g = g.filter(g.excess >= 1)
    # Returning week after week to more than FIXATION_PEOPLE people's records is the
    # shape of a caseload the tasking data does not show.
    g = g.mutate(n_people=g.person_id.count().over(group_by="staff_id"))
    explanation = (
        ibis.literal("returned to the record of a vulnerable person (")
        + g.vulnerability
        + ") in "
        + plural(g.n_weeks, "week")
        + " of "
        + plural(weeks_spanned(g.first_ts, g.last_ts), "week")
        + " with no tasking; team colleagues looked at her in "
        + text(g.colleague_weeks.round(1))
        + " weeks on average"
        + others_note(g.mean_others)
        + ibis.ifelse(
            g.n_people > 1,
            "; one of " + text(g.n_people) + " people returned to like this",
            "",
        )
    )
    many = ibis.greatest(g.n_people.cast("float64") / FIXATION_PEOPLE, 1.0)
    strength = (g.excess + 1).log2() / many.sqrt()
    return as_findings(g, strength=strength, explanation=explanation)


def weeks_spanned(first: ir.TimestampValue, last: ir.TimestampValue) -> ir.IntegerValue:
    """Calendar weeks (Monday to Sunday) from `first` to `last`, counting both ends."""
    start = first.truncate("W").date()
    end = last.truncate("W").date()
    return (end.delta(start, unit="day") / 7).cast("int64") + 1


def _in_working_session(src: Sources, events: ir.Table, threshold: int) -> ir.BooleanColumn:
    """Whether each event falls within an hour of `threshold` or more other look-ups by
    the same member of staff: the shape of unrostered work, not of a private look."""
    a = src["access_events"]
    hourly = a.group_by(["staff_id", a.ts.truncate("h").name("hour")]).aggregate(n=a.count())
    ev = events.select("event_id", "staff_id", hour=events.ts.truncate("h")).distinct()
    near = ev.join(
        hourly,
        [
            ev.staff_id == hourly.staff_id,
            hourly.hour >= ev.hour - ibis.interval(hours=1),
            hourly.hour <= ev.hour + ibis.interval(hours=1),
        ],
    )
    busy = near.group_by([near.staff_id, near.event_id]).aggregate(n=near.n.sum())
    busy_ids = busy.filter(busy.n >= threshold + 1).event_id
    return events.event_id.isin(busy_ids)


ACCESS_NO_PURPOSE = Indicator("ACCESS_NO_PURPOSE", NoPurposeParams, access_no_purpose)
ACCESS_OFF_DUTY = Indicator("ACCESS_OFF_DUTY", OffDutyParams, access_off_duty)
OFF_DUTY_RETURNS = Indicator("OFF_DUTY_RETURNS", OffDutyReturnsParams, off_duty_returns)
REPEAT_ACCESS_SAME_PERSON = Indicator(
    "REPEAT_ACCESS_SAME_PERSON", RepeatParams, repeat_access_same_person
)
