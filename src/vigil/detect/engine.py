"""`vigil detect`: run the catalogue over a lake (or an extract) and write the contract's
detection output, `staff_risk` and `findings`."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vigil import contract
from vigil.config import get_settings
from vigil.detect.catalogue import Catalogue, load_catalogue
from vigil.detect.context import Sources, cut_as_of, load_tables
from vigil.detect.indicators import FINDING_COLUMNS, INDICATORS
from vigil.detect.scoring import decayed_scores, staff_risk, weigh_by_person
from vigil.detect.settings import STRENGTH_DIGITS
from vigil.detect.suppressions import Suppression, apply_suppressions, unsuppressed
from vigil.ingest.lake import Lake

Progress = Callable[[str], None]


@dataclass(frozen=True)
class IndicatorRun:
    """What one indicator cost in a run: a force's data engineer sees which indicator to
    tune or switch off when the nightly run grows."""

    indicator: str
    #: Findings before suppression.
    findings: int
    #: Wall time of its own queries, not counting the shared relations it was the first
    #: to need (those are in DetectionResult.shared_seconds).
    seconds: float


@dataclass
class DetectionResult:
    staff_risk: pa.Table
    findings: pa.Table
    as_of: datetime | None
    window_end: datetime | None
    out: Path | None = None
    indicator_runs: list[IndicatorRun] = field(default_factory=list)
    #: Seconds computing each relation the indicators share (unexplained access, duty...).
    shared_seconds: dict[str, float] = field(default_factory=dict)
    #: Wall time of the whole run, from loading the lake to scoring staff.
    seconds: float = 0.0

    @property
    def alerted(self) -> pa.Table:
        return self.staff_risk.filter(self.staff_risk["alerted"])


def detect(
    source: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    as_of: datetime | None = None,
    catalogue: Catalogue | None = None,
    suppressions: list[Suppression] | None = None,
    progress: Progress | None = None,
) -> DetectionResult:
    """Run detection over `source`, a lake or a force extract (ingested to a temporary
    lake first), and write `staff_risk` and `findings` to `out` if given."""
    source = Path(source)
    if Lake.is_lake(source):
        result = run_on_lake(
            Lake(source),
            as_of=as_of,
            catalogue=catalogue,
            suppressions=suppressions,
            progress=progress,
        )
    else:
        from vigil.ingest import ingest_extract

        scratch_parent = Path(out) if out is not None else None
        if scratch_parent is not None:
            scratch_parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".vigil-lake-", dir=scratch_parent) as tmp:
            _say(progress, f"ingesting {source}")
            ingest_extract(source, Path(tmp) / "lake")
            result = run_on_lake(
                Lake(Path(tmp) / "lake"),
                as_of=as_of,
                catalogue=catalogue,
                suppressions=suppressions,
                progress=progress,
            )
    if out is not None:
        write_output(result, Path(out))
    return result


def run_on_lake(
    lake: Lake,
    *,
    as_of: datetime | None = None,
    catalogue: Catalogue | None = None,
    suppressions: list[Suppression] | None = None,
    progress: Progress | None = None,
) -> DetectionResult:
    """Run the catalogue over `lake` as of `as_of` (default: everything in it)."""
    catalogue = catalogue or load_catalogue()
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    # Spill to disk rather than exhaust memory on a large force: the shared relations go
    # to a scratch database file the buffer manager can page out, intermediate results
    # to its temporary directory. Insertion order is irrelevant to every indicator and
    # costs memory to keep.
    with tempfile.TemporaryDirectory(prefix="vigil-spill-") as spill:
        limit = get_settings().detect_memory_limit
        con = ibis.duckdb.connect(
            database=str(Path(spill) / "detect.duckdb"),
            temp_directory=spill,
            preserve_insertion_order=False,
            **({"memory_limit": limit} if limit else {}),
        )
        try:
            return _run(con, lake, as_of, catalogue, suppressions or [], progress)
        finally:
            con.disconnect()


def _run(
    con: ibis.BaseBackend,
    lake: Lake,
    as_of: datetime | None,
    catalogue: Catalogue,
    suppressions: list[Suppression],
    progress: Progress | None,
) -> DetectionResult:
    started = time.perf_counter()
    tables = cut_as_of(load_tables(con, lake), as_of)
    src = Sources(tables, catalogue.purpose, as_of, con, vulnerability=catalogue.vulnerability)
    window_end = as_of or _last_event_time(con, src)
    if window_end is None:
        empty = DetectionResult(
            contract.table("staff_risk").empty(), contract.table("findings").empty(), as_of, None
        )
        return empty
    parts: list[pa.Table] = []
    runs: list[IndicatorRun] = []
    for indicator_id in catalogue.enabled():
        entry = catalogue.indicators[indicator_id]
        _say(progress, f"indicator {indicator_id}")
        indicator_started, shared_before = time.perf_counter(), sum(src.shared_seconds.values())
        found = INDICATORS[indicator_id].find(src, entry.params).select(*FINDING_COLUMNS)
        found = weigh_by_person(found, tables["people"], catalogue.scoring)
        found = found.mutate(strength=found.strength.round(STRENGTH_DIGITS))
        if entry.peer_baseline:
            found = src.peer_baseline(
                found, catalogue.scoring.peer_spread_floor, catalogue.scoring.baseline_days
            )
        else:
            found = found.mutate(peer_baseline=ibis.null("float64"))
        found = found.mutate(
            indicator=ibis.literal(indicator_id), weight=ibis.literal(entry.weight)
        )
        scored = found.mutate(
            score=decayed_scores(found, window_end, catalogue.half_life_days(indicator_id))
        )
        # Each indicator runs as its own query: findings are few, so collecting them is
        # cheap, and one query per indicator keeps the engine's working set small.
        parts.append(con.to_pyarrow(scored).cast(_RAW_FINDINGS))
        shared = sum(src.shared_seconds.values()) - shared_before
        own = time.perf_counter() - indicator_started - shared
        runs.append(IndicatorRun(indicator_id, parts[-1].num_rows, own))
    _say(progress, "collecting findings")
    findings = _to_contract_findings(pa.concat_tables(parts))
    findings = apply_suppressions(
        findings, con.to_pyarrow(tables["staff"]), suppressions, window_end
    )
    _say(progress, "scoring staff")
    risk = staff_risk(
        con,
        unsuppressed(findings),
        catalogue.scoring,
        catalogue.families,
        reinforcing=catalogue.reinforcing,
    )
    return DetectionResult(
        risk,
        findings,
        as_of,
        window_end,
        indicator_runs=runs,
        shared_seconds=dict(src.shared_seconds),
        seconds=time.perf_counter() - started,
    )


_RAW_FINDINGS = pa.schema(
    [
        ("staff_id", pa.string()),
        ("person_id", pa.string()),
        ("first_ts", contract.TIMESTAMP),
        ("last_ts", contract.TIMESTAMP),
        ("event_ids", pa.list_(pa.string())),
        ("n_events", pa.int64()),
        ("strength", pa.float64()),
        ("explanation", pa.string()),
        ("peer_baseline", pa.float64()),
        ("indicator", pa.string()),
        ("weight", pa.float64()),
        ("score", pa.float64()),
    ]
)


def finding_id(indicator: str, staff_id: str, person_id: str | None) -> str:
    """Stable across re-runs: one finding per indicator, member of staff and person; new
    evidence updates the finding rather than creating another."""
    key = "\x1f".join((indicator, staff_id, person_id or ""))
    return "F-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def _to_contract_findings(raw: pa.Table) -> pa.Table:
    # Findings are few (one per indicator, member of staff and person); building their
    # ids and evidence JSON row by row is cheap, unlike anything over the events.
    rows = raw.select(
        [
            "indicator",
            "staff_id",
            "person_id",
            "event_ids",
            "n_events",
            "explanation",
            "peer_baseline",
        ]
    ).to_pylist()
    ids = [finding_id(r["indicator"], r["staff_id"], r["person_id"]) for r in rows]
    evidence = [
        json.dumps(
            {
                "explanation": r["explanation"],
                "n_events": r["n_events"],
                "event_ids": r["event_ids"],
                "peer_baseline": r["peer_baseline"],
            },
            separators=(",", ":"),
        )
        for r in rows
    ]
    table = raw.append_column("finding_id", pa.array(ids, pa.string())).append_column(
        "evidence", pa.array(evidence, pa.string())
    )
    table = contract.conform("findings", table)
    return table.sort_by([("score", "descending"), ("finding_id", "ascending")])


def _last_event_time(con: ibis.BaseBackend, src: Sources) -> datetime | None:
    latest = [
        con.execute(src[name][contract.table(name).time_column].max())
        for name in ("access_events", "contact_events", "partner_reports")
    ]
    present = [t for t in latest if t is not None and t == t]  # NaT != NaT
    if not present:
        return None
    return max(_as_utc(t) for t in present)


def _as_utc(value: object) -> datetime:
    ts = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    assert isinstance(ts, datetime)
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def write_output(result: DetectionResult, out: Path) -> None:
    """Write the contract's detection output to `out`, each file atomically."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / "staff_risk.parquet", lambda p: pq.write_table(result.staff_risk, p))
    _atomic(out / "staff_risk.csv", lambda p: pacsv.write_csv(result.staff_risk, p))
    _atomic(out / "findings.parquet", lambda p: pq.write_table(result.findings, p))
    meta = {
        "contract_version": contract.CONTRACT_VERSION,
        "as_of": result.as_of.isoformat() if result.as_of else None,
        "window_end": result.window_end.isoformat() if result.window_end else None,
        "staff_with_findings": result.staff_risk.num_rows,
        "alerted": result.alerted.num_rows,
        "findings": result.findings.num_rows,
        "seconds": round(result.seconds, 2),
        "indicators": [
            {"indicator": r.indicator, "findings": r.findings, "seconds": round(r.seconds, 2)}
            for r in result.indicator_runs
        ],
        "shared_relations_seconds": {k: round(v, 2) for k, v in result.shared_seconds.items()},
    }
    _atomic(out / "run.json", lambda p: p.write_text(json.dumps(meta, indent=2)))
    result.out = out


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)
