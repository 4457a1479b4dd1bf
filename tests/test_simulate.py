"""Tests of the synthetic force simulator (vigil.simulate)."""

from __future__ import annotations

import dataclasses
import os
import re
from datetime import date
from pathlib import Path
from typing import Literal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pytest

from vigil import contract
from vigil.simulate import (
    HARD_NEGATIVE_KINDS,
    SCENARIO_KINDS,
    MonthlyEvents,
    SimulationConfig,
    generate,
    simulate,
    write_extract,
)
from vigil.simulate.force import build_force, build_sessions
from vigil.simulate.population import build_incidents, build_people
from vigil.simulate.tables import INCIDENT_MARKERS, reference_tables
from vigil.simulate.world import build_world

#: Override to check the tests hold for other forces: VIGIL_SIM_TEST_SEED=5 pytest ...
SEED = int(os.environ.get("VIGIL_SIM_TEST_SEED", "11"))
SMALL = SimulationConfig(
    staff=300, days=60, seed=SEED, start=date(2026, 1, 5), force_each_kind=True
)
TINY = SimulationConfig(staff=120, days=21, seed=3)


@pytest.fixture(scope="module")
def force() -> dict[str, pa.Table]:
    tables = generate(SMALL)
    assert all(isinstance(t, pa.Table) for t in tables.values())
    return tables


@pytest.fixture(scope="module")
def db(force: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, t in force.items():
        con.register(name, t)
    return con


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.sql(sql).fetchone()
    assert row is not None
    return int(row[0] or 0)


# -- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_identical_tables() -> None:
    a, b = generate(TINY), generate(TINY)
    assert a.keys() == b.keys()
    for name in a:
        assert isinstance(a[name], pa.Table)
        assert a[name].equals(b[name]), name


def test_different_seed_gives_a_different_force() -> None:
    a = generate(TINY)
    b = generate(SimulationConfig(staff=TINY.staff, days=TINY.days, seed=TINY.seed + 1))
    for name in ("staff", "people", "incidents", "access_events", "contact_events"):
        assert not a[name].equals(b[name]), name


def test_lazy_months_equal_eager_tables() -> None:
    eager = generate(TINY)
    lazy = generate(TINY, lazy=True)
    for name in ("access_events", "contact_events"):
        ev = lazy[name]
        assert isinstance(ev, MonthlyEvents)
        months = [m for m, _ in ev]
        assert months == ["2026-01"]
        assert ev.to_table().equals(eager[name])


# -- the contract -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(contract.EXTRACT_TABLES))
def test_table_conforms_to_contract(force: dict[str, pa.Table], name: str) -> None:
    spec = contract.table(name)
    t = force[name]
    assert t.schema.equals(spec.schema), name
    assert t.num_rows > 0, name
    for col in spec.columns:
        values = t.column(col.name)
        if col.required:
            assert values.null_count == 0, f"{name}.{col.name} has nulls"
            if col.type == pa.string() and not col.may_be_empty:
                assert pc.sum(pc.equal(values, "")).as_py() in (None, 0), f"{name}.{col.name} empty"
        if col.codes is not None:
            seen = set(values.drop_null().unique().to_pylist())
            if col.multi:
                seen = {c for v in seen for c in v.split(";") if c}
            assert seen <= col.codes, f"{name}.{col.name}: {seen - col.codes}"
    key = spec.key
    n_keys = t.group_by(list(key)).aggregate([]).num_rows
    assert n_keys == t.num_rows, f"{name}: duplicate keys {key}"


# (child table, column, parent table, parent column, extra condition on the child)
REFERENCES = (
    ("incident_people", "incident_id", "incidents", "incident_id", ""),
    ("incident_people", "person_id", "people", "person_id", ""),
    ("incident_staff", "incident_id", "incidents", "incident_id", ""),
    ("incident_staff", "staff_id", "staff", "staff_id", ""),
    ("person_contacts", "person_id", "people", "person_id", ""),
    ("duty", "staff_id", "staff", "staff_id", ""),
    ("access_events", "staff_id", "staff", "staff_id", ""),
    ("contact_events", "staff_id", "staff", "staff_id", ""),
    ("access_events", "subject_id", "people", "person_id", "subject_type = 'PERSON'"),
    ("access_events", "subject_id", "incidents", "incident_id", "subject_type = 'INCIDENT'"),
    ("truth", "staff_id", "staff", "staff_id", ""),
    ("truth", "person_id", "people", "person_id", "person_id is not null"),
    ("partner_reports", "person_id", "people", "person_id", "person_id is not null"),
    ("hard_negatives", "staff_id", "staff", "staff_id", ""),
    ("partner_report_staff", "staff_id", "staff", "staff_id", ""),
    ("partner_report_staff", "report_id", "partner_reports", "report_id", ""),
)


def test_referential_integrity(db: duckdb.DuckDBPyConnection) -> None:
    checks = {
        f"{child}.{col} ({cond})": f"""select count(*) from {child}
            where {cond or "true"} and {col} not in (select {pcol} from {parent})"""
        for child, col, parent, pcol, cond in REFERENCES
    }
    bad = {k: _scalar(db, q) for k, q in checks.items()}
    assert all(v == 0 for v in bad.values()), bad
    assert (
        _scalar(
            db,
            """select count(*) from access_events
               where subject_type='FREE_TEXT' and subject_id is not null""",
        )
        == 0
    )
    assert _scalar(db, "select count(*) from incident_staff where unassigned_at < assigned_at") == 0
    assert _scalar(db, "select count(*) from incidents where closed_at < opened_at") == 0
    assert _scalar(db, 'select count(*) from duty where "end" <= start') == 0
    # Event ids: unique per system, formatted like RMS-000000123.
    assert (
        _scalar(db, "select count(*) - count(distinct (system, event_id)) from access_events") == 0
    )
    assert (
        _scalar(
            db, "select count(*) from access_events where not starts_with(event_id, system || '-')"
        )
        == 0
    )


def test_events_inside_window(force: dict[str, pa.Table]) -> None:
    t0 = pa.scalar(np.datetime64("2026-01-05T00:00:00", "us"), type=pa.timestamp("us")).cast(
        contract.TIMESTAMP
    )
    for name in ("access_events", "contact_events"):
        ts = force[name].column("ts")
        lo, hi = pc.min_max(ts).values()
        assert lo.as_py() >= t0.as_py()
        assert (hi.as_py() - t0.as_py()).days < SMALL.days


# -- realism ----------------------------------------------------------------------------------


def test_force_structure(db: duckdb.DuckDBPyConnection, force: dict[str, pa.Table]) -> None:
    teams = set(force["staff"].column("team_id").to_pylist())
    for needed in ("DA-SAFEGUARDING", "CONTROL-ROOM", "INTEL-ANALYSIS", "PUBLIC-PROTECTION"):
        assert needed in teams
    assert any(t.startswith("RESPONSE-") and t[-2:] == "-D" for t in teams)
    assert any(t.startswith("CUSTODY-") for t in teams)
    collars = force["staff"].column("collar_number").drop_null().to_pylist()
    assert collars and all(re.fullmatch(r"NH\d{4}", c) for c in collars)
    assert _scalar(db, "select count(*) from staff where end_date is not null") > 0
    kinds = set(force["duty"].column("kind").to_pylist())
    assert {"SHIFT", "LEAVE", "TRAINING", "ON_CALL", "OVERTIME"} <= kinds
    # Rosters are incomplete: some activity falls in no duty row at all.
    off = _scalar(
        db,
        """select count(*) from access_events a where not exists (
             select 1 from duty d where d.staff_id = a.staff_id and d.kind <> 'LEAVE'
             and a.ts >= d.start and a.ts < d."end")""",
    )
    total = force["access_events"].num_rows
    assert 0.03 < off / total < 0.35, off / total


def test_people_and_contacts(db: duckdb.DuckDBPyConnection, force: dict[str, pa.Table]) -> None:
    n = force["people"].num_rows
    assert 30 * SMALL.staff <= n <= 50 * SMALL.staff
    vuln = _scalar(db, "select count(*) from people where vulnerability <> ''") / n
    assert 0.13 <= vuln <= 0.27, vuln
    phones = force["person_contacts"].filter(
        pc.equal(force["person_contacts"].column("kind"), "PHONE")
    )
    values = phones.column("value").to_pylist()
    assert all(re.fullmatch(r"\+44\d{10}", v) for v in values)
    assert len(set(values)) > 1000
    emails = force["person_contacts"].filter(
        pc.equal(force["person_contacts"].column("kind"), "EMAIL")
    )
    assert all(v == v.lower() and "@" in v for v in emails.column("value").to_pylist())
    # Shared contact points: household landlines and agency switchboards.
    shared = db.sql(
        """select value, count(distinct person_id) n from person_contacts
           group by 1 having n > 1 order by n desc"""
    ).fetchall()
    assert len(shared) > 20
    assert shared[0][1] >= 10  # a switchboard
    # DA victims are flagged and DA is repetitive.
    assert (
        _scalar(
            db,
            """select count(*) from people p join incident_people ip using (person_id)
                          join incidents i using (incident_id)
                          where i.type='DOMESTIC_ABUSE' and ip.role='VICTIM'
                          and p.vulnerability like '%DA_VICTIM%'""",
        )
        > 0
    )
    assert (
        _scalar(
            db,
            """select count(*) from (select person_id from incident_people ip join incidents i
                          using (incident_id) where type='DOMESTIC_ABUSE' and role='VICTIM'
                          group by 1 having count(*) > 1)""",
        )
        > 5
    )


def test_activity_volume_and_mix(db: duckdb.DuckDBPyConnection) -> None:
    per_shift = db.sql(
        """select count(*) / (select count(*) from duty where kind='SHIFT') from access_events"""
    ).fetchone()
    assert per_shift is not None and 20 <= per_shift[0] <= 60, per_shift
    systems = {r[0] for r in db.sql("select distinct system from access_events").fetchall()}
    assert systems == {"RMS", "COMMAND_CONTROL", "PNC", "PND", "INTEL", "CUSTODY", "CASE_FILE"}
    actions = {r[0] for r in db.sql("select distinct action from access_events").fetchall()}
    assert actions == set(contract.ACCESS_ACTIONS)
    assert (
        _scalar(
            db,
            """select count(*) from access_events
               where subject_type='FREE_TEXT' and query is not null""",
        )
        > 100
    )
    channels = {r[0] for r in db.sql("select distinct channel from contact_events").fetchall()}
    assert channels == set(contract.CONTACT_CHANNELS)
    assert (
        _scalar(
            db,
            """select count(*) from contact_events
               where channel <> 'CALL' and duration_s is not null""",
        )
        == 0
    )
    # The control room searches far more people per head than response officers.
    ratio = db.sql(
        """select avg(n) filter (where team_id='CONTROL-ROOM') / avg(n) filter (where team_id
          like 'RESPONSE-%')
           from (select s.staff_id, s.team_id, count(a.event_id) n from staff s
                 left join access_events a on a.staff_id = s.staff_id and a.subject_type = 'PERSON'
                 group by all)"""
    ).fetchone()
    assert ratio is not None and ratio[0] > 2


# -- daily volumes (regression: a joiner tasked before their first shift was credited with
# -- every earlier staff member's sessions: ~4,300 events and ~150 victim contacts a day) -----

#: A force where, before the fix, joiners tasked before their first shift got absurd volumes.
JOINERS = SimulationConfig(staff=300, days=60, seed=8, start=date(2026, 1, 5))


def _daily_volumes(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Per (staff, day) access volume, per (staff, counterpart, day) contacts, contact hours."""
    row = con.sql(
        """select quantile_cont(n, 0.999), max(n) from (
             select staff_id, ts::date, count(*) n from access_events group by all)"""
    ).fetchone()
    assert row is not None
    out = {"access_p999": float(row[0]), "access_max": float(row[1])}
    row = con.sql(
        """with t as (select staff_id, counterpart, ts::date, count(*) n,
                        counterpart in (select value from person_contacts) public
                      from contact_events group by all)
           select max(n), max(n) filter (where public), avg((n > 10)::int) from t"""
    ).fetchone()
    assert row is not None
    out |= {"pair_max": float(row[0]), "public_pair_max": float(row[1] or 0)}
    out["pair_over_10"] = float(row[2])
    row = con.sql(
        """select avg(worked::int), avg(worked::int) filter (where public) from (
             select c.counterpart in (select value from person_contacts) public,
               exists (select 1 from duty d where d.staff_id = c.staff_id
                       and d.kind not in ('LEAVE', 'ON_CALL')
                       and c.ts >= d.start - interval 1 hour
                       and c.ts < d."end" + interval 1 hour) worked
             from contact_events c)"""
    ).fetchone()
    assert row is not None
    out |= {"contacts_on_duty": float(row[0]), "public_contacts_on_duty": float(row[1])}
    return out


def _assert_realistic_daily_volumes(v: dict[str, float]) -> None:
    # A member of staff rarely exceeds ~300 access events a day (busy call handlers do).
    assert v["access_p999"] <= 500, v
    assert v["access_max"] <= 800, v
    # Contact with one counterpart rarely exceeds ~10 a day, with a member of the public less.
    assert v["pair_max"] <= 30, v
    assert v["public_pair_max"] <= 15, v
    assert v["pair_over_10"] <= 0.002, v
    # Contacts happen mostly in working hours.
    assert v["contacts_on_duty"] >= 0.85, v
    assert v["public_contacts_on_duty"] >= 0.8, v


def test_daily_volumes_are_realistic(db: duckdb.DuckDBPyConnection) -> None:
    _assert_realistic_daily_volumes(_daily_volumes(db))


def test_daily_volumes_of_joiners_are_realistic() -> None:
    con = duckdb.connect()
    for name, t in generate(JOINERS).items():
        con.register(name, t)
    _assert_realistic_daily_volumes(_daily_volumes(con))


def test_duty_ranges_are_the_staff_members_own_sessions() -> None:
    """DutyIndex.ranges for a staff member with no session before t0 (e.g. a joiner)."""
    from vigil.simulate.force import DAY, HOUR, DutyIndex, Sessions

    t = 1_767_571_200  # 2026-01-05
    # (staff, start): staff 0 works days 0-9, staff 1 joins and works from day 5, staff 2
    # never works, staff 3 works days 0-9 with a night shift over midnight on day 3.
    rows = [(0, t + d * DAY + 8 * HOUR, 9) for d in range(10)]
    rows += [(1, t + d * DAY + 8 * HOUR, 9) for d in range(5, 10)]
    rows += [(3, t + d * DAY + (19 if d == 3 else 8) * HOUR, 10) for d in range(10)]
    st = np.array([r[0] for r in rows], np.int64)
    a = np.array([r[1] for r in rows], np.int64)
    b = a + np.array([r[2] for r in rows], np.int64) * HOUR
    n = st.size
    z = np.zeros(0, np.int64)
    duty = DutyIndex(
        Sessions(
            staff=st, kind=np.zeros(n, np.int8), rostered=np.ones(n, bool),
            worked=np.ones(n, bool), r_start=a, r_end=b, start=a, end=b, rate=np.ones(n),
            leave_staff=z, leave_start=z, leave_end=z, unrostered_ot=np.zeros(4, np.int64),
        )
    )  # fmt: skip
    rng = np.random.default_rng(0)
    qs = rng.integers(0, 4, 500)
    q0 = t - 3 * DAY + rng.integers(0, 16 * DAY, 500)
    q1 = q0 + rng.integers(1, 6 * DAY, 500)
    # Fixed cases: the joiner before and across their first shift; the night shift's tail.
    qs = np.concatenate([[1, 1, 2, 3], qs])
    q0 = np.concatenate([[t, t, t, t + 4 * DAY + 2 * HOUR], q0])
    q1 = np.concatenate([[t + 2 * DAY, t + 8 * DAY, t + 8 * DAY, t + 4 * DAY + 3 * HOUR], q1])
    lo, hi = duty.ranges(qs, q0, q1)
    for s, x0, x1, i, j in zip(qs, q0, q1, lo, hi, strict=True):
        got = np.arange(i, j)
        assert (duty.staff[got] == s).all(), (s, x0, x1, i, j)  # never someone else's
        got = got[(duty.start[got] < x1) & (duty.end[got] > x0)]
        want = np.nonzero((st == s) & (a < x1) & (b > x0))[0]
        assert np.array_equal(got, want), (s, x0, x1)
    assert hi[0] == lo[0] and hi[1] - lo[1] == 3 and hi[2] == lo[2] and hi[3] - lo[3] == 1


def test_nobody_is_tasked_outside_their_employment(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _scalar(
            db,
            """select count(*) from incident_staff i join staff s using (staff_id)
               where i.assigned_at < s.start_date
                  or i.assigned_at >= s.end_date or i.unassigned_at > s.end_date""",
        )
        == 0
    )


def test_no_incident_is_viewed_before_it_is_opened(db: duckdb.DuckDBPyConnection) -> None:
    assert (
        _scalar(
            db,
            """select count(*) from access_events a join incidents i
                 on i.incident_id = a.subject_id where a.ts < i.opened_at""",
        )
        == 0
    )


def test_scenario_times_after_the_window_are_dropped_not_squeezed() -> None:
    """Injected events planned after the window must not pile up in its last hour."""
    from vigil.simulate.scenarios import _Injector
    from vigil.simulate.world import build_world

    w = build_world(TINY)
    inj = _Injector(w)
    rng = np.random.default_rng(0)
    staff = int(w.duty.staff[0])
    assert inj.times(rng, staff, w.t1 + 86_400, w.t1 + 20 * 86_400, 30, 0.85).size == 0
    ts = inj.times(rng, staff, w.t1 - 10 * 86_400, w.t1 + 20 * 86_400, 30, 0.85)
    assert ts.size and ts.min() >= w.t1 - 10 * 86_400 and ts.max() < w.t1


@pytest.mark.slow
def test_reported_force_has_no_absurd_daily_volumes() -> None:
    """The force of the bug report, month by month (S472941 had ~4,300 events a day)."""
    cfg = SimulationConfig(staff=1000, days=120, seed=11, start=date(2026, 1, 5))
    tables = generate(cfg, lazy=True)
    con = duckdb.connect()
    for name in ("access_events", "contact_events"):
        ev = tables[name]
        assert isinstance(ev, MonthlyEvents)
        cols = ["ts", "staff_id"] + (["counterpart"] if name == "contact_events" else [])
        con.register(name, pa.concat_tables([t.select(cols) for _, t in ev]))
    for name in ("person_contacts", "duty"):
        con.register(name, tables[name])
    v = _daily_volumes(con)
    _assert_realistic_daily_volumes(v)
    assert v["access_p999"] <= 300, v


def test_most_prolific_person_does_not_grow_with_the_force() -> None:
    """A heavy tail of repeat victims and frequent callers, but one that ends: the
    most prolific person at 3,000 staff is in about as many incidents as at 300, not
    in thousands (which would make her record a crowd no look could stand out in)."""
    tops = []
    for staff in (300, 3000):
        cfg = SimulationConfig(staff=staff, days=120, seed=SEED)
        force = build_force(cfg)
        people = build_people(cfg, force)
        incidents = build_incidents(cfg, force, people, build_sessions(cfg, force))
        tops.append(int(np.bincount(incidents.ip_person).max()))
    small, large = tops
    assert 20 <= small <= 150 and large <= 150, tops
    assert large <= 2 * small, tops


# -- injected behaviour -----------------------------------------------------------------------


def test_every_scenario_kind_appears(force: dict[str, pa.Table]) -> None:
    truth = force["truth"]
    kinds = set(truth.column("scenario").to_pylist())
    assert kinds == set(SCENARIO_KINDS)
    abusers = set(truth.column("staff_id").to_pylist())
    assert len(abusers) >= 5
    staff = force["staff"]
    teams = {
        t
        for s, t in zip(
            staff.column("staff_id").to_pylist(), staff.column("team_id").to_pylist(), strict=True
        )
        if s in abusers
    }  # fmt: skip
    assert len(teams) > 1


def test_abuser_count_scales_with_staff() -> None:
    assert SimulationConfig(staff=100).n_abusers == 3
    assert SimulationConfig(staff=2000).n_abusers == 15
    assert SimulationConfig(staff=100, force_each_kind=True).n_abusers == 5


def test_fixation_victim_viewed_after_unassignment(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.sql(
        """with t as (
             select t.staff_id, t.person_id,
               (select max(s.unassigned_at) from incident_staff s join incident_people ip using
                 (incident_id)
                 where s.staff_id = t.staff_id and ip.person_id = t.person_id) last_unassigned
             from truth t where scenario = 'FIXATION_AFTER_ATTENDING')
           select t.staff_id, t.last_unassigned is not null,
             (select count(*) from access_events a where a.staff_id = t.staff_id
               and a.subject_id = t.person_id and a.ts > t.last_unassigned) n_after
           from t"""
    ).fetchall()
    assert rows
    for staff_id, attended, after in rows:
        assert attended, staff_id  # he attended her incident
        assert after >= 2, staff_id


def test_contact_after_closure(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.sql(
        """select t.staff_id, (
             select count(*) from contact_events c join person_contacts p on p.value = c.counterpart
             where c.staff_id = t.staff_id and p.person_id = t.person_id and c.ts >= t.start
               and not exists (select 1 from incident_staff s join incident_people ip using
                 (incident_id)
                               where s.staff_id = c.staff_id and ip.person_id = p.person_id
                               and c.ts between s.assigned_at and coalesce(s.unassigned_at, c.ts)))
           from truth t where scenario = 'CONTACT_AFTER_CLOSURE'"""
    ).fetchall()
    assert rows
    for staff_id, n in rows:
        assert n >= 3, staff_id


def test_trawl_views_many_untasked_vulnerable_people(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.sql(
        """select t.staff_id, (
             select count(distinct a.subject_id) from access_events a join people p on
               p.person_id = a.subject_id
             where a.staff_id = t.staff_id and a.ts between t.start and t."end" and
               p.vulnerability <> ''
               and p.sex = 'F' and a.subject_id not in (
                 select ip.person_id from incident_staff s join incident_people ip using
                   (incident_id)
                 where s.staff_id = a.staff_id))
           from truth t where scenario = 'VICTIM_TRAWL'"""
    ).fetchall()
    assert rows
    for staff_id, n in rows:
        assert n >= 4, staff_id


def test_slow_burn_is_on_duty_and_silent(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.sql(
        """select t.staff_id,
             (select count(*) from access_events a where a.staff_id = t.staff_id and
               a.subject_id = t.person_id),
             (select count(*) from contact_events c join person_contacts p on p.value =
               c.counterpart
               where c.staff_id = t.staff_id and p.person_id = t.person_id)
           from truth t where scenario = 'SLOW_BURN_ON_DUTY'"""
    ).fetchall()
    assert rows
    for staff_id, views, contacts in rows:
        assert views >= 2, staff_id
        assert contacts == 0, staff_id


def test_partner_tip_describes_the_abuser(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.sql(
        """select s.name, s.collar_number, s.station, r.officer_description
           from truth t join staff s using (staff_id), partner_reports r
           where t.scenario = 'PARTNER_TIP' and r.received_at > t.start
             and r.received_at < t.start + interval 30 day
             and r.concern not in (select concern from partner_reports r2 where r2.report_id <>
               r.report_id)"""
    ).fetchall()
    assert rows
    assert _scalar(db, "select count(*) from partner_reports") > 1  # benign reports too

    def matches(name: str, collar: str | None, station: str, text: str) -> bool:
        text = text.lower()
        given, surname = name.lower().split(" ", 1)
        frags = [given[:3], surname[:3], station.lower()]
        if collar:
            frags += [collar[:4].lower(), collar[-2:]]
        return any(f in text for f in frags)

    assert any(matches(*r) for r in rows), rows


def test_abusers_are_not_trivially_separable_by_volume(db: duckdb.DuckDBPyConnection) -> None:
    pct = db.sql(
        """with v as (select s.staff_id, s.role, count(a.event_id) n from staff s
                      left join access_events a using (staff_id) group by all),
                r as (select staff_id, percent_rank() over (partition by role order by n) pr from v)
           select pr from r where staff_id in (select staff_id from truth)"""
    ).fetchall()
    assert np.median([p[0] for p in pct]) < 0.95


def test_partner_report_staff_says_whom_each_tip_describes() -> None:
    force = generate(SimulationConfig(staff=150, days=30, seed=3, force_each_kind=True))
    con = duckdb.connect()
    for name, t in force.items():
        con.register(name, t)
    tips = "select staff_id from truth where scenario = 'PARTNER_TIP'"
    tipped = {r[0] for r in con.sql(tips).fetchall()}
    described = {r[0] for r in con.sql("select staff_id from partner_report_staff").fetchall()}
    assert tipped and tipped <= described
    # Every other report describes an innocent officer (a benign concern) or no one.
    benign = {
        r[0]
        for r in con.sql(
            "select staff_id from hard_negatives where kind = 'PARTNER_REPORT_BENIGN'"
        ).fetchall()
    }
    assert described - tipped <= benign


def test_hard_negatives(db: duckdb.DuckDBPyConnection) -> None:
    kinds = {r[0] for r in db.sql("select distinct kind from hard_negatives").fetchall()}
    assert kinds <= set(HARD_NEGATIVE_KINDS)
    for k in (
        "DA_SAFEGUARDING_HEAVY_USER",
        "CONTROL_ROOM_SEARCHES",
        "SHARED_HOUSEHOLD_PHONE",
        "POST_CLOSURE_CASE_WORK",
        "EVENING_CONTACT_WHILE_ASSIGNED",
        "NEIGHBOUR_INCIDENT_LOOKUP",
    ):
        assert k in kinds, k
    assert (
        _scalar(
            db, "select count(*) from hard_negatives where staff_id in (select staff_id from truth)"
        )
        == 0
    )
    # The DA team views many more distinct DA victims than the abusers do.
    da = db.sql(
        """select avg(n) from (select a.staff_id, count(distinct subject_id) n from access_events a
           join people p on p.person_id = a.subject_id join staff s using (staff_id)
           where s.team_id = 'DA-SAFEGUARDING' and p.vulnerability like '%DA_VICTIM%' group by 1)"""
    ).fetchone()
    assert da is not None and da[0] > 30
    # Shared household phone: the called landline also belongs to a vulnerable person.
    assert (
        _scalar(
            db,
            """select count(*) from hard_negatives h join contact_events c using (staff_id)
           join person_contacts pc on pc.value = c.counterpart join people p using (person_id)
           where h.kind = 'SHARED_HOUSEHOLD_PHONE' and p.vulnerability <> ''""",
        )
        > 0
    )


# -- writing ----------------------------------------------------------------------------------


def _read_back(out: Path, name: str, fmt: str) -> pa.Table:
    spec = contract.table(name)
    if fmt == "parquet":
        path = out / name if (out / name).is_dir() else out / f"{name}.parquet"
        return ds.dataset(path, format="parquet").to_table()
    paths = sorted((out / name).glob("*.csv")) if (out / name).is_dir() else [out / f"{name}.csv"]
    opts = pacsv.ConvertOptions(
        column_types=spec.schema, strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    return pa.concat_tables([pacsv.read_csv(p, convert_options=opts) for p in paths]).cast(
        spec.schema
    )


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_extract_round_trip(tmp_path: Path, fmt: Literal["parquet", "csv"]) -> None:
    tables = generate(TINY)
    steps: list[tuple[str, int, int]] = []
    counts = write_extract(
        tables, tmp_path, fmt=fmt, progress=lambda s, d, t: steps.append((s, d, t))
    )
    assert steps
    for name in contract.EXTRACT_TABLES:
        t = tables[name]
        assert isinstance(t, pa.Table)
        back = _read_back(tmp_path, name, fmt)
        assert counts[name] == t.num_rows
        assert back.schema.equals(contract.table(name).schema)
        assert back.equals(t), name
    months = sorted(p.name for p in (tmp_path / "access_events").iterdir())
    assert months == [f"2026-01.{fmt}"]
    assert (tmp_path / "_sim" / "hard_negatives.csv").exists()
    assert (tmp_path / "_sim" / "partner_report_staff.csv").exists()
    if fmt == "csv":
        first = (tmp_path / "incident_staff.csv").read_text().splitlines()[1]
        assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", first), first
        # DuckDB reads the same files.
        n = duckdb.sql(
            f"select count(*) from read_csv('{tmp_path}/access_events/*.csv')"
        ).fetchone()
        assert n is not None and n[0] == counts["access_events"]
    # A re-run in the other format leaves no stale copy behind.
    write_extract(tables, tmp_path, fmt="csv" if fmt == "parquet" else "parquet")
    assert not (tmp_path / f"staff.{fmt}").exists()
    assert not list((tmp_path / "access_events").glob(f"*.{fmt}"))


def test_simulate_streams_months(tmp_path: Path) -> None:
    cfg = SimulationConfig(staff=100, days=45, seed=5, start=date(2026, 1, 20))
    counts = simulate(cfg, tmp_path)
    files = sorted(p.name for p in (tmp_path / "access_events").iterdir())
    assert files == ["2026-01.parquet", "2026-02.parquet", "2026-03.parquet"]
    t = ds.dataset(tmp_path / "access_events", format="parquet").to_table()
    assert t.num_rows == counts["access_events"]
    # Each month file holds only its own month.
    jan = ds.dataset(tmp_path / "access_events" / "2026-01.parquet").to_table()
    assert set(pc.strftime(jan.column("ts"), format="%Y-%m").unique().to_pylist()) == {"2026-01"}


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        SimulationConfig(staff=10)
    with pytest.raises(ValueError):
        SimulationConfig(scenario_weights={"NOPE": 1.0})
    with pytest.raises(ValueError, match="unexported_roster_team_share"):
        SimulationConfig(unexported_roster_team_share=1.5)
    with pytest.raises(ValueError, match="unmarked_victim_share"):
        SimulationConfig(unmarked_victim_share=-0.1)
    with pytest.raises(ValueError, match="unrecorded_tasking_share"):
        SimulationConfig(unrecorded_tasking_share=2.0)


def test_unrecorded_tasking_leaves_a_share_of_incident_staff_out() -> None:
    def tasking(cfg: SimulationConfig) -> list[tuple]:
        t = reference_tables(build_world(cfg))["incident_staff"]
        return list(zip(*(t[c].to_pylist() for c in t.column_names), strict=True))

    recorded = tasking(TINY)
    some = tasking(dataclasses.replace(TINY, unrecorded_tasking_share=0.3))
    assert set(some) < set(recorded)
    assert len(some) == pytest.approx(0.7 * len(recorded), rel=0.1)


def test_unmarked_victims_lose_their_incident_markers_only() -> None:
    def codes(cfg: SimulationConfig) -> list[set[str]]:
        people = reference_tables(build_world(cfg))["people"]
        return [set(filter(None, v.split(";"))) for v in people["vulnerability"].to_pylist()]

    marked = codes(TINY)
    unmarked = codes(dataclasses.replace(TINY, unmarked_victim_share=1.0))
    assert any(set(INCIDENT_MARKERS) & m for m in marked)
    assert all(u == m - set(INCIDENT_MARKERS) for m, u in zip(marked, unmarked, strict=True))


def test_unexported_rosters_leave_whole_teams_out_of_duty() -> None:
    cfg = dataclasses.replace(TINY, unexported_roster_team_share=0.25)
    tables = reference_tables(build_world(cfg))
    staff, duty = tables["staff"], tables["duty"]
    rostered = set(duty.column("staff_id").to_pylist())
    teams = staff.group_by("team_id").aggregate([("staff_id", "list")]).to_pylist()
    without = {t["team_id"] for t in teams if not rostered & set(t["staff_id_list"])}
    assert len(without) == round(0.25 * len(teams))
    # Every other team's members keep their rosters.
    assert all(rostered >= set(t["staff_id_list"]) for t in teams if t["team_id"] not in without)


# -- scale ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_bigger_force_streams_month_by_month(tmp_path: Path) -> None:
    # Timing is measured by bench/, not asserted here.
    cfg = SimulationConfig(staff=1000, days=120, seed=21)
    counts = simulate(cfg, tmp_path)
    assert counts["access_events"] > 2_000_000
    assert len(list((tmp_path / "access_events").iterdir())) == 5
    truth = ds.dataset(tmp_path / "truth.parquet").to_table()
    assert truth.num_rows >= cfg.n_abusers
