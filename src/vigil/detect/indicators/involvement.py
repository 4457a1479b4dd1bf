"""ACCESS_AFTER_INVOLVEMENT: kept looking at a person after one's tasking ended."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil import contract
from vigil.detect.context import Sources
from vigil.detect.indicators.base import Indicator, as_findings, pair_summary, plural, text
from vigil.detect.settings import Strict, known_codes


class AfterInvolvementParams(Strict):
    min_days: int = Field(
        default=1, ge=1, description="Fewest distinct days of looks after involvement ended."
    )
    met_roles: list[str] = Field(
        default=["ATTENDING", "OIC", "INVESTIGATOR", "CALL_HANDLER"],
        min_length=1,
        description="Tasking roles in which staff meet or speak with the people in an "
        "incident: fixation grows from meeting her.",
    )
    other_roles_weight: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Weight of returns after involvement in any other role (an analyst's, "
        "a supervisor's): work at a desk on her incident, followed most often by more of "
        "the analysis or the review, not by fixation.",
    )

    def model_post_init(self, _: object) -> None:
        known_codes(self.met_roles, contract.INCIDENT_STAFF_ROLES, "tasking role")


def access_after_involvement(src: Sources, params: AfterInvolvementParams) -> ir.Table:
    """Unexplained access to a vulnerable person the member of staff was once tasked to,
    after that tasking (and its grace period) ended."""
    ev = src.unexplained_access
    p = src.purpose_intervals
    past = p.filter(p.involvement_ended.notnull())
    after = ev.join(
        past,
        [ev.staff_id == past.staff_id, ev.person_id == past.person_id, ev.ts > past.purpose_to],
    )
    met = after.role.isin(params.met_roles)
    after = after.mutate(rarity=after.rarity * ibis.ifelse(met, 1.0, params.other_roles_weight))
    # One row per event, for the involvement behind it: a meeting before desk work on her
    # incident, then the most recent to have ended (epoch seconds stay below 1e11).
    behind = met.cast("int64") * 10**11 + after.involvement_ended.epoch_seconds()
    per_event = after.group_by([after.event_id, after.staff_id, after.person_id]).aggregate(
        ts=after.ts.max(),
        vulnerability=after.vulnerability.arbitrary(),
        week=after.week.max(),
        crowd=after.crowd.max(),
        rarity=after.rarity.max(),
        ended=after.involvement_ended.argmax(behind),
        incident_id=after.incident_id.argmax(behind),
        role=after.role.argmax(behind),
    )
    summary = pair_summary(per_event)
    # The explanation names the involvement behind the first look.
    first_involvement = per_event.group_by(["staff_id", "person_id"]).aggregate(
        incident_id=per_event.incident_id.argmin(per_event.ts),
        role=per_event.role.argmin(per_event.ts),
        ended=per_event.ended.argmin(per_event.ts),
    )
    g = summary.join(first_involvement, ["staff_id", "person_id"])
    g = g.filter(g.n_days >= params.min_days)
    weeks_after = ((g.last_ts.epoch_seconds() - g.ended.epoch_seconds()) / (7 * 86400)).floor()
    explanation = (
        ibis.literal("kept looking at the record of a vulnerable person (")
        + g.vulnerability
        + ") after involvement in incident "
        + g.incident_id
        + " (as "
        + g.role
        + ") ended on "
        + text(g.ended.date())
        + ": "
        + plural(g.n_events, "time")
        + " on "
        + plural(g.n_days, "day")
        + ", the last "
        + plural(weeks_after.cast("int64"), "week")
        + " after"
    )
    return as_findings(g, strength=(g.weighted_days + 1).log2(), explanation=explanation)


ACCESS_AFTER_INVOLVEMENT = Indicator(
    "ACCESS_AFTER_INVOLVEMENT", AfterInvolvementParams, access_after_involvement
)
