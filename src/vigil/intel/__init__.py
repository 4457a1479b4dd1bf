"""Domain objects and workflow rules of the CCU: alert and case states, who may move
them, 3x5x2 grading, case referral and outcomes, safeguarding, retention and
pseudonyms. No database: `vigil.store` persists these and enforces them."""

from vigil.intel.grading import (
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    SourceEvaluation,
)
from vigil.intel.pseudonym import Subject, mask_text, pseudonym
from vigil.intel.retention import RetentionCategory, RetentionDecision, RetentionPolicy
from vigil.intel.roles import Permission, Role, can
from vigil.intel.safeguarding import SafeguardingKind
from vigil.intel.workflow import (
    AlertState,
    CaseState,
    InvestigationType,
    Outcome,
    Referral,
    WorkflowError,
    check_alert_transition,
    check_case_transition,
    validate_outcomes,
    validate_referral,
)

__all__ = [
    "AlertState",
    "CaseState",
    "Grading",
    "HandlingCode",
    "IntelligenceAssessment",
    "InvestigationType",
    "Outcome",
    "Permission",
    "Referral",
    "RetentionCategory",
    "RetentionDecision",
    "RetentionPolicy",
    "Role",
    "SafeguardingKind",
    "SourceEvaluation",
    "Subject",
    "WorkflowError",
    "can",
    "check_alert_transition",
    "check_case_transition",
    "mask_text",
    "pseudonym",
    "validate_outcomes",
    "validate_referral",
]
