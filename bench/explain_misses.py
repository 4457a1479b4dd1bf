"""Where detection misses, and why: per abuser and per top-ranked innocent, on kept forces.

Run by hand on forces that `bench/detection_quality.py --workdir DIR` left behind:

    .venv/bin/python bench/explain_misses.py /tmp/benchwork/lake-1000x120-11 [...]
        [--probe-days 7 14] [--innocents 8] [--jobs 2]

For each lake it prints the ranking's average precision, each abuser's rank, risk and
indicators (by scenario), the innocent staff ranked highest (with any hard-negative kind
the simulator recorded for them) and, with `--probe-days`, whether each abuser is alerted
as of N days after their behaviour starts (runs as of those times, shared by abusers who
start on the same day). It reads `truth` to say who is who; detection never does.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

# bench/ is on sys.path when a script in it runs.
from detection_quality import abusers_in, average_precision, quiet_pool, read_hard_negatives

from vigil.detect.engine import DetectionResult, run_on_lake
from vigil.ingest.lake import Lake


def _rows_by_staff(result: DetectionResult) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    risk = {r["staff_id"]: r for r in result.staff_risk.to_pylist()}
    findings: dict[str, list[dict]] = defaultdict(list)
    for f in result.findings.to_pylist():
        findings[f["staff_id"]].append(f)
    return risk, findings


def _describe(findings: list[dict], limit: int = 6) -> str:
    top = sorted(findings, key=lambda f: -f["score"])[:limit]
    return "; ".join(
        f"{f['indicator']}[{(f['person_id'] or '-')[-6:]}] {f['score']:.2f}" for f in top
    )


def _midnight(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def explain(lake_root: str, probe_days: list[int], innocents: int) -> str:
    lake = Lake(Path(lake_root))
    lines = [f"== {lake_root}"]
    abusers = abusers_in(lake.read("truth").to_pylist())
    extract = Path(lake_root.replace("/lake-", "/extract-"))
    hard = dict(read_hard_negatives(extract) or [])

    t0 = time.perf_counter()
    full = run_on_lake(lake)
    lines.append(f"full run {time.perf_counter() - t0:.0f} s")
    risk, findings = _rows_by_staff(full)
    n_staff = lake.read("staff").num_rows
    ranked = [r["staff_id"] for r in full.staff_risk.to_pylist()]
    ap = average_precision(ranked, set(abusers), n_staff)
    n_alerted = sum(1 for r in risk.values() if r["alerted"])
    true_alerts = sum(1 for s in abusers if risk.get(s, {}).get("alerted"))
    lines.append(f"AP {ap:.3f}; alerted {n_alerted} ({true_alerts}/{len(abusers)} abusers)")
    by_rank = sorted(abusers.items(), key=lambda a: risk.get(a[0], {}).get("rank", 10**6))
    for s, (kind, start) in by_rank:
        r = risk.get(s)
        mine = findings.get(s, [])
        lines.append(
            f"  {kind:22} {s} rank {r['rank'] if r else '-':>5} risk "
            f"{r['risk_score'] if r else 0:6.2f} {'ALERT' if r and r['alerted'] else '     '} "
            f"start {start:%m-%d} | {_describe(mine)}"
        )
    worst = min((risk[s]["rank"] for s in abusers if s in risk), default=0)
    shown = 0
    for s in ranked:
        if s in abusers:
            continue
        r = risk[s]
        if shown >= innocents and r["rank"] > worst:
            break
        shown += 1
        lines.append(
            f"  innocent {hard.get(s, ''):26} {s} rank {r['rank']:>5} risk {r['risk_score']:6.2f}"
            f" {'ALERT' if r['alerted'] else '     '} | {_describe(findings[s])}"
        )

    if probe_days:
        times: dict[datetime, list[str]] = defaultdict(list)
        for s, (_, start) in abusers.items():
            for d in probe_days:
                times[_midnight(start) + timedelta(days=d)].append(s)
        seen: dict[str, dict[int, str]] = defaultdict(dict)
        for t in sorted(times):
            res = run_on_lake(lake, as_of=t.astimezone(UTC))
            risk_t, findings_t = _rows_by_staff(res)
            for s in times[t]:
                d = (t - _midnight(abusers[s][1])).days
                r = risk_t.get(s)
                mine = findings_t.get(s, [])
                seen[s][d] = (
                    f"d{d}: {'ALERT' if r and r['alerted'] else 'no'} risk "
                    f"{r['risk_score'] if r else 0:.2f} rank {r['rank'] if r else '-'} "
                    f"| {_describe(mine, 4)}"
                )
        lines.append("  probes:")
        for s, (kind, _) in sorted(abusers.items(), key=lambda a: a[1][0]):
            for d in probe_days:
                lines.append(f"    {kind:22} {s} {seen[s][d]}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lakes", nargs="+")
    parser.add_argument("--probe-days", type=int, nargs="*", default=[])
    parser.add_argument("--innocents", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with quiet_pool(args.jobs) as pool:
        futures = [
            pool.submit(explain, lake, args.probe_days, args.innocents) for lake in args.lakes
        ]
        for fut in futures:
            print(fut.result(), flush=True)


if __name__ == "__main__":
    main()
