"""FREE_TEXT_NAME_SEARCH: a free-text name search with no reference, followed by an
unexplained look at the vulnerable person of that name.

Searching a woman by name, rather than arriving at her record from an incident, is how
someone looks up a person they met or heard of. The query and the name are compared
with their words in any order and case, allowing a typing slip or two."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil.detect.context import Sources
from vigil.detect.indicators.base import Indicator, days_between, evidence_ids, plural
from vigil.detect.settings import Strict


class NameSearchParams(Strict):
    window_hours: float = Field(
        default=2.0, gt=0, description="How soon after the search the look must follow."
    )
    max_typos: int = Field(
        default=2, ge=0, le=4, description="Edit distance allowed between query and name."
    )


def _normalised(name: ir.StringValue) -> ir.StringValue:
    """Lower case, words sorted: 'HUNT Michelle' and 'Michelle Hunt' compare equal."""
    return name.lower().strip().re_replace(r"\s+", " ").split(" ").sort().join(" ")


def free_text_name_search(src: Sources, params: NameSearchParams) -> ir.Table:
    a = src["access_events"]
    searches = a.filter(
        (a.subject_type == "FREE_TEXT")
        & a.query.notnull()
        & (a.reason.isnull() | (a.reason.strip() == ""))
    ).select(
        "staff_id",
        search_id=a.event_id,
        search_ts=a.ts,
        query=a.query,
        q=_normalised(a.query),
    )
    people = src["people"].filter(src["people"].name.notnull())
    names = people.select("person_id", n=_normalised(people.name))
    looks = src.unexplained_access.join(names, "person_id")
    window = ibis.interval(minutes=int(params.window_hours * 60))
    pairs = searches.join(
        looks,
        [
            searches.staff_id == looks.staff_id,
            looks.ts >= searches.search_ts,
            looks.ts <= searches.search_ts + window,
        ],
    )
    pairs = pairs.filter(pairs.q.levenshtein(pairs.n) <= params.max_typos)
    g = pairs.group_by(["staff_id", "person_id"]).aggregate(
        first_ts=pairs.search_ts.min(),
        last_ts=pairs.ts.max(),
        n_searches=pairs.search_id.nunique(),
        n_days=pairs.search_ts.date().nunique(),
        event_ids=evidence_ids(pairs.search_id, pairs.search_ts),
        vulnerability=pairs.vulnerability.arbitrary(),
        rarity=pairs.rarity.max(),
    )
    explanation = (
        ibis.literal("searched by name, with no reference, for a vulnerable person (")
        + g.vulnerability
        + ") and then looked at her record: "
        + plural(g.n_searches, "search", "searches")
        + " on "
        + plural(g.n_days, "day")
        + " over "
        + plural(days_between(g.first_ts, g.last_ts), "day")
    )
    return g.select(
        "staff_id",
        "person_id",
        "first_ts",
        "last_ts",
        "event_ids",
        n_events=g.n_searches,
        strength=(g.n_days * g.rarity + 1).log2(),
        explanation=explanation,
    )


FREE_TEXT_NAME_SEARCH = Indicator("FREE_TEXT_NAME_SEARCH", NameSearchParams, free_text_name_search)
