"""Ingest: force extracts (CSV, Parquet or folders of either) validated into the lake.

    from vigil.ingest import ingest_extract
    summary = ingest_extract("extract/", "lake/")
    print(summary.table("access_events").rows_quarantined)

See `core.ingest_extract` for the behaviour, `summary.TableResult` for the row
accounting, `quarantine` for the quarantine files and `lake` for the lake layout.
"""

from vigil.ingest.core import Progress, ingest_extract
from vigil.ingest.lake import Lake, LakeError
from vigil.ingest.sources import IngestError
from vigil.ingest.summary import IngestSummary, TableResult

__all__ = [
    "IngestError",
    "IngestSummary",
    "Lake",
    "LakeError",
    "Progress",
    "TableResult",
    "ingest_extract",
]
