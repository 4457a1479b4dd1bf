"""Risk-based scoring: findings add risk to a member of staff.

- A finding's score is its indicator's weight × its strength × time decay (evidence
  loses half its weight every `half_life_days` without repetition).
- Findings about the same person reinforce each other: a person's risk is the sum of
  its findings' scores × (1 + indicator_bonus) per further indicator (up to
  max_reinforcing indicators, so ten overlapping counts cannot run away) × (1 +
  family_bonus) per further family of evidence (access records, contact, partner
  intelligence, searches). Behaviour that is unusual in several ways (repeated, off
  duty, after the case ended) outranks one loud count, and independent evidence (a look,
  a text message, a partner's concern about one woman) counts most. A further indicator
  or family counts in full when its score is at least reinforce_unit and in proportion
  below: a crumb of evidence adds itself, but does not multiply the rest.
- Before any of this, a finding about a person recorded as one of
  less_likely_target_sexes counts less_likely_target_weight of its strength.
- A member of staff's risk sums their persons' risks, the k-th most concerning person
  counting person_decay^(k−1): one fixation is not diluted by a quiet month, and many
  faint look-ups do not add up to a fixation (trawling has its own indicator).
- An alert is raised when risk crosses an absolute threshold, never "the top k".

Findings are few (thousands, not millions), so this runs as Ibis over an in-memory
table on the run's own backend.
"""

from __future__ import annotations

from datetime import datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from vigil import contract
from vigil.detect.settings import ScoringSettings

#: Findings with no person (a trawl, a partner concern) each stand for a person of their own.
_NO_PERSON = "__finding__:"


def decayed_scores(findings: ir.Table, window_end: datetime, half_life_days: float) -> ir.Value:
    """weight × strength × 0.5^(days since last evidence / half life)."""
    end = ibis.literal(window_end)
    age_days = (end.epoch_seconds() - findings.last_ts.epoch_seconds()) / 86400.0
    decay = ibis.literal(0.5).pow(ibis.greatest(age_days, 0) / half_life_days)
    return findings.weight * findings.strength * decay


def weigh_by_person(findings: ir.Table, people: ir.Table, scoring: ScoringSettings) -> ir.Table:
    """`findings` with the strength of each finding about a person recorded as one of
    `less_likely_target_sexes` times `less_likely_target_weight`; findings about anyone
    else, or about no one person (a trawl, a partner concern), keep theirs."""
    less_likely = people.filter(people.sex.isin(scoring.less_likely_target_sexes))
    weight = ibis.ifelse(
        findings.person_id.isin(less_likely.person_id), scoring.less_likely_target_weight, 1.0
    )
    return findings.mutate(strength=findings.strength * weight)


def staff_risk(
    con: ibis.BaseBackend,
    findings: pa.Table,
    scoring: ScoringSettings,
    families: dict[str, str],
    reinforcing: set[str] | None = None,
) -> pa.Table:
    """`staff_risk` rows (contract order) from scored findings (contract `findings`);
    `families` maps each indicator id to its evidence family; only indicators in
    `reinforcing` (default: all) count as further indicators about a person."""
    if findings.num_rows == 0:
        return contract.table("staff_risk").empty()
    f = ibis.memtable(
        findings.select(["finding_id", "staff_id", "person_id", "indicator", "score"])
    )
    reinforcing = set(families) if reinforcing is None else reinforcing
    family_of = ibis.memtable(
        pa.table(
            {
                "indicator": list(families),
                "family": list(families.values()),
                "reinforces": [i in reinforcing for i in families],
            }
        )
    )
    f = f.join(family_of, "indicator")
    f = f.mutate(person_key=f.person_id.fill_null(_NO_PERSON + f.finding_id))
    keys = ["staff_id", "person_key"]
    per_person = f.group_by(keys).aggregate(total=f.score.sum())
    indicators = _further(
        f.filter(f.reinforces), keys, "indicator", scoring.reinforce_unit, "n_further_indicators"
    )
    families = _further(f, keys, "family", scoring.reinforce_unit, "n_further_families")
    per_person = per_person.left_join(indicators, keys).drop("staff_id_right", "person_key_right")
    per_person = per_person.left_join(families, keys).drop("staff_id_right", "person_key_right")
    further_indicators = ibis.least(
        per_person.n_further_indicators.fill_null(0.0), scoring.max_reinforcing - 1
    )
    per_person = per_person.mutate(
        person_risk=per_person.total
        * ibis.literal(1 + scoring.indicator_bonus).pow(further_indicators)
        * ibis.literal(1 + scoring.family_bonus).pow(per_person.n_further_families.fill_null(0.0))
    )
    ranked = per_person.mutate(
        k=ibis.row_number().over(
            group_by="staff_id", order_by=[ibis.desc("person_risk"), "person_key"]
        )
    )
    contribution = ranked.person_risk * ibis.literal(scoring.person_decay).pow(ranked.k)
    risk = (
        ranked.mutate(contribution=contribution)
        .group_by("staff_id")
        .aggregate(risk_score=ibis._.contribution.sum())
    )
    per_indicator = f.group_by(["staff_id", "indicator"]).aggregate(s=f.score.sum())
    top = per_indicator.group_by("staff_id").aggregate(
        top_indicators=per_indicator.indicator.collect(
            order_by=[ibis.desc(per_indicator.s), per_indicator.indicator]
        ).join(";")
    )
    out = risk.join(top, "staff_id")
    out = out.mutate(
        rank=ibis.row_number().over(order_by=[ibis.desc("risk_score"), "staff_id"]) + 1,
        alerted=out.risk_score >= scoring.alert_threshold,
    ).order_by("rank")
    return contract.conform("staff_risk", con.to_pyarrow(out))


def _further(f: ir.Table, keys: list[str], kind: str, unit: float, name: str) -> ir.Table:
    """Per `keys`, how many further `kind`s (indicators or families) reinforce the
    strongest: each counts min(1, its score / `unit`), so a crumb of evidence does not
    multiply a person's risk as a full finding does, and more evidence never counts less."""
    per_kind = f.group_by([*keys, kind]).aggregate(s=f.score.sum())
    share = ibis.least(per_kind.s / unit, 1.0)
    g = per_kind.mutate(share=share).group_by(keys)
    further = g.aggregate(all_=ibis._.share.sum(), top=ibis._.share.max())
    return further.select(*keys, **{name: further.all_ - further.top})
