"""CONTACT_VULNERABLE: work-device contact with a vulnerable person without tasking."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources
from vigil.detect.indicators.base import Indicator, days_between, evidence_ids, plural, text
from vigil.detect.settings import Strict


class ContactParams(Strict):
    night_start_hour: int = Field(
        default=21, ge=0, le=23, description="Late-night contact starts at this hour (UTC)."
    )
    night_end_hour: int = Field(
        default=6, ge=0, le=23, description="Late-night contact ends at this hour (UTC)."
    )
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
    """Contact with a vulnerable person's contact point while neither the member of staff
    nor their team is tasked to them, nor to anyone else who shares that contact point
    (a household landline, a switchboard).
    A shared point counts for less: 1 / the number of people who share it."""
    pc = src["person_contacts"]
    sharing = pc.group_by("value").aggregate(n_sharing=pc.person_id.nunique())
    v = src.vulnerable_people
    points = (
        pc.join(v, pc.person_id == v.person_id)
        .join(sharing, "value")
        .select("person_id", "value", "n_sharing", "vulnerability")
    )
    c = src["contact_events"]
    ev = c.join(points, c.counterpart == points.value).select(
        c.event_id,
        c.ts,
        c.staff_id,
        c.direction,
        points.person_id,
        points.n_sharing,
        points.vulnerability,
    )
    # Purpose, own or team's, for any person behind the same contact point covers it.
    p = src.purpose_intervals
    own = p.join(pc, p.person_id == pc.person_id).select(
        p.staff_id, pc.value, p.purpose_from, p.purpose_to
    )
    tp = src.team_purpose_intervals
    team = tp.join(pc, tp.person_id == pc.person_id).select(
        tp.team_id, pc.value, tp.purpose_from, tp.purpose_to
    )
    counterpart = c.select("event_id", "counterpart").distinct()
    teams = src["staff"].select("staff_id", "team_id")
    ev = ev.join(counterpart, "event_id").join(teams, "staff_id")
    ev = ev.anti_join(
        own,
        [
            ev.staff_id == own.staff_id,
            ev.counterpart == own.value,
            ev.ts >= own.purpose_from,
            ev.ts <= own.purpose_to,
        ],
    )
    ev = ev.anti_join(
        team,
        [
            ev.team_id == team.team_id,
            ev.counterpart == team.value,
            ev.ts >= team.purpose_from,
            ev.ts <= team.purpose_to,
        ],
    )
    hour = ev.ts.hour()
    if params.night_start_hour > params.night_end_hour:
        night = (hour >= params.night_start_hour) | (hour < params.night_end_hour)
    else:
        night = (hour >= params.night_start_hour) & (hour < params.night_end_hour)
    off_ids = src.off_duty(ev).event_id
    ev = ev.mutate(night=night, off=ev.event_id.isin(off_ids))
    base = ibis.ifelse(ev.night | ev.off, 1.0, params.working_hours_weight)
    ev = ev.mutate(
        w=base
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
        n_sharing=ev.n_sharing.max(),
        weighted=ev.w.sum(),
        event_ids=evidence_ids(ev.event_id, ev.ts),
        vulnerability=ev.vulnerability.arbitrary(),
    )
    strength = (g.weighted + 1).log2() / g.n_sharing
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
        + " with no tasking involving them"
        + ibis.ifelse(
            g.n_sharing > 1,
            ibis.literal("; the number is shared by ") + text(g.n_sharing) + " people",
            "",
        )
    )
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


CONTACT_VULNERABLE = Indicator("CONTACT_VULNERABLE", ContactParams, contact_vulnerable)
