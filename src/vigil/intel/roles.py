"""Roles and what each may do. One table, read by the store's services and the web.

A role grants *capabilities*; seeing a real identity is never a capability of a role:
it needs an unmasking grant for one alert or case (see `vigil.intel.pseudonym`).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    AUDITOR = "auditor"
    ADMIN = "admin"
    PARTNER = "partner"


class Permission(StrEnum):
    ALERT_READ = "alert.read"
    ALERT_IMPORT = "alert.import"
    ALERT_ASSIGN = "alert.assign"
    INTEL_CREATE = "intel.create"
    INTEL_READ = "intel.read"
    INTEL_GRADE = "intel.grade"
    PARTNER_SUBMIT = "partner.submit"
    CASE_OPEN = "case.open"
    CASE_READ = "case.read"
    CASE_REFER = "case.refer"
    CASE_CLOSE = "case.close"
    SAFEGUARDING_WRITE = "safeguarding.write"
    SAFEGUARDING_READ = "safeguarding.read"
    UNMASK_GRANT = "unmask.grant"
    AUDIT_READ = "audit.read"
    RETENTION_READ = "retention.read"
    RETENTION_DECIDE = "retention.decide"
    USERS_MANAGE = "users.manage"


P = Permission
_WORKBENCH = {
    P.ALERT_READ,
    P.INTEL_CREATE,
    P.INTEL_READ,
    P.INTEL_GRADE,
    P.PARTNER_SUBMIT,
    P.SAFEGUARDING_WRITE,
    P.SAFEGUARDING_READ,
    P.CASE_READ,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: frozenset(_WORKBENCH | {P.ALERT_IMPORT}),
    Role.SUPERVISOR: frozenset(
        _WORKBENCH
        | {
            P.ALERT_IMPORT,
            P.ALERT_ASSIGN,
            P.CASE_OPEN,
            P.CASE_REFER,
            P.CASE_CLOSE,
            P.UNMASK_GRANT,
            P.RETENTION_READ,
            P.RETENTION_DECIDE,
        }
    ),
    Role.INVESTIGATOR: frozenset(
        {
            P.ALERT_READ,
            P.INTEL_READ,
            P.CASE_READ,
            P.CASE_CLOSE,
            P.SAFEGUARDING_WRITE,
            P.SAFEGUARDING_READ,
        }
    ),
    # The auditor checks the unit, not the officers: the audit log and retention only.
    Role.AUDITOR: frozenset({P.AUDIT_READ, P.RETENTION_READ}),
    # The administrator runs the system and never reads its content.
    Role.ADMIN: frozenset({P.USERS_MANAGE, P.AUDIT_READ, P.RETENTION_READ, P.ALERT_IMPORT}),
    # A partner organisation can only pass on a concern.
    Role.PARTNER: frozenset({P.PARTNER_SUBMIT}),
}

#: Roles that may hold an unmasking grant (and so ever see a real identity).
UNMASKABLE_ROLES: frozenset[Role] = frozenset({Role.ANALYST, Role.SUPERVISOR, Role.INVESTIGATOR})


def can(role: Role | str, permission: Permission) -> bool:
    """True if `role` has `permission`."""
    return permission in PERMISSIONS[Role(role)]
