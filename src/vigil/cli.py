"""The `vigil` command: thin wrappers over the stages, with Rich output."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import pyarrow as pa
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from vigil.detect.engine import DetectionResult

app = typer.Typer(
    help="Vigil: active monitoring of force IT systems for abuse of position for a sexual purpose.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
# Piped output (CI logs, `| less`) gets a width that keeps evidence readable.
console = Console() if sys.stdout.isatty() else Console(width=140)


ProgressCallback = Callable[[str, int, int | None], None]


class ExtractFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


@contextmanager
def rich_progress() -> Iterator[ProgressCallback]:
    """A callback `(step, done, total)` that drives one Rich progress bar per step."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def update(step: str, done: int, total: int | None = None) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield update


def _parse_as_of(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected an ISO 8601 timestamp, got {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@app.command()
def simulate(
    out: Annotated[Path, typer.Option(help="Folder to write the synthetic force extract to.")],
    staff: Annotated[int, typer.Option(min=60, help="Number of staff.")] = 500,
    days: Annotated[int, typer.Option(min=7, help="Days of activity.")] = 90,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same force.")] = 1,
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")] = "2026-01-05",
    fmt: Annotated[ExtractFormat, typer.Option("--format", help="File format.")] = (
        ExtractFormat.PARQUET
    ),
) -> None:
    """Write a synthetic force extract, with injected APSP behaviour recorded in `truth`."""
    from vigil.simulate import SimulationConfig
    from vigil.simulate import simulate as run_simulation

    config = SimulationConfig(staff=staff, days=days, seed=seed, start=date.fromisoformat(start))
    started = time.perf_counter()
    with rich_progress() as progress:
        counts = run_simulation(config, out, fmt=fmt.value, progress=progress)
    _print_counts(f"Simulated force written to {out}", counts, time.perf_counter() - started)


@app.command()
def ingest(
    extract: Annotated[Path, typer.Argument(help="Force extract folder (CSV/Parquet per table).")],
    lake: Annotated[Path, typer.Option(help="Lake folder to load into (created if absent).")],
) -> None:
    """Validate an extract against the data contract and load it into the lake."""
    from vigil.ingest import IngestError, ingest_extract

    try:
        with rich_progress() as progress:
            summary = ingest_extract(extract, lake, progress=progress)
    except IngestError as exc:
        _fail("ingest failed", exc)
    console.print(summary.as_rich_table())


@app.command()
def detect(
    source: Annotated[Path, typer.Argument(help="A lake, or a force extract (ingested first).")],
    out: Annotated[Path, typer.Option(help="Folder for staff_risk and findings.")],
    as_of: Annotated[
        str | None, typer.Option(help="Only what was known at this time (ISO 8601).")
    ] = None,
    catalogue: Annotated[
        Path | None, typer.Option(help="Indicator catalogue (TOML); the packaged one if absent.")
    ] = None,
    suppressions: Annotated[
        Path | None,
        typer.Option(help="Allow-list CSV (scope,value,indicator,reason,decided_by,expires)."),
    ] = None,
    top: Annotated[int, typer.Option(help="How many staff to print.")] = 10,
    timings: Annotated[
        bool, typer.Option(help="Also print each indicator's findings and wall time.")
    ] = False,
) -> None:
    """Run the indicator catalogue and write staff_risk and findings (and run.json, with
    each indicator's findings and wall time)."""
    from vigil.detect.catalogue import CatalogueError, load_catalogue
    from vigil.detect.engine import detect as run_detection
    from vigil.detect.suppressions import SuppressionError, load_suppressions

    try:
        cat = load_catalogue(catalogue)
        allow_list = load_suppressions(suppressions) if suppressions else []
    except (CatalogueError, SuppressionError) as exc:
        _fail("invalid input", exc)
    started = time.perf_counter()
    with console.status("detecting") as status:
        result = run_detection(
            source,
            out,
            as_of=_parse_as_of(as_of),
            catalogue=cat,
            suppressions=allow_list,
            progress=status.update,
        )
    console.print(
        f"{result.staff_risk.num_rows} staff with findings, {result.alerted.num_rows} alerted, "
        f"{result.findings.num_rows} findings in {time.perf_counter() - started:.1f}s → {out}"
    )
    _print_top(result.staff_risk, result.findings, top)
    if timings:
        _print_timings(result)


@app.command()
def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Working folder (default: DATA_DIR/demo).")
    ] = None,
    staff: Annotated[int, typer.Option(min=60)] = 500,
    days: Annotated[int, typer.Option(min=7)] = 90,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Simulate a small force, ingest it, detect, print the top 10 and write an HTML report."""
    from vigil.config import get_settings
    from vigil.detect.engine import run_on_lake, write_output
    from vigil.detect.report import render_report
    from vigil.ingest import ingest_extract
    from vigil.ingest.lake import Lake
    from vigil.simulate import SimulationConfig
    from vigil.simulate import simulate as run_simulation

    base = directory or get_settings().data_dir / "demo"
    extract, lake_dir, out = base / "extract", base / "lake", base / "out"
    started = time.perf_counter()
    config = SimulationConfig(staff=staff, days=days, seed=seed)
    with rich_progress() as progress:
        counts = run_simulation(config, extract, fmt="parquet", progress=progress)
        _print_counts(f"1. Simulated a force of {staff} staff over {days} days", counts, None)
        summary = ingest_extract(extract, lake_dir, progress=progress)
    console.print("2. Ingested into the lake")
    console.print(summary.as_rich_table())
    lake = Lake(lake_dir)
    with console.status("3. detecting") as status:
        result = run_on_lake(lake, progress=status.update)
    write_output(result, out)
    console.print(
        f"3. Detection: {result.staff_risk.num_rows} staff with findings, "
        f"{result.alerted.num_rows} alerted, {result.findings.num_rows} findings"
    )
    _print_top(result.staff_risk, result.findings, 10)
    report = render_report(result, lake.read("staff"), out / "report.html")
    console.print(f"4. Report: {report}")
    console.print(f"Demo finished in {time.perf_counter() - started:.1f}s")


@app.command("catalogue")
def catalogue_check(
    path: Annotated[Path | None, typer.Argument(help="Catalogue file to validate.")] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the catalogue as a Markdown document.")
    ] = False,
) -> None:
    """Validate an indicator catalogue and list its indicators."""
    from vigil.detect.catalogue import CatalogueError, load_catalogue, to_markdown

    try:
        cat = load_catalogue(path)
    except CatalogueError as exc:
        _fail("invalid catalogue", exc)
    if markdown:
        print(to_markdown(cat))
        return
    table = Table("indicator", "weight", "title")
    for indicator_id, entry in cat.indicators.items():
        table.add_row(indicator_id, f"{entry.weight:g}", entry.title)
    console.print(table)
    console.print(f"alert threshold {cat.scoring.alert_threshold:g}; {cat.source} is valid")


def _fail(what: str, exc: Exception) -> NoReturn:
    # soft_wrap keeps file paths and messages on one line, whole, for copying.
    console.print(f"[red]{what}:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(2)


def _print_counts(title: str, counts: dict[str, int], seconds: float | None) -> None:
    table = Table("table", "rows", title=title)
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if seconds is not None:
        console.print(f"in {seconds:.1f}s")


def _print_top(staff_risk: pa.Table, findings: pa.Table, limit: int) -> None:
    if staff_risk.num_rows == 0:
        console.print("No findings.")
        return
    best: dict[str, tuple[str, float, str]] = {}
    for f in findings.select(["staff_id", "indicator", "score", "evidence"]).to_pylist():
        current = best.get(f["staff_id"])
        if current is None or f["score"] > current[1]:
            best[f["staff_id"]] = (f["indicator"], f["score"], f["evidence"])
    table = Table(
        "rank", "staff", "risk", "alert", "indicators", "strongest evidence", title="Top staff"
    )
    for row in staff_risk.sort_by("rank").slice(0, limit).to_pylist():
        indicator, _, evidence = best[row["staff_id"]]
        table.add_row(
            str(row["rank"]),
            row["staff_id"],
            f"{row['risk_score']:.2f}",
            "ALERT" if row["alerted"] else "",
            row["top_indicators"].replace(";", ", "),
            f"{indicator}: {json.loads(evidence)['explanation']}",
        )
    console.print(table)


def _print_timings(result: DetectionResult) -> None:
    table = Table("step", "findings", "seconds", title="Where the run's time went")
    for name, seconds in result.shared_seconds.items():
        table.add_row(f"shared: {name}", "", f"{seconds:.1f}")
    for run in result.indicator_runs:
        table.add_row(run.indicator, str(run.findings), f"{run.seconds:.1f}")
    table.add_row("whole run", str(result.findings.num_rows), f"{result.seconds:.1f}")
    console.print(table)


def _mount_store_commands() -> None:
    from vigil.store.cli import (
        alerts_app,
        audit_app,
        cases_app,
        db_app,
        intel_app,
        retention_app,
        users_app,
    )

    for name, sub in (
        ("db", db_app),
        ("users", users_app),
        ("alerts", alerts_app),
        ("intel", intel_app),
        ("cases", cases_app),
        ("audit", audit_app),
        ("retention", retention_app),
    ):
        app.add_typer(sub, name=name)


_mount_store_commands()

if __name__ == "__main__":
    app()
