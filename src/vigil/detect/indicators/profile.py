"""TARGET_PROFILE_SKEW: the people looked at without purpose are skewed towards one
profile (by default young women who are victims of sexual, domestic or stalking
offences) far more than the peer group's looks are."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil import contract
from vigil.detect.context import OPEN_END, Sources
from vigil.detect.indicators.base import Indicator, evidence_ids, text
from vigil.detect.settings import Strict, known_codes


class ProfileParams(Strict):
    sexes: list[str] = Field(
        default=["F"], min_length=1, description="Sexes in the profile (contract codes)."
    )
    min_age: int = Field(default=16, ge=0, description="Youngest age in the profile.")
    max_age: int = Field(default=35, ge=0, description="Oldest age in the profile.")
    vulnerabilities: list[str] = Field(
        default=["SEXUAL_OFFENCE_VICTIM", "DA_VICTIM", "STALKING_VICTIM", "SEX_WORKER", "CSE_RISK"],
        min_length=1,
        description="A person with any of these codes fits the profile.",
    )
    min_z: float = Field(
        default=3.0, ge=0, description="Binomial z-score against the peer group's share."
    )
    min_people: float = Field(
        default=3.0, gt=0, description="Fewest people in the profile (rarity-weighted)."
    )
    window_weeks: int = Field(
        default=4,
        ge=0,
        description="Also judge each run of this many calendar weeks on its own (0: only "
        "the whole period): a trawl of a few weeks is lost among months of ordinary looks.",
    )

    def model_post_init(self, _: object) -> None:
        known_codes(self.vulnerabilities, contract.VULNERABILITY_CODES, "vulnerability")
        known_codes(self.sexes, contract.SEX_CODES, "sex")


#: The start of the whole of the run's window, beside the windows of weeks.
_WHOLE_FROM = datetime(1900, 1, 1, tzinfo=UTC)


def target_profile_skew(src: Sources, params: ProfileParams) -> ir.Table:
    """Per member of staff, whether the vulnerable people looked at without purpose are
    skewed to the profile against what the peer group looked at in the same period: the
    whole run when it is skewed, else the most skewed window of `window_weeks` weeks."""
    ev = src.unexplained_access
    age = ev.ts.date().delta(ev.date_of_birth, unit="year")
    codes = ev.vulnerability.split(";")
    in_profile = (
        ev.sex.isin(params.sexes)
        & (age >= params.min_age)
        & (age <= params.max_age)
        & codes.filter(lambda c: c.isin(params.vulnerabilities)).length().fill_null(0).__gt__(0)
    )
    ev = ev.mutate(in_profile=in_profile.fill_null(False))
    per_week = ev.group_by(["staff_id", "person_id", "week"]).aggregate(
        w=ev.rarity.max(), fits=ev.in_profile.max()
    )
    periods = _periods(per_week, params.window_weeks)
    keys = ["staff_id", "period_from", "period_to"]
    per_person = periods.group_by([*keys, "person_id"]).aggregate(
        w=periods.w.max(), fits=periods.fits.max()
    )
    per_staff = per_person.group_by(keys).aggregate(
        n=per_person.w.sum(), k=(per_person.w * per_person.fits.cast("float64")).sum()
    )
    # The pooled share of profile looks by the rest of the peer group in the same period:
    # in a small team, one trawler's own looks would otherwise raise the share he is
    # judged against. With no look by anyone else there is nothing to judge against.
    members = src.peer_memberships.select("staff_id", "peer_group")
    looked = per_staff.join(members, "staff_id")
    periods_of_group = ["peer_group", "period_from"]
    pooled = looked.group_by(periods_of_group).aggregate(k_all=looked.k.sum(), n_all=looked.n.sum())
    s = per_staff.join(src.peer_groups, "staff_id").join(pooled, periods_of_group)
    others_n = s.n_all - s.n
    s = s.filter(others_n > 1e-9)  # sums of rarities: a float difference, not exactly 0
    s = s.mutate(share=(s.k_all - s.k) / others_n)
    p = ibis.greatest(ibis.least(s.share, 0.99), 0.01)
    z = (s.k - s.n * p) / (s.n * p * (1 - p)).sqrt()
    s = s.mutate(z=z).filter((z >= params.min_z) & (s.k >= params.min_people))
    # The whole period when it is skewed (its evidence runs to the latest look), else the
    # most skewed window.
    chosen = ibis.row_number().over(
        group_by="staff_id",
        order_by=[ibis.desc(s.period_from == _WHOLE_FROM), ibis.desc(s.z), s.period_from],
    )
    s = s.filter(chosen == 0)
    fits = ev.filter(ev.in_profile)
    in_period = fits.join(
        s.select("staff_id", "period_from", "period_to"),
        [
            fits.staff_id == s.staff_id,
            fits.week >= s.period_from,
            fits.week < s.period_to,
        ],
    )
    evidence = in_period.group_by(in_period.staff_id).aggregate(
        first_ts=in_period.ts.min(),
        last_ts=in_period.ts.max(),
        n_events=in_period.event_id.nunique(),
        event_ids=evidence_ids(in_period.event_id, in_period.ts),
    )
    s = s.join(evidence, "staff_id")
    explanation = (
        ibis.ifelse(
            s.period_from == _WHOLE_FROM,
            "",
            f"in the {params.window_weeks} weeks from " + text(s.period_from.date()) + ", ",
        )
        + "of the vulnerable people looked at without a tasking, "
        + text((100 * s.k / s.n).round(0).cast("int64"))
        + "% fit the profile ("
        + ibis.literal(
            f"{'/'.join(params.sexes)} aged {params.min_age}-{params.max_age}, "
            f"{', '.join(params.vulnerabilities)}"
        )
        + ") against "
        + text((100 * s.share).round(0).cast("int64"))
        + "% for peers ("
        + s.peer_group
        + ")"
    )
    return s.select(
        "staff_id",
        person_id=ibis.null("string"),
        first_ts=s.first_ts,
        last_ts=s.last_ts,
        event_ids=s.event_ids,
        n_events=s.n_events,
        strength=(s.z - params.min_z + 1).log2() + 1,
        explanation=explanation,
    )


def _periods(per_week: ir.Table, window_weeks: int) -> ir.Table:
    """`per_week` rows (with `week`, a Monday) once for the whole period and once for each
    window of `window_weeks` calendar weeks that contains the week, labelled by
    `period_from` (its first Monday; `_WHOLE_FROM` for the whole period) and
    `period_to` (the Monday after it)."""
    week = per_week.week.type()
    whole = per_week.mutate(
        period_from=ibis.literal(_WHOLE_FROM, type=week),
        period_to=ibis.literal(OPEN_END, type=week),
    )
    if window_weeks == 0:
        return whole
    offsets = ibis.memtable({"offset_weeks": list(range(window_weeks))})
    shifted = per_week.cross_join(offsets)
    start = (shifted.week - (shifted.offset_weeks * 7).as_interval("D")).cast(week)
    windows = shifted.mutate(
        period_from=start,
        period_to=(start + ibis.interval(days=7 * window_weeks)).cast(week),
    ).drop("offset_weeks")
    return whole.union(windows)


TARGET_PROFILE_SKEW = Indicator("TARGET_PROFILE_SKEW", ProfileParams, target_profile_skew)
