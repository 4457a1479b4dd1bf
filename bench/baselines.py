"""Two baselines for `detection_quality.py`, computed from a lake as of a time.

- **UEBA**: a generic user-behaviour anomaly detector. Per-staff count features over
  the audit logs (computed in DuckDB through Ibis, no Python loop over events), log1p
  transformed, scored by a scikit-learn `IsolationForest` fitted per force (and per
  as-of time) on the staff with any event by then (staff with none get no score):
  score = -decision_function; the alert is the top `contamination` share of the scored
  staff by score (ties broken by staff_id; `predict == -1` would miss tied scores).
- **Rule**: one rule a force could write by hand: a member of staff accessed people with
  a vulnerability code, outside any rostered duty (SHIFT, OVERTIME, ON_CALL, TRAINING,
  widened by the catalogue's `duty_grace_minutes`, as Vigil does), at least `threshold`
  times. An access is a person look-up, or a view of an
  incident involving the person; events are counted once each (distinct event_id).

Both read the lake's tables through `vigil.detect.context.load_tables` and cut them with
`cut_as_of`, on one DuckDB connection per lake that is reused for every as-of time.
Neither reads `truth`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import ibis
import ibis.expr.types as ir
import numpy as np
from ibis import _
from sklearn.ensemble import IsolationForest

from vigil import contract
from vigil.detect.context import cut_as_of, load_tables
from vigil.ingest.lake import Lake

#: The night, in the force's local time (Europe/London), for the UEBA's night counts.
NIGHT_FROM_HOUR, NIGHT_TO_HOUR = 22, 6

UEBA_FEATURES = (
    "access_events",
    "searches",
    "exports_prints",
    "systems",
    "people_viewed",
    "vulnerable_people_viewed",
    "incidents_viewed",
    "offduty_access",
    "night_access",
    "contacts",
    "counterparts",
    "offduty_contacts",
    "night_contacts",
)


@dataclass
class BaselineScores:
    """One baseline's output for one force at one time: a score for every member of staff
    (NaN = no score, ranked last) and the set alerted."""

    staff_id: list[str]
    score: np.ndarray
    alerted: set[str]


class LakeBaselines:
    """The lake's tables registered once on one DuckDB connection, for any as-of time."""

    def __init__(self, lake: Lake, duty_grace_minutes: float) -> None:
        self.duty_grace = ibis.interval(minutes=int(duty_grace_minutes))
        self.con = ibis.duckdb.connect()
        # Night hours are local hours: let DuckDB convert the UTC timestamps.
        self.con.raw_sql("SET TimeZone = 'Europe/London'")
        self.tables = load_tables(self.con, lake)

    def cut(self, as_of: datetime | None) -> dict[str, ir.Table]:
        return cut_as_of(self.tables, as_of)

    # -- shared relations ------------------------------------------------------------
    @staticmethod
    def _vulnerable(t: dict[str, ir.Table]) -> ir.Table:
        p = t["people"]
        return p.filter(p.vulnerability.notnull() & (p.vulnerability.strip() != "")).select(
            vuln_person="person_id"
        )

    def _duty(self, t: dict[str, ir.Table]) -> ir.Table:
        d = t["duty"]
        d = d.filter(d.kind.isin(sorted(contract.ON_DUTY_KINDS)))
        return d.select(
            duty_staff=d.staff_id,
            duty_from=d.start - self.duty_grace,
            duty_to=d.end + self.duty_grace,
        )

    def _off_duty(self, events: ir.Table, t: dict[str, ir.Table]) -> ir.Table:
        d = self._duty(t)
        return events.anti_join(
            d,
            [events.staff_id == d.duty_staff, events.ts >= d.duty_from, events.ts <= d.duty_to],
        )

    @staticmethod
    def _night(ts: ir.TimestampValue) -> ir.BooleanValue:
        hour = ts.hour()
        return (hour >= NIGHT_FROM_HOUR) | (hour < NIGHT_TO_HOUR)

    # -- UEBA ------------------------------------------------------------------------
    def ueba_features(self, as_of: datetime | None) -> ir.Table:
        """One row per member of staff with any access or contact event by `as_of`: the
        UEBA_FEATURES counts (0 where none)."""
        t = self.cut(as_of)
        a = t["access_events"]
        c = t["contact_events"]
        vuln = self._vulnerable(t)
        acc = a.group_by("staff_id").aggregate(
            access_events=_.count(),
            searches=(_.action == "SEARCH").sum(),
            exports_prints=_.action.isin(["EXPORT", "PRINT"]).sum(),
            systems=_.system.nunique(),
            people_viewed=_.subject_id.nunique(where=_.subject_type == "PERSON"),
            incidents_viewed=_.subject_id.nunique(where=_.subject_type == "INCIDENT"),
            night_access=self._night(_.ts).sum(),
        )
        pv = a.filter(a.subject_type == "PERSON")
        pv = pv.join(vuln, pv.subject_id == vuln.vuln_person)
        vul = pv.group_by("staff_id").aggregate(vulnerable_people_viewed=_.subject_id.nunique())
        off_a = self._off_duty(a.select("staff_id", "ts"), t)
        off_a = off_a.group_by("staff_id").aggregate(offduty_access=_.count())
        con = c.group_by("staff_id").aggregate(
            contacts=_.count(),
            counterparts=_.counterpart.nunique(),
            night_contacts=self._night(_.ts).sum(),
        )
        off_c = self._off_duty(c.select("staff_id", "ts"), t)
        off_c = off_c.group_by("staff_id").aggregate(offduty_contacts=_.count())

        out = t["staff"].select("staff_id")
        for part in (acc, vul, off_a, con, off_c):
            cols = [col for col in part.columns if col != "staff_id"]
            out = out.left_join(part, "staff_id").select(out, *[part[col] for col in cols])
        out = out.select(
            "staff_id", **{f: out[f].cast("int64").fill_null(0) for f in UEBA_FEATURES}
        )
        return out.filter((out.access_events + out.contacts) > 0).order_by("staff_id")

    def ueba(
        self, as_of: datetime | None, *, contamination: float, seed: int, n_estimators: int
    ) -> BaselineScores:
        feats = self.con.to_pyarrow(self.ueba_features(as_of))
        x = np.log1p(
            np.column_stack([feats[f].to_numpy().astype(np.float64) for f in UEBA_FEATURES])
        )
        model = IsolationForest(
            n_estimators=n_estimators, contamination=contamination, random_state=seed
        )
        model.fit(x)
        staff = feats["staff_id"].to_pylist()  # sorted by staff_id
        score = -model.decision_function(x)
        n_alert = round(contamination * len(staff))
        top = np.argsort(-score, kind="stable")[:n_alert]
        return BaselineScores(staff, score, {staff[i] for i in top})

    # -- single rule -----------------------------------------------------------------
    def offduty_vulnerable_counts(self, as_of: datetime | None) -> ir.Table:
        """staff_id, n: access events to vulnerable people outside rostered duty."""
        t = self.cut(as_of)
        a = t["access_events"].filter(_.subject_id.notnull())
        vuln = self._vulnerable(t)
        direct = a.filter(a.subject_type == "PERSON")
        direct = direct.semi_join(vuln, direct.subject_id == vuln.vuln_person)
        inc = a.filter(a.subject_type == "INCIDENT")
        ip = t["incident_people"]
        ip = ip.join(vuln, ip.person_id == vuln.vuln_person).select(vuln_incident="incident_id")
        via_incident = inc.semi_join(ip, inc.subject_id == ip.vuln_incident)
        ev = direct.select("event_id", "staff_id", "ts").union(
            via_incident.select("event_id", "staff_id", "ts")
        )
        off = self._off_duty(ev, t)
        return off.group_by("staff_id").aggregate(n=_.event_id.nunique())

    def rule(self, as_of: datetime | None, *, threshold: int) -> BaselineScores:
        counts = self.con.to_pyarrow(self.offduty_vulnerable_counts(as_of))
        staff = counts["staff_id"].to_pylist()
        n = counts["n"].to_numpy().astype(np.float64)
        alerted = {s for s, k in zip(staff, n, strict=True) if k >= threshold}
        return BaselineScores(staff, n, alerted)
