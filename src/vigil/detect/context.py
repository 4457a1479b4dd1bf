"""What detection reads: the lake's tables as Ibis expressions, cut at an as-of time,
and the relations every indicator builds on (who accessed which person, with what purpose,
on or off duty).

Everything here is an Ibis expression; nothing is computed until an indicator's findings
are executed, so the same code runs on DuckDB and on Spark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import ibis
import ibis.expr.types as ir

from vigil import contract
from vigil.detect.settings import STRENGTH_DIGITS, PurposeSettings, VulnerabilitySettings
from vigil.ingest.lake import Lake

#: The tasking role of purpose the audit trail shows (updates to her incident or record).
CASE_WORK = "CASE_WORK"

#: Stands in for "still open" when an interval has no end.
OPEN_END = datetime(9999, 1, 1, tzinfo=UTC)

#: A role within a kind of team smaller than this widens to the whole kind of team.
MIN_PEERS = 8
#: Fewest members for a peer baseline at all; the last resort is all staff.
MIN_BASELINE_PEERS = 3
#: Times a median absolute deviation is a standard deviation, were the values normal.
MAD_TO_SD = 1.4826

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
    #: When given, relations several indicators share are computed once, as temporary
    #: tables on this backend, instead of once per indicator.
    con: ibis.BaseBackend | None = None
    #: Seconds spent computing each shared relation, in the order they were first needed.
    shared_seconds: dict[str, float] = field(default_factory=dict)
    vulnerability: VulnerabilitySettings = field(default_factory=VulnerabilitySettings)

    def _shared(self, name: str, expr: ir.Table) -> ir.Table:
        if self.con is None:
            return expr
        started = time.perf_counter()
        # Not a TEMP table: the engine's scratch database is a file, and its tables can be
        # paged out under memory pressure.
        table = self.con.create_table(f"shared_{name}", expr, overwrite=True)
        self.shared_seconds[name] = time.perf_counter() - started
        return table

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    @cached_property
    def vulnerable_people(self) -> ir.Table:
        """People with at least one vulnerability code: those on their record, and those
        their roles in incidents give them (`vulnerability.from_incidents`: a victim of
        domestic abuse is vulnerable whether or not her record carries the marker)."""
        p = self["people"]
        recorded = p.vulnerability.fill_null("").strip()
        p = p.select("person_id", "sex", "date_of_birth", recorded=recorded)
        rules = self.vulnerability.pairs()
        if rules:
            ip = self["incident_people"]
            inc = self["incidents"]
            roles = ip.join(inc, ip.incident_id == inc.incident_id).select(
                ip.person_id, inc.type, ip.role
            )
            code = ibis.cases(
                *(((roles.type == t) & (roles.role == r), c) for t, r, c in rules),
                else_=ibis.null("string"),
            )
            given = roles.select("person_id", code=code).filter(ibis._.code.notnull()).distinct()
            given = given.join(p, "person_id")
            # Only the codes her record lacks, in code order.
            given = given.filter(~given.recorded.split(";").contains(given.code))
            extra = given.group_by("person_id").aggregate(
                extra=given.code.collect(order_by=given.code).join(";")
            )
            p = p.left_join(extra, "person_id").drop("person_id_right")
            recorded = ibis.cases(
                (p.extra.isnull(), p.recorded),
                (p.recorded == "", p.extra),
                else_=p.recorded + ";" + p.extra,
            )
            p = p.mutate(recorded=recorded)
        return p.filter(p.recorded != "").select(
            "person_id", "sex", "date_of_birth", vulnerability=p.recorded
        )

    @cached_property
    def people_in_incidents(self) -> ir.Table:
        """Each person in each incident once, whatever her roles in it. Columns:
        incident_id, person_id."""
        return self["incident_people"].select("incident_id", "person_id").distinct()

    @cached_property
    def person_access(self) -> ir.Table:
        """Every access to a person: direct person look-ups, and incident views, which are
        access to each person in the incident. Columns: event_id, ts, staff_id, person_id,
        via (PERSON or INCIDENT), system, action."""
        return self._access_to(self["incident_people"].select("incident_id", "person_id"))

    @cached_property
    def vulnerable_access(self) -> ir.Table:
        """`person_access` restricted to vulnerable people, with their vulnerability codes,
        sex and date of birth. Restricted before the incident views are expanded to the
        people in them, which keeps the largest intermediate table small."""
        v = self.vulnerable_people
        ip = self["incident_people"]
        ip = ip.filter(ip.person_id.isin(v.person_id)).select("incident_id", "person_id")
        access = self._access_to(ip)
        access = access.filter(access.person_id.isin(v.person_id))
        access = access.join(v, "person_id").select(
            *access.columns, "vulnerability", "sex", "date_of_birth"
        )
        return self._shared("vulnerable_access", access)

    def _access_to(self, incident_people: ir.Table) -> ir.Table:
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
        ip = incident_people.distinct()
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
    def purpose_intervals(self) -> ir.Table:
        """When each member of staff had a policing purpose for each person: recorded
        tasking (`recorded_purpose_intervals`) and the tasking the audit trail shows where
        the record misses it (`case_work_intervals`). Columns: staff_id, person_id,
        incident_id, role, purpose_from, purpose_to, involvement_ended (null while open)."""
        recorded = self.recorded_purpose_intervals
        return recorded.union(self.case_work_intervals.cast(recorded.schema()))

    @property
    def _tasking_graces(self) -> tuple[ir.IntervalValue, ir.IntervalValue, ir.IntervalValue]:
        """Grace before assignment, after it ended, and after the incident closed: the
        same for recorded tasking and for the tasking case work shows."""
        p = self.purpose
        return (
            ibis.interval(minutes=int(p.grace_before_hours * 60)),
            ibis.interval(minutes=int(p.grace_after_hours * 60)),
            ibis.interval(minutes=int(p.grace_after_closure_days * 1440)),
        )

    @cached_property
    def recorded_purpose_intervals(self) -> ir.Table:
        """When each member of staff had a policing purpose for each person: from a little
        before assignment to an incident involving the person until a grace period after
        the assignment ended: `grace_after_hours` after a recorded unassignment (even
        after the incident closed), or, for an assignment still open, until
        `grace_after_closure_days` after the incident closed; at least
        `lasting_grace_days` after either for tasking in `lasting_roles`. Tasking that
        begins after the incident closed runs until its own end.
        Open assignments on open incidents run on. Columns: staff_id, person_id,
        incident_id, role (the tasking's), purpose_from, purpose_to, involvement_ended
        (null while open)."""
        tasking = self["incident_staff"]
        inc = self["incidents"].select("incident_id", "closed_at")
        ip = self.people_in_incidents
        before, after, after_closure = self._tasking_graces
        lasting = ibis.interval(minutes=int(self.purpose.lasting_grace_days * 1440))
        joined = tasking.join(ip, "incident_id").left_join(inc, "incident_id")
        open_end = ibis.literal(OPEN_END)
        # Tasking that begins after the incident closed (the investigation, a review,
        # safeguarding) is work that follows the incident: the closure does not end it.
        closed = ibis.ifelse(joined.closed_at > joined.assigned_at, joined.closed_at, open_end)
        # An assignment the record ends, ends there. One still open on a closed incident is
        # more often a record no one closed than months of work: it runs on for the grace
        # after closure only.
        unassigned = joined.unassigned_at
        ended = ibis.ifelse(unassigned.notnull(), unassigned, closed)
        purpose_to = ibis.ifelse(
            unassigned.notnull(),
            unassigned + after,
            ibis.ifelse(closed == open_end, open_end, closed + ibis.greatest(after, after_closure)),
        )
        if self.purpose.lasting_roles:
            purpose_to = ibis.ifelse(
                joined.role.isin(self.purpose.lasting_roles) & (ended != open_end),
                ibis.greatest(purpose_to, ended + lasting),
                purpose_to,
            )
        return joined.select(
            staff_id=joined.staff_id,
            person_id=joined.person_id,
            incident_id=joined.incident_id,
            role=joined.role,
            purpose_from=joined.assigned_at - before,
            purpose_to=purpose_to,
            involvement_ended=ibis.ifelse(ended == open_end, ibis.null("timestamp('UTC')"), ended),
        )

    @cached_property
    def case_work_intervals(self) -> ir.Table:
        """Tasking the audit trail shows where the tasking record misses it (an officer
        sent by radio is never added to the incident; an OIC's assignment is not entered;
        the statement, the risk assessment and the case file are). A member of staff who
        updates an incident over more than a day is working the case, as on an assignment
        with no recorded end: from a little before the incident's opening while it is
        open, and until `grace_after_closure_days` after it closed (or `grace_after_hours`
        after the last update, if later). Updates within a day (the attendance's
        paperwork, an OIC's one entry) explain looks from the incident's opening until
        `grace_after_hours` after the last; from the first, if the record holds tasking
        of theirs on the incident (their involvement is on record, and a later day's
        entry does not explain the weeks between). An update to a person's record alone
        explains looks from a little before it to `grace_after_hours` after. Columns as
        `purpose_intervals`; role CASE_WORK; involvement_ended none: work seen only in
        the audit trail explains looks, but returning after it is not what
        ACCESS_AFTER_INVOLVEMENT is about (recorded tasking in which staff meet the people
        in an incident)."""
        updates = self.updates
        before, after, after_closure = self._tasking_graces
        no_end = ibis.null("timestamp('UTC')")

        on_incident = updates.filter(updates.subject_type == "INCIDENT")
        # Updates within the member of staff's recorded tasking on the incident are that
        # tasking's work: the record rules there, and an OIC's recorded end is not
        # extended by his own updates. Updates outside it are work the record misses.
        r = self.recorded_purpose_intervals
        on_incident = on_incident.anti_join(
            r,
            [
                on_incident.staff_id == r.staff_id,
                on_incident.subject_id == r.incident_id,
                on_incident.ts >= r.purpose_from,
                on_incident.ts <= r.purpose_to,
            ],
        )
        spans = on_incident.group_by(["staff_id", on_incident.subject_id.name("incident_id")])
        spans = spans.aggregate(
            first=on_incident.ts.min(),
            last=on_incident.ts.max(),
        )
        inc = self["incidents"].select("incident_id", "opened_at", "closed_at")
        spans = spans.left_join(inc, "incident_id").drop("incident_id_right")
        tasked = self["incident_staff"].select("staff_id", "incident_id").distinct()
        spans = flag_matches(
            spans,
            tasked,
            [spans.staff_id == tasked.staff_id, spans.incident_id == tasked.incident_id],
            "on_record",
        )
        # Updates within a day are the attendance's own paperwork (a night shift's runs
        # past midnight); spread over longer, the case is his. Only a case runs on like an
        # assignment.
        case = (spans["last"].epoch_seconds() - spans.first.epoch_seconds()) > 86400
        # Whoever writes on an incident worked it from its opening: the attendance comes
        # before its paperwork, and an OIC reads the file before his first entry. Where
        # the record holds tasking of his on the incident, it says when his involvement
        # was: a day's entry after it explains only the days after, not the weeks between.
        opened = ibis.ifelse(case | ~spans.on_record, spans.opened_at, spans.first)
        began = ibis.least(spans.first, opened.fill_null(spans.first))
        closed = spans.closed_at.notnull()
        ip = self.people_in_incidents
        by_incident = spans.join(ip, "incident_id").select(
            "staff_id",
            "person_id",
            "incident_id",
            role=ibis.literal(CASE_WORK),
            purpose_from=began - before,
            purpose_to=ibis.cases(
                (~case, spans["last"] + after),
                (closed, ibis.greatest(spans["last"] + after, spans.closed_at + after_closure)),
                else_=ibis.literal(OPEN_END),
            ),
            involvement_ended=no_end,
        )
        on_person = updates.filter(updates.subject_type == "PERSON")
        per_person = on_person.group_by(["staff_id", on_person.subject_id.name("person_id")])
        per_person = per_person.aggregate(first=on_person.ts.min(), last=on_person.ts.max())
        by_person = per_person.select(
            "staff_id",
            "person_id",
            incident_id=ibis.null("string"),
            role=ibis.literal(CASE_WORK),
            purpose_from=per_person.first - before,
            purpose_to=per_person["last"] + after,
            involvement_ended=no_end,
        )
        schema = by_incident.schema()
        intervals = by_incident.union(by_person.cast(schema))
        return self._shared("case_work_intervals", intervals)

    @cached_property
    def team_purpose_intervals(self) -> ir.Table:
        """Purpose held by a team: a colleague in the same team tasked to an incident
        involving the person. Safeguarding and investigation teams work their cases
        together, so a team member's look at the team's victim is not unexplained.
        Columns: team_id, person_id, purpose_from, purpose_to."""
        p = self.purpose_intervals
        teams = self["staff"].select("staff_id", "team_id")
        return p.join(teams, "staff_id").select(
            "team_id", "person_id", "purpose_from", "purpose_to"
        )

    @cached_property
    def unexplained_access(self) -> ir.Table:
        """Access to vulnerable people that the member of staff's own tasking does not
        explain, with how unusual it was to look at that person that week.

        A look at a person a team colleague is tasked to (`team_tasked`) counts only
        `team_purpose_weight`: caseworking teams share their cases, but a shift team's
        colleague being tasked does not make every look by the shift legitimate.
        A look soon after an incident involving the person was opened (`in_news`: within
        `news_window_days`) is what briefings, handovers and local news produce; it counts
        `news_weight` / crowd, where `crowd` is the number of staff who looked at the
        person without a tasking that week on at least as many days as this member of staff
        (the member of staff included): a victim in the news is looked at once by dozens,
        and one more look says little, but the one officer who comes back to her day after
        day is not hidden by the dozens who looked once. A look when nothing new was on
        her record counts 1/(the same count over such looks): a look at a woman no one
        else had reason to look at counts in full.
        The concern a look raises is shared among those who looked as often: when 30 staff
        return to a prolific missing person every week, each carries 1/30 of it, so the
        team's weekly returns to her do not add up, over months, to one officer's
        fixation on a woman no one else looks at.
        Columns: those of `vulnerable_access`, team_id, team_tasked, week, crowd,
        crowd_rarity (before the team discount), rarity."""
        ev = self.without_purpose(self.vulnerable_access)
        teams = self["staff"].select("staff_id", "team_id")
        ev = ev.join(teams, "staff_id")
        tp = self.team_purpose_intervals
        covered = [
            ev.team_id == tp.team_id,
            ev.person_id == tp.person_id,
            ev.ts >= tp.purpose_from,
            ev.ts <= tp.purpose_to,
        ]
        ev = flag_matches(ev, tp, covered, "team_tasked")
        ev = ev.mutate(week=ev.ts.truncate("W"))
        ev = self.with_rarity(self._mark_news(ev))
        return self._shared("unexplained_access", ev)

    def with_rarity(self, events: ir.Table) -> ir.Table:
        """`events` (unexplained looks with staff_id, person_id, ts, week, team_tasked and
        in_news) with `crowd` and `rarity` as in `unexplained_access`, counted among these
        events only. Given a subset, such as the looks made off duty, a look is judged
        against the looks colleagues made in the same circumstances. `crowd_rarity` is
        the rarity before the team discount."""
        derived = ("crowd", "crowd_rarity", "rarity")
        ev = events.drop(*(c for c in derived if c in events.columns))
        keys = ["staff_id", "person_id", "week"]
        crowd = crowd_as_persistent(ev, keys, "crowd")
        stale = ev.filter(~ev.in_news)
        stale_crowd = crowd_as_persistent(stale, keys, "stale_crowd")
        ev = ev.join(crowd, keys).left_join(stale_crowd, keys)
        ev = ev.drop("staff_id_right", "person_id_right", "week_right")
        team_weight = ibis.ifelse(ev.team_tasked, self.purpose.team_purpose_weight, 1.0)
        news_rarity = self.purpose.news_weight / ev.crowd.cast("float64")
        stale_rarity = 1.0 / ev.stale_crowd.fill_null(1).cast("float64")
        ev = ev.mutate(crowd_rarity=ibis.ifelse(ev.in_news, news_rarity, stale_rarity))
        return ev.mutate(rarity=team_weight * ev.crowd_rarity).drop("stale_crowd")

    def _mark_news(self, events: ir.Table) -> ir.Table:
        """`events` (person_id, ts) with `in_news`: whether an incident involving the person
        was opened within `news_window_days` before the event."""
        fresh = self.opened_within(events, self.purpose.news_window_days)
        return flag_matches(events, self.incident_openings, fresh, "in_news")

    @cached_property
    def incident_openings(self) -> ir.Table:
        """When each incident involving each person was opened. Columns: person_id,
        opened_at."""
        inc = self["incidents"].select("incident_id", "opened_at")
        ip = self.people_in_incidents
        return ip.join(inc, "incident_id").select("person_id", "opened_at")

    def opened_within(self, events: ir.Table, days: float) -> list[ir.BooleanValue]:
        """Predicates matching `events` (person_id, ts) to the `incident_openings` about the
        same person in the `days` before each event."""
        opened = self.incident_openings
        window = ibis.interval(minutes=int(days * 1440))
        return [
            events.person_id == opened.person_id,
            opened.opened_at <= events.ts,
            opened.opened_at >= events.ts - window,
        ]

    @cached_property
    def updates(self) -> ir.Table:
        """The access events that wrote to a record: work anyone can review. Columns:
        staff_id, ts, subject_type, subject_id."""
        a = self["access_events"]
        updates = a.filter((a.action == "UPDATE") & a.subject_id.notnull())
        return updates.select("staff_id", "ts", "subject_type", "subject_id")

    @cached_property
    def case_work(self) -> ir.Table:
        """Updates each member of staff made to a person's record or to an incident
        involving her: work on her case, on the record. Columns: staff_id, person_id, ts."""
        updates = self.updates
        direct = updates.filter(updates.subject_type == "PERSON").select(
            "staff_id", "ts", person_id=updates.subject_id
        )
        on_incident = updates.filter(updates.subject_type == "INCIDENT")
        ip = self.people_in_incidents
        through_incident = on_incident.join(ip, on_incident.subject_id == ip.incident_id).select(
            "staff_id", "ts", "person_id"
        )
        return self._shared("case_work", direct.union(through_incident))

    def _tasked(self, events: ir.Table) -> list[ir.BooleanValue]:
        p = self.purpose_intervals
        return [
            events.staff_id == p.staff_id,
            events.person_id == p.person_id,
            events.ts >= p.purpose_from,
            events.ts <= p.purpose_to,
        ]

    def _near_case_work(self, events: ir.Table) -> list[ir.BooleanValue]:
        w = self.case_work
        near = ibis.interval(minutes=int(self.purpose.case_work_hours * 60))
        return [
            events.staff_id == w.staff_id,
            events.person_id == w.person_id,
            w.ts >= events.ts - near,
            w.ts <= events.ts + near,
        ]

    def without_purpose(self, events: ir.Table) -> ir.Table:
        """Events (staff_id, person_id, ts) at a time the staff had no purpose for the
        person: not tasked to her (see `purpose_intervals`), and no update to her record or
        her incidents within `case_work_hours` (see `case_work`)."""
        untasked = self._untasked(events)
        return untasked.anti_join(self.case_work, self._near_case_work(untasked))

    def with_purpose(self, events: ir.Table) -> ir.Table:
        """The events `without_purpose` leaves out, each once: tasked, or else near case work."""
        tasked = events.semi_join(self.purpose_intervals, self._tasked(events))
        untasked = self._untasked(events)
        return tasked.union(untasked.semi_join(self.case_work, self._near_case_work(untasked)))

    def _untasked(self, events: ir.Table) -> ir.Table:
        return events.anti_join(self.purpose_intervals, self._tasked(events))

    @cached_property
    def on_duty_intervals(self) -> ir.Table:
        """Rostered duty (not leave), widened by the duty grace."""
        d = self["duty"]
        grace = ibis.interval(minutes=int(self.purpose.duty_grace_minutes))
        d = d.filter(d.kind.isin(sorted(contract.ON_DUTY_KINDS)))
        return d.select("staff_id", duty_from=d.start - grace, duty_to=d.end + grace)

    @cached_property
    def roster_gaps(self) -> ir.Table:
        """Per member of staff (staff_id, gap_from, gap_to): the times their roster says
        nothing about, more than roster_gap_days from any duty row of any kind (leave
        included). A member of staff with no duty rows at all is one unbounded gap."""
        d = self["duty"]
        gap = ibis.interval(days=self.purpose.roster_gap_days)
        # Sentinels far either side stand for "no row before" and "no row after".
        never_before = ibis.timestamp("1900-01-01 00:00:00")
        never_after = ibis.timestamp("2200-01-01 00:00:00")
        order = ["start", "end"]
        rows = d.select(
            "staff_id",
            "start",
            # Rows overlap (leave over shifts): a gap opens after the latest end so far.
            covered_to=d.end.max().over(
                ibis.cumulative_window(group_by="staff_id", order_by=order)
            ),
            next_start=d.start.lead().over(group_by="staff_id", order_by=order),
        )
        after_each = rows.select(
            "staff_id",
            gap_from=rows.covered_to + gap,
            gap_to=rows.next_start.fill_null(never_after) - gap,
        )
        first = rows.group_by("staff_id").aggregate(first_start=rows.start.min())
        before_all = first.select("staff_id", gap_from=never_before, gap_to=first.first_start - gap)
        unrostered = (
            self["staff"]
            .anti_join(d, "staff_id")
            .select("staff_id", gap_from=never_before, gap_to=never_after)
        )
        # One timestamp type for all three (an as-of cut may clip `end` to another).
        ts = {"gap_from": d.start.type(), "gap_to": d.start.type()}
        gaps = after_each.cast(ts).union(before_all.cast(ts)).union(unrostered.cast(ts))
        return gaps.filter(gaps.gap_from < gaps.gap_to)

    def off_duty(self, events: ir.Table) -> ir.Table:
        """Events (staff_id, ts) outside every rostered duty of that member of staff, at
        times their roster covers (not in one of their `roster_gaps`)."""
        d = self.on_duty_intervals
        g = self.roster_gaps
        off = events.anti_join(
            d,
            [events.staff_id == d.staff_id, events.ts >= d.duty_from, events.ts <= d.duty_to],
        )
        return off.anti_join(
            g, [off.staff_id == g.staff_id, off.ts > g.gap_from, off.ts < g.gap_to]
        )

    @cached_property
    def peer_memberships(self) -> ir.Table:
        """Every group each member of staff belongs to, narrowest first: same role in the
        same kind of team (the team id without its area or shift suffix:
        RESPONSE-NORTH-A → RESPONSE), the whole kind of team, the role, and all staff.
        Columns: staff_id, peer_group, level (0 narrowest), n_members."""
        s = self["staff"]
        team_kind = s.team_id.upper().re_extract(r"^([A-Z]+)", 1)
        levels = [
            s.select("staff_id", peer_group=s.role + ":" + team_kind, level=ibis.literal(0)),
            s.select("staff_id", peer_group="*:" + team_kind, level=ibis.literal(1)),
            s.select("staff_id", peer_group=s.role + ":*", level=ibis.literal(2)),
            s.select("staff_id", peer_group=ibis.literal("*:*"), level=ibis.literal(3)),
        ]
        m = ibis.union(*levels)
        return m.mutate(n_members=m.staff_id.count().over(group_by="peer_group"))

    @cached_property
    def peer_groups(self) -> ir.Table:
        """Each member of staff's peer group: the narrowest of `peer_memberships` with
        enough members (MIN_PEERS for a role within a kind of team, MIN_BASELINE_PEERS
        for the wider groups; all staff is the last resort), so a DA safeguarding officer
        is compared with DA safeguarding colleagues, and the force's two DA sergeants with
        the whole DA team.
        The kind of team comes before the role because whom staff look up follows the
        work, not the rank: in a small force's public protection unit of five, the
        detectives look at sexual-offence victims all day, and judged against every
        detective in the force (most of them in CID) each would look like a trawler."""
        m = self.peer_memberships
        enough = ibis.ifelse(m.level == 0, MIN_PEERS, MIN_BASELINE_PEERS)
        eligible = m.filter((m.n_members >= enough) | (m.level == 3))
        ranked = eligible.mutate(k=ibis.row_number().over(group_by="staff_id", order_by="level"))
        return ranked.filter(ranked.k == 0).select("staff_id", "peer_group")

    def peer_statistics(self, values: ir.Table) -> ir.Table:
        """Robust statistics of `values` (staff_id, value) over each member of staff's
        peer group, counting members without a row as 0. Columns: staff_id, peer_group,
        med, mad (median absolute deviation), n_members."""
        m = self.peer_memberships
        everyone = m.left_join(values, "staff_id").select(
            "staff_id", "peer_group", "n_members", value=ibis._.value.fill_null(0.0)
        )
        med = everyone.group_by("peer_group").aggregate(med=everyone.value.median())
        dev = everyone.join(med, "peer_group")
        dev = dev.mutate(absdev=(dev.value - dev.med).abs())
        stats = dev.group_by("peer_group").aggregate(
            med=dev.med.max(),
            mad=dev.absdev.median(),
            n_members=dev.n_members.max(),
        )
        return self.peer_groups.join(stats, "peer_group")

    @cached_property
    def peer_history_days(self) -> ir.Table:
        """Per peer group: the days its members' audit trail (access and contact events)
        covers, the history its baseline is learned from. Columns: peer_group, days."""
        spans = [
            self[name]
            .group_by("staff_id")
            .aggregate(first=self[name].ts.min(), last=self[name].ts.max())
            for name in ("access_events", "contact_events")
        ]
        per_staff = ibis.union(*spans).join(self.peer_groups, "staff_id")
        g = per_staff.group_by("peer_group").aggregate(
            first=per_staff.first.min(), last=per_staff.last.max()
        )
        days = g.select(
            "peer_group", days=(g.last.epoch_seconds() - g.first.epoch_seconds()) / 86400.0
        )
        return self._shared("peer_history_days", days)

    def peer_baseline(
        self, findings: ir.Table, spread_floor: float, baseline_days: float
    ) -> ir.Table:
        """`findings` (staff_id, strength, ...) with `peer_baseline` added and `strength`
        reduced by it, dropping findings no stronger than the baseline. The baseline is
        the peer group's median of each member's strongest finding (zero for members
        with none) plus MAD_TO_SD × the median absolute deviation, at least `spread_floor`:
        what is ordinary for colleagues in the same role and kind of team. Where the
        group's audit trail covers fewer than `baseline_days` days, the floor widens in
        proportion (a week of a 28-day baseline: four times the floor), since a few days
        show little of what is ordinary. A group of fewer than MIN_BASELINE_PEERS has no
        baseline."""
        tops = findings.group_by("staff_id").aggregate(value=findings.strength.max())
        stats = self.peer_statistics(tops)
        history = self.peer_history_days
        stats = stats.left_join(history, "peer_group")
        # At least a day, so that one event's zero span does not make the floor infinite.
        days = ibis.greatest(stats.days.fill_null(0.0), 1.0)
        floor = spread_floor * ibis.greatest(baseline_days / days, 1.0)
        # With too few colleagues to compare with, evidence is judged on its own.
        stats = stats.select(
            "staff_id",
            baseline=ibis.ifelse(
                stats.n_members >= MIN_BASELINE_PEERS,
                stats.med + ibis.greatest(stats.mad * MAD_TO_SD, floor),
                0.0,
            ),
        )
        f = findings.join(stats, "staff_id")
        f = f.mutate(
            strength=(f.strength - f.baseline).round(STRENGTH_DIGITS), peer_baseline=f.baseline
        )
        return f.filter(f.strength > 0).drop("baseline")


def flag_matches(
    events: ir.Table, other: ir.Table, predicates: list[ir.BooleanValue], name: str
) -> ir.Table:
    """`events`, each once, with a boolean column `name`: whether any row of `other`
    meets `predicates` (a join would repeat an event for every match)."""
    return (
        events.semi_join(other, predicates)
        .mutate(**{name: True})
        .union(events.anti_join(other, predicates).mutate(**{name: False}))
    )


def crowd_as_persistent(events: ir.Table, keys: list[str], name: str) -> ir.Table:
    """Per (staff_id, person_id, *period) of `events` (keys in that order; no period is
    the whole of `events`): how many staff looked at the person in that period on at least
    as many days as this member of staff (themselves included)."""
    staff, person, *period = keys
    days = events.group_by(keys).aggregate(days=events.ts.date().nunique())
    person_in_period = [days[person], *(days[k] for k in period)]
    # rank() counts those who looked on more days; the ties are those on as many.
    more = ibis.rank().over(group_by=person_in_period, order_by=ibis.desc(days.days))
    same = days[staff].count().over(group_by=[*person_in_period, days.days])
    return days.select(*keys, **{name: more + same})
