"""Configuration of a synthetic force and the random sub-streams derived from its seed."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

#: Kinds of injected abuse of position for a sexual purpose (the `truth.scenario` labels).
SCENARIO_KINDS: tuple[str, ...] = (
    "FIXATION_AFTER_ATTENDING",
    "VICTIM_TRAWL",
    "CONTACT_AFTER_CLOSURE",
    "PARTNER_TIP",
    "SLOW_BURN_ON_DUTY",
)
#: Relative frequency of each kind when abusers are drawn at random.
DEFAULT_SCENARIO_WEIGHTS: dict[str, float] = {
    "FIXATION_AFTER_ATTENDING": 0.28,
    "VICTIM_TRAWL": 0.22,
    "CONTACT_AFTER_CLOSURE": 0.2,
    "PARTNER_TIP": 0.12,
    "SLOW_BURN_ON_DUTY": 0.18,
}

#: Innocent staff who look like abusers to a naive rule (the `_sim/hard_negatives` kinds).
HARD_NEGATIVE_KINDS: tuple[str, ...] = (
    "DA_SAFEGUARDING_HEAVY_USER",  # whole team views very many DA victims, legitimately
    "PPU_HEAVY_USER",  # public protection views many sexual-offence victims
    "CONTROL_ROOM_SEARCHES",  # searches many people per shift with no tasking row
    "CUSTODY_DETAINEE_VIEWS",  # views detainees with no tasking row
    "ANALYST_BROAD_SEARCH",  # broad searches and exports with reason codes
    "UNROSTERED_OVERTIME",  # works (and looks people up) with no duty row
    "EVENING_CONTACT_WHILE_ASSIGNED",  # calls victims in the evening while still tasked
    "POST_CLOSURE_CASE_WORK",  # views a victim's record after unassignment (court, file)
    "SHARED_HOUSEHOLD_PHONE",  # calls a landline that also belongs to another vulnerable person
    "NEIGHBOUR_INCIDENT_LOOKUP",  # untasked views of an incident near home, off duty
    "HIGH_PROFILE_CURIOSITY",  # untasked views of a big local incident and its victim
    "HOME_WORKER",  # habitually logs in from a force mobile off duty
    "PARTNER_REPORT_BENIGN",  # partially described in a partner concern that is not APSP
)


@dataclass(frozen=True)
class SimulationConfig:
    """A synthetic force. Every field has a default; `staff`, `days` and `seed` matter most."""

    staff: int = 500
    days: int = 90
    seed: int = 7
    start: date = date(2026, 1, 5)
    #: Two-letter force code used in collar numbers (`NH1234`).
    force_code: str = "NH"
    #: Days of incidents, rosters and assignments before `start` (open cases at the start).
    history_days: int = 60
    people_per_staff: float = 40.0
    #: Incidents opened per member of staff per day.
    incidents_per_staff_day: float = 0.11
    #: Scales every legitimate activity rate (access and contact).
    activity_scale: float = 1.0
    #: Share of staff who are abusers (at least `min_abusers`).
    abuser_rate: float = 0.0075
    min_abusers: int = 3
    #: Give the first abusers one of each scenario kind (needs at least 5 abusers).
    force_each_kind: bool = False
    scenario_weights: dict[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SCENARIO_WEIGHTS)
    )
    #: Intensity of an abuser's behaviour is drawn uniformly from this range (0 faint, 1 loud).
    intensity_range: tuple[float, float] = (0.1, 1.0)
    #: Share of staff given an explicit hard-negative pattern (besides whole-team ones).
    hard_negative_rate: float = 0.03
    #: Share of worked shifts missing from the roster.
    roster_missing_rate: float = 0.04
    #: Unrostered overtime sessions per member of staff per 30 days (worked, not in `duty`).
    unrostered_overtime_per_30d: float = 0.6
    #: Share of teams whose rosters are kept in another system and absent from `duty`
    #: altogether (police staff on flexible hours, a unit rostered locally): their duty
    #: is unknown, not off.
    unexported_roster_team_share: float = 0.0
    #: Share of people whose victim markers (DA, sexual offence, stalking victim; missing
    #: person) the records system keeps on their incidents only, absent from
    #: `people.vulnerability`: the incident says she is a victim, her record does not.
    unmarked_victim_share: float = 0.0
    #: Share of tasking records (`incident_staff` rows) that never reach the extract: an
    #: officer sent to a job by radio and never added to the incident.
    unrecorded_tasking_share: float = 0.0
    #: Legitimate concerns from partners that link to no abuser, per 1,000 staff per 30 days.
    benign_partner_reports_per_1000_30d: float = 1.5

    def __post_init__(self) -> None:
        if self.staff < 60:
            raise ValueError("staff must be at least 60 (a force needs every team)")
        if self.days < 14:
            raise ValueError("days must be at least 14")
        unknown = set(self.scenario_weights) - set(SCENARIO_KINDS)
        if unknown:
            raise ValueError(f"unknown scenario kinds {sorted(unknown)}; known {SCENARIO_KINDS}")
        shares = (
            "unexported_roster_team_share",
            "unmarked_victim_share",
            "unrecorded_tasking_share",
        )
        for name in shares:
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        lo, hi = self.intensity_range
        if not 0 <= lo <= hi <= 1:
            raise ValueError("intensity_range must satisfy 0 <= lo <= hi <= 1")

    @property
    def n_abusers(self) -> int:
        n = max(self.min_abusers, round(self.staff * self.abuser_rate))
        if self.force_each_kind:
            n = max(n, len(SCENARIO_KINDS))
        return n


def substream(cfg: SimulationConfig, component: str, *keys: int) -> np.random.Generator:
    """An independent generator for one component (and e.g. one month) of the simulation.

    The stream is the child of `SeedSequence(seed)` with spawn key (crc32(component), *keys),
    exactly what `SeedSequence.spawn` would produce, but addressed by name so that adding,
    removing or reordering components never reshuffles another one.
    """
    key = (zlib.crc32(component.encode()), *keys)
    return np.random.default_rng(np.random.SeedSequence(cfg.seed, spawn_key=key))
