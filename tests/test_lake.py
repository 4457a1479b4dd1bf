"""The lake: creation, atomic snapshots, carrying over and hard-linking unchanged files."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from vigil import contract
from vigil.ingest import Lake, LakeError


def test_open_or_create_and_refuse_foreign_folders(tmp_path: Path) -> None:
    lake = Lake.open_or_create(tmp_path / "lake")
    assert Lake.is_lake(lake.root) and lake.tables() == [] and lake.current is None
    assert lake.read("staff").schema == contract.table("staff").schema
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file.txt").write_text("x")
    with pytest.raises(LakeError, match="not a Vigil lake"):
        Lake.open_or_create(tmp_path / "other")
    with pytest.raises(LakeError):
        Lake(tmp_path / "other")


def test_snapshot_commits_carries_over_and_rolls_back(tmp_path: Path) -> None:
    lake = Lake.open_or_create(tmp_path / "lake")
    with lake.new_snapshot() as snap:
        pq.write_table(contract.table("staff").empty(), snap.table_dir("staff") / "part-0.parquet")
        pq.write_table(contract.table("duty").empty(), snap.table_dir("duty") / "part-0.parquet")
    first = lake.current
    assert first is not None and lake.tables() == ["staff", "duty"]
    staff_inode = lake.files("staff")[0].stat().st_ino

    with lake.new_snapshot() as snap:  # writes duty only: staff is carried over as a link
        pq.write_table(contract.table("duty").empty(), snap.table_dir("duty") / "part-0.parquet")
    assert lake.current != first and not first.exists()  # old snapshot removed
    assert lake.files("staff")[0].stat().st_ino == staff_inode

    current = lake.current
    with pytest.raises(RuntimeError), lake.new_snapshot() as snap:
        snap.table_dir("people")
        raise RuntimeError("boom")
    assert current is not None and lake.current == current
    assert "people" not in lake.tables()
    assert [p.name for p in (lake.root / "snapshots").iterdir()] == [current.name]


def test_a_lake_opened_by_a_relative_path_keeps_its_current_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `vigil demo` works under ./vigil-data: the snapshot just committed must survive the
    # clean-up of older ones, which compares it with the resolved `current` link.
    monkeypatch.chdir(tmp_path)
    lake = Lake.open_or_create(Path("vigil-data") / "lake")
    for _ in range(2):
        with lake.new_snapshot() as snap:
            pq.write_table(
                contract.table("staff").empty(), snap.table_dir("staff") / "part-0.parquet"
            )
        current = lake.current
        assert current is not None and current.is_dir()
        assert lake.tables() == ["staff"]


def test_link_from_previous_needs_a_previous_table(tmp_path: Path) -> None:
    lake = Lake.open_or_create(tmp_path / "lake")
    with pytest.raises(LakeError), lake.new_snapshot() as snap:
        snap.link_from_previous("staff", "part-0.parquet")
    assert lake.current is None
