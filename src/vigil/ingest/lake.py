"""The lake: validated contract tables as Parquet, changed only by atomic snapshot swaps.

Layout::

    LAKE/
      lake.json                 marker: format and contract version
      current -> snapshots/ID   symlink to the snapshot readers see
      snapshots/ID/TABLE/part-*.parquet                 reference tables
      snapshots/ID/TABLE/day=YYYY-MM-DD/part-*.parquet  event tables, by day
      _quarantine/TABLE/*.parquet                       rows refused by ingest, with reasons

A writer builds a complete new snapshot beside the current one (hard-linking files it
does not change, so a daily ingest costs only the new days), then replaces the `current`
symlink in one `rename`. A reader therefore sees either the old lake or the new one,
never a half-written table, and an interrupted ingest leaves the lake as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from vigil import contract

MARKER = "lake.json"
FORMAT = "vigil-lake"


class LakeError(Exception):
    """The path is not a usable lake."""


class Lake:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        # Absolute, so paths built from the root compare equal to the resolved `current`.
        self.root = Path(root).absolute()
        if not self.is_lake(self.root):
            raise LakeError(f"{self.root} is not a Vigil lake (no {MARKER}); run `vigil ingest`")

    # -- opening -----------------------------------------------------------------------
    @staticmethod
    def is_lake(path: str | os.PathLike[str]) -> bool:
        return (Path(path) / MARKER).is_file()

    @classmethod
    def open_or_create(cls, root: str | os.PathLike[str]) -> Lake:
        root = Path(root)
        if not cls.is_lake(root):
            if root.exists() and any(root.iterdir()):
                raise LakeError(f"{root} exists, is not empty and is not a Vigil lake")
            (root / "snapshots").mkdir(parents=True, exist_ok=True)
            marker = {"format": FORMAT, "contract_version": contract.CONTRACT_VERSION}
            _write_atomically(root / MARKER, json.dumps(marker, indent=2).encode())
        return cls(root)

    # -- reading -----------------------------------------------------------------------
    @property
    def current(self) -> Path | None:
        link = self.root / "current"
        return link.resolve() if link.exists() else None

    def tables(self) -> list[str]:
        """Names of the contract tables present in the current snapshot."""
        snap = self.current
        if snap is None:
            return []
        return [name for name in contract.EXTRACT_TABLES if (snap / name).is_dir()]

    def has(self, name: str) -> bool:
        return name in self.tables()

    def files(self, name: str) -> list[Path]:
        """The Parquet files of table `name` in the current snapshot, in a stable order."""
        snap = self.current
        if snap is None or not (snap / name).is_dir():
            return []
        return sorted((snap / name).rglob("*.parquet"))

    def read(self, name: str) -> pa.Table:
        """Table `name` in full, conformed to the contract (empty if absent)."""
        files = self.files(name)
        if not files:
            return contract.table(name).empty()
        parts = [pq.read_table(f, schema=contract.table(name).schema) for f in files]
        return pa.concat_tables(parts)

    def quarantine_dir(self, name: str) -> Path:
        return self.root / "_quarantine" / name

    # -- writing -----------------------------------------------------------------------
    @contextmanager
    def new_snapshot(self) -> Iterator[Snapshot]:
        """A staging snapshot; it becomes `current` only if the block completes."""
        snap_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:8]
        staging = self.root / "snapshots" / f".staging-{snap_id}"
        staging.mkdir(parents=True)
        try:
            snapshot = Snapshot(staging, self.current)
            yield snapshot
            snapshot.carry_over_unwritten()
            final = self.root / "snapshots" / snap_id
            staging.rename(final)
            self._point_current_to(final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._remove_old_snapshots()

    def _point_current_to(self, snapshot: Path) -> None:
        tmp_link = self.root / f".current-{uuid.uuid4().hex[:8]}"
        os.symlink(Path("snapshots") / snapshot.name, tmp_link)
        os.replace(tmp_link, self.root / "current")  # atomic on POSIX

    def _remove_old_snapshots(self) -> None:
        keep = self.current
        for path in (self.root / "snapshots").iterdir():
            if keep is None or path.resolve() != keep:
                shutil.rmtree(path, ignore_errors=True)


class Snapshot:
    """A snapshot being written. Tables not written are carried over from the previous one."""

    def __init__(self, path: Path, previous: Path | None) -> None:
        self.path = path
        self.previous = previous
        self._written: set[str] = set()

    def table_dir(self, name: str) -> Path:
        """An empty folder for table `name`; the caller writes its Parquet files there."""
        contract.table(name)
        self._written.add(name)
        target = self.path / name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        return target

    def previous_dir(self, name: str) -> Path | None:
        if self.previous is None or not (self.previous / name).is_dir():
            return None
        return self.previous / name

    def link_from_previous(self, name: str, relative: str | os.PathLike[str]) -> None:
        """Hard-link one unchanged file (relative to the table folder) from the previous
        snapshot."""
        prev = self.previous_dir(name)
        if prev is None:
            raise LakeError(f"no previous snapshot of {name} to link {relative} from")
        src = prev / relative
        dst = self.path / name / relative
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, dst)

    def carry_over_unwritten(self) -> None:
        """Hard-link every table not written in this snapshot from the previous one."""
        if self.previous is None:
            return
        for name in contract.EXTRACT_TABLES:
            prev = self.previous_dir(name)
            if name in self._written or prev is None:
                continue
            for src in prev.rglob("*.parquet"):
                self.link_from_previous(name, src.relative_to(prev))


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
