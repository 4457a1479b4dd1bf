"""Try a catalogue change on kept forces in seconds, not a full benchmark run.

Run the catalogue once over forces that `bench/detection_quality.py --workdir DIR` left
behind, keeping each force's findings; then score those findings again with other
weights or scoring settings (no indicator runs again), or run one indicator again with
other parameters and put its findings in place of the kept ones:

    .venv/bin/python bench/tune_catalogue.py keep KEPT /tmp/benchwork/lake-1000x120-1[1-7]
    .venv/bin/python bench/tune_catalogue.py score KEPT
    .venv/bin/python bench/tune_catalogue.py score KEPT --weight CONTACT_INTENSITY=0.5 \\
        --scoring family_bonus=0.25
    .venv/bin/python bench/tune_catalogue.py rerun KEPT OTHER CONTACT_INTENSITY \\
        --param tasked_weight=0.1 /tmp/benchwork/lake-1000x120-1[1-7]
    .venv/bin/python bench/tune_catalogue.py score OTHER

The same for earliness: run the catalogue as of every day of the first days of each
abuser's behaviour, keeping the findings, then score them again:

    .venv/bin/python bench/tune_catalogue.py keep-asof EARLY /tmp/benchwork/lake-1000x120-1[1-3]
    .venv/bin/python bench/tune_catalogue.py latency EARLY --scoring alert_threshold=2.0

`latency` prints, per scenario, the days from each abuser's start to the first daily
as-of run that alerts him (the as-of times of `detection_quality.py --cadence daily`),
within `--horizon` days, beside the day of his second visit to a woman he targets (the
earliest a detector that waits for a repeat could alert), and the colleagues those runs
alerted; the full daily benchmark stays the measure of record.

`score` prints the mean average precision of the staff ranking and the alerts (true of
all, and of the abusers) for the forces in a folder: the whole-window figures of
`detection_quality.py`, which stay the measure of record. A weight is a factor on the
indicator's kept scores; a scoring setting is a `ScoringSettings` field as JSON. Tuning
on a handful of forces fits their quirks: keep a change only if it holds on forces of
both sizes and has a reason in policing, and state both in the catalogue.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# bench/ is on sys.path when a script in it runs.
from detection_quality import CADENCE, abusers_in, asof_times, average_precision, quiet_pool, window

from vigil.detect.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue
from vigil.detect.engine import run_on_lake
from vigil.detect.scoring import staff_risk
from vigil.ingest.lake import Lake


def _keep_one(lake_root: str, kept: Path) -> str:
    lake = Lake(Path(lake_root))
    name = Path(lake_root).name
    pq.write_table(run_on_lake(lake).findings, kept / f"{name}.parquet")
    abusers = abusers_in(lake.read("truth").to_pylist())
    labels = {
        "abusers": {s: kind for s, (kind, _) in abusers.items()},
        "n_staff": lake.read("staff").num_rows,
    }
    (kept / f"{name}.json").write_text(json.dumps(labels))
    return name


def _keep_asof_one(lake_root: str, kept: Path, horizon_days: int) -> str:
    """Findings as of each daily as-of time within `horizon_days` of an abuser's start."""
    lake = Lake(Path(lake_root))
    name = Path(lake_root).name
    abusers = abusers_in(lake.read("truth").to_pylist())
    ts = pc.min_max(lake.read("access_events")["ts"])
    grid = asof_times(*window(ts["min"].as_py(), ts["max"].as_py()), CADENCE["daily"])
    horizon = timedelta(days=horizon_days)
    times = sorted({t for t in grid for _, st in abusers.values() if st <= t <= st + horizon})
    if not times:
        raise SystemExit(
            f"{lake_root}: no daily as-of time within {horizon_days} days of an abuser's start "
            "(the lake has no abuser, or --horizon is too short)"
        )
    parts = []
    for t in times:
        found = run_on_lake(lake, as_of=t).findings
        parts.append(
            found.append_column("as_of", pa.array([t] * found.num_rows, pa.timestamp("us", "UTC")))
        )
    pq.write_table(pa.concat_tables(parts), kept / f"{name}.parquet")
    labels = {
        "abusers": {s: [kind, st.isoformat()] for s, (kind, st) in abusers.items()},
        "as_of": [t.isoformat() for t in times],
        "horizon_days": horizon_days,
        # The behaviour's own clock: the same whatever the catalogue, so worked out once.
        "second_day": second_days(lake),
    }
    (kept / f"{name}.json").write_text(json.dumps(labels))
    return name


def second_days(lake: Lake) -> dict[str, float]:
    """Per abuser with a target (truth.person_id): days from the start of his behaviour to
    his first look at or contact with a woman he targets a day or more after it (two
    looks in one night shift are one visit). A look without purpose on one day is
    ordinary, so no detector that waits for a repeat can alert before then; a trawl has
    no one target and is left out."""
    con = ibis.duckdb.connect()
    truth = con.create_table("truth", lake.read("truth"))
    access = con.create_table("access", lake.read("access_events"))
    contact = con.create_table("contact", lake.read("contact_events"))
    numbers = con.create_table("numbers", lake.read("person_contacts"))
    target = truth.filter(truth.person_id.notnull())
    start = truth.group_by("staff_id").aggregate(start=truth.start.min())
    looks = access.filter(access.subject_type == "PERSON").select(
        "staff_id", "ts", person_id=access.subject_id
    )
    calls = contact.join(numbers, contact.counterpart == numbers.value).select(
        "staff_id", "ts", "person_id"
    )
    events = looks.union(calls).join(target, ["staff_id", "person_id"])
    events = events.filter(events.ts >= events.start).join(start, "staff_id")
    elapsed = (events.ts.epoch_seconds() - events.start_right.epoch_seconds()) / 86400.0
    days = events.group_by(["staff_id", elapsed.floor().name("day")]).aggregate(
        first=events.ts.min(), start=events.start_right.min()
    )
    ranked = days.mutate(k=ibis.row_number().over(group_by="staff_id", order_by="day"))
    second = ranked.filter(ranked.k == 1)  # Ibis numbers rows from 0: this is the second day
    waited = (second.first.epoch_seconds() - second.start.epoch_seconds()) / 86400.0
    rows = con.to_pyarrow(second.select("staff_id", waited=waited)).to_pylist()
    return {r["staff_id"]: r["waited"] for r in rows}


def latency(kept: Path, weights: dict[str, float], scoring_changes: dict[str, Any]) -> str:
    catalogue = load_catalogue()
    scoring = catalogue.scoring.model_copy(update=scoring_changes)
    con = ibis.duckdb.connect()
    by_scenario: dict[str, list[float]] = {}
    clocks: list[float] = []  # the second day of behaviour of those with a target
    lines: list[str] = []
    colleagues, horizon = 0, 0
    for path in sorted(kept.glob("*.parquet")):
        labels = json.loads(path.with_suffix(".json").read_text())
        horizon = labels["horizon_days"]
        abusers = {s: (k, datetime.fromisoformat(st)) for s, (k, st) in labels["abusers"].items()}
        abuser_ids = set(abusers)
        findings = _weighted(pq.read_table(path), weights)
        clock: dict[str, float] = labels.get("second_day", {})
        first: dict[str, float] = {}
        alerted_colleagues: set[str] = set()
        for iso in labels["as_of"]:
            t = datetime.fromisoformat(iso)
            at_t = findings.filter(
                pc.equal(findings["as_of"], pa.scalar(t, findings["as_of"].type))
            )
            risk = staff_risk(
                con, at_t.drop(["as_of"]), scoring, catalogue.families, catalogue.reinforcing
            )
            alerted = {r["staff_id"] for r in risk.to_pylist() if r["alerted"]}
            alerted_colleagues |= alerted - abuser_ids
            for s in alerted & abuser_ids:
                waited = (t - abusers[s][1]).total_seconds() / 86400.0
                # Times kept for other abusers say nothing of the days between.
                if s not in first and 0 <= waited <= horizon:
                    first[s] = waited
        cells = []
        for s, (kind, _) in sorted(abusers.items(), key=lambda a: a[1]):
            d = first.get(s)
            by_scenario.setdefault(kind, []).append(d if d is not None else float("inf"))
            cell = f"{kind.lower()} {'–' if d is None else f'{d:.1f}'}"
            if s in clock:
                clocks.append(clock[s])
                cell += f" (second day {clock[s]:.1f})"
            cells.append(cell)
        colleagues += len(alerted_colleagues)
        lines.append(
            f"  {path.stem}: {', '.join(cells)}; colleagues alerted {len(alerted_colleagues)}"
        )
    everyone: list[float] = []
    for kind, values in sorted(by_scenario.items()):
        everyone += values
        lines.append(f"  {kind}: {_days(values)}")
    if clocks:
        lines.append(
            f"  the second day of behaviour of the {len(clocks)} with a target: {_days(clocks)}"
        )
    late = sum(v == float("inf") for v in everyone)
    lines.append(
        f"all {len(everyone)} abusers: median / max days {_days(everyone)}; "
        f"{late} not alerted within {horizon} days; colleagues alerted {colleagues}"
    )
    return "\n".join(lines)


def _days(values: list[float]) -> str:
    """'median / max' days, with ∞ for an abuser not alerted within the horizon."""
    median, most = statistics.median(values), max(values)
    return " / ".join("∞" if v == float("inf") else f"{v:.1f}" for v in (median, most))


def _weighted(findings: pa.Table, weights: dict[str, float]) -> pa.Table:
    """`findings` with each score multiplied by its indicator's factor in `weights`."""
    factor = pa.array([weights.get(i, 1.0) for i in findings["indicator"].to_pylist()])
    scored = pc.multiply(findings["score"], factor)
    return findings.set_column(findings.schema.get_field_index("score"), "score", scored)


def _rerun_one(lake_root: str, kept: Path, out: Path, indicator: str, params: dict) -> str:
    raw = tomllib.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
    entry = raw["indicators"][indicator]
    entry["params"] = {**entry.get("params", {}), **params}
    raw["indicators"] = {indicator: entry}
    name = Path(lake_root).name
    found = run_on_lake(Lake(Path(lake_root)), catalogue=parse_catalogue(raw)).findings
    before = pq.read_table(kept / f"{name}.parquet")
    others = before.filter(pc.not_equal(before["indicator"], indicator))
    found = found.select(others.column_names).cast(others.schema)
    pq.write_table(pa.concat_tables([others, found]), out / f"{name}.parquet")
    shutil.copy(kept / f"{name}.json", out / f"{name}.json")
    return name


def _in_parallel(jobs: int, fn: Any, lakes: list[str], *args: Any) -> None:
    with quiet_pool(jobs) as pool:
        for name in pool.map(fn, lakes, *([a] * len(lakes) for a in args)):
            print(name, "done", flush=True)


def score(kept: Path, weights: dict[str, float], scoring_changes: dict[str, Any]) -> str:
    catalogue = load_catalogue()
    scoring = catalogue.scoring.model_copy(update=scoring_changes)
    con = ibis.duckdb.connect()
    lines: list[str] = []
    per_force: list[tuple[float, int, int, int]] = []  # AP, true alerts, alerts, abusers
    for path in sorted(kept.glob("*.parquet")):
        labels = json.loads(path.with_suffix(".json").read_text())
        abusers: dict[str, str] = labels["abusers"]
        findings = _weighted(pq.read_table(path), weights)
        risk = staff_risk(con, findings, scoring, catalogue.families, catalogue.reinforcing)
        rows = risk.to_pylist()
        ap = average_precision([r["staff_id"] for r in rows], set(abusers), labels["n_staff"])
        alerted = {r["staff_id"] for r in rows if r["alerted"]}
        hits = len(alerted & set(abusers))
        lines.append(f"  {path.stem}: AP {ap:.3f}, alerts {hits}/{len(alerted)} of {len(abusers)}")
        per_force.append((ap, hits, len(alerted), len(abusers)))
    mean_ap = sum(f[0] for f in per_force) / max(len(per_force), 1)
    true_alerts, alerts = sum(f[1] for f in per_force), sum(f[2] for f in per_force)
    lines.append(
        f"mean AP {mean_ap:.4f}; alert precision {true_alerts}/{alerts}, "
        f"recall {true_alerts}/{sum(f[3] for f in per_force)} ({len(per_force)} forces)"
    )
    return "\n".join(lines)


def _assignments(pairs: list[str], what: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"{what} {pair!r}: expected NAME=VALUE")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            raise SystemExit(f"{what} {pair!r}: the value is not JSON") from None
    return out


def _rescore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kept", type=Path)
    parser.add_argument("--weight", action="append", default=[], metavar="INDICATOR=FACTOR")
    parser.add_argument("--scoring", action="append", default=[], metavar="FIELD=JSON")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keep = commands.add_parser("keep", help="run the catalogue once and keep the findings")
    keep.add_argument("kept", type=Path)
    keep.add_argument("lakes", nargs="+")
    keep.add_argument("--jobs", type=int, default=2)
    _rescore_arguments(commands.add_parser("score", help="score kept findings again"))
    keep_asof = commands.add_parser(
        "keep-asof", help="run the catalogue as of each of the first days of each abuser"
    )
    keep_asof.add_argument("kept", type=Path)
    keep_asof.add_argument("lakes", nargs="+")
    keep_asof.add_argument("--horizon", type=int, default=14, help="days after each start")
    keep_asof.add_argument("--jobs", type=int, default=2)
    _rescore_arguments(commands.add_parser("latency", help="score kept as-of findings again"))
    rerun = commands.add_parser("rerun", help="run one indicator again with other parameters")
    rerun.add_argument("kept", type=Path)
    rerun.add_argument("out", type=Path)
    rerun.add_argument("indicator")
    rerun.add_argument("lakes", nargs="+")
    rerun.add_argument("--param", action="append", default=[], metavar="NAME=JSON")
    rerun.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()

    if args.command == "keep":
        args.kept.mkdir(parents=True, exist_ok=True)
        _in_parallel(args.jobs, _keep_one, args.lakes, args.kept)
    elif args.command == "keep-asof":
        args.kept.mkdir(parents=True, exist_ok=True)
        _in_parallel(args.jobs, _keep_asof_one, args.lakes, args.kept, args.horizon)
    elif args.command in ("score", "latency"):
        weights = {k: float(v) for k, v in _assignments(args.weight, "--weight").items()}
        rescore_with = score if args.command == "score" else latency
        print(rescore_with(args.kept, weights, _assignments(args.scoring, "--scoring")))
    else:
        if args.indicator not in load_catalogue().indicators:
            raise SystemExit(f"{args.indicator}: not an indicator of the catalogue")
        args.out.mkdir(parents=True, exist_ok=True)
        params = _assignments(args.param, "--param")
        _in_parallel(args.jobs, _rerun_one, args.lakes, args.kept, args.out, args.indicator, params)


if __name__ == "__main__":
    main()
