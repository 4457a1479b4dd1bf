"""generate / write_extract / simulate: the simulator's public entry points."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vigil import contract
from vigil.simulate.activity import _Ctx, context, month_access, month_contacts
from vigil.simulate.config import SimulationConfig
from vigil.simulate.scenarios import inject
from vigil.simulate.tables import Dictionaries, access_table, contact_table, reference_tables
from vigil.simulate.world import World, build_world

Progress = Callable[[str, int, int], None]
Format = Literal["parquet", "csv"]
EVENT_TABLES = ("access_events", "contact_events")
SIM_DIR = "_sim"
#: Simulator-only answers written to SIM_DIR, never ingested: the hard negatives, and
#: which member of staff each partner report describes.
SIM_SIDECARS = ("hard_negatives", "partner_report_staff")


class Simulation:
    """A generated force: reference tables in memory, event tables produced month by month."""

    def __init__(self, cfg: SimulationConfig, progress: Progress | None = None) -> None:
        self.cfg = cfg
        if progress:
            progress("build force", 0, 3)
        self.world: World = build_world(cfg)
        if progress:
            progress("inject scenarios", 1, 3)
        inject(self.world)
        if progress:
            progress("reference tables", 2, 3)
        self.ctx: _Ctx = context(self.world)
        self.dicts = Dictionaries(self.world)
        self.reference: dict[str, pa.Table] = reference_tables(self.world)
        if progress:
            progress("reference tables", 3, 3)

    @property
    def months(self) -> list[str]:
        return [label for _, _, label in self.world.months]

    def iter_months(self) -> Iterator[tuple[str, pa.Table, pa.Table]]:
        """(YYYY-MM, access_events, contact_events) for each calendar month, in order."""
        counters = np.zeros(8, dtype=np.int64)
        ccount = np.zeros(1, dtype=np.int64)
        for i, (m0, m1, label) in enumerate(self.world.months):
            acc = month_access(self.world, self.ctx, i, m0, m1)
            con = month_contacts(self.world, self.ctx, i, m0, m1)
            yield (
                label,
                access_table(self.world, self.dicts, acc, counters),
                contact_table(self.world, self.dicts, con, ccount),
            )

    def events(self, name: str) -> MonthlyEvents:
        return MonthlyEvents(self, name)


class MonthlyEvents:
    """An event table generated lazily one calendar month at a time (re-iterable).

    Iterating yields `(month, table)` with month as `YYYY-MM`; `to_table()` concatenates.
    Iterating regenerates the months (deterministically); `write_extract` writes the two
    event tables of one simulation together so each month is generated only once.
    """

    def __init__(self, sim: Simulation, name: str) -> None:
        if name not in EVENT_TABLES:
            raise ValueError(f"{name} is not an event table")
        self.sim = sim
        self.name = name
        self.schema = contract.table(name).schema

    def __iter__(self) -> Iterator[tuple[str, pa.Table]]:
        k = 1 if self.name == "access_events" else 2
        for item in self.sim.iter_months():
            yield item[0], item[k]

    def to_table(self) -> pa.Table:
        parts = [t for _, t in self]
        return pa.concat_tables(parts) if parts else self.schema.empty_table()


@overload
def generate(
    cfg: SimulationConfig, *, lazy: Literal[False] = ..., progress: Progress | None = None
) -> dict[str, pa.Table]: ...
@overload
def generate(
    cfg: SimulationConfig, *, lazy: Literal[True], progress: Progress | None = None
) -> dict[str, pa.Table | MonthlyEvents]: ...
def generate(
    cfg: SimulationConfig, *, lazy: bool = False, progress: Progress | None = None
) -> dict[str, pa.Table] | dict[str, pa.Table | MonthlyEvents]:
    """Every contract extract table of a synthetic force, incl. `truth`, plus the
    simulator's sidecars (`SIM_SIDECARS`).

    Reference tables (and `partner_reports`, `truth`) are `pa.Table`s conformed to
    `vigil.contract`. The event tables are `pa.Table`s too, unless `lazy=True`: then they
    are `MonthlyEvents`, generated a month at a time when iterated (what `simulate` uses so
    memory stays bounded for big forces). The sidecars are not contract tables:
    `hard_negatives` (staff_id, kind) names innocent staff whose behaviour looks
    suspicious; `partner_report_staff` (report_id, staff_id) says whom each partner report
    describes, so a benchmark can time alerts from the report.
    """
    sim = Simulation(cfg, progress)
    out: dict[str, pa.Table | MonthlyEvents] = dict(sim.reference)
    for name in EVENT_TABLES:
        ev = sim.events(name)
        out[name] = ev
    if not lazy:
        acc: list[pa.Table] = []
        con: list[pa.Table] = []
        months = sim.months
        for i, (_, a, c) in enumerate(sim.iter_months()):
            acc.append(a)
            con.append(c)
            if progress:
                progress("events", i + 1, len(months))
        out["access_events"] = (
            pa.concat_tables(acc) if acc else contract.table("access_events").empty()
        )
        out["contact_events"] = (
            pa.concat_tables(con) if con else contract.table("contact_events").empty()
        )
    return out


# -- writing --------------------------------------------------------------------------------


def _csv_ready(t: pa.Table) -> pa.Table:
    """Timestamps as ISO 8601 with offset (`2026-01-05T08:00:00+00:00`)."""
    cols = []
    for col, field in zip(t.columns, t.schema, strict=True):
        if pa.types.is_timestamp(field.type):
            secs = pc.cast(col, pa.timestamp("s", tz="UTC"))
            col = pc.strftime(secs, format="%Y-%m-%dT%H:%M:%S+00:00")
        cols.append(col)
    return pa.Table.from_arrays(cols, names=t.column_names)


def _write_file(t: pa.Table, path: Path, fmt: Format) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "parquet":
        pq.write_table(t, tmp, compression="zstd")
    else:
        pacsv.write_csv(_csv_ready(t), tmp)
    os.replace(tmp, path)


def _split_by_month(t: pa.Table, time_column: str) -> Iterator[tuple[str, pa.Table]]:
    if t.num_rows == 0:
        return
    month = pc.strftime(t.column(time_column), format="%Y-%m")
    for label in sorted(set(pc.unique(month).to_pylist())):
        yield label, t.filter(pc.equal(month, label))


def _event_parts(value: pa.Table | MonthlyEvents, name: str) -> Iterator[tuple[str, pa.Table]]:
    if isinstance(value, MonthlyEvents):
        yield from value
    else:
        yield from _split_by_month(value, contract.table(name).time_column or "ts")


def write_extract(
    tables: Mapping[str, pa.Table | MonthlyEvents],
    out_dir: str | os.PathLike[str],
    fmt: Format = "parquet",
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write a force extract folder per DATA_CONTRACT.md; returns rows written per table.

    Reference tables, `partner_reports` and `truth` go to `NAME.parquet` / `NAME.csv`; event
    tables to a folder `NAME/` with one file per calendar month (`NAME/2026-01.parquet`);
    the sidecars, if given, to `_sim/NAME.csv`. Each file is written beside
    its final name and renamed into place; a re-run replaces the tables it writes.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    refs = [n for n in contract.EXTRACT_TABLES if n in tables and n not in EVENT_TABLES]
    for i, name in enumerate(refs):
        t = tables[name]
        assert isinstance(t, pa.Table)
        for other in ("parquet", "csv"):  # a stale copy in the other format would confuse ingest
            stale = out / f"{name}.{other}"
            if other != fmt and stale.exists():
                stale.unlink()
        _write_file(t, out / f"{name}.{fmt}", fmt)
        counts[name] = t.num_rows
        if progress:
            progress("reference tables", i + 1, len(refs))
    for name in SIM_SIDECARS:
        if name in tables:
            sidecar = tables[name]
            assert isinstance(sidecar, pa.Table)
            (out / SIM_DIR).mkdir(exist_ok=True)
            _write_file(sidecar, out / SIM_DIR / f"{name}.csv", "csv")
            counts[name] = sidecar.num_rows

    events = [n for n in EVENT_TABLES if n in tables]
    staging = {n: out / f".{n}.tmp" for n in events}
    for d in staging.values():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    acc, con = tables.get("access_events"), tables.get("contact_events")
    joint = isinstance(acc, MonthlyEvents) and isinstance(con, MonthlyEvents) and acc.sim is con.sim
    if joint:
        assert isinstance(acc, MonthlyEvents)
        sim = acc.sim
        total = len(sim.months)
        for i, (label, a, c) in enumerate(sim.iter_months()):
            for name, t in (("access_events", a), ("contact_events", c)):
                _write_file(t, staging[name] / f"{label}.{fmt}", fmt)
                counts[name] = counts.get(name, 0) + t.num_rows
            if progress:
                progress("events", i + 1, total)
    else:
        for name in events:
            value = tables[name]
            counts[name] = 0
            for label, t in _event_parts(value, name):
                _write_file(t, staging[name] / f"{label}.{fmt}", fmt)
                counts[name] += t.num_rows
                if progress:
                    progress(name, counts[name], counts[name])
    for name, d in staging.items():
        final = out / name
        shutil.rmtree(final, ignore_errors=True)
        for other in ("parquet", "csv"):
            (out / f"{name}.{other}").unlink(missing_ok=True)
        os.replace(d, final)
    return counts


def simulate(
    cfg: SimulationConfig,
    out_dir: str | os.PathLike[str],
    fmt: Format = "parquet",
    progress: Progress | None = None,
) -> dict[str, int]:
    """Generate a force and write it as an extract, streaming the event tables by month."""
    tables = generate(cfg, lazy=True, progress=progress)
    return write_extract(tables, out_dir, fmt=fmt, progress=progress)
