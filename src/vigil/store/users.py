"""Users, passwords (argon2) and logins. Every login, good or bad, is audited."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.intel.roles import Permission, Role, can
from vigil.store import audit
from vigil.store.errors import AuthenticationFailed, PermissionDenied, StoreError
from vigil.store.models import User

_hasher = PasswordHasher()
#: Checked against when the user does not exist, so a wrong name costs as long as a
#: wrong password and timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user `username` if `password` is theirs; AuthenticationFailed otherwise.
    Both outcomes are audited (the attempted name only, never the password)."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        ok = user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        audit.append(session, username, "user.login_failed", "user", username)
        # Raised after the entry is flushed: callers that must keep the record of the
        # failure (see `login`) commit before re-raising.
        raise AuthenticationFailed("unknown user, wrong password or inactive account")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    audit.append(session, user.username, "user.login", "user", user.username, {"role": user.role})
    return user


def require(actor: User, permission: Permission) -> None:
    """Return if `actor` may do `permission`; PermissionDenied naming it otherwise."""
    if not actor.active or not can(actor.role, permission):
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not {permission}")


def create_user(
    session: Session,
    actor: User | None,
    username: str,
    password: str,
    role: Role | str,
    organisation: str | None = None,
) -> User:
    """Create a user. `actor` must be an admin; None only to create the first admin of an
    empty store (the bootstrap)."""
    role = Role(role)
    if actor is None:
        if session.scalar(select(func.count()).select_from(User)):
            raise PermissionDenied("users exist already: an admin creates further users")
        if role is not Role.ADMIN:
            raise StoreError("the first user of a store is an admin")
    else:
        require(actor, Permission.USERS_MANAGE)
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("-", "").replace("_", "").isalnum()
    ):
        raise StoreError("a username is 1-64 letters, digits, '.', '-' or '_'")
    if role is Role.PARTNER and not (organisation or "").strip():
        raise StoreError("a partner user belongs to an organisation: give --organisation")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise StoreError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        organisation=(organisation or None),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.append(
        session,
        actor.username if actor else "bootstrap",
        "user.create",
        "user",
        username,
        {"role": role.value, "organisation": organisation},
    )
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise StoreError(f"no user {username!r}")
    return user


def list_users(session: Session, actor: User) -> list[User]:
    require(actor, Permission.USERS_MANAGE)
    audit.append(session, actor.username, "user.list", "user", None)
    return list(session.scalars(select(User).order_by(User.username)))


def login(factory: sessionmaker[Session], username: str, password: str) -> User:
    """Authenticate in a transaction of its own, so that a failed login is recorded in
    the audit log even though it raises AuthenticationFailed."""
    failure: AuthenticationFailed | None = None
    with factory() as session, session.begin():
        try:
            user = authenticate(session, username, password)
        except AuthenticationFailed as exc:
            failure = exc  # commit the audited failure, then raise
        else:
            session.flush()
            session.expunge(user)
    if failure is not None:
        raise failure
    return user
