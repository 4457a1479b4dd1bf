"""`vigil db|users|alerts|intel|cases|audit|retention`: the store from the command line.

Thin: parse, log in, call a `Workbench` service, print with Rich. Every command but
`db`, `users create-admin` and `audit verify` acts as a user: `--user NAME` (or
`VIGIL_USER`) with the password from `VIGIL_PASSWORD` or a prompt. Start a new store
with `vigil db upgrade` and `vigil users create-admin NAME`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vigil.intel.grading import Grading
from vigil.intel.workflow import InvestigationType, Referral, WorkflowError
from vigil.store import Store
from vigil.store.errors import ConflictError, StoreError
from vigil.store.service import Workbench
from vigil.store.views import AlertView, CaseView, GrantView, Identity, IntelView

console = Console()


def _app(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, pretty_exceptions_show_locals=False)


db_app = _app("The store's database: create or migrate its schema.")
users_app = _app("Users and roles.")
alerts_app = _app("Alerts from detection: triage, assignment, safeguarding, unmasking.")
intel_app = _app("Intelligence reports, graded 3x5x2, and partner reports.")
cases_app = _app("Cases: referral decision, investigation and outcome.")
audit_app = _app("The hash-chained audit log.")
retention_app = _app("Retention review: what is due, and the decisions.")

User_ = Annotated[
    str, typer.Option("--user", "-u", envvar="VIGIL_USER", help="Who is acting (VIGIL_USER).")
]
Version = Annotated[
    int | None, typer.Option(help="The version you read: refused if the record changed since.")
]


def _store() -> Store:
    return Store.from_settings()


def _password(prompt: str = "Password", confirm: bool = False, env: str = "VIGIL_PASSWORD") -> str:
    value = os.environ.get(env)
    if value:
        return value
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))


@contextmanager
def _acting(username: str) -> Iterator[Workbench]:
    """Log `username` in and give a workbench in one transaction; errors become a
    message and exit code 2 (3 for a conflict)."""
    store = _store()
    try:
        actor = store.login(username, _password())
        with store.workbench(actor) as wb:
            yield wb
    except ConflictError as exc:
        _fail("conflict", exc, code=3)
    except (StoreError, WorkflowError, ValueError) as exc:
        _fail("refused", exc)
    finally:
        store.dispose()


def _fail(what: str, exc: Exception, code: int = 2) -> NoReturn:
    console.print(f"[red]{what}:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


# -------------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Create the store's schema, or migrate it to the newest revision."""
    from vigil.store.migrate import current_revision

    store = _store()
    try:
        store.upgrade(revision)
        console.print(f"store at revision {current_revision(store.engine)}: {store.engine.url}")
    finally:
        store.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the store's revision and the newest one."""
    from vigil.store.migrate import current_revision, head_revision

    store = _store()
    try:
        console.print(f"current {current_revision(store.engine)}, newest {head_revision()}")
    finally:
        store.dispose()


# ----------------------------------------------------------------------------- users


@users_app.command("create-admin")
def users_create_admin(username: str) -> None:
    """Create the first user, an admin, in an empty store (password: VIGIL_PASSWORD or
    a prompt)."""
    from vigil.store.users import create_user

    store = _store()
    try:
        with store.session() as session:
            create_user(session, None, username, _password(confirm=True), "admin")
    except StoreError as exc:
        _fail("refused", exc)
    finally:
        store.dispose()
    console.print(f"admin {username} created")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str, typer.Option(help="analyst, supervisor, investigator, auditor, admin, partner")
    ],
    user: User_,
    organisation: Annotated[
        str | None, typer.Option(help="Partner users: their organisation.")
    ] = None,
) -> None:
    """Create a user (admins only); the new password from VIGIL_NEW_PASSWORD or a prompt."""
    from vigil.store.users import create_user

    new_password = _password(f"Password for {username}", confirm=True, env="VIGIL_NEW_PASSWORD")
    with _acting(user) as wb:
        create_user(wb.session, wb.actor, username, new_password, role, organisation)
    console.print(f"{role} {username} created")


@users_app.command("list")
def users_list(user: User_) -> None:
    """List users (admins only)."""
    from vigil.store.users import list_users

    with _acting(user) as wb:
        table = Table("user", "role", "organisation", "active")
        for u in list_users(wb.session, wb.actor):
            table.add_row(u.username, u.role, u.organisation or "", "yes" if u.active else "no")
    console.print(table)


# ---------------------------------------------------------------------------- alerts


@alerts_app.command("import")
def alerts_import(
    out: Annotated[Path, typer.Argument(help="A `vigil detect` output folder.")], user: User_
) -> None:
    """Load staff_risk and findings into alerts (safe to re-run)."""
    from vigil.store.importer import read_detection_output

    with _acting(user) as wb:
        risk, findings, label = read_detection_output(out)
        s = wb.import_detection(risk, findings, label)
    console.print(
        f"{s.created} alerts created, {s.updated} updated ({s.reopened} reopened by new "
        f"evidence), {s.unchanged} unchanged; {s.findings} findings read"
    )


@alerts_app.command("list")
def alerts_list(
    user: User_,
    state: Annotated[str | None, typer.Option(help="Only alerts in this state.")] = None,
    mine: Annotated[bool, typer.Option(help="Only alerts assigned to me.")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only open alerts.")] = False,
) -> None:
    """Alerts, most concerning first (staff as pseudonyms)."""
    with _acting(user) as wb:
        alerts = wb.list_alerts(state, user if mine else None, open_only)
    table = Table(
        "alert",
        "staff",
        "state",
        "risk",
        "rank",
        "findings",
        "assigned",
        "version",
        "new evidence",
        title="Alerts",
    )
    for a in alerts:
        table.add_row(
            a.id,
            a.staff,
            a.state,
            f"{a.risk_score:.2f}",
            str(a.rank),
            str(a.n_findings),
            a.assigned_to or "",
            str(a.version),
            a.new_evidence_at.strftime("%Y-%m-%d") if a.new_evidence_at else "",
        )
    console.print(table)


@alerts_app.command("show")
def alerts_show(alert_id: str, user: User_) -> None:
    """One alert: findings, people (pseudonyms), safeguarding and history."""
    with _acting(user) as wb:
        view = wb.get_alert(alert_id)
    _print_alert(view)


@alerts_app.command("assign")
def alerts_assign(
    alert_id: str,
    user: User_,
    to: Annotated[str | None, typer.Option(help="Assignee; omit to return to the queue.")] = None,
    version: Version = None,
) -> None:
    """Assign an alert (supervisors; an analyst may take an unassigned one)."""
    with _acting(user) as wb:
        view = wb.assign_alert(alert_id, to, version)
    console.print(f"{view.id} assigned to {view.assigned_to or 'nobody'} (version {view.version})")


@alerts_app.command("transition")
def alerts_transition(
    alert_id: str,
    state: Annotated[
        str, typer.Argument(help="ASSESSING, NO_FURTHER_ACTION, MANAGEMENT_ACTION, INTELLIGENCE")
    ],
    user: User_,
    reason: Annotated[str | None, typer.Option(help="Why (required to close).")] = None,
    version: Version = None,
) -> None:
    """Move an alert to another state, if the workflow and your role allow it."""
    with _acting(user) as wb:
        view = wb.transition_alert(alert_id, state.upper(), reason, version)
    console.print(f"{view.id} is now {view.state} (version {view.version})")


def _safeguard(
    object_type: str,
    object_id: str,
    user: str,
    person: str,
    kind: str,
    description: str,
    owner: str,
    due: str,
) -> None:
    with _acting(user) as wb:
        action = wb.add_safeguarding(
            object_type,
            object_id,
            person,
            kind.upper(),
            description,
            owner,
            date.fromisoformat(due),
        )
    console.print(
        f"safeguarding action {action.id} for {action.person}: {action.kind}, "
        f"owner {action.owner}, due {action.due_date}"
    )


Person = Annotated[str, typer.Option(help="The person's pseudonym (PER-...).")]
Kind = Annotated[
    str,
    typer.Option(
        help="IDVA_REFERRAL, ISVA_REFERRAL, MARAC_REFERRAL, "
        "WELFARE_CHECK, VICTIM_CONTACT, SAFETY_PLAN, OTHER, NONE_REQUIRED"
    ),
]
Description = Annotated[str, typer.Option(help="What is to be done (or why nothing is needed).")]
Owner = Annotated[str, typer.Option(help="Who owns the action.")]
Due = Annotated[str, typer.Option(help="Due date, YYYY-MM-DD.")]


@alerts_app.command("safeguard")
def alerts_safeguard(
    alert_id: str,
    user: User_,
    person: Person,
    kind: Kind,
    description: Description,
    owner: Owner,
    due: Due,
) -> None:
    """Record a safeguarding action for a person the alert concerns."""
    _safeguard("alert", alert_id, user, person, kind, description, owner, due)


@alerts_app.command("safeguard-done")
def alerts_safeguard_done(action_id: int, user: User_) -> None:
    """Mark a safeguarding action done."""
    with _acting(user) as wb:
        action = wb.complete_safeguarding(action_id)
    console.print(f"safeguarding action {action.id} done")


@alerts_app.command("overdue")
def alerts_overdue(user: User_) -> None:
    """Safeguarding actions past their due date, on alerts and cases."""
    with _acting(user) as wb:
        actions = wb.overdue_safeguarding()
    table = Table("id", "on", "person", "kind", "owner", "due", title="Overdue safeguarding")
    for a in actions:
        table.add_row(
            str(a.id), f"{a.object_type} {a.object_id}", a.person, a.kind, a.owner, str(a.due_date)
        )
    console.print(table)


Hours = Annotated[float, typer.Option(help="How long the grant lasts.")]


def _grant(object_type: str, object_id: str, user: str, to: str, reason: str, hours: float) -> None:
    with _acting(user) as wb:
        grant = wb.grant_unmask(to, object_type, object_id, reason, hours)
    _print_grant(grant)


def _reveal(object_type: str, object_id: str, user: str) -> None:
    with _acting(user) as wb:
        identity = wb.reveal(object_type, object_id)
    _print_identity(identity)


@alerts_app.command("grant")
def alerts_grant(
    alert_id: str,
    user: User_,
    to: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    hours: Hours = 24,
) -> None:
    """Authorise another user to see the identities behind an alert (supervisors)."""
    _grant("alert", alert_id, user, to, reason, hours)


@alerts_app.command("reveal")
def alerts_reveal(alert_id: str, user: User_) -> None:
    """Show the real identities behind an alert (needs an active grant; audited)."""
    _reveal("alert", alert_id, user)


# ----------------------------------------------------------------------------- intel

Grade = Annotated[str, typer.Option(help="3x5x2 grade, e.g. 2/C/P.")]
Conditions = Annotated[str | None, typer.Option(help="Handling conditions (code C).")]


@intel_app.command("create")
def intel_create(
    user: User_,
    text: Annotated[str, typer.Option(help="Sanitised text: no source, no real names.")],
    grade: Grade,
    alert: Annotated[str | None, typer.Option(help="The alert it is about.")] = None,
    conditions: Conditions = None,
    source_details: Annotated[
        str, typer.Option(help="Source and how it was obtained (restricted).")
    ] = "",
    person: Annotated[str | None, typer.Option(help="Person concerned (pseudonym).")] = None,
) -> None:
    """Record a graded intelligence report (on an alert, it moves to INTELLIGENCE)."""
    with _acting(user) as wb:
        view = wb.create_intel_report(
            text,
            Grading.parse(grade, conditions),
            alert_id=alert,
            source_details=source_details,
            person=person,
        )
    _print_intel(view)


@intel_app.command("partner")
def intel_partner(
    user: User_,
    account: Annotated[str, typer.Option(help="The concern as the partner gives it.")],
    organisation: Annotated[
        str | None, typer.Option(help="Partner organisation (unit users).")
    ] = None,
    person_id: Annotated[str | None, typer.Option(help="The person at risk, with consent.")] = None,
    reference: Annotated[str | None, typer.Option(help="The partner's own reference.")] = None,
) -> None:
    """Submit a partner's concern: it enters as ungraded intelligence."""
    with _acting(user) as wb:
        report_id = wb.submit_partner_report(
            account, organisation=organisation, person_id=person_id, reference=reference
        )
    console.print(f"report {report_id} received")


@intel_app.command("grade")
def intel_grade(
    report_id: str,
    user: User_,
    grade: Grade,
    text: Annotated[str, typer.Option(help="Sanitised text.")],
    conditions: Conditions = None,
    version: Version = None,
) -> None:
    """Grade (or regrade) a report and write its sanitised text."""
    with _acting(user) as wb:
        view = wb.grade_intel_report(report_id, Grading.parse(grade, conditions), text, version)
    _print_intel(view)


@intel_app.command("link")
def intel_link(report_id: str, alert_id: str, user: User_) -> None:
    """Attach a report to the alert of the member of staff it is about."""
    with _acting(user) as wb:
        view = wb.link_intel_report(report_id, alert_id)
    _print_intel(view)


@intel_app.command("list")
def intel_list(
    user: User_,
    ungraded: Annotated[bool, typer.Option(help="Only ungraded.")] = False,
    alert: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Intelligence reports, newest first."""
    with _acting(user) as wb:
        reports = wb.list_intel_reports(ungraded, alert)
    table = Table("report", "alert", "source", "grade", "text", title="Intelligence")
    for r in reports:
        source = r.source_organisation or r.source_kind
        table.add_row(r.id, r.alert_id or "", source, r.grade or "UNGRADED", r.sanitised_text[:60])
    console.print(table)


@intel_app.command("show")
def intel_show(report_id: str, user: User_) -> None:
    with _acting(user) as wb:
        view = wb.get_intel_report(report_id)
    _print_intel(view)


@intel_app.command("grant")
def intel_grant(
    report_id: str,
    user: User_,
    to: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    hours: Hours = 24,
) -> None:
    """Authorise another user to see a report's source details and identities."""
    _grant("intel", report_id, user, to, reason, hours)


@intel_app.command("reveal")
def intel_reveal(report_id: str, user: User_) -> None:
    """Show a report's source details and identities (needs an active grant; audited)."""
    _reveal("intel", report_id, user)


# ----------------------------------------------------------------------------- cases


@cases_app.command("open")
def cases_open(
    alert_id: str,
    user: User_,
    intel: Annotated[
        str | None, typer.Option(help="The report it rests on (newest graded).")
    ] = None,
    apsp: Annotated[
        bool, typer.Option(help="Concerns abuse of position for a sexual purpose.")
    ] = True,
    version: Version = None,
) -> None:
    """Open a case from an alert in INTELLIGENCE (supervisors)."""
    with _acting(user) as wb:
        view = wb.open_case(alert_id, intel, apsp, version)
    _print_case(view)


@cases_app.command("refer")
def cases_refer(
    case_id: str,
    user: User_,
    reason: Annotated[str, typer.Option(help="The reason for the decision.")],
    investigation_type: Annotated[
        str, typer.Option("--type", help="LOCAL, DIRECTED or INDEPENDENT.")
    ],
    iopc: Annotated[bool, typer.Option("--iopc/--no-iopc", help="Referred to the IOPC.")] = True,
    reference: Annotated[str | None, typer.Option(help="IOPC reference.")] = None,
    investigator: Annotated[str | None, typer.Option(help="Who investigates.")] = None,
    version: Version = None,
) -> None:
    """Record the referral decision; the case moves to INVESTIGATING."""
    referral = Referral(iopc, reason, InvestigationType(investigation_type.upper()), reference)
    with _acting(user) as wb:
        view = wb.record_referral(case_id, referral, investigator, version)
    _print_case(view)


@cases_app.command("close")
def cases_close(
    case_id: str,
    user: User_,
    outcome: Annotated[list[str], typer.Option(help="An outcome; repeat for several.")],
    summary: Annotated[str, typer.Option(help="Summary of the outcome.")],
    version: Version = None,
) -> None:
    """Close a case with its outcomes."""
    with _acting(user) as wb:
        view = wb.close_case(case_id, [o.upper() for o in outcome], summary, version)
    _print_case(view)


@cases_app.command("list")
def cases_list(user: User_, state: Annotated[str | None, typer.Option()] = None) -> None:
    with _acting(user) as wb:
        cases = wb.list_cases(state)
    table = Table(
        "case", "alert", "staff", "state", "IOPC", "type", "investigator", "outcomes", title="Cases"
    )
    for c in cases:
        table.add_row(
            c.id,
            c.alert_id or "",
            c.staff,
            c.state,
            {None: "", True: "referred", False: "no"}[c.referred_to_iopc],
            c.investigation_type or "",
            c.investigator or "",
            ", ".join(c.outcomes),
        )
    console.print(table)


@cases_app.command("show")
def cases_show(case_id: str, user: User_) -> None:
    with _acting(user) as wb:
        view = wb.get_case(case_id)
    _print_case(view)


@cases_app.command("safeguard")
def cases_safeguard(
    case_id: str,
    user: User_,
    person: Person,
    kind: Kind,
    description: Description,
    owner: Owner,
    due: Due,
) -> None:
    """Record a safeguarding action for a person the case concerns."""
    _safeguard("case", case_id, user, person, kind, description, owner, due)


@cases_app.command("grant")
def cases_grant(
    case_id: str,
    user: User_,
    to: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
    hours: Hours = 24,
) -> None:
    _grant("case", case_id, user, to, reason, hours)


@cases_app.command("reveal")
def cases_reveal(case_id: str, user: User_) -> None:
    _reveal("case", case_id, user)


# ----------------------------------------------------------------------------- audit


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 and name the first broken link if any row was
    edited, deleted, inserted or reordered. Record the printed head hash elsewhere."""
    store = _store()
    try:
        result = store.verify_audit()
    finally:
        store.dispose()
    if result.ok:
        console.print(f"[green]{result.describe()}[/green]", soft_wrap=True)
        return
    console.print(f"[red]{result.describe()}[/red]", soft_wrap=True)
    raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    user: User_, last: Annotated[int, typer.Option(help="How many entries.")] = 50
) -> None:
    """The newest audit entries (auditors and admins)."""
    with _acting(user) as wb:
        entries = wb.audit_tail(last)
        rows = [
            (
                str(e.seq),
                e.ts,
                e.actor,
                e.action,
                f"{e.object_type or ''} {e.object_id or ''}",
                e.details,
            )
            for e in entries
        ]
    table = Table("seq", "time", "actor", "action", "object", "details", title="Audit log")
    for row in rows:
        table.add_row(*row)
    console.print(table)


# ------------------------------------------------------------------------- retention


@retention_app.command("due")
def retention_due(user: User_) -> None:
    """Records whose review date has come."""
    with _acting(user) as wb:
        due = wb.retention_due()
    table = Table("type", "id", "category", "state", "review date", title="Due for review")
    for d in due:
        table.add_row(d.object_type, d.object_id, d.category, d.state, str(d.review_date))
    console.print(table)


@retention_app.command("decide")
def retention_decide(
    object_type: Annotated[str, typer.Argument(help="alert, intel or case")],
    object_id: str,
    user: User_,
    reason: Annotated[str, typer.Option(help="Why.")],
    retain_until: Annotated[str | None, typer.Option(help="Keep until (YYYY-MM-DD).")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Delete the record.")] = False,
) -> None:
    """Keep a due record to a later date, or delete it; the decision is recorded."""
    if delete == (retain_until is not None):
        _fail("refused", ValueError("give either --retain-until DATE or --delete"))
    until = date.fromisoformat(retain_until) if retain_until else None
    with _acting(user) as wb:
        wb.decide_retention(object_type, object_id, "DELETE" if delete else "RETAIN", reason, until)
    console.print(f"{object_type} {object_id}: " + ("deleted" if delete else f"kept until {until}"))


# ---------------------------------------------------------------------------- output


def _print_alert(v: AlertView) -> None:
    console.print(
        f"[bold]{v.id}[/bold] staff {v.staff} — {v.state} — risk {v.risk_score:.2f} "
        f"(rank {v.rank}) — version {v.version} — assigned {v.assigned_to or 'nobody'}"
    )
    if v.closure_reason:
        console.print(f"closed: {escape(v.closure_reason)}")
    console.print(
        f"people: {', '.join(v.people) or 'none'}; review {v.review_date}; "
        f"can move to: {', '.join(v.allowed_transitions) or 'nothing'}"
    )
    table = Table("finding", "indicator", "score", "person", "events", "explanation")
    for f in v.findings:
        note = " [suppressed]" if f.suppressed else ""
        table.add_row(
            f.ref,
            f.indicator,
            f"{f.score:.2f}",
            f.person or "",
            str(f.n_events),
            escape(f.explanation) + note,
        )
    console.print(table)
    if v.safeguarding:
        sg = Table("id", "person", "kind", "owner", "due", "done", title="Safeguarding")
        for s in v.safeguarding:
            sg.add_row(
                str(s.id),
                s.person,
                s.kind,
                s.owner,
                str(s.due_date),
                "yes" if s.done_at else ("OVERDUE" if s.overdue else ""),
            )
        console.print(sg)
    history = Table("when", "who", "what", "from", "to", "note", title="History")
    for h in v.history:
        history.add_row(
            h.at.strftime("%Y-%m-%d %H:%M"),
            h.actor,
            h.kind,
            h.from_state or "",
            h.to_state or "",
            escape(h.note or ""),
        )
    console.print(history)
    if v.intel_reports or v.case_id:
        console.print(
            f"intelligence: {', '.join(v.intel_reports) or 'none'}; case: {v.case_id or 'none'}"
        )


def _print_intel(v: IntelView) -> None:
    console.print(
        f"[bold]{v.id}[/bold] {v.grade or 'UNGRADED'} — {v.source_organisation or v.source_kind}"
        f" — alert {v.alert_id or 'none'} — staff {v.staff or '?'} — version {v.version}"
    )
    if v.handling_conditions:
        console.print(f"handling conditions: {escape(v.handling_conditions)}")
    console.print(escape(v.sanitised_text) or "(no sanitised text yet)")


def _print_case(v: CaseView) -> None:
    iopc = {None: "undecided", True: "referred to the IOPC", False: "not referred"}
    console.print(
        f"[bold]{v.id}[/bold] staff {v.staff} — {v.state} — {iopc[v.referred_to_iopc]}"
        f" — {v.investigation_type or 'type undecided'} — investigator {v.investigator or 'none'}"
        f" — version {v.version}"
    )
    if v.outcomes:
        console.print(f"outcomes: {', '.join(v.outcomes)}: {escape(v.outcome_summary or '')}")
    console.print(f"people: {', '.join(v.people) or 'none'}")


def _print_grant(g: GrantView) -> None:
    console.print(
        f"grant {g.id}: {g.user} may see identities of {g.object_type} {g.object_id} "
        f"until {g.expires_at:%Y-%m-%d %H:%M} UTC"
    )


def _print_identity(i: Identity) -> None:
    console.print(
        f"[bold]{i.object_type} {i.object_id}[/bold] (grant until "
        f"{i.grant_expires_at:%Y-%m-%d %H:%M} UTC; this view is audited)"
    )
    console.print(f"staff: {i.staff_id or 'not known'}")
    for pseudo, real in i.people.items():
        console.print(f"{pseudo} = {real}")
    for ref, (events, explanation) in i.evidence.items():
        console.print(
            f"{ref}: {escape(explanation)}; events {', '.join(events[:20])}"
            + (f" (+{len(events) - 20})" if len(events) > 20 else "")
        )
    if i.source_details:
        console.print(f"source details: {escape(i.source_details)}")
