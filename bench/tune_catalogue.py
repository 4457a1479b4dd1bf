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
import tomllib
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# bench/ is on sys.path when a script in it runs.
from detection_quality import abusers_in, average_precision, quiet_pool

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
        findings = pq.read_table(path)
        factor = pa.array([weights.get(i, 1.0) for i in findings["indicator"].to_pylist()])
        scored = pc.multiply(findings["score"], factor)
        findings = findings.set_column(findings.schema.get_field_index("score"), "score", scored)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keep = commands.add_parser("keep", help="run the catalogue once and keep the findings")
    keep.add_argument("kept", type=Path)
    keep.add_argument("lakes", nargs="+")
    keep.add_argument("--jobs", type=int, default=2)
    rescore = commands.add_parser("score", help="score kept findings again")
    rescore.add_argument("kept", type=Path)
    rescore.add_argument("--weight", action="append", default=[], metavar="INDICATOR=FACTOR")
    rescore.add_argument("--scoring", action="append", default=[], metavar="FIELD=JSON")
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
    elif args.command == "score":
        weights = {k: float(v) for k, v in _assignments(args.weight, "--weight").items()}
        print(score(args.kept, weights, _assignments(args.scoring, "--scoring")))
    else:
        if args.indicator not in load_catalogue().indicators:
            raise SystemExit(f"{args.indicator}: not an indicator of the catalogue")
        args.out.mkdir(parents=True, exist_ok=True)
        params = _assignments(args.param, "--param")
        _in_parallel(args.jobs, _rerun_one, args.lakes, args.kept, args.out, args.indicator, params)


if __name__ == "__main__":
    main()
