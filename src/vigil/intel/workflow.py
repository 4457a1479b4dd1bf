"""The CCU workflow as data: alert and case states, the transitions allowed between
them and who may make each, case referral rules and outcomes.

No database here: the store calls `check_alert_transition` / `check_case_transition`
before it changes anything, so the rules have one home and one set of tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from vigil.intel.roles import Role


class WorkflowError(ValueError):
    """An action the workflow does not allow; the message says why and what is allowed."""


class AlertState(StrEnum):
    NEW = "NEW"
    ASSESSING = "ASSESSING"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    MANAGEMENT_ACTION = "MANAGEMENT_ACTION"
    INTELLIGENCE = "INTELLIGENCE"
    CASE = "CASE"


#: Closed by a person: only new evidence from detection reopens these.
CLOSED_ALERT_STATES: frozenset[AlertState] = frozenset(
    {AlertState.NO_FURTHER_ACTION, AlertState.MANAGEMENT_ACTION}
)

_A = AlertState
_ANALYST_UP = frozenset({Role.ANALYST, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})

#: from-state -> to-state -> roles that may make the move.
ALERT_TRANSITIONS: dict[AlertState, dict[AlertState, frozenset[Role]]] = {
    _A.NEW: {_A.ASSESSING: _ANALYST_UP},
    _A.ASSESSING: {
        # Closing is a supervisor's decision: a second pair of eyes on every dismissal.
        _A.NO_FURTHER_ACTION: _SUPERVISOR,
        _A.MANAGEMENT_ACTION: _SUPERVISOR,
        _A.INTELLIGENCE: _ANALYST_UP,
    },
    _A.INTELLIGENCE: {
        _A.CASE: _SUPERVISOR,
        _A.NO_FURTHER_ACTION: _SUPERVISOR,
        _A.MANAGEMENT_ACTION: _SUPERVISOR,
    },
    _A.NO_FURTHER_ACTION: {},
    _A.MANAGEMENT_ACTION: {},
    _A.CASE: {},
}

#: Moves made by another action, not by a bare change of state: the generic transition
#: refuses them and names the action. (INTELLIGENCE needs a graded report on the alert,
#: checked by the store.)
ALERT_TRANSITION_VIA: dict[AlertState, str] = {
    _A.CASE: "open a case from the alert (`vigil cases open`)",
}


def check_alert_transition(
    current: AlertState | str, target: AlertState | str, role: Role | str
) -> None:
    """Return if `role` may move an alert from `current` to `target`; raise WorkflowError
    naming the allowed moves otherwise."""
    current, target, role = AlertState(current), AlertState(target), Role(role)
    allowed = ALERT_TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(allowed) or "none (closed)"
        raise WorkflowError(
            f"an alert in {current} cannot move to {target}; allowed from {current}: {options}"
        )
    if role not in allowed[target]:
        who = ", ".join(sorted(allowed[target]))
        raise WorkflowError(f"moving an alert from {current} to {target} needs the role: {who}")


def allowed_alert_targets(current: AlertState | str, role: Role | str) -> list[AlertState]:
    """The states `role` may move an alert in `current` to."""
    return [t for t, roles in ALERT_TRANSITIONS[AlertState(current)].items() if Role(role) in roles]


class CaseState(StrEnum):
    AWAITING_REFERRAL = "AWAITING_REFERRAL"
    INVESTIGATING = "INVESTIGATING"
    CLOSED = "CLOSED"


CASE_TRANSITIONS: dict[CaseState, dict[CaseState, frozenset[Role]]] = {
    CaseState.AWAITING_REFERRAL: {CaseState.INVESTIGATING: _SUPERVISOR},
    CaseState.INVESTIGATING: {
        CaseState.CLOSED: frozenset({Role.SUPERVISOR, Role.INVESTIGATOR}),
    },
    CaseState.CLOSED: {},
}


def check_case_transition(
    current: CaseState | str, target: CaseState | str, role: Role | str
) -> None:
    """Return if `role` may move a case from `current` to `target`; raise WorkflowError."""
    current, target, role = CaseState(current), CaseState(target), Role(role)
    allowed = CASE_TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(allowed) or "none (closed)"
        raise WorkflowError(
            f"a case in {current} cannot move to {target}; allowed from {current}: {options}"
        )
    if role not in allowed[target]:
        who = ", ".join(sorted(allowed[target]))
        raise WorkflowError(f"moving a case from {current} to {target} needs the role: {who}")


class InvestigationType(StrEnum):
    """Who investigates, as decided on referral (the IOPC's mode of investigation)."""

    LOCAL = "LOCAL"  # the force's professional standards / CCU, IOPC referred it back
    DIRECTED = "DIRECTED"  # the force investigates under the IOPC's direction
    INDEPENDENT = "INDEPENDENT"  # the IOPC investigates with its own investigators


class Outcome(StrEnum):
    NO_CASE_TO_ANSWER = "NO_CASE_TO_ANSWER"
    REFLECTIVE_PRACTICE = "REFLECTIVE_PRACTICE"
    WRITTEN_WARNING = "WRITTEN_WARNING"
    FINAL_WRITTEN_WARNING = "FINAL_WRITTEN_WARNING"
    DISMISSAL = "DISMISSAL"
    CRIMINAL_CHARGE = "CRIMINAL_CHARGE"
    BARRED_LIST = "BARRED_LIST"


_DISCIPLINARY = (
    Outcome.REFLECTIVE_PRACTICE,
    Outcome.WRITTEN_WARNING,
    Outcome.FINAL_WRITTEN_WARNING,
    Outcome.DISMISSAL,
)


def validate_outcomes(outcomes: Iterable[Outcome | str]) -> list[Outcome]:
    """The outcomes of a case, checked and in canonical order.

    At least one; NO_CASE_TO_ANSWER stands alone; at most one disciplinary outcome (the
    most serious found); DISMISSAL always comes with BARRED_LIST, since a dismissed officer
    is placed on the barred list (so the entry cannot be forgotten).
    """
    chosen = {Outcome(o) for o in outcomes}
    if not chosen:
        raise WorkflowError("a case is closed with at least one outcome")
    if Outcome.NO_CASE_TO_ANSWER in chosen and len(chosen) > 1:
        raise WorkflowError("NO_CASE_TO_ANSWER cannot be combined with another outcome")
    disciplinary = [o for o in _DISCIPLINARY if o in chosen]
    if len(disciplinary) > 1:
        raise WorkflowError(
            f"one disciplinary outcome per case, got {', '.join(disciplinary)}: record the "
            "most serious"
        )
    if Outcome.DISMISSAL in chosen and Outcome.BARRED_LIST not in chosen:
        raise WorkflowError("DISMISSAL places the officer on the barred list: add BARRED_LIST")
    return [o for o in Outcome if o in chosen]


@dataclass(frozen=True)
class Referral:
    """The referral decision of a case."""

    refer_to_iopc: bool
    reason: str
    investigation_type: InvestigationType
    iopc_reference: str | None = None


def validate_referral(referral: Referral, *, apsp: bool) -> None:
    """Raise WorkflowError unless `referral` is a lawful decision for the case.

    Abuse of position for a sexual purpose is a mandatory referral to the IOPC, so an
    APSP case cannot be kept from it; only the IOPC directs or investigates itself, so
    those types need a referral; every decision gives its reason.
    """
    if not referral.reason.strip():
        raise WorkflowError("a referral decision states its reason")
    if apsp and not referral.refer_to_iopc:
        raise WorkflowError(
            "abuse of position for a sexual purpose is a mandatory referral to the IOPC"
        )
    if not referral.refer_to_iopc and referral.investigation_type is not InvestigationType.LOCAL:
        raise WorkflowError(
            f"a {referral.investigation_type} investigation is decided by the IOPC: refer first"
        )
