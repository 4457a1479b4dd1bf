"""Indicators over work-device contact with vulnerable people: CONTACT_VULNERABLE
(contact without tasking) and CONTACT_INTENSITY (late, off-duty or messaging contact,
tasked or not)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources, flag_matches
from vigil.detect.indicators.base import (
    Indicator,
    as_findings,
    days_between,
    evidence_ids,
    plural,
    text,
)
from vigil.detect.settings import Strict


class ContactHours(Strict):
    night_start_hour: int = Field(
        default=21, ge=0, le=23, description="Late-night contact starts at this hour (UTC)."
    )
    night_end_hour: int = Field(
        default=6, ge=0, le=23, description="Late-night contact ends at this hour (UTC)."
    )
    case_callers: int = Field(
        default=3,
        ge=1,
        description="Staff who contact a person's own number in the course of her case. A "
        "number contacted by n staff, more than this, counts 1/sqrt(n / case_callers): a "
        "number the whole force calls is an agency line, or a woman with a safeguarding "
        "plan whom many officers call. CONTACT_VULNERABLE counts, for contact late or off "
        "duty, only the callers with no tasking either: her case officers' calls make her "
        "number no less hers.",
    )
    max_sharing: int = Field(
        default=20,
        ge=1,
        description="A contact point recorded for more people than this is an "
        "organisation's line (a switchboard, a hostel, a refuge office): contact with it "
        "is evidence about none of them.",
    )


class ContactParams(ContactHours):
    night_factor: float = Field(
        default=0.75, ge=0, description="Extra weight when all contact is late at night."
    )
    off_duty_factor: float = Field(
        default=0.5, ge=0, description="Extra weight when all contact is off duty."
    )
    working_hours_weight: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Weight of a contact made on duty in the daytime (follow-up calls on "
        "a closed case look like this) against one made late or off duty.",
    )


def contact_vulnerable(src: Sources, params: ContactParams) -> ir.Table:
    """Contact with a vulnerable person's contact point while the member of staff is not
    tasked to them, nor to anyone else who shares that contact point (a household
    landline). Contact at work while only a team colleague is tasked counts
    team_purpose_weight; a shared point counts 1 / the number of people who share it."""
    pc = src["person_contacts"]
    ev = _contacts_with_vulnerable_people(src, params.max_sharing, untasked_callers=True)
    # One's own purpose for any person behind the contact point covers it; a team
    # colleague's discounts it (below).
    p = src.purpose_intervals
    own = p.join(pc, p.person_id == pc.person_id).select(
        p.staff_id, pc.value, p.purpose_from, p.purpose_to
    )
    tp = src.team_purpose_intervals
    team = tp.join(pc, tp.person_id == pc.person_id).select(
        tp.team_id, pc.value, tp.purpose_from, tp.purpose_to
    )
    teams = src["staff"].select("staff_id", "team_id")
    ev = ev.join(teams, "staff_id")
    ev = ev.anti_join(
        own,
        [
            ev.staff_id == own.staff_id,
            ev.counterpart == own.value,
            ev.ts >= own.purpose_from,
            ev.ts <= own.purpose_to,
        ],
    )
    covered = [
        ev.team_id == team.team_id,
        ev.counterpart == team.value,
        ev.ts >= team.purpose_from,
        ev.ts <= team.purpose_to,
    ]
    ev = flag_matches(ev, team, covered, "team_tasked")
    ev = _flag_hours(src, ev, params)
    # In working hours, a call to a woman many officers call about her cases is most
    # likely about one of them (a colleague's case, a message passed on), so all her
    # callers dilute it; late or off duty no case explains it, and only callers with no
    # tasking either (the sign of an agency line) dilute it, below.
    case_crowd = ibis.greatest(ev.n_callers.cast("float64") / params.case_callers, 1.0)
    at_work = ~(ev.night | ev.off)
    base = ibis.ifelse(at_work, params.working_hours_weight / case_crowd.sqrt(), 1.0)
    # A colleague's tasking is weaker cover than one's own, as for looks: a caseworking
    # team shares its victims, and a team tasked to everyone (a control room) would
    # otherwise cover every call its members make. It is cover for work only: a call late
    # at night or off duty is no one's team work (on call is duty), as looks from home are
    # not (OFF_DUTY_RETURNS).
    team_weight = ibis.ifelse(ev.team_tasked & at_work, src.purpose.team_purpose_weight, 1.0)
    ev = ev.mutate(
        w=base
        * team_weight
        * (
            1
            + params.night_factor * ev.night.cast("float64")
            + params.off_duty_factor * ev.off.cast("float64")
        )
    )
    g = ev.group_by(["staff_id", "person_id"]).aggregate(
        first_ts=ev.ts.min(),
        last_ts=ev.ts.max(),
        n_events=ev.event_id.nunique(),
        n_out=ev.event_id.nunique(where=ev.direction == "OUT"),
        n_night=ev.event_id.nunique(where=ev.night),
        n_off=ev.event_id.nunique(where=ev.off),
        n_team=ev.event_id.nunique(where=ev.team_tasked),
        n_sharing=ev.n_sharing.max(),
        n_callers=ev.n_untasked_callers.max(),
        weighted=ev.w.sum(),
        event_ids=evidence_ids(ev.event_id, ev.ts),
        vulnerability=ev.vulnerability.arbitrary(),
    )
    strength = (g.weighted + 1).log2() / _dilution(g, params)
    explanation = (
        plural(g.n_events, "contact")
        + " ("
        + text(g.n_out)
        + " outgoing, "
        + text(g.n_night)
        + " late at night, "
        + text(g.n_off)
        + " off duty) with a vulnerable person ("
        + g.vulnerability
        + ") over "
        + plural(days_between(g.first_ts, g.last_ts), "day")
        + " with no tasking of their own involving them"
        + ibis.ifelse(
            g.n_team > 0,
            ibis.literal(" (") + text(g.n_team) + " while a team colleague was tasked to her)",
            "",
        )
        + ibis.ifelse(
            g.n_sharing > 1,
            ibis.literal("; the number is shared by ") + text(g.n_sharing) + " people",
            "",
        )
        + _callers_note(g, params, " with no tasking")
    )
    return as_findings(g, strength=strength, explanation=explanation)


class IntensityParams(ContactHours):
    messaging_weight: float = Field(
        default=0.5,
        ge=0,
        description="Weight of a text or instant message in working hours (late or off-duty "
        "contact of any kind counts 1).",
    )
    tasked_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="Weight of contact while tasked to her (a late call during a live case "
        "is often the job) against contact with no tasking.",
    )


def contact_intensity(src: Sources, params: IntensityParams) -> ir.Table:
    """Contact with one vulnerable person late at night, off duty or by messaging, whether
    or not the member of staff is tasked to her: an officer texting a victim at midnight
    during her case is a concern too. Judged against the peer group."""
    ev = _contacts_with_vulnerable_people(src, params.max_sharing)
    ev = _flag_hours(src, ev, params)
    messaging = ev.channel.isin(["SMS", "MESSAGING"])
    units = ibis.ifelse(
        ev.night | ev.off, 1.0, ibis.ifelse(messaging, params.messaging_weight, 0.0)
    )
    tasked = ev.event_id.isin(src.with_purpose(ev).event_id)
    units = units * ibis.ifelse(tasked, params.tasked_weight, 1.0)
    ev = ev.mutate(units=units, messaging=messaging, tasked=tasked)
    ev = ev.filter(ev.units > 0)
    g = ev.group_by(["staff_id", "person_id"]).aggregate(
        first_ts=ev.ts.min(),
        last_ts=ev.ts.max(),
        n_events=ev.event_id.nunique(),
        n_night=ev.event_id.nunique(where=ev.night),
        n_off=ev.event_id.nunique(where=ev.off),
        n_messages=ev.event_id.nunique(where=ev.messaging),
        n_tasked=ev.event_id.nunique(where=ev.tasked),
        n_days=ev.ts.date().nunique(),
        units=ev.units.sum(),
        n_sharing=ev.n_sharing.max(),
        n_callers=ev.n_callers.max(),
        event_ids=evidence_ids(ev.event_id, ev.ts),
        vulnerability=ev.vulnerability.arbitrary(),
    )
    explanation = (
        plural(g.n_events, "contact")
        + " with a vulnerable person ("
        + g.vulnerability
        + ") on "
        + plural(g.n_days, "day")
        + ": "
        + text(g.n_night)
        + " late at night, "
        + text(g.n_off)
        + " off duty, "
        + text(g.n_messages)
        + " by text or message, "
        + text(g.n_tasked)
        + " while tasked to her"
        + _callers_note(g, params)
    )
    strength = (g.units + 1).log2() / _dilution(g, params)
    return as_findings(g, strength=strength, explanation=explanation)


def _dilution(g: ir.Table, params: ContactHours) -> ir.FloatingValue:
    """How much a contact point is not hers alone: the people sharing it, times the square
    root of how many more staff than a case needs contact it."""
    crowd = ibis.greatest(g.n_callers.cast("float64") / params.case_callers, 1.0)
    return g.n_sharing * crowd.sqrt()


def _callers_note(g: ir.Table, params: ContactHours, whom: str = "") -> ir.StringValue:
    return ibis.ifelse(
        g.n_callers > params.case_callers,
        ibis.literal("; ") + text(g.n_callers) + " staff contact this number" + whom,
        "",
    )


def _contacts_with_vulnerable_people(
    src: Sources, max_sharing: int, *, untasked_callers: bool = False
) -> ir.Table:
    """Contact events whose counterpart is a contact point of a vulnerable person, one row
    per (event, person); `n_sharing` is how many people share the contact point (at most
    `max_sharing`: an organisation's line is no one person's), `n_callers` how many staff
    contacted it in the run's window and, with `untasked_callers`, `n_untasked_callers`
    how many of them did so with no purpose for anyone behind it.

    A repeat victim's own mobile is called by every officer on her many cases, and that
    makes it no less hers; an agency line recorded as hers is called by staff working
    other people's cases."""
    pc = src["person_contacts"]
    sharing = pc.group_by("value").aggregate(n_sharing=pc.person_id.nunique())
    sharing = sharing.filter(sharing.n_sharing <= max_sharing)
    v = src.vulnerable_people
    points = (
        pc.join(v, pc.person_id == v.person_id)
        .join(sharing, "value")
        .select("person_id", "value", "n_sharing", "vulnerability")
    )
    c = src["contact_events"]
    callers = c.group_by("counterpart").aggregate(n_callers=c.staff_id.nunique())
    points = points.join(callers, points.value == callers.counterpart).drop("counterpart")
    ev = c.join(points, c.counterpart == points.value).select(
        c.event_id,
        c.ts,
        c.staff_id,
        c.direction,
        c.channel,
        c.counterpart,
        points.person_id,
        points.n_sharing,
        points.n_callers,
        points.vulnerability,
    )
    if not untasked_callers:
        return ev
    untasked = ev.filter(~ev.event_id.isin(src.with_purpose(ev).event_id))
    counts = untasked.group_by("counterpart").aggregate(
        n_untasked_callers=untasked.staff_id.nunique()
    )
    ev = ev.left_join(counts, "counterpart").drop("counterpart_right")
    return ev.mutate(n_untasked_callers=ev.n_untasked_callers.fill_null(0))


def _flag_hours(src: Sources, ev: ir.Table, hours: ContactHours) -> ir.Table:
    """`ev` with `night` (in the late-night hours, UTC) and `off` (outside duty) flags."""
    hour = ev.ts.hour()
    if hours.night_start_hour > hours.night_end_hour:
        night = (hour >= hours.night_start_hour) | (hour < hours.night_end_hour)
    else:
        night = (hour >= hours.night_start_hour) & (hour < hours.night_end_hour)
    off_ids = src.off_duty(ev).event_id
    return ev.mutate(night=night, off=ev.event_id.isin(off_ids))


CONTACT_VULNERABLE = Indicator("CONTACT_VULNERABLE", ContactParams, contact_vulnerable)
CONTACT_INTENSITY = Indicator("CONTACT_INTENSITY", IntensityParams, contact_intensity)
