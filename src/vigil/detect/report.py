"""The detection report: staff ranked by risk with the evidence behind the top ones, as
one self-contained HTML file (no external assets: forces run air-gapped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from jinja2 import Environment, PackageLoader, select_autoescape

from vigil.detect.catalogue import Catalogue, load_catalogue
from vigil.detect.engine import DetectionResult


def top_staff(
    result: DetectionResult, staff: pa.Table, limit: int = 10, findings_each: int = 5
) -> list[dict[str, Any]]:
    """The `limit` highest-ranked staff with their role, team and strongest findings."""
    directory = {
        r["staff_id"]: r for r in staff.select(["staff_id", "role", "team_id"]).to_pylist()
    }
    risk = result.staff_risk.sort_by("rank").slice(0, limit).to_pylist()
    wanted = {r["staff_id"] for r in risk}
    by_staff: dict[str, list[dict[str, Any]]] = {}
    for f in result.findings.filter(
        pc.is_in(result.findings["staff_id"], pa.array(sorted(wanted), pa.string()))
    ).to_pylist():
        f["explanation"] = json.loads(f["evidence"])["explanation"]
        by_staff.setdefault(f["staff_id"], []).append(f)
    rows = []
    for r in risk:
        info = directory.get(r["staff_id"], {})
        found = sorted(by_staff.get(r["staff_id"], []), key=lambda f: -f["score"])[:findings_each]
        rows.append(
            {
                **r,
                "role": info.get("role", "?"),
                "team_id": info.get("team_id", "?"),
                "findings": found,
            }
        )
    return rows


def render_report(
    result: DetectionResult,
    staff: pa.Table,
    path: Path,
    catalogue: Catalogue | None = None,
    listed: int = 50,
    detailed: int = 10,
) -> Path:
    catalogue = catalogue or load_catalogue()
    env = Environment(loader=PackageLoader("vigil.detect"), autoescape=select_autoescape())
    html = env.get_template("report.html.j2").render(
        staff=top_staff(result, staff, listed, findings_each=0),
        detail=top_staff(result, staff, detailed),
        n_staff=result.staff_risk.num_rows,
        n_alerted=result.alerted.num_rows,
        n_findings=result.findings.num_rows,
        threshold=catalogue.scoring.alert_threshold,
        window_end=result.window_end,
        as_of=result.as_of,
        indicators=list(catalogue.indicators.items()),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
