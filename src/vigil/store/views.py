"""What the services hand out: plain, frozen, pseudonymised. A view never carries a real
staff or person id; `Identity` does, and only `Workbench.reveal` (under a grant) makes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class FindingView:
    ref: str
    indicator: str
    score: float
    first_ts: datetime
    last_ts: datetime
    person: str | None
    explanation: str
    n_events: int
    suppressed: bool
    suppression: str | None
    first_seen_at: datetime


@dataclass(frozen=True)
class HistoryView:
    at: datetime
    actor: str
    kind: str
    from_state: str | None
    to_state: str | None
    note: str | None


@dataclass(frozen=True)
class SafeguardingView:
    id: int
    object_type: str
    object_id: str
    person: str
    kind: str
    description: str
    owner: str
    due_date: date
    done_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class AlertSummary:
    id: str
    staff: str
    state: str
    risk_score: float
    rank: int
    alerted: bool
    top_indicators: str
    assigned_to: str | None
    version: int
    n_findings: int
    new_evidence_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class AlertView(AlertSummary):
    created_at: datetime
    closed_at: datetime | None
    closure_reason: str | None
    reopened_count: int
    review_date: date
    people: tuple[str, ...]
    findings: tuple[FindingView, ...]
    history: tuple[HistoryView, ...]
    safeguarding: tuple[SafeguardingView, ...]
    intel_reports: tuple[str, ...]
    case_id: str | None
    #: The states the reading user may move the alert to.
    allowed_transitions: tuple[str, ...]


@dataclass(frozen=True)
class IntelView:
    id: str
    alert_id: str | None
    staff: str | None
    person: str | None
    source_kind: str
    source_organisation: str | None
    sanitised_text: str
    grade: str | None
    handling_conditions: str | None
    graded_by: str | None
    received_at: datetime
    created_by: str
    created_at: datetime
    version: int
    review_date: date


@dataclass(frozen=True)
class CaseView:
    id: str
    alert_id: str | None
    intel_report_id: str | None
    staff: str
    state: str
    apsp: bool
    referred_to_iopc: bool | None
    referral_reason: str | None
    iopc_reference: str | None
    investigation_type: str | None
    investigator: str | None
    outcomes: tuple[str, ...]
    outcome_summary: str | None
    created_at: datetime
    closed_at: datetime | None
    version: int
    review_date: date
    people: tuple[str, ...]
    safeguarding: tuple[SafeguardingView, ...]


@dataclass(frozen=True)
class GrantView:
    id: int
    user: str
    object_type: str
    object_id: str
    reason: str
    granted_by: str
    granted_at: datetime
    expires_at: datetime
    active: bool


@dataclass(frozen=True)
class Identity:
    """Real identities behind one alert, case or intelligence report."""

    object_type: str
    object_id: str
    staff_id: str | None
    #: pseudonym -> real person id
    people: dict[str, str]
    grant_expires_at: datetime
    #: finding ref -> (source event ids, the explanation unredacted)
    evidence: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    source_details: str | None = None


@dataclass(frozen=True)
class DueRecord:
    object_type: str
    object_id: str
    category: str
    state: str
    review_date: date


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    reopened: int
    unchanged: int
    findings: int
    new_evidence: int
