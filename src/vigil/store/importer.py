"""Read the contract's detection output (`staff_risk`, `findings`) for the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from vigil import contract
from vigil.store.errors import StoreError


def read_detection_output(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """Rows of `staff_risk` and `findings` in folder `out`, checked against the contract,
    and a label of the run (folder and window end) for the audit log."""
    out = Path(out)
    risk = _read(out, "staff_risk")
    findings = _read(out, "findings")
    label = str(out)
    run = out / "run.json"
    if run.exists():
        meta = json.loads(run.read_text())
        label = f"{out} (window end {meta.get('window_end')})"
    return risk.to_pylist(), findings.to_pylist(), label


def _read(out: Path, name: str) -> pa.Table:
    parquet, csv = out / f"{name}.parquet", out / f"{name}.csv"
    try:
        if parquet.exists():
            data = pq.read_table(parquet)
        elif csv.exists():
            data = pacsv.read_csv(csv)
        else:
            raise StoreError(f"{out}: no {name}.parquet (is this a `vigil detect` output folder?)")
        return contract.conform(name, data)
    except (pa.ArrowException, ValueError) as exc:
        raise StoreError(f"{out}/{name}: {exc}") from None
