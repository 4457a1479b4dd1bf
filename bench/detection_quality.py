"""Detection quality on simulated forces: recall@1%, alert precision, AP and run time.

Run by hand (not in CI):

    .venv/bin/python bench/detection_quality.py [--staff 1000] [--days 120] [--seeds 11 12 13]

For each seed it simulates a force, ingests it, runs detection (never reading `truth`)
and compares the staff ranking with `truth`. Every figure printed is measured.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from vigil.detect.engine import run_on_lake
from vigil.ingest import ingest_extract
from vigil.ingest.lake import Lake
from vigil.simulate import SimulationConfig, simulate


@dataclass
class SeedResult:
    seed: int
    staff: int
    abusers: int
    in_top_1pct: int
    top_1pct_size: int
    alerted: int
    alerted_abusers: int
    average_precision: float
    missed_scenarios: list[str]
    simulate_s: float
    ingest_s: float
    detect_s: float

    @property
    def recall_at_1pct(self) -> float:
        return self.in_top_1pct / self.abusers if self.abusers else float("nan")

    @property
    def alert_precision(self) -> float:
        return self.alerted_abusers / self.alerted if self.alerted else float("nan")

    @property
    def alert_recall(self) -> float:
        return self.alerted_abusers / self.abusers if self.abusers else float("nan")


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


def run_seed(seed: int, staff: int, days: int, workdir: Path) -> SeedResult:
    extract = workdir / f"extract-{staff}x{days}-{seed}"
    lake_dir = workdir / f"lake-{staff}x{days}-{seed}"
    t0 = time.perf_counter()
    reuse = Lake.is_lake(lake_dir)  # --workdir keeps forces between runs of the detector
    if not reuse:
        config = SimulationConfig(staff=staff, days=days, seed=seed, start=date(2026, 1, 5))
        simulate(config, extract)
    t1 = time.perf_counter()
    if not reuse:
        ingest_extract(extract, lake_dir)
    t2 = time.perf_counter()
    lake = Lake(lake_dir)
    result = run_on_lake(lake)
    t3 = time.perf_counter()

    truth = lake.read("truth")
    positives = set(truth["staff_id"].to_pylist())
    n_staff = lake.read("staff").num_rows
    ranking = result.staff_risk.sort_by("rank")["staff_id"].to_pylist()
    top_n = max(1, round(n_staff * 0.01))
    alerted = set(result.alerted["staff_id"].to_pylist())
    found = set(ranking[:top_n]) | alerted
    missed = sorted(
        {
            f"{s}:{sc}"
            for s, sc in zip(
                truth["staff_id"].to_pylist(), truth["scenario"].to_pylist(), strict=True
            )
            if s not in found
        }
    )
    return SeedResult(
        seed=seed,
        staff=n_staff,
        abusers=len(positives),
        in_top_1pct=len(positives & set(ranking[:top_n])),
        top_1pct_size=top_n,
        alerted=len(alerted),
        alerted_abusers=len(alerted & positives),
        average_precision=average_precision(ranking, positives, n_staff),
        missed_scenarios=missed,
        simulate_s=t1 - t0,
        ingest_s=t2 - t1,
        detect_s=t3 - t2,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument(
        "--workdir",
        type=Path,
        help="Keep simulated forces here and reuse them on the next run (simulate and "
        "ingest times are then 0).",
    )
    args = parser.parse_args()

    console = Console(width=160)
    results = []
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for seed in args.seeds:
            console.print(f"seed {seed}: {args.staff} staff x {args.days} days ...")
            results.append(run_seed(seed, args.staff, args.days, workdir))

    table = Table(title=f"Vigil detection quality ({args.staff} staff x {args.days} days)")
    for col in (
        "seed",
        "abusers",
        "recall@1%",
        "alerted",
        "alert precision",
        "alert recall",
        "AP",
        "simulate s",
        "ingest s",
        "detect s",
    ):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            str(r.seed),
            str(r.abusers),
            f"{r.recall_at_1pct:.2f} ({r.in_top_1pct}/{r.abusers})",
            str(r.alerted),
            f"{r.alert_precision:.2f}",
            f"{r.alert_recall:.2f}",
            f"{r.average_precision:.3f}",
            f"{r.simulate_s:.1f}",
            f"{r.ingest_s:.1f}",
            f"{r.detect_s:.1f}",
        )
    abusers = sum(r.abusers for r in results)
    alerted = sum(r.alerted for r in results)
    alerted_abusers = sum(r.alerted_abusers for r in results)
    table.add_row(
        "total",
        str(abusers),
        f"{sum(r.in_top_1pct for r in results) / abusers:.2f}",
        str(alerted),
        f"{alerted_abusers / alerted:.2f}" if alerted else "n/a",
        f"{alerted_abusers / abusers:.2f}",
        f"{sum(r.average_precision for r in results) / len(results):.3f} (mean)",
        f"{sum(r.simulate_s for r in results):.1f}",
        f"{sum(r.ingest_s for r in results):.1f}",
        f"{sum(r.detect_s for r in results):.1f}",
    )
    console.print(table)
    for r in results:
        if r.missed_scenarios:
            console.print(
                f"seed {r.seed}: not in top 1% nor alerted: {', '.join(r.missed_scenarios)}"
            )


if __name__ == "__main__":
    main()
