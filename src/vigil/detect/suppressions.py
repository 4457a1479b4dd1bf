"""Suppressions: the unit's allow-list of explained patterns.

A CCU that has looked into a pattern and found it legitimate (a DA officer's out-of-hours
safeguarding calls, an analyst's problem profile) records an entry: who it covers (a
member of staff, a person or a team), which indicator (or all), why, who decided, and
when it expires. Matching findings are still written, marked as suppressed with the
reason, and add no risk: nothing is silently lost, and an expired entry stops
suppressing by itself.

The file is CSV with a header: scope,value,indicator,reason,decided_by,expires
(scope is STAFF, PERSON or TEAM; indicator is an id or *; expires is a date).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from vigil.detect.indicators import INDICATORS

SCOPES = ("STAFF", "PERSON", "TEAM")
FIELDS = ("scope", "value", "indicator", "reason", "decided_by", "expires")


class SuppressionError(ValueError):
    """The suppressions file is invalid; the message names file, line and field."""


@dataclass(frozen=True)
class Suppression:
    scope: str
    value: str
    indicator: str
    reason: str
    decided_by: str
    expires: date

    def active_at(self, moment: datetime) -> bool:
        return moment.astimezone(UTC).date() <= self.expires

    def label(self) -> str:
        return f"{self.reason} (decided by {self.decided_by}, until {self.expires})"


def load_suppressions(path: str | Path) -> list[Suppression]:
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [f for f in FIELDS if f not in (reader.fieldnames or [])]
            if missing:
                raise SuppressionError(f"{path}: missing column(s) {', '.join(missing)}")
            return [_parse(row, path, line) for line, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise SuppressionError(f"{path}: cannot read: {exc.strerror}") from None


def _parse(row: dict[str, str], path: Path, line: int) -> Suppression:
    def fail(field: str, expected: str) -> SuppressionError:
        return SuppressionError(
            f"{path}, line {line}, column {field}: expected {expected}, got {row.get(field)!r}"
        )

    scope = (row["scope"] or "").strip().upper()
    if scope not in SCOPES:
        raise fail("scope", "one of " + ", ".join(SCOPES))
    value = (row["value"] or "").strip()
    if not value:
        raise fail("value", "a staff, person or team id")
    indicator = (row["indicator"] or "").strip()
    if indicator != "*" and indicator not in INDICATORS:
        raise fail("indicator", "an indicator id or *")
    reason = (row["reason"] or "").strip()
    if not reason:
        raise fail("reason", "the reason for the suppression")
    decided_by = (row["decided_by"] or "").strip()
    if not decided_by:
        raise fail("decided_by", "who decided it")
    try:
        expires = date.fromisoformat((row["expires"] or "").strip())
    except ValueError:
        raise fail("expires", "a date YYYY-MM-DD") from None
    return Suppression(scope, value, indicator, reason, decided_by, expires)


def apply_suppressions(
    findings: pa.Table, staff: pa.Table, suppressions: list[Suppression], moment: datetime
) -> pa.Table:
    """`findings` with `suppressed` and `suppression` set for entries active at `moment`."""
    n = findings.num_rows
    suppressed = [False] * n
    labels: list[str | None] = [None] * n
    active = [s for s in suppressions if s.active_at(moment)]
    if active and n:
        team_of = dict(
            zip(staff["staff_id"].to_pylist(), staff["team_id"].to_pylist(), strict=True)
        )
        staff_ids = findings["staff_id"].to_pylist()
        teams = [team_of.get(s) for s in staff_ids]
        persons = findings["person_id"].to_pylist()
        indicators = findings["indicator"].to_pylist()
        # Findings are few (thousands); entries fewer still.
        for i in range(n):
            for s in active:
                subject = {"STAFF": staff_ids[i], "PERSON": persons[i], "TEAM": teams[i]}[s.scope]
                if subject == s.value and s.indicator in ("*", indicators[i]):
                    suppressed[i], labels[i] = True, s.label()
                    break
    findings = findings.set_column(
        findings.schema.get_field_index("suppressed"),
        "suppressed",
        pa.array(suppressed, pa.bool_()),
    )
    return findings.set_column(
        findings.schema.get_field_index("suppression"),
        "suppression",
        pa.array(labels, pa.string()),
    )


def unsuppressed(findings: pa.Table) -> pa.Table:
    return findings.filter(pc.invert(pc.fill_null(findings["suppressed"], False)))
