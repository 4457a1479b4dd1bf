"""What detection reads: the lake's tables as Ibis expressions, cut at an as-of time,
and the relations every indicator builds on (who accessed which person, with what purpose,
on or off duty).

Everything here is an Ibis expression; nothing is computed until an indicator's findings
are executed, so the same code runs on DuckDB and on Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

import ibis
import ibis.expr.types as ir

from vigil import contract
from vigil.detect.settings import PurposeSettings
from vigil.ingest.lake import Lake

#: Stands in for "still open" when an interval has no end.
OPEN_END = datetime(9999, 1, 1, tzinfo=UTC)

#: Peer groups smaller than this fall back to all staff of the same role.
MIN_PEERS = 8

#: Tables detection may read. `truth` is deliberately absent: detection never sees it.
DETECTION_TABLES = tuple(t for t in contract.EXTRACT_TABLES if t != "truth")


def load_tables(con: ibis.BaseBackend, lake: Lake) -> dict[str, ir.Table]:
    """Register each lake table on `con`; an absent optional table is an empty one."""
    tables: dict[str, ir.Table] = {}
    for name in DETECTION_TABLES:
        spec = contract.table(name)
        files = [str(f) for f in lake.files(name)]
        if files:
            raw = con.read_parquet(files, table_name=f"lake_{name}", hive_partitioning=False)
            tables[name] = raw.select(*[raw[c.name].cast(ibis.dtype(c.type)) for c in spec.columns])
        else:
            tables[name] = con.create_table(f"lake_{name}", spec.empty(), overwrite=True)
    return tables


def cut_as_of(tables: dict[str, ir.Table], as_of: datetime | None) -> dict[str, ir.Table]:
    """The tables as the force's systems knew them at `as_of`.

    Events, duty and partner reports after `as_of` are dropped; incidents and tasking
    opened before it but closed after it are still open (their end is unknown then).
    """
    if as_of is None:
        return tables
    t = dict(tables)
    cut = ibis.literal(as_of.astimezone(UTC))
    for name in ("access_events", "contact_events", "partner_reports"):
        spec = contract.table(name)
        assert spec.time_column is not None
        t[name] = t[name].filter(t[name][spec.time_column] <= cut)
    duty = t["duty"].filter(t["duty"].start <= cut)
    t["duty"] = duty.mutate(end=ibis.least(duty.end, cut))
    inc = t["incidents"].filter(t["incidents"].opened_at <= cut)
    t["incidents"] = inc.mutate(
        closed_at=ibis.ifelse(inc.closed_at > cut, ibis.null("timestamp('UTC')"), inc.closed_at)
    )
    tasking = t["incident_staff"].filter(t["incident_staff"].assigned_at <= cut)
    t["incident_staff"] = tasking.mutate(
        unassigned_at=ibis.ifelse(
            tasking.unassigned_at > cut, ibis.null("timestamp('UTC')"), tasking.unassigned_at
        )
    )
    known_incidents = t["incidents"].incident_id
    t["incident_people"] = t["incident_people"].filter(
        t["incident_people"].incident_id.isin(known_incidents)
    )
    return t


@dataclass
class Sources:
    """The cut tables and the derived relations indicators share."""

    tables: dict[str, ir.Table]
    purpose: PurposeSettings
    as_of: datetime | None = None

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    @cached_property
    def vulnerable_people(self) -> ir.Table:
        """People with at least one vulnerability code."""
        p = self["people"]
        return p.filter(p.vulnerability.notnull() & (p.vulnerability.strip() != "")).select(
            "person_id", "vulnerability", "sex", "date_of_birth"
        )

    @cached_property
    def person_access(self) -> ir.Table:
        """Every access to a person: direct person look-ups, and incident views, which are
        access to each person in the incident. Columns: event_id, ts, staff_id, person_id,
        via (PERSON or INCIDENT), system, action."""
        a = self["access_events"]
        direct = a.filter((a.subject_type == "PERSON") & a.subject_id.notnull()).select(
            "event_id",
            "ts",
            "staff_id",
            person_id=a.subject_id,
            via=ibis.literal("PERSON"),
            system=a.system,
            action=a.action,
        )
        inc_views = a.filter((a.subject_type == "INCIDENT") & a.subject_id.notnull())
        ip = self["incident_people"].select("incident_id", "person_id").distinct()
        through_incident = inc_views.join(ip, inc_views.subject_id == ip.incident_id).select(
            "event_id",
            "ts",
            "staff_id",
            person_id=ip.person_id,
            via=ibis.literal("INCIDENT"),
            system=inc_views.system,
            action=inc_views.action,
        )
        return direct.union(through_incident)

    @cached_property
    def vulnerable_access(self) -> ir.Table:
        """`person_access` restricted to vulnerable people, with their vulnerability codes."""
        pa_ = self.person_access
        v = self.vulnerable_people
        return pa_.join(v, pa_.person_id == v.person_id).select(pa_, vulnerability=v.vulnerability)

    @cached_property
    def purpose_intervals(self) -> ir.Table:
        """When each member of staff had a policing purpose for each person: from a little
        before assignment to an incident involving the person until a grace period after
        the assignment ended (unassigned, or the incident closed, whichever came first).
        Open assignments on open incidents run on. Columns: staff_id, person_id,
        incident_id, purpose_from, purpose_to, involvement_ended (null while open)."""
        tasking = self["incident_staff"]
        inc = self["incidents"].select("incident_id", "closed_at")
        ip = self["incident_people"].select("incident_id", "person_id").distinct()
        before = ibis.interval(minutes=int(self.purpose.grace_before_hours * 60))
        after = ibis.interval(minutes=int(self.purpose.grace_after_hours * 60))
        joined = tasking.join(ip, "incident_id").left_join(inc, "incident_id")
        open_end = ibis.literal(OPEN_END)
        ended = ibis.least(
            joined.unassigned_at.fill_null(open_end), joined.closed_at.fill_null(open_end)
        )
        return joined.select(
            staff_id=joined.staff_id,
            person_id=joined.person_id,
            incident_id=joined.incident_id,
            purpose_from=joined.assigned_at - before,
            purpose_to=ibis.ifelse(ended == open_end, open_end, ended + after),
            involvement_ended=ibis.ifelse(ended == open_end, ibis.null("timestamp('UTC')"), ended),
        )

    def without_purpose(self, events: ir.Table) -> ir.Table:
        """Events (staff_id, person_id, ts) at a time the staff had no purpose for the person."""
        p = self.purpose_intervals
        return events.anti_join(
            p,
            [
                events.staff_id == p.staff_id,
                events.person_id == p.person_id,
                events.ts >= p.purpose_from,
                events.ts <= p.purpose_to,
            ],
        )

    def with_purpose(self, events: ir.Table) -> ir.Table:
        p = self.purpose_intervals
        return events.semi_join(
            p,
            [
                events.staff_id == p.staff_id,
                events.person_id == p.person_id,
                events.ts >= p.purpose_from,
                events.ts <= p.purpose_to,
            ],
        )

    @cached_property
    def on_duty_intervals(self) -> ir.Table:
        """Rostered duty (not leave), widened by the duty grace."""
        d = self["duty"]
        grace = ibis.interval(minutes=int(self.purpose.duty_grace_minutes))
        d = d.filter(d.kind.isin(sorted(contract.ON_DUTY_KINDS)))
        return d.select("staff_id", duty_from=d.start - grace, duty_to=d.end + grace)

    def off_duty(self, events: ir.Table) -> ir.Table:
        """Events (staff_id, ts) outside every rostered duty of that member of staff."""
        d = self.on_duty_intervals
        return events.anti_join(
            d,
            [events.staff_id == d.staff_id, events.ts >= d.duty_from, events.ts <= d.duty_to],
        )

    def on_duty(self, events: ir.Table) -> ir.Table:
        d = self.on_duty_intervals
        return events.semi_join(
            d,
            [events.staff_id == d.staff_id, events.ts >= d.duty_from, events.ts <= d.duty_to],
        )

    @cached_property
    def peer_groups(self) -> ir.Table:
        """Each member of staff's peer group: the same role in the same kind of team
        (the team id without its area or shift suffix: RESPONSE-NORTH-A → RESPONSE), so
        a DA safeguarding officer is compared with DA safeguarding colleagues. Groups
        smaller than MIN_PEERS fall back to everyone with the same role."""
        s = self["staff"]
        team_kind = s.team_id.upper().re_extract(r"^([A-Z]+)", 1)
        tagged = s.select("staff_id", "role", peer=s.role + ":" + team_kind)
        tagged = tagged.mutate(n_peers=tagged.staff_id.count().over(group_by="peer"))
        return tagged.select(
            "staff_id",
            peer_group=ibis.ifelse(tagged.n_peers >= MIN_PEERS, tagged.peer, tagged.role + ":*"),
        )
