"""Fixtures of the store tests: every store test runs on SQLite and on PostgreSQL.

PostgreSQL: `VIGIL_TEST_POSTGRES_URL` (a server `.ci/run` provides) or else a throwaway
server started here from the installed binaries. Without either, the PostgreSQL tests
fail in CI (`CI=true`) and are skipped on a developer's machine.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from store.pg import PostgresServer, find_bindir, start_server
from vigil.intel.retention import RetentionPolicy
from vigil.store import Store, StoreContext
from vigil.store.audit import GENESIS
from vigil.store.db import make_engine, normalise_url, session_factory
from vigil.store.migrate import upgrade
from vigil.store.models import Base, User
from vigil.store.users import hash_password

BACKENDS = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery"
KEY = b"test-pseudonym-key"
_counter = itertools.count()


@dataclass
class Clock:
    """A clock the tests move; the store reads it through its context."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL to the maintenance database of a PostgreSQL server for the tests."""
    given = os.environ.get("VIGIL_TEST_POSTGRES_URL")
    if given:
        yield normalise_url(given)
        return
    bindir = find_bindir()
    if bindir is None:
        message = (
            "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb): "
            "run .ci/postgres.sh or set VIGIL_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    server: PostgresServer = start_server(bindir)
    try:
        yield server.url()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "vigil.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_store_url(postgres_admin_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database for the session; each test empties it (far faster
    than a database per test)."""
    with _fresh_database(postgres_admin_url, None) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :h)"), {"h": GENESIS}
        )
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store of the test's backend."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "vigil.db"
        shutil.copy(template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_store_url")
    _empty_postgres(url)
    yield url


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema) of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with _fresh_database(request.getfixturevalue("postgres_admin_url"), None) as url:
        yield url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db_url: str, clock: Clock) -> Iterator[Store]:
    engine = make_engine(db_url)
    ctx = StoreContext(key=KEY, policy=RetentionPolicy(), clock=clock)
    s = Store(engine, session_factory(engine), ctx)
    yield s
    s.dispose()


ROLES = {
    "admin": "admin",
    "analyst": "analyst",
    "analyst2": "analyst",
    "supervisor": "supervisor",
    "supervisor2": "supervisor",
    "investigator": "investigator",
    "investigator2": "investigator",
    "auditor": "auditor",
    "partner": "partner",
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once per run.
    return hash_password(PASSWORD)


@pytest.fixture
def users(store: Store, password_hash: str) -> dict[str, User]:
    """One user per role (named after it, plus a second analyst, supervisor and
    investigator), detached, ready to act. `create_user` has tests of its own."""
    made: dict[str, User] = {}
    with store.session() as session:
        for name, role in ROLES.items():
            user = User(
                username=name,
                password_hash=password_hash,
                role=role,
                organisation="Northside Refuge" if role == "partner" else None,
                active=True,
            )
            session.add(user)
            made[name] = user
        session.flush()
        session.expunge_all()
    return made


def _autocommit(url: str) -> Engine:
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _with_db(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


class _fresh_database:
    """Create a database (from a template, if given) and drop it afterwards."""

    def __init__(self, admin_url: str, template: str | None) -> None:
        self.admin_url, self.template = admin_url, template
        self.name = f"vigil_t{os.getpid()}_{next(_counter)}"

    def __enter__(self) -> str:
        self.admin = _autocommit(self.admin_url)
        clause = f' TEMPLATE "{self.template}"' if self.template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"{clause}'))
        return _with_db(self.admin_url, self.name)

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()
