"""The intelligence and case store: SQLAlchemy models, Alembic migrations, the
hash-chained audit log, and the services (`Workbench`) that enforce the CCU workflow.

    store = Store.from_settings()
    store.upgrade()
    user = store.login("a.analyst", password)
    with store.workbench(user) as wb:
        wb.list_alerts()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings, get_settings
from vigil.intel.retention import RetentionPolicy
from vigil.store import audit, migrate
from vigil.store.db import make_engine, session_factory, transaction
from vigil.store.models import User
from vigil.store.service import StoreContext, Workbench, workbench
from vigil.store.users import login


@dataclass
class Store:
    """An engine, its sessions and the services' context, from settings."""

    engine: Engine
    factory: sessionmaker[Session]
    ctx: StoreContext

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Store:
        settings = settings or get_settings()
        engine = make_engine(settings.store_url())
        ctx = StoreContext(
            key=settings.pseudonym_key_bytes(),
            policy=RetentionPolicy.from_overrides(settings.retention_review_days),
        )
        return cls(engine, session_factory(engine), ctx)

    def upgrade(self, revision: str = "head") -> None:
        migrate.upgrade(self.engine, revision)

    def login(self, username: str, password: str) -> User:
        return login(self.factory, username, password)

    @contextmanager
    def workbench(self, actor: User) -> Iterator[Workbench]:
        with workbench(self.factory, self.ctx, actor) as wb:
            yield wb

    @contextmanager
    def session(self) -> Iterator[Session]:
        with transaction(self.factory) as session:
            yield session

    def verify_audit(self) -> audit.Verification:
        with self.factory() as session:
            return audit.verify(session)

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["Store", "StoreContext", "Workbench", "make_engine", "workbench"]
