"""Detection quality on simulated forces: Vigil against two baselines, side by side.

Run by hand (not in CI):

    .venv/bin/python bench/detection_quality.py [--sizes 1000 5000] [--days 120]
        [--seeds 11 12 13] [--cadence weekly|daily] [--no-asof] [--jobs 1]
        [--rule-threshold 3 [N ...]] [--ueba-contamination 0.01] [--sweep 1 1.5 3]
        [--workdir /tmp/benchwork] [--vary activity_scale=1.5 ...]

For each force size and seed it simulates a force, ingests it, and runs three detectors,
none of which reads `truth`:

- **Vigil**: `vigil.detect.engine.run_on_lake`.
- **UEBA**: a generic user-behaviour anomaly detector (`bench/baselines.py`): an
  IsolationForest over per-staff count features, fitted per force; alerts = the top
  `--ueba-contamination` share of staff.
- **Rule ≥N**: off-duty access to people with a vulnerability code, alert at N events.

Each runs once over the whole window (ranking and alert quality, scenarios and hard
negatives alerted) and again as of every day or week of the window (`--cadence`), to
measure the days from the start of each abuser's behaviour (`truth.start`) to their first
alert. A table shows Vigil alerting at other risk thresholds (`--sweep`): what a lower
or higher `alert_threshold` buys in recall and earliness and costs in false alerts.
Every figure printed is measured; stage wall times, and Vigil's full run by shared
relation and indicator, are printed at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.csv as pacsv
from baselines import BaselineScores, LakeBaselines  # bench/ is on sys.path as a script
from pydantic import TypeAdapter
from rich.console import Console
from rich.table import Table

from vigil.detect.catalogue import load_catalogue
from vigil.detect.engine import DetectionResult, run_on_lake
from vigil.ingest import ingest_extract
from vigil.ingest.lake import Lake
from vigil.simulate import SimulationConfig, simulate
from vigil.simulate.config import HARD_NEGATIVE_KINDS, SCENARIO_KINDS

DAY_S = 86400.0
MONTH_DAYS = 365.25 / 12
CADENCE = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}

out = Console(width=160)  # the tables
log = Console(width=160, stderr=True)  # progress


@dataclass
class MethodRun:
    """One detector on one force."""

    method: str
    #: staff_id -> score, for the staff it scored (the others rank last).
    scores: dict[str, float]
    #: Alerted by the run over the whole window.
    alerted: set[str]
    full_s: float
    #: Per as-of time (ascending): the staff alerted then.
    asof_alerted: list[tuple[datetime, set[str]]] = field(default_factory=list)
    asof_s: float = 0.0
    #: PARTNER_TIP abuser -> alerted by a run as of a day after their tip arrived.
    tip_alerted: dict[str, bool] = field(default_factory=dict)
    #: Per as-of time, as `asof_alerted`: each scored member of staff's score then (kept
    #: for Vigil, whose alerts are a threshold on its score: see `at_threshold`).
    asof_scores: list[tuple[datetime, dict[str, float]]] = field(default_factory=list)
    #: Vigil's full run: seconds per shared relation ("shared: name") and per indicator.
    steps: dict[str, float] = field(default_factory=dict)


def at_threshold(run: MethodRun, threshold: float) -> MethodRun:
    """`run` as if it alerted at `threshold` on its scores, over the whole window and as
    of each time it kept the scores for."""

    def over(scores: dict[str, float]) -> set[str]:
        return {s for s, v in scores.items() if v >= threshold}

    return MethodRun(
        f"{run.method} ≥{threshold:g}",
        run.scores,
        over(run.scores),
        run.full_s,
        [(t, over(scores)) for t, scores in run.asof_scores],
        run.asof_s,
    )


@dataclass
class Force:
    size: int
    seed: int
    n_staff: int
    window_start: datetime
    window_end: datetime
    #: staff_id -> (scenario, earliest truth.start) for each abuser.
    abusers: dict[str, tuple[str, datetime]]
    #: (staff_id, kind) for each hard negative (a member of staff may have several kinds).
    hard_negatives: list[tuple[str, str]] | None
    #: PARTNER_TIP abuser -> received_at of the first partner report describing them
    #: (`_sim/partner_report_staff.csv`; older extracts: reports naming their target).
    tip_received: dict[str, datetime]
    simulate_s: float
    ingest_s: float
    runs: list[MethodRun] = field(default_factory=list)

    @property
    def months(self) -> float:
        return (self.window_end - self.window_start).total_seconds() / DAY_S / MONTH_DAYS

    @property
    def positives(self) -> set[str]:
        return set(self.abusers)


# -- metrics -------------------------------------------------------------------------------


def average_precision(ranked_staff: list[str], positives: set[str], n_staff: int) -> float:
    """AP of the ranking over all staff; staff without findings rank last (tied), which
    is scored pessimistically: unranked abusers come after every unranked colleague."""
    hits, total = 0, 0.0
    for i, staff_id in enumerate(ranked_staff, start=1):
        if staff_id in positives:
            hits += 1
            total += hits / i
    missing = len(positives) - hits
    for j in range(missing):
        hits += 1
        total += hits / (n_staff - missing + j + 1)
    return total / len(positives) if positives else float("nan")


def ranking(scores: dict[str, float], positives: set[str]) -> list[str]:
    """Scored staff, highest score first; ties are broken pessimistically (abusers last)."""
    return sorted(scores, key=lambda s: (-scores[s], s in positives, s))


@dataclass
class Quality:
    abusers: int
    in_top_1pct: int
    alerted: int
    alerted_abusers: int
    ap: float
    alerts_per_1k_month: float

    @property
    def recall_at_1pct(self) -> float:
        return self.in_top_1pct / self.abusers if self.abusers else math.nan

    @property
    def precision(self) -> float:
        return self.alerted_abusers / self.alerted if self.alerted else math.nan

    @property
    def recall(self) -> float:
        return self.alerted_abusers / self.abusers if self.abusers else math.nan


def quality(force: Force, run: MethodRun) -> Quality:
    pos = force.positives
    ranked = ranking(run.scores, pos)
    top_n = max(1, round(force.n_staff * 0.01))
    return Quality(
        abusers=len(pos),
        in_top_1pct=len(pos & set(ranked[:top_n])),
        alerted=len(run.alerted),
        alerted_abusers=len(pos & run.alerted),
        ap=average_precision(ranked, pos, force.n_staff),
        alerts_per_1k_month=len(run.alerted) / force.n_staff * 1000 / force.months,
    )


def first_alerts(force: Force, run: MethodRun) -> dict[str, datetime | None]:
    """Per abuser, the first as-of time at or after their truth.start at which they are
    alerted (None if never)."""
    first: dict[str, datetime | None] = {}
    for staff_id, (_, start) in force.abusers.items():
        first[staff_id] = next(
            (t for t, alerted in run.asof_alerted if t >= start and staff_id in alerted), None
        )
    return first


def days(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / DAY_S


# -- running -------------------------------------------------------------------------------


def asof_times(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    """start + step, start + 2·step, ... before `end`, then `end` itself."""
    times, t = [], start + step
    while t < end:
        times.append(t)
        t += step
    return [*times, end]


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def vigil_alerted_as_of(lake_root: str, as_of: datetime) -> set[str]:
    """Staff Vigil alerts as of `as_of` (a top-level function, for worker processes)."""
    return vigil_as_of(lake_root, as_of)[0]


def vigil_as_of(lake_root: str, as_of: datetime) -> tuple[set[str], dict[str, float]]:
    """Staff Vigil alerts as of `as_of`, and each scored member of staff's risk then."""
    result = run_on_lake(Lake(lake_root), as_of=as_of)
    return set(result.alerted["staff_id"].to_pylist()), risk_scores(result)


def risk_scores(result: DetectionResult) -> dict[str, float]:
    """staff_id -> risk_score of each member of staff the run scored."""
    risk = result.staff_risk
    return dict(zip(risk["staff_id"].to_pylist(), risk["risk_score"].to_pylist(), strict=True))


def quiet_worker() -> None:
    """Worker processes: DuckDB draws progress bars on stdout there; drop their output."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def quiet_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` spawned worker processes whose output is dropped (see `quiet_worker`)."""
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(jobs, mp_context=ctx, initializer=quiet_worker)


def vigil_run(lake: Lake, grid: list[datetime], do_asof: bool, jobs: int) -> MethodRun:
    result, full_s = timed(lambda: run_on_lake(lake))
    assert isinstance(result, DetectionResult)
    run = MethodRun(
        "Vigil",
        risk_scores(result),
        set(result.alerted["staff_id"].to_pylist()),
        full_s,
        steps={
            **{f"shared: {k}": v for k, v in result.shared_seconds.items()},
            **{r.indicator: r.seconds for r in result.indicator_runs},
        },
    )
    if do_asof:
        t0 = time.perf_counter()
        times = grid[:-1]  # the last is the window's end: the full run above
        if jobs > 1:
            # Each run opens its own DuckDB connection; on a machine with more cores than
            # DuckDB keeps busy, separate processes can overlap.
            with quiet_pool(jobs) as pool:
                results = list(pool.map(vigil_as_of, [str(lake.root)] * len(times), times))
            for t, (alerted, _) in zip(times, results, strict=True):
                log.print(f"    Vigil as of {t:%Y-%m-%d}: {len(alerted)} alerted", highlight=False)
        else:
            results = []
            for t in times:
                t1 = time.perf_counter()
                results.append(vigil_as_of(str(lake.root), t))
                log.print(
                    f"    Vigil as of {t:%Y-%m-%d}: {len(results[-1][0])} alerted "
                    f"({time.perf_counter() - t1:.0f} s)",
                    highlight=False,
                )
        run.asof_alerted = [
            *((t, alerted) for t, (alerted, _) in zip(times, results, strict=True)),
            (grid[-1], run.alerted),
        ]
        run.asof_scores = [
            *((t, scores) for t, (_, scores) in zip(times, results, strict=True)),
            (grid[-1], run.scores),
        ]
        run.asof_s = time.perf_counter() - t0
    return run


def baseline_run(
    name: str,
    score: Callable[[datetime | None], BaselineScores],
    grid: list[datetime],
    do_asof: bool,
) -> MethodRun:
    full, full_s = timed(lambda: score(None))
    assert isinstance(full, BaselineScores)
    run = MethodRun(
        name,
        {s: float(v) for s, v in zip(full.staff_id, full.score, strict=True) if v == v},
        full.alerted,
        full_s,
    )
    if do_asof:
        t0 = time.perf_counter()
        for t in grid[:-1]:
            run.asof_alerted.append((t, score(t).alerted))
        run.asof_alerted.append((grid[-1], full.alerted))
        run.asof_s = time.perf_counter() - t0
    return run


def rule_runs(
    baselines: LakeBaselines, thresholds: list[int], grid: list[datetime], do_asof: bool
) -> list[MethodRun]:
    """One MethodRun per threshold; the counts are computed once per as-of time."""
    counts, full_s = timed(lambda: baselines.rule(None, threshold=min(thresholds)))
    assert isinstance(counts, BaselineScores)
    asof: list[tuple[datetime, BaselineScores]] = []
    asof_s = 0.0
    if do_asof:
        t0 = time.perf_counter()
        asof = [(t, baselines.rule(t, threshold=min(thresholds))) for t in grid[:-1]]
        asof.append((grid[-1], counts))
        asof_s = time.perf_counter() - t0

    def over(c: BaselineScores, n: int) -> set[str]:
        return {s for s, k in zip(c.staff_id, c.score, strict=True) if k >= n}

    runs = []
    for n in thresholds:
        run = MethodRun(
            f"Rule ≥{n}",
            dict(zip(counts.staff_id, counts.score.tolist(), strict=True)),
            over(counts, n),
            full_s,
            [(t, over(c, n)) for t, c in asof],
            asof_s,
        )
        runs.append(run)
    return runs


def load_force(
    size: int, seed: int, days_: int, workdir: Path, vary: dict[str, Any] | None = None
) -> tuple[Lake, Path, float, float]:
    """The simulated force of `size` staff, `days_` days and `seed`, with the simulator's
    settings changed by `vary` (SimulationConfig field -> value), ingested into a lake."""
    vary = vary or {}
    # The folder names the settings, in characters no glob reads as a pattern.
    changed = "".join(
        f"-{k}={json.dumps(v, separators=(',', ':'))}" for k, v in sorted(vary.items())
    )
    name = re.sub(r"[^\w.=-]", "_", f"{size}x{days_}-{seed}{changed}")
    extract, lake_dir = workdir / f"extract-{name}", workdir / f"lake-{name}"
    t0 = time.perf_counter()
    reuse = Lake.is_lake(lake_dir)  # --workdir keeps forces between runs of the detector
    if not reuse:
        settings = {"staff": size, "days": days_, "seed": seed, "start": date(2026, 1, 5)}
        config = TypeAdapter(SimulationConfig).validate_python({**settings, **vary})
        simulate(config, extract)
    t1 = time.perf_counter()
    if not reuse:
        ingest_extract(extract, lake_dir)
    t2 = time.perf_counter()
    return Lake(lake_dir), extract, t1 - t0, t2 - t1


def simulator_setting(text: str) -> tuple[str, Any]:
    """'FIELD=JSON' -> (FIELD, value), for `--vary`; the value is checked when the force
    is simulated, against the field's type."""
    field_name, sep, raw = text.partition("=")
    known = {f.name for f in fields(SimulationConfig)} - {"staff", "days", "seed"}
    if not sep or field_name not in known:
        raise argparse.ArgumentTypeError(
            f"expected FIELD=VALUE with FIELD one of {', '.join(sorted(known))}, not {text!r}"
        )
    try:
        return field_name, json.loads(raw)
    except json.JSONDecodeError as e:
        raise argparse.ArgumentTypeError(f"{field_name}: {raw!r} is not JSON ({e})") from e


def abusers_in(truth: list[dict]) -> dict[str, tuple[str, datetime]]:
    """staff_id -> (scenario, earliest truth.start) for each abuser."""
    abusers: dict[str, tuple[str, datetime]] = {}
    for row in truth:
        s, st = row["staff_id"], as_utc(row["start"])
        if s not in abusers or st < abusers[s][1]:
            abusers[s] = (row["scenario"], st)
    return abusers


def read_hard_negatives(extract: Path) -> list[tuple[str, str]] | None:
    """(staff_id, kind) from the simulator's `_sim/hard_negatives.csv`; None without it."""
    hn_file = extract / "_sim" / "hard_negatives.csv"
    if not hn_file.is_file():
        return None
    hn = pacsv.read_csv(hn_file)
    return sorted(set(zip(hn["staff_id"].to_pylist(), hn["kind"].to_pylist(), strict=True)))


def partner_tips(lake: Lake, extract: Path, truth: list[dict]) -> dict[str, datetime]:
    """PARTNER_TIP abuser -> when the first partner report describing them arrived."""
    tipped = {r["staff_id"] for r in truth if r["scenario"] == "PARTNER_TIP"}
    sidecar = extract / "_sim" / "partner_report_staff.csv"
    if sidecar.is_file():
        about = {r["report_id"]: r["staff_id"] for r in pacsv.read_csv(sidecar).to_pylist()}
    else:  # extracts from before the sidecar: only reports that name the target link
        target = {r["person_id"]: r["staff_id"] for r in truth if r["scenario"] == "PARTNER_TIP"}
        about = {
            r["report_id"]: target[r["person_id"]]
            for r in lake.read("partner_reports").to_pylist()
            if r["person_id"] in target
        }
    received: dict[str, datetime] = {}
    for r in lake.read("partner_reports").to_pylist():
        staff_id = about.get(r["report_id"])
        if staff_id is not None and staff_id in tipped:
            at = as_utc(r["received_at"])
            received[staff_id] = min(at, received.get(staff_id, at))
    return received


def window(first_ts: object, last_ts: object) -> tuple[datetime, datetime]:
    """The window the as-of runs cover: from midnight UTC before the first access event
    to the last."""
    start = as_utc(first_ts).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, as_utc(last_ts)


def as_utc(value: object) -> datetime:
    ts = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    assert isinstance(ts, datetime)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def run_force(size: int, seed: int, args: argparse.Namespace, workdir: Path) -> Force:
    lake, extract, simulate_s, ingest_s = load_force(size, seed, args.days, workdir, args.vary)
    baselines = LakeBaselines(lake, load_catalogue().purpose.duty_grace_minutes)
    con, tables = baselines.con, baselines.tables

    ev = tables["access_events"]
    start, end = window(con.execute(ev.ts.min()), con.execute(ev.ts.max()))

    truth = lake.read("truth").to_pylist()
    abusers = abusers_in(truth)
    tip_received = partner_tips(lake, extract, truth)
    hard_negatives = read_hard_negatives(extract)

    force = Force(
        size=size,
        seed=seed,
        n_staff=lake.read("staff").num_rows,
        window_start=start,
        window_end=end,
        abusers=abusers,
        hard_negatives=hard_negatives,
        tip_received=tip_received,
        simulate_s=simulate_s,
        ingest_s=ingest_s,
    )
    grid = asof_times(start, end, CADENCE[args.cadence])
    do_asof = not args.no_asof and (args.asof_sizes is None or size in args.asof_sizes)
    log.print(
        f"  {force.n_staff} staff, {len(abusers)} abusers, window {start:%Y-%m-%d} .. "
        f"{end:%Y-%m-%d}, {len(grid) if do_asof else 0} as-of runs per detector",
        highlight=False,
    )
    force.runs.append(vigil_run(lake, grid, do_asof, args.jobs))
    log.print(f"  Vigil: {force.runs[-1].full_s:.1f}s + {force.runs[-1].asof_s:.1f}s as-of")
    ueba = baseline_run(
        "UEBA",
        lambda t: baselines.ueba(
            t,
            contamination=args.ueba_contamination,
            seed=seed,
            n_estimators=args.ueba_trees,
        ),
        grid,
        do_asof,
    )
    force.runs.append(ueba)
    log.print(f"  UEBA: {ueba.full_s:.1f}s + {ueba.asof_s:.1f}s as-of")
    force.runs.extend(rule_runs(baselines, args.rule_threshold, grid, do_asof))
    if do_asof:
        check_tips(force, lake, baselines, args)
    log.print(f"  Rule: {force.runs[-1].full_s:.1f}s + {force.runs[-1].asof_s:.1f}s as-of")
    return force


def check_tips(
    force: Force, lake: Lake, baselines: LakeBaselines, args: argparse.Namespace
) -> None:
    """For each PARTNER_TIP abuser, whether each detector alerts as of a day after the
    partner's report arrived (the target: a tip is acted on within a day)."""
    for staff_id, received in sorted(force.tip_received.items()):
        t = received + timedelta(days=1)
        counts = baselines.rule(t, threshold=min(args.rule_threshold))
        ueba = baselines.ueba(
            t, contamination=args.ueba_contamination, seed=force.seed, n_estimators=args.ueba_trees
        )
        for run in force.runs:
            if run.method == "Vigil":
                alerted = vigil_alerted_as_of(str(lake.root), t)
            elif run.method == "UEBA":
                alerted = ueba.alerted
            else:
                n = int(run.method.removeprefix("Rule ≥"))
                alerted = {s for s, k in zip(counts.staff_id, counts.score, strict=True) if k >= n}
            run.tip_alerted[staff_id] = staff_id in alerted
    log.print(f"  partner tips: {len(force.tip_received)} checked a day after the report")


# -- printing ------------------------------------------------------------------------------


def f2(x: float, spec: str = ".2f") -> str:
    return "n/a" if x != x else format(x, spec)


def frac(k: int, n: int) -> str:
    return f"{k}/{n}" if n else "–"


def pooled(qs: Iterable[Quality], forces: list[Force]) -> Quality:
    qs = list(qs)
    staff_months = sum(f.n_staff / 1000 * f.months for f in forces)
    return Quality(
        abusers=sum(q.abusers for q in qs),
        in_top_1pct=sum(q.in_top_1pct for q in qs),
        alerted=sum(q.alerted for q in qs),
        alerted_abusers=sum(q.alerted_abusers for q in qs),
        ap=statistics.fmean(q.ap for q in qs),
        alerts_per_1k_month=sum(q.alerted for q in qs) / staff_months,
    )


def detector_table(title: str, columns: Iterable[str]) -> Table:
    """A table whose first column names the detector and whose others are figures."""
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify="left" if col == "detector" else "right")
    return table


def quality_table(forces: list[Force], title: str) -> Table:
    table = detector_table(
        title,
        (
            "detector",
            "seed",
            "staff",
            "abusers",
            "AP",
            "recall@1%",
            "alerted",
            "alert precision",
            "alert recall",
            "alerts /1k staff /month",
        ),
    )
    for m, method in enumerate(r.method for r in forces[0].runs):
        qs = []
        for f in forces:
            q = quality(f, f.runs[m])
            qs.append(q)
            table.add_row(
                method,
                str(f.seed),
                str(f.n_staff),
                str(q.abusers),
                f"{q.ap:.3f}",
                f"{f2(q.recall_at_1pct)} ({q.in_top_1pct}/{q.abusers})",
                str(q.alerted),
                f"{f2(q.precision)} ({q.alerted_abusers}/{q.alerted})",
                f"{f2(q.recall)} ({q.alerted_abusers}/{q.abusers})",
                f"{q.alerts_per_1k_month:.2f}",
            )
        p = pooled(qs, forces)
        table.add_row(
            f"[bold]{method}[/]",
            "all",
            str(sum(f.n_staff for f in forces)),
            str(p.abusers),
            f"[bold]{p.ap:.3f}[/] (mean)",
            f"[bold]{f2(p.recall_at_1pct)}[/] ({p.in_top_1pct}/{p.abusers})",
            str(p.alerted),
            f"[bold]{f2(p.precision)}[/] ({p.alerted_abusers}/{p.alerted})",
            f"[bold]{f2(p.recall)}[/] ({p.alerted_abusers}/{p.abusers})",
            f"[bold]{p.alerts_per_1k_month:.2f}[/]",
            end_section=True,
        )
    return table


def kinds_table(forces: list[Force], title: str) -> Table:
    """Found/total per scenario and alerted/total per hard-negative kind, by the
    whole-window run; seeds pooled. A member of staff may have several hard-negative
    kinds and counts under each."""
    methods = [r.method for r in forces[0].runs]
    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("kind")
    table.add_column("n", justify="right")
    for method in methods:
        table.add_column(method, justify="right")
    for kind in SCENARIO_KINDS:
        staff = [(f, s) for f in forces for s, (sc, _) in f.abusers.items() if sc == kind]
        alerted = [sum(s in f.runs[m].alerted for f, s in staff) for m in range(len(methods))]
        table.add_row("scenario", kind, str(len(staff)), *[frac(k, len(staff)) for k in alerted])
    table.add_section()
    if any(f.hard_negatives is None for f in forces):
        table.add_row("hard negative", "(_sim/hard_negatives.csv missing for some force)")
        return table
    for kind in HARD_NEGATIVE_KINDS:
        staff = [(f, s) for f in forces for s, k in f.hard_negatives or [] if k == kind]
        alerted = [sum(s in f.runs[m].alerted for f, s in staff) for m in range(len(methods))]
        table.add_row(
            "hard negative", kind, str(len(staff)), *[frac(k, len(staff)) for k in alerted]
        )
    return table


def delays(force: Force, run: MethodRun, kind: str | None = None) -> tuple[list[float], int]:
    """Days from truth.start to first alert of the abusers (of scenario `kind`) alerted at
    or after their start, and how many were never alerted."""
    first = first_alerts(force, run)
    found, never = [], 0
    for s, (sc, start) in force.abusers.items():
        if kind is not None and sc != kind:
            continue
        t = first[s]
        if t is None:
            never += 1
        else:
            found.append(days(t, start))
    return found, never


def summary(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} / {max(values):.1f}"


def delay_table(forces: list[Force], title: str) -> Table:
    table = detector_table(
        title,
        (
            "detector",
            "abusers",
            "alerted ≥ start",
            "never",
            "days: median / max",
            "mean",
            "PARTNER_TIP alerted ≤ 1 day after the tip",
            "ever alerted /1k staff /month",
            "as-of runs",
            "as-of wall s",
        ),
    )
    staff_months = sum(f.n_staff / 1000 * f.months for f in forces)
    for m, method in enumerate(r.method for r in forces[0].runs):
        found, never, ever = pooled_delays((f, f.runs[m]) for f in forces)
        tips_alerted = sum(sum(f.runs[m].tip_alerted.values()) for f in forces)
        tips = sum(len(f.runs[m].tip_alerted) for f in forces)
        table.add_row(
            method,
            str(len(found) + never),
            str(len(found)),
            str(never),
            summary(found),
            f"{statistics.fmean(found):.1f}" if found else "–",
            frac(tips_alerted, tips),
            f"{ever / staff_months:.2f}",
            str(sum(len(f.runs[m].asof_alerted) for f in forces)),
            f"{sum(f.runs[m].asof_s for f in forces):.1f}",
        )
    return table


def ever_alerted(run: MethodRun) -> int:
    """Staff alerted by at least one of the run's as-of runs."""
    return len(set().union(*(a for _, a in run.asof_alerted)))


def pooled_delays(runs: Iterable[tuple[Force, MethodRun]]) -> tuple[list[float], int, int]:
    """Over (force, run) pairs: the days to first alert of the abusers alerted at or after
    their start, how many abusers were never alerted, and how many staff were ever
    alerted by an as-of run."""
    found: list[float] = []
    never = ever = 0
    for f, r in runs:
        d, n = delays(f, r)
        found += d
        never += n
        ever += ever_alerted(r)
    return found, never, ever


def threshold_table(forces: list[Force], thresholds: list[float], title: str) -> Table:
    """Vigil alerting at each of `thresholds` on its risk score: alert quality over the
    whole window and, when the as-of scores were kept, days to first alert. Shows what a
    lower or higher `alert_threshold` buys and costs."""
    default = load_catalogue().scoring.alert_threshold
    asof = all(f.runs[0].asof_scores for f in forces)
    cols = ["threshold", "alerted", "alert precision", "alert recall", "alerts /1k staff /month"]
    if asof:
        cols += ["never", "days: median / max", "mean", "ever alerted /1k staff /month"]
    table = detector_table(title, cols)
    staff_months = sum(f.n_staff / 1000 * f.months for f in forces)
    for threshold in sorted(set(thresholds) | {default}):
        runs = [(f, at_threshold(f.runs[0], threshold)) for f in forces]
        p = pooled((quality(f, r) for f, r in runs), forces)
        row = [
            f"{threshold:g}" + (" (default)" if threshold == default else ""),
            str(p.alerted),
            f"{f2(p.precision)} ({p.alerted_abusers}/{p.alerted})",
            f"{f2(p.recall)} ({p.alerted_abusers}/{p.abusers})",
            f"{p.alerts_per_1k_month:.2f}",
        ]
        if asof:
            found, never, ever = pooled_delays(runs)
            row += [
                str(never),
                summary(found),
                f"{statistics.fmean(found):.1f}" if found else "–",
                f"{ever / staff_months:.2f}",
            ]
        table.add_row(*row, style="bold" if threshold == default else None)
    return table


def scenario_delay_table(forces: list[Force], title: str) -> Table:
    methods = [r.method for r in forces[0].runs]
    table = Table(title=title, title_justify="left")
    table.add_column("scenario")
    table.add_column("n", justify="right")
    for method in methods:
        table.add_column(f"{method}: median / max (never)", justify="right")
    for kind in SCENARIO_KINDS:
        n = sum(sc == kind for f in forces for sc, _ in f.abusers.values())
        row = [kind, str(n)]
        for m in range(len(methods)):
            found: list[float] = []
            never = 0
            for f in forces:
                d, k = delays(f, f.runs[m], kind)
                found += d
                never += k
            row.append(f"{summary(found)} ({never})" if n else "–")
        table.add_row(*row)
    return table


def timing_table(forces: list[Force], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    rules = [r for r in forces[0].runs if r.method.startswith("Rule")]
    cols = ["seed", "simulate", "ingest", "Vigil", "Vigil as-of", "UEBA", "UEBA as-of"]
    cols += ["Rule", "Rule as-of", "total"] if rules else ["total"]
    for col in cols:
        table.add_column(col, justify="right")
    sums = np.zeros(len(cols) - 1)
    for f in forces:
        by = {r.method: r for r in f.runs}
        vals = [
            f.simulate_s,
            f.ingest_s,
            by["Vigil"].full_s,
            by["Vigil"].asof_s,
            by["UEBA"].full_s,
            by["UEBA"].asof_s,
        ]
        if rules:  # the thresholds share one count query
            vals += [by[rules[0].method].full_s, by[rules[0].method].asof_s]
        vals.append(sum(vals))
        sums += vals
        table.add_row(str(f.seed), *[f"{v:.1f}" for v in vals])
    table.add_row("all", *[f"{v:.1f}" for v in sums], style="bold")
    return table


def steps_table(forces: list[Force], title: str) -> Table:
    """Where Vigil's full run spends its time: each shared relation and each indicator
    (its own queries), per seed and on average."""
    table = Table(title=title, title_justify="left")
    table.add_column("step")
    for f in forces:
        table.add_column(f"seed {f.seed}", justify="right")
    table.add_column("mean", justify="right")
    steps = [run.steps for f in forces for run in f.runs if run.method == "Vigil"]
    for name in steps[0]:
        values = [s.get(name, 0.0) for s in steps]
        table.add_row(name, *[f"{v:.1f}" for v in values], f"{np.mean(values):.1f}")
    return table


def print_size(forces: list[Force], size: int, cadence: str, sweep: list[float]) -> None:
    out.print()
    out.print(quality_table(forces, f"Ranking and alerts — {size} staff"))
    out.print(kinds_table(forces, f"Alerted by scenario and hard-negative kind — {size} staff"))
    what = (
        f"{cadence} as-of runs at 00:00 UTC, {size} staff, seeds pooled; "
        "only alerts at or after truth.start count"
    )
    if all(f.runs[0].asof_alerted for f in forces):
        out.print(delay_table(forces, f"Days from truth.start to first alert — {what}"))
        out.print(scenario_delay_table(forces, f"Days to first alert by scenario — {what}"))
    if sweep:
        days = f"; days from {cadence} as-of runs" if forces[0].runs[0].asof_scores else ""
        title = f"Vigil at other alert thresholds — {size} staff, seeds pooled{days}"
        out.print(threshold_table(forces, sweep, title))
    out.print(timing_table(forces, f"Wall time per stage, seconds — {size} staff"))
    out.print(steps_table(forces, f"Vigil's full run by step, seconds — {size} staff"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000], help="staff")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument(
        "--cadence",
        choices=sorted(CADENCE),
        default="weekly",
        help="re-run every detector as of every day or week of the window (midnight UTC) "
        "to measure days to first alert",
    )
    parser.add_argument(
        "--vary",
        type=simulator_setting,
        action="append",
        default=[],
        metavar="FIELD=JSON",
        help="change a simulator setting (a SimulationConfig field), to measure on forces "
        "unlike the default ones: --vary activity_scale=1.5 --vary "
        "'intensity_range=[0.05, 0.6]' (repeatable)",
    )
    parser.add_argument("--no-asof", action="store_true", help="skip the as-of runs")
    parser.add_argument(
        "--asof-sizes",
        type=int,
        nargs="+",
        help="run the as-of runs only for these sizes (default: every size)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="processes for Vigil's as-of runs (each is an independent run_on_lake; on 2 "
        "cores 2 jobs were no faster than 1)",
    )
    parser.add_argument(
        "--rule-threshold",
        type=int,
        nargs="+",
        default=[3],
        help="the rule alerts at this many off-duty accesses to vulnerable people "
        "(several values: one rule per value)",
    )
    parser.add_argument(
        "--ueba-contamination",
        type=float,
        default=0.01,
        help="UEBA alerts on this share of staff (the top by anomaly score)",
    )
    parser.add_argument("--ueba-trees", type=int, default=200)
    parser.add_argument(
        "--sweep",
        type=float,
        nargs="*",
        help="also show Vigil alerting at these risk thresholds (default: 0.5, 0.75, 1.25 "
        "and 1.5 times the catalogue's alert_threshold; none: no sweep)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="Keep simulated forces here and reuse them on the next run (simulate and "
        "ingest times are then 0).",
    )
    args = parser.parse_args()
    args.vary = dict(args.vary)
    if args.sweep is None:
        default = load_catalogue().scoring.alert_threshold
        args.sweep = [round(default * k, 2) for k in (0.5, 0.75, 1.25, 1.5)]

    started = time.perf_counter()
    asof = "none" if args.no_asof else args.cadence
    if args.asof_sizes and not args.no_asof:
        asof += f" (for {' and '.join(map(str, args.asof_sizes))} staff only)"
    out.print(
        f"[bold]Detection quality: Vigil vs baselines[/] — {args.days} days, seeds "
        f"{' '.join(map(str, args.seeds))}, as-of cadence: {asof}\n"
        f"UEBA = IsolationForest ({args.ueba_trees} trees, log1p of per-staff counts, fitted "
        f"per force and as-of time), alert = top {args.ueba_contamination:.1%} of active "
        f"staff by -decision_function. Rule ≥N = N+ access events to people with a "
        f"vulnerability code outside rostered duty (± the catalogue's "
        f"{load_catalogue().purpose.duty_grace_minutes:g} min duty grace). AP and "
        f"recall@1%: staff without a score rank last, ties broken pessimistically. "
        f"Alerts: the whole-window run."
        + (
            f"\nSimulator settings changed: {', '.join(f'{k}={v}' for k, v in args.vary.items())}"
            if args.vary
            else ""
        ),
        highlight=False,
    )
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:  # each size's tables as soon as its forces are done
            forces = []
            for seed in args.seeds:
                log.print(f"[bold]{size} staff x {args.days} days, seed {seed}[/] ...")
                forces.append(run_force(size, seed, args, workdir))
            print_size(forces, size, args.cadence, args.sweep)
    out.print(f"total wall time {time.perf_counter() - started:.0f} s", highlight=False)


if __name__ == "__main__":
    main()
