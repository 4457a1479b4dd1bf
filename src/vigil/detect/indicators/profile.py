"""TARGET_PROFILE_SKEW: the people looked at without purpose are skewed towards one
profile (by default young women who are victims of sexual, domestic or stalking
offences) far more than the peer group's looks are."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from pydantic import Field

from vigil import contract
from vigil.detect.context import Sources
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

    def model_post_init(self, _: object) -> None:
        known_codes(self.vulnerabilities, contract.VULNERABILITY_CODES, "vulnerability")
        known_codes(self.sexes, contract.SEX_CODES, "sex")


def target_profile_skew(src: Sources, params: ProfileParams) -> ir.Table:
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
    per_person = ev.group_by(["staff_id", "person_id"]).aggregate(
        w=ev.rarity.max(), fits=ev.in_profile.max()
    )
    per_staff = per_person.group_by("staff_id").aggregate(
        n=per_person.w.sum(), k=(per_person.w * per_person.fits.cast("float64")).sum()
    )
    # The peer group's pooled share of profile looks: sum of k over sum of n.
    k_stats = src.peer_statistics(per_staff.select("staff_id", value=per_staff.k))
    n_stats = src.peer_statistics(per_staff.select("staff_id", value=per_staff.n))
    pooled = k_stats.select("staff_id", "peer_group", k_total=k_stats.total).join(
        n_stats.select("staff_id", n_total=n_stats.total), "staff_id"
    )
    s = per_staff.join(pooled, "staff_id")
    s = s.mutate(share=s.k_total / s.n_total)
    p = ibis.greatest(ibis.least(s.share, 0.99), 0.01)
    z = (s.k - s.n * p) / (s.n * p * (1 - p)).sqrt()
    s = s.mutate(z=z).filter((z >= params.min_z) & (s.k >= params.min_people))
    evidence = (
        ev.filter(ev.in_profile)
        .group_by("staff_id")
        .aggregate(
            first_ts=ev.ts.min(),
            last_ts=ev.ts.max(),
            n_events=ev.event_id.nunique(),
            event_ids=evidence_ids(ev.event_id, ev.ts),
        )
    )
    s = s.join(evidence, "staff_id")
    explanation = (
        ibis.literal("of the vulnerable people looked at without a tasking, ")
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


TARGET_PROFILE_SKEW = Indicator("TARGET_PROFILE_SKEW", ProfileParams, target_profile_skew)
