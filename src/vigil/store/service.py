"""The CCU's work on the store: every action of a user goes through a `Workbench`, which
checks the role, applies the workflow rules of `vigil.intel`, writes the change and
its audit entry in the same transaction, and hands back pseudonymised views.

    with workbench(factory, ctx, actor) as wb:
        view = wb.get_alert("A-...")

A refused action (no permission, an illegal move, a conflict) rolls the transaction
back, and the refusal itself is then audited in a transaction of its own.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from vigil.intel.grading import Grading
from vigil.intel.pseudonym import Subject, keyed_ref, mask_text, pseudonym
from vigil.intel.retention import (
    RetentionCategory,
    RetentionDecision,
    RetentionPolicy,
    alert_category,
    case_category,
)
from vigil.intel.roles import UNMASKABLE_ROLES, Permission, Role, can
from vigil.intel.safeguarding import SafeguardingKind
from vigil.intel.workflow import (
    ALERT_TRANSITION_VIA,
    CLOSED_ALERT_STATES,
    AlertState,
    CaseState,
    Outcome,
    Referral,
    WorkflowError,
    allowed_alert_targets,
    check_alert_transition,
    check_case_transition,
    validate_outcomes,
    validate_referral,
)
from vigil.store import audit
from vigil.store.errors import (
    ConflictError,
    IntegrityRefused,
    NotFound,
    PermissionDenied,
    StoreError,
)
from vigil.store.models import (
    Alert,
    AlertEvent,
    AuditEntry,
    Case,
    Finding,
    IntelReport,
    RetentionDecisionRecord,
    SafeguardingAction,
    UnmaskGrant,
    User,
    utcnow,
)
from vigil.store.users import require
from vigil.store.views import (
    AlertSummary,
    AlertView,
    CaseView,
    DueRecord,
    FindingView,
    GrantView,
    HistoryView,
    Identity,
    ImportSummary,
    IntelView,
    SafeguardingView,
)

T = TypeVar("T")
W = TypeVar("W")
_CONFLICT = "someone else changed this record at the same time: reload it and decide again"

OBJECT_TYPES = ("alert", "intel", "case")
#: Finding columns a re-run may change.
_FINDING_FIELDS = (
    "score",
    "first_ts",
    "last_ts",
    "explanation",
    "event_ids",
    "n_events",
    "suppressed",
    "suppression",
)
SOURCE_KINDS = ("DETECTION", "INTERNAL", "PARTNER")


@dataclass(frozen=True)
class StoreContext:
    """What the services need besides a session: the pseudonym key, the retention policy,
    the longest unmasking grant, and a clock (tests move it)."""

    key: bytes
    policy: RetentionPolicy = field(default_factory=RetentionPolicy)
    max_grant_hours: int = 7 * 24
    clock: Callable[[], datetime] = utcnow


@contextmanager
def workbench(
    factory: sessionmaker[Session], ctx: StoreContext, actor: User
) -> Iterator[Workbench]:
    """A Workbench in one transaction: committed on success; on a refusal rolled back,
    the refusal audited on its own, and the error re-raised."""
    wb: Workbench | None = None
    try:
        try:
            with factory() as session, session.begin():
                wb = Workbench(session, ctx, actor)
                yield wb
        except StaleDataError:
            # An autoflush or the commit met a row changed by someone else since it was read.
            raise ConflictError(_CONFLICT) from None
    except (StoreError, WorkflowError) as exc:
        attempt = wb.attempt if wb is not None else None
        with factory() as session, session.begin():
            action, object_type, object_id = attempt or ("unknown", None, None)
            audit.append(
                session,
                actor.username,
                f"{action}.refused",
                object_type,
                object_id,
                {"error": type(exc).__name__},
            )
        raise


def _conflicts_are_clear(cls: type[W]) -> type[W]:
    """Wrap every public method so that a stale row met by any flush (an autoflush
    before a query included) surfaces as ConflictError, not an ORM internal."""
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not callable(method):
            continue

        def wrapped(*args: Any, __method: Callable[..., Any] = method, **kwargs: Any) -> Any:
            try:
                return __method(*args, **kwargs)
            except StaleDataError:
                raise ConflictError(_CONFLICT) from None

        functools.update_wrapper(wrapped, method)
        setattr(cls, name, wrapped)
    return cls


@_conflicts_are_clear
class Workbench:
    """One user's actions in one transaction."""

    def __init__(self, session: Session, ctx: StoreContext, actor: User) -> None:
        self.session = session
        self.ctx = ctx
        self.actor = actor
        #: The action in progress, so a refusal can be audited by name.
        self.attempt: tuple[str, str | None, str | None] | None = None

    # ------------------------------------------------------------------ alerts

    def import_detection(
        self,
        staff_risk: Sequence[dict[str, Any]],
        findings: Sequence[dict[str, Any]],
        source: str = "",
    ) -> ImportSummary:
        """Load detection output (rows of the contract's `staff_risk` and `findings`):
        an alert per alerted member of staff, created once and updated on re-runs.

        A re-run never duplicates an alert or finding (both have stable ids) and never
        reopens an alert a person closed, unless it brings new evidence (a finding or
        event not seen before, and not suppressed): then the alert goes back to NEW and
        its history says why.
        """
        self._begin("alert.import", "alert", None, Permission.ALERT_IMPORT)
        now = self._now()
        risk = {r["staff_id"]: r for r in staff_risk}
        by_staff: dict[str, list[dict[str, Any]]] = {}
        for f in findings:
            by_staff.setdefault(f["staff_id"], []).append(f)
        existing = {
            a.staff_id: a
            for a in self.session.scalars(select(Alert).where(Alert.staff_id.in_(list(risk))))
        }
        created = updated = reopened = unchanged = new_evidence = 0
        for staff_id, row in sorted(risk.items(), key=lambda kv: kv[1]["rank"]):
            alert = existing.get(staff_id)
            if alert is None and not row["alerted"]:
                continue  # below the threshold and never alerted: not work for the unit
            if alert is None:
                self._create_alert(staff_id, row, by_staff.get(staff_id, []), now)
                created += 1
                continue
            changed, fresh = self._update_alert(alert, row, by_staff.get(staff_id, []), now)
            if fresh:
                new_evidence += 1
                if alert.state in CLOSED_ALERT_STATES:
                    self._reopen(alert, fresh, now)
                    reopened += 1
            if changed or fresh:
                updated += 1
            else:
                unchanged += 1
        self._flush()
        summary = ImportSummary(created, updated, reopened, unchanged, len(findings), new_evidence)
        self._audit("alert.import", "alert", None, {"source": source, **summary.__dict__})
        return summary

    def list_alerts(
        self,
        state: str | None = None,
        assigned_to: str | None = None,
        open_only: bool = False,
        limit: int = 200,
    ) -> list[AlertSummary]:
        """Alerts, most concerning first, pseudonymised."""
        self._begin("alert.list", "alert", None, Permission.ALERT_READ)
        query = select(Alert).order_by(Alert.risk_score.desc(), Alert.id).limit(limit)
        if state:
            query = query.where(Alert.state == AlertState(state).value)
        if open_only:
            query = query.where(Alert.state.in_(["NEW", "ASSESSING", "INTELLIGENCE"]))
        if assigned_to:
            query = query.join(User, Alert.assigned_to_id == User.id).where(
                User.username == assigned_to
            )
        alerts = list(self.session.scalars(query))
        counts = dict(
            self.session.execute(
                select(Finding.alert_id, func.count())
                .where(Finding.alert_id.in_([a.id for a in alerts]))
                .group_by(Finding.alert_id)
            ).all()
        )
        self._audit("alert.list", "alert", None, {"state": state, "returned": len(alerts)})
        return [self._alert_summary(a, counts.get(a.id, 0)) for a in alerts]

    def get_alert(self, alert_id: str) -> AlertView:
        """One alert with its findings, history and safeguarding, pseudonymised."""
        self._begin("alert.read", "alert", alert_id, Permission.ALERT_READ)
        alert = self._alert(alert_id)
        self._audit("alert.read", "alert", alert.id, {"version": alert.version})
        return self._alert_view(alert)

    def assign_alert(
        self, alert_id: str, username: str | None, expected_version: int | None = None
    ) -> AlertView:
        """Give the alert to `username` (None: back to the queue). Supervisors assign;
        an analyst may take an unassigned alert for themselves."""
        self._begin("alert.assign", "alert", alert_id, Permission.ALERT_READ)
        alert = self._alert(alert_id)
        self._check_version(alert, expected_version)
        own_take = (
            username == self.actor.username
            and alert.assigned_to_id is None
            and self.actor.role == Role.ANALYST
        )
        if not own_take:
            require(self.actor, Permission.ALERT_ASSIGN)
        user = self._user(username) if username else None
        if user is not None and Role(user.role) not in UNMASKABLE_ROLES:
            raise WorkflowError("an alert is assigned to an analyst, supervisor or investigator")
        alert.assigned_to_id = user.id if user else None
        self._touch(alert)
        self._history(alert, "assigned", None, None, f"to {username}" if username else "unassigned")
        self._flush()
        self._audit("alert.update", "alert", alert.id, {"assigned_to": username})
        return self._alert_view(alert)

    def transition_alert(
        self,
        alert_id: str,
        target: AlertState | str,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> AlertView:
        """Move the alert to `target` if the workflow and the actor's role allow it.

        Closing needs a reason; leaving ASSESSING needs a safeguarding action recorded
        for every person the alert concerns; INTELLIGENCE needs a graded intelligence
        report on the alert. `expected_version` is the version the user read: if the
        alert changed since, ConflictError, and nothing is written.
        """
        self._begin("alert.transition", "alert", alert_id, Permission.ALERT_READ)
        alert = self._alert(alert_id)
        self._check_version(alert, expected_version)
        target = AlertState(target)
        if target in ALERT_TRANSITION_VIA:
            raise WorkflowError(
                f"an alert moves to {target} by another action: {ALERT_TRANSITION_VIA[target]}"
            )
        check_alert_transition(alert.state, target, self.actor.role)
        if target is AlertState.INTELLIGENCE and not self._graded_reports(alert.id):
            raise WorkflowError(
                "an alert moves to INTELLIGENCE with a graded intelligence report: create "
                "one (`vigil intel create --alert ...`) or grade a linked partner report"
            )
        self._move_alert(alert, target, reason)
        return self._alert_view(alert)

    # ------------------------------------------------------------ intelligence

    def create_intel_report(
        self,
        sanitised_text: str,
        grading: Grading,
        *,
        alert_id: str | None = None,
        source_details: str = "",
        source_kind: str = "INTERNAL",
        person: str | None = None,
        expected_version: int | None = None,
    ) -> IntelView:
        """Record graded intelligence, on an alert or on its own. On an alert in ASSESSING,
        the alert moves to INTELLIGENCE (with the same checks as a transition)."""
        self._begin("intel.create", "intel", None, Permission.INTEL_CREATE)
        if source_kind not in ("DETECTION", "INTERNAL"):
            raise WorkflowError("partner reports are submitted as partner reports")
        if not sanitised_text.strip():
            raise WorkflowError("an intelligence report has a sanitised text")
        alert = self._alert(alert_id) if alert_id else None
        person_id = None
        if alert is not None:
            self._check_version(alert, expected_version)
            if alert.state not in (AlertState.ASSESSING, AlertState.INTELLIGENCE):
                raise WorkflowError(
                    f"intelligence is recorded on an alert being assessed or already in "
                    f"INTELLIGENCE; this one is {alert.state}"
                )
            if alert.state == AlertState.ASSESSING:
                check_alert_transition(alert.state, AlertState.INTELLIGENCE, self.actor.role)
            if person is not None:
                person_id = self._person_of(self._alert_people(alert), person)
        elif person is not None:
            raise WorkflowError("a person is named by pseudonym on an alert's report only")
        now = self._now()
        report = IntelReport(
            id="IR-" + uuid.uuid4().hex[:10].upper(),
            alert_id=alert.id if alert else None,
            staff_id=alert.staff_id if alert else None,
            person_id=person_id,
            source_kind=source_kind,
            source_organisation=None,
            source_details=source_details,
            sanitised_text=sanitised_text.strip(),
            received_at=now,
            created_by=self.actor.username,
            created_at=now,
            updated_at=now,
            review_date=self.ctx.policy.review_date(RetentionCategory.INTELLIGENCE, now),
        )
        self._apply_grading(report, grading, now)
        self.session.add(report)
        self._flush()
        self.attempt = ("intel.create", "intel", report.id)
        self._audit(
            "intel.create",
            "intel",
            report.id,
            {"alert_id": report.alert_id, "grade": grading.code, "source_kind": source_kind},
        )
        if alert is not None and alert.state == AlertState.ASSESSING:
            self._move_alert(alert, AlertState.INTELLIGENCE, f"intelligence report {report.id}")
        return self._intel_view(report)

    def submit_partner_report(
        self,
        account: str,
        *,
        organisation: str | None = None,
        person_id: str | None = None,
        received_at: datetime | None = None,
        reference: str | None = None,
    ) -> str:
        """A concern from a partner organisation, entered as ungraded intelligence with
        the organisation as its source. The account (which may name the officer) is kept
        as source detail, readable under a grant only; the unit writes the sanitised
        text when it grades the report. Returns the report id (all a partner sees)."""
        self._begin("intel.create", "intel", None, Permission.PARTNER_SUBMIT)
        if self.actor.role == Role.PARTNER:
            if organisation and organisation != self.actor.organisation:
                raise PermissionDenied("a partner submits for its own organisation only")
            organisation = self.actor.organisation
        if not (organisation or "").strip():
            raise WorkflowError("a partner report names the organisation it comes from")
        if not account.strip():
            raise WorkflowError("a partner report has an account of the concern")
        now = self._now()
        details = account.strip() if not reference else f"[{reference}] {account.strip()}"
        report = IntelReport(
            id="IR-" + uuid.uuid4().hex[:10].upper(),
            source_kind="PARTNER",
            source_organisation=organisation,
            source_details=details,
            sanitised_text="",
            person_id=person_id or None,
            received_at=received_at or now,
            created_by=self.actor.username,
            created_at=now,
            updated_at=now,
            review_date=self.ctx.policy.review_date(RetentionCategory.INTELLIGENCE, now),
        )
        self.session.add(report)
        self._flush()
        self._audit(
            "intel.create",
            "intel",
            report.id,
            {"source_kind": "PARTNER", "organisation": organisation},
        )
        return report.id

    def grade_intel_report(
        self,
        report_id: str,
        grading: Grading,
        sanitised_text: str,
        expected_version: int | None = None,
    ) -> IntelView:
        """Grade (or regrade) a report and set its sanitised text."""
        self._begin("intel.update", "intel", report_id, Permission.INTEL_GRADE)
        report = self._intel(report_id)
        self._check_version(report, expected_version)
        if not sanitised_text.strip():
            raise WorkflowError("a graded report has a sanitised text")
        now = self._now()
        report.sanitised_text = sanitised_text.strip()
        self._apply_grading(report, grading, now)
        report.updated_at = now
        self._flush()
        self._audit("intel.update", "intel", report.id, {"grade": grading.code})
        return self._intel_view(report)

    def link_intel_report(
        self, report_id: str, alert_id: str, expected_version: int | None = None
    ) -> IntelView:
        """Attach a report (e.g. a partner's) to the alert of the member of staff it is
        about; the report then concerns that member of staff."""
        self._begin("intel.update", "intel", report_id, Permission.INTEL_GRADE)
        report = self._intel(report_id)
        self._check_version(report, expected_version)
        if report.alert_id is not None:
            raise WorkflowError(f"report {report.id} is already linked to {report.alert_id}")
        alert = self._alert(alert_id)
        report.alert_id, report.staff_id = alert.id, alert.staff_id
        report.updated_at = self._now()
        self._flush()
        self._audit("intel.update", "intel", report.id, {"linked_alert": alert.id})
        return self._intel_view(report)

    def get_intel_report(self, report_id: str) -> IntelView:
        self._begin("intel.read", "intel", report_id, Permission.INTEL_READ)
        report = self._intel(report_id)
        self._audit("intel.read", "intel", report.id)
        return self._intel_view(report)

    def list_intel_reports(
        self, ungraded_only: bool = False, alert_id: str | None = None
    ) -> list[IntelView]:
        self._begin("intel.list", "intel", None, Permission.INTEL_READ)
        query = select(IntelReport).order_by(IntelReport.created_at.desc(), IntelReport.id)
        if ungraded_only:
            query = query.where(IntelReport.source_evaluation.is_(None))
        if alert_id:
            query = query.where(IntelReport.alert_id == alert_id)
        reports = list(self.session.scalars(query))
        self._audit("intel.list", "intel", None, {"returned": len(reports)})
        return [self._intel_view(r) for r in reports]

    # ------------------------------------------------------------------- cases

    def open_case(
        self,
        alert_id: str,
        intel_report_id: str | None = None,
        apsp: bool = True,
        expected_version: int | None = None,
    ) -> CaseView:
        """Open an investigation from an alert in INTELLIGENCE, on one of its graded reports
        (the newest if not named). The alert moves to CASE; the case awaits referral."""
        self._begin("case.create", "case", None, Permission.CASE_OPEN)
        alert = self._alert(alert_id)
        self._check_version(alert, expected_version)
        check_alert_transition(alert.state, AlertState.CASE, self.actor.role)
        graded = self._graded_reports(alert.id)
        if intel_report_id is None:
            if not graded:
                raise WorkflowError("a case is opened on a graded intelligence report")
            report = graded[0]
        else:
            report = self._intel(intel_report_id)
            if report not in graded:
                raise WorkflowError(
                    f"report {intel_report_id} is not a graded report on {alert.id}"
                )
        now = self._now()
        case = Case(
            id="C-" + uuid.uuid4().hex[:10].upper(),
            alert_id=alert.id,
            intel_report_id=report.id,
            staff_id=alert.staff_id,
            state=CaseState.AWAITING_REFERRAL.value,
            apsp=apsp,
            outcomes=[],
            created_by=self.actor.username,
            created_at=now,
            updated_at=now,
            review_date=self.ctx.policy.review_date(RetentionCategory.CASE_OPEN, now),
        )
        self.session.add(case)
        self._flush()
        self.attempt = ("case.create", "case", case.id)
        self._audit("case.create", "case", case.id, {"alert_id": alert.id, "apsp": apsp})
        self._move_alert(alert, AlertState.CASE, f"case {case.id}")
        return self._case_view(case)

    def record_referral(
        self,
        case_id: str,
        referral: Referral,
        investigator: str | None = None,
        expected_version: int | None = None,
    ) -> CaseView:
        """Record the referral decision and who investigates; the case moves to
        INVESTIGATING. An APSP case is always referred to the IOPC."""
        self._begin("case.update", "case", case_id, Permission.CASE_REFER)
        case = self._case(case_id)
        self._check_version(case, expected_version)
        check_case_transition(case.state, CaseState.INVESTIGATING, self.actor.role)
        validate_referral(referral, apsp=case.apsp)
        user = self._user(investigator) if investigator else None
        if user is not None and user.role not in (Role.INVESTIGATOR, Role.SUPERVISOR):
            raise WorkflowError(f"{investigator} is not an investigator or supervisor")
        now = self._now()
        case.referred_to_iopc = referral.refer_to_iopc
        case.referral_reason = referral.reason.strip()
        case.iopc_reference = referral.iopc_reference
        case.investigation_type = referral.investigation_type.value
        case.referral_decided_by = self.actor.username
        case.referral_decided_at = now
        case.investigator_id = user.id if user else None
        case.state = CaseState.INVESTIGATING.value
        case.updated_at = now
        self._flush()
        self._audit(
            "case.update",
            "case",
            case.id,
            {
                "state": case.state,
                "referred_to_iopc": referral.refer_to_iopc,
                "investigation_type": case.investigation_type,
                "investigator": investigator,
            },
        )
        return self._case_view(case)

    def close_case(
        self,
        case_id: str,
        outcomes: Iterable[Outcome | str],
        summary: str,
        expected_version: int | None = None,
    ) -> CaseView:
        """Close an investigation with its outcomes. An investigator closes only the cases
        they investigate; every person concerned has a safeguarding action recorded."""
        self._begin("case.update", "case", case_id, Permission.CASE_CLOSE)
        case = self._case(case_id)
        self._check_version(case, expected_version)
        check_case_transition(case.state, CaseState.CLOSED, self.actor.role)
        if self.actor.role == Role.INVESTIGATOR and case.investigator_id != self.actor.id:
            raise PermissionDenied(f"{self.actor.username} does not investigate {case.id}")
        chosen = validate_outcomes(outcomes)
        if not summary.strip():
            raise WorkflowError("a closed case has a summary of the outcome")
        self._require_safeguarding(self._case_people(case), case_id=case.id, alert_id=case.alert_id)
        now = self._now()
        case.outcomes = [o.value for o in chosen]
        case.outcome_summary = summary.strip()
        case.state = CaseState.CLOSED.value
        case.closed_at = now
        case.updated_at = now
        case.review_date = self.ctx.policy.review_date(case_category(case.state), now)
        self._flush()
        self._audit(
            "case.update", "case", case.id, {"state": case.state, "outcomes": case.outcomes}
        )
        return self._case_view(case)

    def get_case(self, case_id: str) -> CaseView:
        self._begin("case.read", "case", case_id, Permission.CASE_READ)
        case = self._case(case_id)
        self._check_case_access(case)
        self._audit("case.read", "case", case.id)
        return self._case_view(case)

    def list_cases(self, state: str | None = None) -> list[CaseView]:
        """Cases, newest first; an investigator sees the cases they investigate."""
        self._begin("case.list", "case", None, Permission.CASE_READ)
        query = select(Case).order_by(Case.created_at.desc(), Case.id)
        if state:
            query = query.where(Case.state == CaseState(state).value)
        if self.actor.role == Role.INVESTIGATOR:
            query = query.where(Case.investigator_id == self.actor.id)
        cases = list(self.session.scalars(query))
        self._audit("case.list", "case", None, {"returned": len(cases)})
        return [self._case_view(c) for c in cases]

    # ------------------------------------------------------------ safeguarding

    def add_safeguarding(
        self,
        object_type: str,
        object_id: str,
        person: str,
        kind: SafeguardingKind | str,
        description: str,
        owner: str,
        due: date,
    ) -> SafeguardingView:
        """Record a safeguarding action for a person (by pseudonym) an alert or case
        concerns, with an owner and a due date. NONE_REQUIRED records a decision that
        nothing is needed (the description says why) and is done at once."""
        self._begin("safeguarding.create", object_type, object_id, Permission.SAFEGUARDING_WRITE)
        kind = SafeguardingKind(kind)
        if not description.strip() or not owner.strip():
            raise WorkflowError("a safeguarding action has a description and an owner")
        now = self._now()
        if object_type == "alert":
            alert = self._alert(object_id)
            people = self._alert_people(alert)
            action = SafeguardingAction(alert_id=alert.id)
        elif object_type == "case":
            case = self._case(object_id)
            self._check_case_access(case)
            people = self._case_people(case)
            action = SafeguardingAction(case_id=case.id)
        else:
            raise WorkflowError("safeguarding is recorded on an alert or a case")
        action.person_id = self._person_of(people, person)
        action.kind = kind.value
        action.description = description.strip()
        action.owner = owner.strip()
        action.due_date = due
        action.created_by = self.actor.username
        action.created_at = now
        if kind is SafeguardingKind.NONE_REQUIRED:
            action.done_at, action.done_by = now, self.actor.username
        self.session.add(action)
        self._flush()
        self._audit(
            f"{object_type}.update",
            object_type,
            object_id,
            {"safeguarding_added": action.id, "kind": kind.value, "due": due.isoformat()},
        )
        return self._safeguarding_view(action)

    def complete_safeguarding(self, action_id: int) -> SafeguardingView:
        self._begin(
            "safeguarding.update", "safeguarding", str(action_id), Permission.SAFEGUARDING_WRITE
        )
        action = self.session.get(SafeguardingAction, action_id)
        if action is None:
            raise NotFound(f"no safeguarding action {action_id}")
        if action.done_at is not None:
            raise WorkflowError(f"safeguarding action {action_id} is already done")
        action.done_at, action.done_by = self._now(), self.actor.username
        self._flush()
        object_type, object_id = _owner_of(action)
        self._audit(
            f"{object_type}.update", object_type, object_id, {"safeguarding_done": action.id}
        )
        return self._safeguarding_view(action)

    def overdue_safeguarding(self, today: date | None = None) -> list[SafeguardingView]:
        """Open safeguarding actions whose due date has passed, oldest first."""
        self._begin("safeguarding.list", "safeguarding", None, Permission.SAFEGUARDING_READ)
        today = today or self._now().date()
        actions = list(
            self.session.scalars(
                select(SafeguardingAction)
                .where(SafeguardingAction.done_at.is_(None), SafeguardingAction.due_date < today)
                .order_by(SafeguardingAction.due_date, SafeguardingAction.id)
            )
        )
        self._audit("safeguarding.list", "safeguarding", None, {"overdue": len(actions)})
        return [self._safeguarding_view(a, today) for a in actions]

    # --------------------------------------------------------------- unmasking

    def grant_unmask(
        self, username: str, object_type: str, object_id: str, reason: str, hours: float = 24
    ) -> GrantView:
        """A supervisor lets `username` see the real identities behind one alert, case or
        intelligence report, for a stated reason, until the grant expires. Nobody
        authorises their own unmasking; auditors, admins and partners cannot hold one."""
        self._begin("unmask.grant", object_type, object_id, Permission.UNMASK_GRANT)
        user = self._user(username)
        if Role(user.role) not in UNMASKABLE_ROLES:
            raise PermissionDenied(f"a {user.role} cannot be granted sight of identities")
        if user.id == self.actor.id:
            raise PermissionDenied("nobody authorises their own unmasking: ask another supervisor")
        if not reason.strip():
            raise WorkflowError("an unmasking grant states its reason")
        if not 0 < hours <= self.ctx.max_grant_hours:
            raise WorkflowError(
                f"a grant lasts more than 0 and at most {self.ctx.max_grant_hours} hours"
            )
        self._object(object_type, object_id)
        now = self._now()
        grant = UnmaskGrant(
            user_id=user.id,
            object_type=object_type,
            object_id=object_id,
            reason=reason.strip(),
            granted_by_id=self.actor.id,
            granted_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        self.session.add(grant)
        self._flush()
        self._audit(
            "unmask.grant",
            object_type,
            object_id,
            {"grant": grant.id, "to": username, "expires_at": audit.format_ts(grant.expires_at)},
        )
        return self._grant_view(grant)

    def revoke_unmask(self, grant_id: int) -> GrantView:
        self._begin("unmask.revoke", "grant", str(grant_id), Permission.UNMASK_GRANT)
        grant = self.session.get(UnmaskGrant, grant_id)
        if grant is None:
            raise NotFound(f"no grant {grant_id}")
        grant.revoked_at = self._now()
        self._flush()
        self._audit("unmask.revoke", grant.object_type, grant.object_id, {"grant": grant.id})
        return self._grant_view(grant)

    def list_grants(self, active_only: bool = True) -> list[GrantView]:
        """Grants (supervisors see all; others their own)."""
        self._begin(
            "unmask.list",
            "grant",
            None,
            Permission.ALERT_READ
            if self.actor.role != Role.SUPERVISOR
            else Permission.UNMASK_GRANT,
        )
        query = select(UnmaskGrant).order_by(UnmaskGrant.granted_at.desc())
        if self.actor.role != Role.SUPERVISOR:
            query = query.where(UnmaskGrant.user_id == self.actor.id)
        grants = [self._grant_view(g) for g in self.session.scalars(query)]
        grants = [g for g in grants if g.active or not active_only]
        self._audit("unmask.list", "grant", None, {"returned": len(grants)})
        return grants

    def reveal(self, object_type: str, object_id: str) -> Identity:
        """The real identities behind an alert, case or intelligence report, for a user
        holding an active grant on it. Every reveal is audited."""
        read = {
            "alert": Permission.ALERT_READ,
            "case": Permission.CASE_READ,
            "intel": Permission.INTEL_READ,
        }
        if object_type not in read:
            raise WorkflowError("identities are revealed per alert, case or intel report")
        self._begin("identity.unmask", object_type, object_id, read[object_type])
        if Role(self.actor.role) not in UNMASKABLE_ROLES:
            raise PermissionDenied(f"a {self.actor.role} never sees real identities")
        obj = self._object(object_type, object_id)
        grant = self._active_grant(object_type, object_id)
        if grant is None:
            raise PermissionDenied(
                f"{self.actor.username} holds no active unmasking grant for {object_type} "
                f"{object_id}: a supervisor grants one for a stated reason"
            )
        identity = self._identity(object_type, obj, grant.expires_at)
        self._audit("identity.unmask", object_type, object_id, {"grant": grant.id})
        return identity

    # ------------------------------------------------------------------- audit

    def audit_tail(self, last: int = 50) -> list[AuditEntry]:
        """The newest `last` audit entries, oldest first (auditors and admins)."""
        self._begin("audit.read", None, None, Permission.AUDIT_READ)
        entries = list(
            self.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(last))
        )
        self._audit("audit.read", None, None, {"returned": len(entries)})
        return entries[::-1]

    # --------------------------------------------------------------- retention

    def retention_due(self, today: date | None = None) -> list[DueRecord]:
        """Alerts, intelligence reports and cases whose review date has come."""
        self._begin("retention.list", None, None, Permission.RETENTION_READ)
        today = today or self._now().date()
        due: list[DueRecord] = []
        for a in self.session.scalars(select(Alert).where(Alert.review_date <= today)):
            due.append(DueRecord("alert", a.id, alert_category(a.state), a.state, a.review_date))
        for r in self.session.scalars(select(IntelReport).where(IntelReport.review_date <= today)):
            state = "GRADED" if r.source_evaluation else "UNGRADED"
            due.append(
                DueRecord("intel", r.id, RetentionCategory.INTELLIGENCE, state, r.review_date)
            )
        for c in self.session.scalars(select(Case).where(Case.review_date <= today)):
            due.append(DueRecord("case", c.id, case_category(c.state), c.state, c.review_date))
        due.sort(key=lambda d: (d.review_date, d.object_type, d.object_id))
        self._audit("retention.list", None, None, {"due": len(due)})
        return due

    def decide_retention(
        self,
        object_type: str,
        object_id: str,
        decision: RetentionDecision | str,
        reason: str,
        retain_until: date | None = None,
    ) -> None:
        """Review a record that is due: keep it to a later date, or delete it. Either way
        the decision is recorded (and audited); a deleted record leaves that record."""
        self._begin("retention.decide", object_type, object_id, Permission.RETENTION_DECIDE)
        decision = RetentionDecision(decision)
        if not reason.strip():
            raise WorkflowError("a retention decision states its reason")
        today = self._now().date()
        obj = self._object(object_type, object_id)
        if obj.review_date > today:
            raise WorkflowError(
                f"{object_type} {object_id} is not due for review until {obj.review_date}"
            )
        category = self._category(object_type, obj)
        if decision is RetentionDecision.RETAIN:
            if retain_until is None or retain_until <= today:
                raise WorkflowError("keeping a record sets a later review date")
            obj.review_date = retain_until
        else:
            self._check_deletable(object_type, obj)
            self.session.delete(obj)
        self.session.add(
            RetentionDecisionRecord(
                object_type=object_type,
                object_id=object_id,
                category=category,
                decision=decision.value,
                reason=reason.strip(),
                retain_until=retain_until if decision is RetentionDecision.RETAIN else None,
                decided_by=self.actor.username,
                decided_at=self._now(),
            )
        )
        self._flush()
        self._audit(
            "retention.decide",
            object_type,
            object_id,
            {
                "decision": decision.value,
                "category": category,
                "retain_until": retain_until.isoformat() if retain_until else None,
            },
        )

    # ----------------------------------------------------------------- helpers

    def _begin(
        self,
        action: str,
        object_type: str | None,
        object_id: str | None,
        permission: Permission,
    ) -> None:
        self.attempt = (action, object_type, object_id)
        require(self.actor, permission)

    def _now(self) -> datetime:
        return self.ctx.clock()

    def _audit(
        self,
        action: str,
        object_type: str | None,
        object_id: str | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        audit.append(
            self.session,
            self.actor.username,
            action,
            object_type,
            object_id,
            details,
            now=self._now(),
        )

    def _flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            raise ConflictError(_CONFLICT) from None

    def _check_version(self, obj: Alert | Case | IntelReport, expected: int | None) -> None:
        if expected is not None and obj.version != expected:
            raise ConflictError(
                f"{obj.id} has changed since you read it (you read version {expected}, it is "
                f"now version {obj.version}): reload it and decide again"
            )

    def _get(self, model: type[T], object_id: str, what: str) -> T:
        obj = self.session.get(model, object_id)
        if obj is None:
            raise NotFound(f"no {what} {object_id}")
        return obj

    def _alert(self, alert_id: str | None) -> Alert:
        return self._get(Alert, alert_id or "", "alert")

    def _intel(self, report_id: str) -> IntelReport:
        return self._get(IntelReport, report_id, "intelligence report")

    def _case(self, case_id: str) -> Case:
        return self._get(Case, case_id, "case")

    def _object(self, object_type: str, object_id: str) -> Alert | Case | IntelReport:
        if object_type == "alert":
            return self._alert(object_id)
        if object_type == "case":
            return self._case(object_id)
        if object_type == "intel":
            return self._intel(object_id)
        raise WorkflowError(
            f"unknown object type {object_type!r}; one of {', '.join(OBJECT_TYPES)}"
        )

    def _user(self, username: str) -> User:
        user = self.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            raise NotFound(f"no active user {username!r}")
        return user

    def _staff_pseudo(self, staff_id: str | None) -> str | None:
        return pseudonym(self.ctx.key, Subject.STAFF, staff_id) if staff_id else None

    def _person_pseudo(self, person_id: str) -> str:
        return pseudonym(self.ctx.key, Subject.PERSON, person_id)

    def _person_of(self, people: Iterable[str], person: str) -> str:
        """The real id of the person with pseudonym `person` among `people`."""
        for person_id in people:
            if self._person_pseudo(person_id) == person:
                return person_id
        raise NotFound(f"{person} is not a person this record concerns")

    def _touch(self, alert: Alert) -> None:
        alert.updated_at = self._now()

    def _history(
        self,
        alert: Alert,
        kind: str,
        from_state: str | None,
        to_state: str | None,
        note: str | None,
    ) -> None:
        alert.history.append(
            AlertEvent(
                at=self._now(),
                actor=self.actor.username,
                kind=kind,
                from_state=from_state,
                to_state=to_state,
                note=note,
            )
        )

    def _move_alert(self, alert: Alert, target: AlertState, reason: str | None) -> None:
        current = AlertState(alert.state)
        if target in CLOSED_ALERT_STATES and not (reason or "").strip():
            raise WorkflowError(f"closing an alert as {target} needs a reason")
        if current is AlertState.ASSESSING:
            self._require_safeguarding(self._alert_people(alert), alert_id=alert.id)
        now = self._now()
        alert.state = target.value
        if target in CLOSED_ALERT_STATES:
            alert.closed_at, alert.closure_reason = now, (reason or "").strip()
        alert.review_date = self.ctx.policy.review_date(alert_category(alert.state), now)
        self._touch(alert)
        self._history(alert, "transition", current.value, target.value, reason)
        self._flush()
        self._audit(
            "alert.transition", "alert", alert.id, {"from": current.value, "to": target.value}
        )

    def _require_safeguarding(
        self, people: Iterable[str], *, alert_id: str | None = None, case_id: str | None = None
    ) -> None:
        people = set(people)
        if not people:
            return
        owners = [SafeguardingAction.alert_id == alert_id] if alert_id else []
        if case_id:
            owners.append(SafeguardingAction.case_id == case_id)
        covered = set(
            self.session.scalars(select(SafeguardingAction.person_id).where(or_(*owners)))
        )
        missing = sorted(self._person_pseudo(p) for p in people - covered)
        if missing:
            raise WorkflowError(
                "record a safeguarding action (or NONE_REQUIRED with the reason) for every "
                f"person concerned first; none for: {', '.join(missing)}"
            )

    def _alert_people(self, alert: Alert) -> set[str]:
        people = {f.person_id for f in alert.findings if f.person_id and not f.suppressed}
        people |= set(
            self.session.scalars(
                select(IntelReport.person_id).where(
                    IntelReport.alert_id == alert.id, IntelReport.person_id.is_not(None)
                )
            )
        )
        return {p for p in people if p}

    def _case_people(self, case: Case) -> set[str]:
        people: set[str] = set()
        if case.alert_id:
            alert = self.session.get(Alert, case.alert_id)
            if alert is not None:
                people |= self._alert_people(alert)
        if case.intel_report_id:
            report = self.session.get(IntelReport, case.intel_report_id)
            if report is not None and report.person_id:
                people.add(report.person_id)
        return people

    def _graded_reports(self, alert_id: str) -> list[IntelReport]:
        return list(
            self.session.scalars(
                select(IntelReport)
                .where(IntelReport.alert_id == alert_id, IntelReport.source_evaluation.is_not(None))
                .order_by(IntelReport.created_at.desc(), IntelReport.id)
            )
        )

    def _check_case_access(self, case: Case) -> None:
        if self.actor.role == Role.INVESTIGATOR and case.investigator_id != self.actor.id:
            raise PermissionDenied(f"{self.actor.username} does not investigate {case.id}")

    def _active_grant(self, object_type: str, object_id: str) -> UnmaskGrant | None:
        return self.session.scalar(
            select(UnmaskGrant)
            .where(
                UnmaskGrant.user_id == self.actor.id,
                UnmaskGrant.object_type == object_type,
                UnmaskGrant.object_id == object_id,
                UnmaskGrant.revoked_at.is_(None),
                UnmaskGrant.expires_at > self._now(),
            )
            .order_by(UnmaskGrant.expires_at.desc())
            .limit(1)
        )

    def _apply_grading(self, report: IntelReport, grading: Grading, now: datetime) -> None:
        report.source_evaluation = grading.source.value
        report.intelligence_assessment = grading.assessment.value
        report.handling_code = grading.handling.value
        report.handling_conditions = grading.conditions
        report.graded_by, report.graded_at = self.actor.username, now

    def _category(self, object_type: str, obj: Alert | Case | IntelReport) -> str:
        if isinstance(obj, Alert):
            return alert_category(obj.state).value
        if isinstance(obj, Case):
            return case_category(obj.state).value
        return RetentionCategory.INTELLIGENCE.value

    def _check_deletable(self, object_type: str, obj: Alert | Case | IntelReport) -> None:
        if isinstance(obj, Alert):
            if self.session.scalar(select(func.count()).where(IntelReport.alert_id == obj.id)):
                raise IntegrityRefused(
                    f"alert {obj.id} has intelligence reports: review those first"
                )
            if self.session.scalar(select(func.count()).where(Case.alert_id == obj.id)):
                raise IntegrityRefused(f"alert {obj.id} has a case: review it first")
        elif isinstance(obj, IntelReport) and self.session.scalar(
            select(func.count()).where(Case.intel_report_id == obj.id)
        ):
            raise IntegrityRefused(f"report {obj.id} founds a case: review the case first")

    # ------------------------------------------------------------ import parts

    def _create_alert(
        self, staff_id: str, row: dict[str, Any], findings: list[dict[str, Any]], now: datetime
    ) -> Alert:
        alert = Alert(
            id=keyed_ref(self.ctx.key, "A", staff_id),
            staff_id=staff_id,
            staff_pseudonym=pseudonym(self.ctx.key, Subject.STAFF, staff_id),
            state=AlertState.NEW.value,
            risk_score=float(row["risk_score"]),
            rank=int(row["rank"]),
            alerted=bool(row["alerted"]),
            top_indicators=row["top_indicators"] or "",
            created_at=now,
            updated_at=now,
            new_evidence_at=now,
            reopened_count=0,
            review_date=self.ctx.policy.review_date(RetentionCategory.ALERT_OPEN, now),
        )
        self.session.add(alert)
        for f in findings:
            alert.findings.append(self._new_finding(f, now))
        self._history(alert, "created", None, AlertState.NEW.value, f"{len(findings)} findings")
        self._flush()
        self._audit(
            "alert.create",
            "alert",
            alert.id,
            {"findings": len(findings), "risk_score": alert.risk_score, "rank": alert.rank},
        )
        return alert

    def _new_finding(self, f: dict[str, Any], now: datetime) -> Finding:
        evidence = _evidence(f)
        return Finding(
            id=f["finding_id"],
            ref=keyed_ref(self.ctx.key, "F", f["finding_id"]),
            person_id=f.get("person_id") or None,
            indicator=f["indicator"],
            score=float(f["score"]),
            first_ts=_utc(f["first_ts"]),
            last_ts=_utc(f["last_ts"]),
            explanation=str(evidence.get("explanation", "")),
            event_ids=[str(e) for e in evidence.get("event_ids", [])],
            n_events=int(evidence.get("n_events", 0) or 0),
            suppressed=bool(f.get("suppressed") or False),
            suppression=f.get("suppression") or None,
            first_seen_at=now,
            last_seen_at=now,
        )

    def _update_alert(
        self, alert: Alert, row: dict[str, Any], findings: list[dict[str, Any]], now: datetime
    ) -> tuple[bool, list[str]]:
        """Bring the alert up to this run; returns (changed, notes on new evidence)."""
        changed = False
        for name, value in (
            ("risk_score", float(row["risk_score"])),
            ("rank", int(row["rank"])),
            ("alerted", bool(row["alerted"])),
            ("top_indicators", row["top_indicators"] or ""),
        ):
            if getattr(alert, name) != value:
                setattr(alert, name, value)
                changed = True
        known = {f.id: f for f in alert.findings}
        fresh: list[str] = []
        for row_f in findings:
            new = self._new_finding(row_f, now)
            old = known.get(new.id)
            if old is None:
                alert.findings.append(new)
                changed = True
                if not new.suppressed:
                    fresh.append(f"new finding {new.ref} ({new.indicator})")
                continue
            added_events = set(new.event_ids) - set(old.event_ids)
            if added_events and not new.suppressed:
                fresh.append(f"{len(added_events)} new events in {old.ref} ({old.indicator})")
            differs = False
            for name in _FINDING_FIELDS:
                value = getattr(new, name)
                if getattr(old, name) != value:
                    setattr(old, name, value)
                    differs = True
            if differs:
                old.last_seen_at = now
                changed = True
        if fresh:
            alert.new_evidence_at = now
            self._history(alert, "new_evidence", None, None, "; ".join(fresh))
        if changed or fresh:
            self._touch(alert)
            self._flush()
            self._audit(
                "alert.update",
                "alert",
                alert.id,
                {"new_evidence": len(fresh), "risk_score": alert.risk_score, "rank": alert.rank},
            )
        return changed, fresh

    def _reopen(self, alert: Alert, fresh: list[str], now: datetime) -> None:
        previous = alert.state
        alert.state = AlertState.NEW.value
        alert.closed_at = None
        alert.reopened_count += 1
        alert.review_date = self.ctx.policy.review_date(RetentionCategory.ALERT_OPEN, now)
        self._history(
            alert, "reopened", previous, AlertState.NEW.value, "new evidence: " + "; ".join(fresh)
        )
        self._flush()
        self._audit(
            "alert.reopen",
            "alert",
            alert.id,
            {"from": previous, "reason": "new_evidence", "new_evidence": len(fresh)},
        )

    # ------------------------------------------------------------------- views

    def _masks(self, staff_id: str | None, people: Iterable[str]) -> dict[str, str]:
        masks = {p: self._person_pseudo(p) for p in people}
        if staff_id:
            masks[staff_id] = self._staff_pseudo(staff_id) or ""
        return masks

    def _alert_summary(self, a: Alert, n_findings: int) -> AlertSummary:
        return AlertSummary(
            id=a.id,
            staff=a.staff_pseudonym,
            state=a.state,
            risk_score=a.risk_score,
            rank=a.rank,
            alerted=a.alerted,
            top_indicators=a.top_indicators,
            assigned_to=a.assigned_to.username if a.assigned_to else None,
            version=a.version,
            n_findings=n_findings,
            new_evidence_at=a.new_evidence_at,
            updated_at=a.updated_at,
        )

    def _alert_view(self, a: Alert) -> AlertView:
        all_people = {f.person_id for f in a.findings if f.person_id} | self._alert_people(a)
        masks = self._masks(a.staff_id, all_people)
        findings = tuple(
            FindingView(
                ref=f.ref,
                indicator=f.indicator,
                score=f.score,
                first_ts=f.first_ts,
                last_ts=f.last_ts,
                person=self._person_pseudo(f.person_id) if f.person_id else None,
                explanation=mask_text(f.explanation, masks),
                n_events=f.n_events,
                suppressed=f.suppressed,
                suppression=mask_text(f.suppression, masks) if f.suppression else None,
                first_seen_at=f.first_seen_at,
            )
            for f in a.findings
        )
        actions = self.session.scalars(
            select(SafeguardingAction)
            .where(SafeguardingAction.alert_id == a.id)
            .order_by(SafeguardingAction.id)
        )
        reports = self.session.scalars(
            select(IntelReport.id).where(IntelReport.alert_id == a.id).order_by(IntelReport.id)
        )
        case_id = self.session.scalar(select(Case.id).where(Case.alert_id == a.id))
        summary = self._alert_summary(a, len(a.findings))
        return AlertView(
            **summary.__dict__,
            created_at=a.created_at,
            closed_at=a.closed_at,
            closure_reason=a.closure_reason,
            reopened_count=a.reopened_count,
            review_date=a.review_date,
            people=tuple(sorted(self._person_pseudo(p) for p in self._alert_people(a))),
            findings=findings,
            history=tuple(
                HistoryView(
                    h.at,
                    h.actor,
                    h.kind,
                    h.from_state,
                    h.to_state,
                    mask_text(h.note, masks) if h.note else None,
                )
                for h in a.history
            ),
            safeguarding=tuple(self._safeguarding_view(s) for s in actions),
            intel_reports=tuple(reports),
            case_id=case_id,
            allowed_transitions=tuple(
                t.value
                for t in allowed_alert_targets(a.state, self.actor.role)
                if t not in ALERT_TRANSITION_VIA
            )
            if can(self.actor.role, Permission.ALERT_READ)
            else (),
        )

    def _intel_view(self, r: IntelReport) -> IntelView:
        grade = (
            f"{r.source_evaluation}/{r.intelligence_assessment}/{r.handling_code}"
            if r.source_evaluation
            else None
        )
        return IntelView(
            id=r.id,
            alert_id=r.alert_id,
            staff=self._staff_pseudo(r.staff_id),
            person=self._person_pseudo(r.person_id) if r.person_id else None,
            source_kind=r.source_kind,
            source_organisation=r.source_organisation,
            sanitised_text=r.sanitised_text,
            grade=grade,
            handling_conditions=r.handling_conditions,
            graded_by=r.graded_by,
            received_at=r.received_at,
            created_by=r.created_by,
            created_at=r.created_at,
            version=r.version,
            review_date=r.review_date,
        )

    def _case_view(self, c: Case) -> CaseView:
        actions = self.session.scalars(
            select(SafeguardingAction)
            .where(SafeguardingAction.case_id == c.id)
            .order_by(SafeguardingAction.id)
        )
        return CaseView(
            id=c.id,
            alert_id=c.alert_id,
            intel_report_id=c.intel_report_id,
            staff=self._staff_pseudo(c.staff_id) or "",
            state=c.state,
            apsp=c.apsp,
            referred_to_iopc=c.referred_to_iopc,
            referral_reason=c.referral_reason,
            iopc_reference=c.iopc_reference,
            investigation_type=c.investigation_type,
            investigator=c.investigator.username if c.investigator else None,
            outcomes=tuple(c.outcomes or ()),
            outcome_summary=c.outcome_summary,
            created_at=c.created_at,
            closed_at=c.closed_at,
            version=c.version,
            review_date=c.review_date,
            people=tuple(sorted(self._person_pseudo(p) for p in self._case_people(c))),
            safeguarding=tuple(self._safeguarding_view(s) for s in actions),
        )

    def _safeguarding_view(
        self, s: SafeguardingAction, today: date | None = None
    ) -> SafeguardingView:
        today = today or self._now().date()
        object_type, object_id = _owner_of(s)
        return SafeguardingView(
            id=s.id,
            object_type=object_type,
            object_id=object_id,
            person=self._person_pseudo(s.person_id),
            kind=s.kind,
            description=s.description,
            owner=s.owner,
            due_date=s.due_date,
            done_at=s.done_at,
            overdue=s.done_at is None and s.due_date < today,
        )

    def _grant_view(self, g: UnmaskGrant) -> GrantView:
        user = self.session.get(User, g.user_id)
        granted_by = self.session.get(User, g.granted_by_id)
        return GrantView(
            id=g.id,
            user=user.username if user else "?",
            object_type=g.object_type,
            object_id=g.object_id,
            reason=g.reason,
            granted_by=granted_by.username if granted_by else "?",
            granted_at=g.granted_at,
            expires_at=g.expires_at,
            active=g.revoked_at is None and g.expires_at > self._now(),
        )

    def _identity(
        self, object_type: str, obj: Alert | Case | IntelReport, expires_at: datetime
    ) -> Identity:
        if isinstance(obj, Alert):
            people = {f.person_id for f in obj.findings if f.person_id} | self._alert_people(obj)
            return Identity(
                object_type,
                obj.id,
                obj.staff_id,
                {self._person_pseudo(p): p for p in sorted(people)},
                expires_at,
                evidence={f.ref: (list(f.event_ids), f.explanation) for f in obj.findings},
            )
        if isinstance(obj, Case):
            return Identity(
                object_type,
                obj.id,
                obj.staff_id,
                {self._person_pseudo(p): p for p in sorted(self._case_people(obj))},
                expires_at,
            )
        concerned = [obj.person_id] if obj.person_id else []
        return Identity(
            object_type,
            obj.id,
            obj.staff_id,
            {self._person_pseudo(p): p for p in concerned},
            expires_at,
            source_details=obj.source_details,
        )


def _owner_of(action: SafeguardingAction) -> tuple[str, str]:
    if action.alert_id is not None:
        return "alert", action.alert_id
    return "case", action.case_id or ""


def _evidence(f: dict[str, Any]) -> dict[str, Any]:
    import json

    raw = f.get("evidence") or "{}"
    try:
        value = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except json.JSONDecodeError:
        raise StoreError(f"finding {f.get('finding_id')}: evidence is not JSON") from None
    return value if isinstance(value, dict) else {}


def _utc(value: Any) -> datetime:
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise StoreError(f"expected a timestamp, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
