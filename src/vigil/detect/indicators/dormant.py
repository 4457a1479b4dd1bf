"""DORMANT_RECORD_RETURNS: coming back, week after week, to a vulnerable woman's record
when nothing is happening on it.

Work leaves a trigger on the record: a new incident about her, a tasking, colleagues
reading the same case. A look at a record with none of these (no tasking to her, ever;
no incident about her for months; no colleague looking at her for weeks) has no work
reason that the force's systems show, and returning to it in another week is attention
to the woman, not to a case. It is the first sign of a slow burn, weeks before the
repeats add up to a fixation."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources
from vigil.detect.indicators.access import weekly_returns, weeks_and_looks
from vigil.detect.indicators.base import Indicator, as_findings, text
from vigil.detect.settings import Strict


class DormantParams(Strict):
    min_weeks: int = Field(
        default=2, ge=2, description="Fewest distinct weeks with looks at her dormant record."
    )
    dormant_days: float = Field(
        default=60,
        gt=0,
        description="A record is dormant when no incident about her was opened in this many "
        "days before the look.",
    )
    quiet_days: float = Field(
        default=28,
        gt=0,
        description="Colleagues' looks at her in this many days before the look share it: "
        "each look counts 1 / (1 + the colleagues who looked at her then).",
    )


def dormant_record_returns(src: Sources, params: DormantParams) -> ir.Table:
    """Untasked looks, in at least `min_weeks` weeks, at a vulnerable person never tasked
    to the member of staff or the team, with no incident about her in the `dormant_days`
    before, each week counting its quietest look (1 / (1 + colleagues who looked at her in
    the `quiet_days` before))."""
    ev = src.unexplained_access
    ev = ev.filter(~ev.team_tasked)
    # Never tasked to her: returning to a woman met through work is what
    # ACCESS_AFTER_INVOLVEMENT looks at.
    p = src.purpose_intervals
    ev = ev.anti_join(
        p, [ev.staff_id == p.staff_id, ev.person_id == p.person_id, p.purpose_from <= ev.ts]
    )
    ev = ev.anti_join(src.incident_openings, src.opened_within(ev, params.dormant_days))
    ev = _with_colleagues_before(src, ev, params.quiet_days)
    ev = ev.mutate(quiet=1.0 / (1 + ev.n_others.cast("float64")))
    g = weekly_returns(ev, "quiet", params.min_weeks)
    keys = ["staff_id", "person_id"]
    colleagues = ev.group_by(keys).aggregate(mean_colleagues=ev.n_others.mean())
    g = g.join(colleagues, keys)
    explanation = (
        ibis.literal("returned to the record of a vulnerable person (")
        + g.vulnerability
        + ") in "
        + weeks_and_looks(g)
        + " when nothing was happening on it: never tasked to her, no incident about her "
        f"in the {params.dormant_days:g} days before"
        + ibis.ifelse(
            g.mean_colleagues >= 0.5,
            "; on average "
            + text(g.mean_colleagues.round(1))
            + f" colleagues had looked at her in the {params.quiet_days:g} days before",
            f", and no colleague looking at her in the {params.quiet_days:g} days before",
        )
    )
    return as_findings(g, strength=(g.weighted_weeks + 1).log2(), explanation=explanation)


def _with_colleagues_before(src: Sources, looks: ir.Table, quiet_days: float) -> ir.Table:
    """`looks` with `n_others`: how many other staff looked at the person, with a purpose
    or without, in the `quiet_days` before each look."""
    a = src.vulnerable_access
    # Dormant records are few and seldom looked at: restricting every look to their
    # people first keeps the range join small.
    a = a.semi_join(looks, a.person_id == looks.person_id).select(
        o_staff=a.staff_id, o_person=a.person_id, o_ts=a.ts
    )
    quiet = ibis.interval(minutes=int(quiet_days * 1440))
    k = looks.select("event_id", "staff_id", "person_id", "ts").distinct()
    near = k.join(
        a,
        [
            k.person_id == a.o_person,
            k.staff_id != a.o_staff,
            a.o_ts <= k.ts,
            a.o_ts >= k.ts - quiet,
        ],
    )
    keys = ["event_id", "staff_id", "person_id"]
    counts = near.group_by(keys).aggregate(n_others=near.o_staff.nunique())
    joined = looks.left_join(counts, keys).drop(*(f"{k}_right" for k in keys))
    return joined.mutate(n_others=joined.n_others.fill_null(0))


DORMANT_RECORD_RETURNS = Indicator("DORMANT_RECORD_RETURNS", DormantParams, dormant_record_returns)
