"""Settings shared by the catalogue and the indicators (kept apart to avoid an import cycle)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vigil import contract

#: Decimal places a finding's strength is rounded to before it is compared or scored:
#: parallel sums differ in the last bits from run to run, and a finding at a threshold
#: must be kept or dropped the same way every time.
STRENGTH_DIGITS = 9


def known_codes(values: list[str], allowed: frozenset[str], kind: str) -> list[str]:
    """`values` if every one is a contract code of `kind` (sex, vulnerability)."""
    if unknown := set(values) - allowed:
        raise ValueError(f"unknown {kind} codes {sorted(unknown)}")
    return values


class Strict(BaseModel):
    """A catalogue section: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PurposeSettings(Strict):
    grace_before_hours: float = Field(ge=0)
    grace_after_hours: float = Field(ge=0)
    grace_after_closure_days: float = Field(ge=0)
    duty_grace_minutes: float = Field(ge=0)
    roster_gap_days: int = Field(ge=1)
    team_purpose_weight: float = Field(ge=0, le=1)
    news_window_days: float = Field(ge=0)
    news_weight: float = Field(ge=0, le=1)
    case_work_hours: float = Field(ge=0)
    lasting_roles: list[str] = []
    lasting_grace_days: float = Field(default=0, ge=0)

    @field_validator("lasting_roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        return known_codes(roles, contract.INCIDENT_STAFF_ROLES, "tasking role")


class VulnerabilitySettings(Strict):
    #: "INCIDENT_TYPE:ROLE" -> vulnerability code: a person with that role in an incident
    #: of that type is vulnerable with that code, whether or not her record carries it.
    from_incidents: dict[str, str] = {}

    @field_validator("from_incidents")
    @classmethod
    def _known(cls, mapping: dict[str, str]) -> dict[str, str]:
        for key in mapping:
            incident_type, _, role = key.partition(":")
            if not incident_type or not role:
                raise ValueError(f"{key!r} is not INCIDENT_TYPE:ROLE")
            known_codes([role], contract.INCIDENT_PERSON_ROLES, "incident person role")
        known_codes(list(mapping.values()), contract.VULNERABILITY_CODES, "vulnerability")
        return mapping

    def pairs(self) -> list[tuple[str, str, str]]:
        """(incident type, role, vulnerability code) for each entry."""
        pairs = []
        for key, code in self.from_incidents.items():
            incident_type, role = key.split(":", 1)
            pairs.append((incident_type, role, code))
        return pairs


class ScoringSettings(Strict):
    alert_threshold: float = Field(gt=0)
    half_life_days: float = Field(gt=0)
    indicator_bonus: float = Field(ge=0)
    max_reinforcing: int = Field(ge=1)
    family_bonus: float = Field(ge=0)
    reinforce_unit: float = Field(gt=0)
    peer_spread_floor: float = Field(ge=0)
    baseline_days: float = Field(ge=0)
    person_decay: float = Field(gt=0, le=1)
    less_likely_target_sexes: list[str]
    less_likely_target_weight: float = Field(ge=0, le=1)

    @field_validator("less_likely_target_sexes")
    @classmethod
    def _known_sexes(cls, sexes: list[str]) -> list[str]:
        return known_codes(sexes, contract.SEX_CODES, "sex")
