"""The 3x5x2 intelligence grading of the College of Policing (APP Intelligence
management): source evaluation (3), intelligence assessment (5), handling code (2)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vigil.intel.workflow import WorkflowError


class SourceEvaluation(StrEnum):
    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelligenceAssessment(StrEnum):
    KNOWN_DIRECTLY = "A"  # known directly to the source
    KNOWN_INDIRECTLY_CORROBORATED = "B"  # known indirectly, corroborated
    KNOWN_INDIRECTLY = "C"  # known indirectly
    NOT_KNOWN = "D"  # cannot be judged
    SUSPECTED_FALSE = "E"  # suspected to be false or malicious


class HandlingCode(StrEnum):
    P = "P"  # lawful sharing permitted
    C = "C"  # lawful sharing permitted with conditions


SOURCE_MEANING = {
    SourceEvaluation.RELIABLE: "reliable",
    SourceEvaluation.UNTESTED: "untested",
    SourceEvaluation.NOT_RELIABLE: "not reliable",
}
ASSESSMENT_MEANING = {
    IntelligenceAssessment.KNOWN_DIRECTLY: "known directly to the source",
    IntelligenceAssessment.KNOWN_INDIRECTLY_CORROBORATED: "known indirectly, corroborated",
    IntelligenceAssessment.KNOWN_INDIRECTLY: "known indirectly",
    IntelligenceAssessment.NOT_KNOWN: "not known",
    IntelligenceAssessment.SUSPECTED_FALSE: "suspected to be false",
}


@dataclass(frozen=True)
class Grading:
    """A 3x5x2 grade, e.g. `2/C/P` or `1/B/C` with handling conditions."""

    source: SourceEvaluation
    assessment: IntelligenceAssessment
    handling: HandlingCode
    conditions: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", SourceEvaluation(self.source))
        object.__setattr__(self, "assessment", IntelligenceAssessment(self.assessment))
        object.__setattr__(self, "handling", HandlingCode(self.handling))
        conditions = (self.conditions or "").strip() or None
        object.__setattr__(self, "conditions", conditions)
        if self.handling is HandlingCode.C and conditions is None:
            raise WorkflowError("handling code C needs the conditions of sharing")
        if self.handling is HandlingCode.P and conditions is not None:
            raise WorkflowError("handling code P has no conditions; use C to set conditions")

    @property
    def code(self) -> str:
        return f"{self.source}/{self.assessment}/{self.handling}"

    @classmethod
    def parse(cls, code: str, conditions: str | None = None) -> Grading:
        """`"2/C/P"` (or `"2CP"`) to a Grading; WorkflowError names a bad part."""
        parts = [p for p in code.replace("/", "").replace(" ", "").upper()]
        if len(parts) != 3:
            raise WorkflowError(f"a 3x5x2 grade has three parts like 2/C/P, got {code!r}")
        source, assessment, handling = parts
        try:
            return cls(
                SourceEvaluation(source),
                IntelligenceAssessment(assessment),
                HandlingCode(handling),
                conditions,
            )
        except ValueError as exc:
            if isinstance(exc, WorkflowError):
                raise
            raise WorkflowError(
                f"bad grade {code!r}: source 1-3, assessment A-E, handling P or C"
            ) from None
