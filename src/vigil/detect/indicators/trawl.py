"""VULNERABLE_TRAWL: many distinct vulnerable people looked at without purpose, unusual
against the peer group."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import MAD_TO_SD, Sources
from vigil.detect.indicators.base import Indicator, evidence_ids, plural, text
from vigil.detect.settings import Strict


class TrawlParams(Strict):
    min_people: int = Field(
        default=5, ge=1, description="Fewer distinct people is never a trawl, whatever peers do."
    )
    min_z: float = Field(
        default=3.0,
        ge=0,
        description="Robust z-score against the peer group (median, MAD) to report.",
    )
    max_strength: float = Field(
        default=3.0,
        gt=0,
        description="Strength at which volume stops counting: beyond far out, more people "
        "says more about the role (broad searches, a caseload the tasking does not show) "
        "than about intent, and volume alone stays below the alert threshold.",
    )
    min_spread: float = Field(
        default=2.0,
        gt=0,
        description="Floor of the peer spread, in people, so that in a group that looks at no one "
        "without purpose a few looks are not a trawl.",
    )


def vulnerable_trawl(src: Sources, params: TrawlParams) -> ir.Table:
    """Distinct vulnerable people looked at without purpose, each counted by the rarity of
    the look (a victim everyone read about in the briefing counts little), against the
    member of staff's peer group."""
    ev = src.unexplained_access
    per_person = ev.group_by(["staff_id", "person_id"]).aggregate(w=ev.rarity.max())
    weighted = per_person.group_by("staff_id").aggregate(n_weighted=per_person.w.sum())
    per_staff = ev.group_by("staff_id").aggregate(
        n_people=ev.person_id.nunique(),
        first_ts=ev.ts.min(),
        last_ts=ev.ts.max(),
        n_events=ev.event_id.nunique(),
        event_ids=evidence_ids(ev.event_id, ev.ts),
    )
    per_staff = per_staff.join(weighted, "staff_id")
    stats = src.peer_statistics(per_staff.select("staff_id", value=per_staff.n_weighted))
    scored = per_staff.join(stats, "staff_id")
    scale = ibis.greatest(scored.mad * MAD_TO_SD, params.min_spread)
    z = (scored.n_weighted - scored.med) / scale
    scored = scored.mutate(z=z)
    scored = scored.filter((scored.n_people >= params.min_people) & (scored.z >= params.min_z))
    explanation = (
        ibis.literal("looked at ")
        + plural(scored.n_people, "vulnerable person", "vulnerable people")
        + " with no tasking linking them ("
        + text(scored.n_weighted.round(1))
        + " counting each by how few others looked at them), against a median of "
        + text(scored.med.round(1))
        + " among peers ("
        + scored.peer_group
        + ")"
    )
    return scored.select(
        "staff_id",
        person_id=ibis.null("string"),
        first_ts=scored.first_ts,
        last_ts=scored.last_ts,
        event_ids=scored.event_ids,
        n_events=scored.n_events,
        strength=ibis.least((scored.z - params.min_z + 1).log2() + 1, params.max_strength),
        explanation=explanation,
    )


VULNERABLE_TRAWL = Indicator("VULNERABLE_TRAWL", TrawlParams, vulnerable_trawl)
