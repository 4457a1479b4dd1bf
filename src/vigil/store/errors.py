"""Errors of the store. Each message says what was refused and why, for a person."""

from __future__ import annotations

from vigil.intel.workflow import WorkflowError


class StoreError(Exception):
    """Base of the store's errors."""


class NotFound(StoreError):
    pass


class PermissionDenied(StoreError):
    pass


class AuthenticationFailed(StoreError):
    pass


class ConflictError(StoreError):
    """Someone else changed the record since it was read: reload and decide again."""


class IntegrityRefused(StoreError):
    """A request that would break the store's rules (e.g. delete a record others need)."""


__all__ = [
    "AuthenticationFailed",
    "ConflictError",
    "IntegrityRefused",
    "NotFound",
    "PermissionDenied",
    "StoreError",
    "WorkflowError",
]
