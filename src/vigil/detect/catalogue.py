"""The indicator catalogue: a TOML file validated by a typed schema.

Every indicator's parameters are checked against the parameter model its module
declares, so a misspelt or out-of-range field is refused with the file, the indicator
and the field named, before any data is read.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from vigil.detect.context import MAD_TO_SD, MIN_BASELINE_PEERS, MIN_PEERS
from vigil.detect.indicators import INDICATORS
from vigil.detect.settings import PurposeSettings, ScoringSettings, Strict, VulnerabilitySettings

DEFAULT_CATALOGUE = resources.files("vigil.detect") / "catalogue.toml"


class CatalogueError(ValueError):
    """The catalogue file is invalid; the message names file, indicator and field."""


class IndicatorEntry(Strict):
    title: str = Field(min_length=1)
    #: Evidence family: findings of one family overlap, of different families corroborate.
    family: str = Field(pattern=r"^[a-z_]+$")
    #: Judge this indicator's evidence against the member of staff's peer group.
    peer_baseline: bool = True
    #: Whether this indicator counts as a further way the behaviour is unusual. A base
    #: indicator that every other of its family refines (any look without purpose) adds
    #: its score but does not multiply: its events are the others' events.
    reinforces: bool = True
    weight: float = Field(ge=0)
    #: Days after which this indicator's evidence has lost half its weight without
    #: repetition, when it should differ from the scoring's `half_life_days`.
    half_life_days: float | None = Field(default=None, gt=0)
    description: str = Field(min_length=1)
    false_positives: list[str] = Field(min_length=1)
    triage: str = Field(min_length=1)
    params: Any = None


class Catalogue(Strict):
    purpose: PurposeSettings
    vulnerability: VulnerabilitySettings = VulnerabilitySettings()
    scoring: ScoringSettings
    indicators: dict[str, IndicatorEntry]
    source: str = "catalogue.toml"

    def half_life_days(self, indicator_id: str) -> float:
        """How fast `indicator_id`'s evidence decays: its own half-life, or the scoring's."""
        own = self.indicators[indicator_id].half_life_days
        return self.scoring.half_life_days if own is None else own

    def enabled(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return list(self.indicators)

    @property
    def families(self) -> dict[str, str]:
        return {i: entry.family for i, entry in self.indicators.items()}

    @property
    def reinforcing(self) -> set[str]:
        return {i for i, entry in self.indicators.items() if entry.reinforces}


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue file (the packaged default when `path` is None)."""
    if path is None:
        text = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
        source = "vigil/detect/catalogue.toml"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(f"{source}: cannot read catalogue: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{source}: not valid TOML: {exc}") from None
    return parse_catalogue(raw, source)


def parse_catalogue(raw: dict[str, Any], source: str = "<catalogue>") -> Catalogue:
    raw = dict(raw)
    indicators_raw = raw.pop("indicators", None)
    if not isinstance(indicators_raw, dict) or not indicators_raw:
        raise CatalogueError(f"{source}: no [indicators.*] sections")
    indicators: dict[str, IndicatorEntry] = {}
    for indicator_id, entry in indicators_raw.items():
        where = f"{source}: indicator {indicator_id}"
        if indicator_id not in INDICATORS:
            raise CatalogueError(f"{where}: unknown indicator (known: {', '.join(INDICATORS)})")
        try:
            params = INDICATORS[indicator_id].params_model(**dict(entry).pop("params", {}) or {})
            entry_model = IndicatorEntry(**{**entry, "params": params})
        except ValidationError as exc:
            raise CatalogueError(_describe(where, exc, params_prefix="params")) from None
        except TypeError as exc:
            raise CatalogueError(f"{where}: {exc}") from None
        indicators[indicator_id] = entry_model
    try:
        return Catalogue(**raw, indicators=indicators, source=source)
    except ValidationError as exc:
        raise CatalogueError(_describe(source, exc)) from None


def _describe(where: str, exc: ValidationError, params_prefix: str | None = None) -> str:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        if params_prefix and exc.title != IndicatorEntry.__name__:
            loc = f"{params_prefix}.{loc}"
        problems.append(f"field {loc}: {err['msg']}")
    return f"{where}: " + "; ".join(problems)


def to_markdown(catalogue: Catalogue) -> str:
    """The catalogue as a document for CCU analysts (docs/indicators.md is generated
    from it, so the two cannot drift apart)."""
    s = catalogue.scoring
    p = catalogue.purpose
    lines = [
        "# Vigil indicator catalogue",
        "",
        "<!-- Generated from src/vigil/detect/catalogue.toml by `vigil catalogue --markdown`;"
        " edit the catalogue, not this file. -->",
        "",
        "Each indicator reads the force's audit, tasking, duty and contact records and",
        "produces *findings*: one per member of staff and person concerned, with the",
        "events behind it and a one-line explanation. Findings are grounds to look, not",
        "proof of misconduct.",
        "",
        "## Policing purpose",
        "",
        "A member of staff has a policing purpose for a person while tasked to an incident",
        f"involving that person, from {p.grace_before_hours:g} hours before assignment until",
        f"{p.grace_after_hours:g} hours after the tasking ended. A recorded unassignment ends",
        "it, even after the incident closed (the investigation outlives the incident log).",
        "An assignment still open on a closed incident is more often a record no one closed",
        f"than months of work: its purpose runs on for {p.grace_after_closure_days:g} days after"
        " the closure (file preparation, updates to the victim, court).",
        "Tasking that begins after the incident closed (a review, safeguarding) runs until",
        "its own end.",
        *(
            [
                "Tasking as " + " or ".join(p.lasting_roles) + " gives a purpose for at least"
                f" {p.lasting_grace_days:g} days",
                "after it ended: their work outlasts the tasking record (an analyst's problem",
                "profile draws on an incident's people for weeks).",
            ]
            if p.lasting_roles
            else []
        ),
        "Viewing an incident is access to every person in it. An update the member",
        "of staff makes to her record, or to an incident she is in, is work on her case:",
        f"looks within {p.case_work_hours:g} hours of it are explained too (a typed reason is",
        "not: it costs nothing to type). Updates also show tasking the tasking record misses",
        "(an officer sent by radio, an OIC never entered): updates to an incident over more",
        "than a day make the case the member of staff's, from the incident's opening, as an",
        "assignment with no recorded end; updates within a day (the attendance's paperwork,",
        "an OIC's one entry) explain looks from the incident's opening (from the first",
        "update, where the record holds tasking of theirs on the incident) to",
        f"{p.grace_after_hours:g} hours after them, and an update to her record the",
        f"{p.grace_after_hours:g} hours after it.",
        "Such purpose explains looks and contact, but ending it is not an involvement to",
        "return from (ACCESS_AFTER_INVOLVEMENT is about recorded tasking).",
        "Duty is any rostered shift, overtime, on-call or",
        f"training (not leave), widened by {p.duty_grace_minutes:g} minutes either side.",
        "A look is off duty only where the roster covers the time: the member of staff has",
        f"a duty row of any kind (leave included) within {p.roster_gap_days:g} days of it. A team",
        "rostered in another system, or a month missing from the export, is not off duty.",
        "",
        "A look without a purpose counts by how unusual it was. A look at a person a team",
        f"colleague is tasked to counts {p.team_purpose_weight:g}. A look within"
        f" {p.news_window_days:g} days after an",
        "incident involving her was opened (briefings, handovers, local news) counts",
        f"{p.news_weight:g} ÷ (staff who looked at her without a tasking that week on at least",
        "as many days); any other look counts 1 ÷ (staff who made such looks at her that week",
        "on at least as many days): a look at a woman with nothing new on her record, that no",
        "one else made, counts in full, and the one officer who comes back to a woman in the",
        "news day after day is not hidden by the dozens who looked at her once. The concern is",
        "shared among those who looked as often, so a team's weekly returns to a prolific",
        "missing person do not add up, over months, to one officer's fixation.",
        "",
        "A finding about a person recorded as "
        + " or ".join(s.less_likely_target_sexes)
        + f" counts {s.less_likely_target_weight:g} of its strength: abuse of position for a",
        "sexual purpose is overwhelmingly directed at women, and a man looked at after his case",
        "closed is more often offender management than fixation.",
        "",
        "## Who is vulnerable",
        "",
        "The access, contact and search indicators are about people with a vulnerability code:",
        "on their record, or given by their role in an incident (records systems often keep the",
        "victim marker on the incident and bring the person's record up to date late, or never):",
        *(
            f"- {role.lower()} of a {incident_type.lower().replace('_', ' ')} incident: {code}"
            for incident_type, role, code in catalogue.vulnerability.pairs()
        ),
        "",
        "## Scoring and alerts",
        "",
        "A finding's score is the indicator's weight × the strength of its evidence × time",
        f"decay (half the weight after {s.half_life_days:g} days without repetition, unless an",
        "indicator below sets its own half-life).",
        "Findings about the same person reinforce each other: each further indicator",
        "(other than a family's base, below marked *Reinforces: no*)",
        f"multiplies that person's risk by {1 + s.indicator_bonus:g} (up to {s.max_reinforcing}"
        " indicators), and each further family",
        f"of evidence (access, contact, partner, search) by {1 + s.family_bonus:g}: in full when",
        f"its score about the person is {s.reinforce_unit:g} or more, in proportion below that, so",
        "a crumb of evidence adds its score without multiplying the rest. A member of",
        "staff's risk adds up their persons' risks, the k-th most concerning counting",
        f"{s.person_decay:g}^(k−1). An **alert** is raised at a risk of "
        f"**{s.alert_threshold:g}** or more: an absolute threshold, never a quota.",
        "",
        "Indicators marked *Peer baseline: yes* subtract from each finding what is ordinary",
        "for the member of staff's peers: the median of each peer's strongest finding of that",
        f"indicator plus {MAD_TO_SD:g} × its median absolute deviation, at least "
        f"{s.peer_spread_floor:g}",
        f"({s.peer_spread_floor:g} × {s.baseline_days:g} / the days of the peer group's audit "
        "trail where it is",
        "shorter, as early in an extract: a few days show little of what is ordinary). Peers",
        "are staff in the same role and the same kind of team (a DC in public protection is",
        "judged against the unit's other DCs); where there are fewer than "
        f"{MIN_PEERS}, the whole kind of",
        "team (the unit's DCs and DSs together), since whom staff look up follows the work",
        "more than the rank; then the same role force-wide; and all staff as the last",
        f"resort. A group needs at least {MIN_BASELINE_PEERS} members. The trawl and profile "
        "indicators compare",
        "with the same peers in their own way, stated below.",
        "",
    ]
    for indicator_id, entry in catalogue.indicators.items():
        lines += [
            f"## `{indicator_id}` — {entry.title}",
            "",
            entry.description.strip(),
            "",
            f"**Family:** {entry.family} · **Weight:** {entry.weight:g} · **Peer baseline:** "
            + ("yes" if entry.peer_baseline else "no")
            + " · **Reinforces:** "
            + ("yes" if entry.reinforces else "no (the base its family refines)")
            + (
                f" · **Half-life:** {entry.half_life_days:g} days"
                if entry.half_life_days is not None
                else ""
            ),
            "",
            "**Known legitimate look-alikes:**",
            "",
            *[f"- {fp}" for fp in entry.false_positives],
            "",
            "**Triage:** " + " ".join(entry.triage.split()),
            "",
            "**Parameters:**",
            "",
            "| parameter | value | meaning |",
            "|---|---|---|",
        ]
        params = entry.params
        for name, field in type(params).model_fields.items():
            lines.append(f"| `{name}` | {getattr(params, name)} | {field.description or ''} |")
        lines.append("")
    return "\n".join(lines)
