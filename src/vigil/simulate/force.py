"""The force: staff, teams, stations and rosters (what was rostered and what was worked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from vigil.simulate import vocab
from vigil.simulate.config import SimulationConfig, substream

DAY = 86_400
HOUR = 3_600

# Team groups: how a team works and what it looks at.
GROUPS: tuple[str, ...] = (
    "RESPONSE",
    "NEIGHBOURHOOD",
    "CID",
    "DA",
    "PPU",
    "CONTROL",
    "CUSTODY",
    "INTEL",
    "ADMIN",
    "ROADS",
)
G = {name: i for i, name in enumerate(GROUPS)}
_GROUP_SHARE = {
    "RESPONSE": 0.40,
    "NEIGHBOURHOOD": 0.12,
    "CID": 0.11,
    "DA": 0.04,
    "PPU": 0.035,
    "CONTROL": 0.10,
    "CUSTODY": 0.05,
    "INTEL": 0.03,
    "ADMIN": 0.085,
    "ROADS": 0.03,
}
_GROUP_MIN = {
    "RESPONSE": 16,
    "NEIGHBOURHOOD": 4,
    "CID": 4,
    "DA": 4,
    "PPU": 3,
    "CONTROL": 8,
    "CUSTODY": 4,
    "INTEL": 2,
    "ADMIN": 3,
    "ROADS": 2,
}
_GROUP_ROLES: dict[str, tuple[tuple[str, float], ...]] = {
    "RESPONSE": (("PC", 0.82), ("PS", 0.13), ("INSP", 0.05)),
    "NEIGHBOURHOOD": (("PC", 0.5), ("PCSO", 0.42), ("PS", 0.08)),
    "CID": (("DC", 0.8), ("DS", 0.16), ("INSP", 0.04)),
    "DA": (("DC", 0.55), ("STAFF", 0.33), ("DS", 0.12)),
    "PPU": (("DC", 0.75), ("DS", 0.2), ("STAFF", 0.05)),
    "CONTROL": (("CALL_HANDLER", 0.86), ("PS", 0.08), ("STAFF", 0.06)),
    "CUSTODY": (("PS", 0.45), ("STAFF", 0.55)),
    "INTEL": (("ANALYST", 0.8), ("STAFF", 0.2)),
    "ADMIN": (("STAFF", 1.0),),
    "ROADS": (("PC", 0.88), ("PS", 0.12)),
}
ROLES: tuple[str, ...] = (
    "PC",
    "DC",
    "PS",
    "DS",
    "INSP",
    "PCSO",
    "CALL_HANDLER",
    "ANALYST",
    "STAFF",
)
R = {name: i for i, name in enumerate(ROLES)}
WARRANTED = {"PC", "DC", "PS", "DS", "INSP", "PCSO"}
SUPERVISOR_ROLES = {"PS", "DS", "INSP"}

# Duty kinds (codes in vigil.contract.DUTY_KINDS).
SHIFT, OVERTIME, ON_CALL, TRAINING, LEAVE = range(5)
DUTY_KIND_NAMES = ("SHIFT", "OVERTIME", "ON_CALL", "TRAINING", "LEAVE")


def epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


@dataclass
class Force:
    """Staff attributes as parallel arrays (index = staff number) and their work sessions."""

    n: int
    staff_id: np.ndarray  # str objects
    name: list[str]
    given: list[str]
    surname: list[str]
    collar: list[str | None]
    sex: np.ndarray  # 'F'/'M'
    role: np.ndarray  # int, index into ROLES
    group: np.ndarray  # int, index into GROUPS
    team: list[str]
    team_idx: np.ndarray  # int, index into teams
    teams: list[str]
    shift_group: np.ndarray  # 0..3 rotation group for 24/7 teams
    area: np.ndarray  # int, -1 for force-wide teams
    areas: list[str]
    station: np.ndarray  # int into stations
    stations: list[str]
    start_day: np.ndarray  # grid day of joining (can be negative = long before)
    end_day: np.ndarray  # grid day after leaving (large = still employed)
    start_date: list[date]
    end_date: list[date | None]
    activity: np.ndarray  # per-person activity multiplier
    offduty: np.ndarray  # per-person propensity to log in off duty
    vehicle: list[str]
    appearance: list[str]


@dataclass
class Sessions:
    """Rostered and worked time. Sorted by (staff, start)."""

    staff: np.ndarray
    kind: np.ndarray  # SHIFT/OVERTIME/ON_CALL/TRAINING
    rostered: np.ndarray  # bool: appears in `duty`
    worked: np.ndarray  # bool: the person actually worked (activity happens)
    r_start: np.ndarray  # rostered start/end (s)
    r_end: np.ndarray
    start: np.ndarray  # actual start/end (s) of worked time
    end: np.ndarray
    rate: np.ndarray  # activity multiplier of the session (training, call-outs are quiet)
    leave_staff: np.ndarray
    leave_start: np.ndarray
    leave_end: np.ndarray
    unrostered_ot: np.ndarray  # per staff: number of unrostered overtime sessions

    def worked_view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        m = self.worked
        return self.staff[m], self.start[m], self.end[m], self.rate[m]


def _allocate(total: int, shares: dict[str, float], minimum: dict[str, int]) -> dict[str, int]:
    counts = {k: max(minimum[k], int(np.floor(total * v))) for k, v in shares.items()}
    # Give or take the remainder from the biggest group.
    counts["RESPONSE"] += total - sum(counts.values())
    return counts


def build_force(cfg: SimulationConfig) -> Force:
    rng = substream(cfg, "force")
    n = cfg.staff
    n_areas = int(np.clip(round(n / 220) + 1, 2, len(vocab.AREAS)))
    areas = [a for a, _ in vocab.AREAS[:n_areas]]
    stations: list[str] = [vocab.HQ_STATION]
    area_stations: list[list[int]] = []
    for _, st in vocab.AREAS[:n_areas]:
        area_stations.append(list(range(len(stations), len(stations) + len(st))))
        stations.extend(st)

    counts = _allocate(n, _GROUP_SHARE, _GROUP_MIN)
    group = np.concatenate([np.full(counts[g], G[g]) for g in GROUPS]).astype(np.int16)
    role = np.empty(n, dtype=np.int16)
    team: list[str] = [""] * n
    area = np.full(n, -1, dtype=np.int16)
    station = np.zeros(n, dtype=np.int16)
    shift_group = np.zeros(n, dtype=np.int16)
    letters = "ABCD"
    pos = 0
    for g in GROUPS:
        k = counts[g]
        idx = np.arange(pos, pos + k)
        pos += k
        names, probs = zip(*_GROUP_ROLES[g], strict=True)
        p = np.array(probs) / sum(probs)
        role[idx] = [R[r] for r in rng.choice(names, size=k, p=p)]
        if g == "RESPONSE":
            # Every response team needs a sergeant: the first of each team is a PS.
            a = np.arange(k) % n_areas
            t = (np.arange(k) // n_areas) % 4
            area[idx] = a
            shift_group[idx] = t
            for j, i in enumerate(idx):
                team[i] = f"RESPONSE-{areas[a[j]]}-{letters[t[j]]}"
                station[i] = area_stations[a[j]][0]
            first = np.arange(min(k, n_areas * 4))
            role[idx[first]] = R["PS"]
        elif g in ("NEIGHBOURHOOD", "CID", "CUSTODY"):
            n_units = n_areas if g != "CUSTODY" else max(1, min(n_areas, k // 6))
            a = np.arange(k) % n_units
            area[idx] = a
            shift_group[idx] = (np.arange(k) // n_units) % 4
            for j, i in enumerate(idx):
                team[i] = f"{g}-{areas[a[j]]}"
                sts = area_stations[a[j]]
                station[i] = sts[j % len(sts)] if g == "NEIGHBOURHOOD" else sts[0]
            if g == "CUSTODY":
                role[idx[: n_units * 4]] = R["PS"]
        else:
            name = {
                "DA": "DA-SAFEGUARDING",
                "PPU": "PUBLIC-PROTECTION",
                "CONTROL": "CONTROL-ROOM",
                "INTEL": "INTEL-ANALYSIS",
                "ROADS": "ROADS-POLICING",
            }.get(g)
            for j, i in enumerate(idx):
                team[i] = name or ("CRIME-RECORDING" if j % 2 else "ADMIN-SUPPORT")
                station[i] = 0 if g != "ROADS" else area_stations[0][-1]
            shift_group[idx] = np.arange(k) % 4
    teams = sorted(set(team))
    team_idx = np.array([teams.index(t) for t in team], dtype=np.int32)

    role_names = np.array(ROLES)[role]
    officer = np.isin(role_names, ["PC", "DC", "PS", "DS", "INSP"])
    sex = np.where(rng.random(n) < np.where(officer, 0.68, 0.4), "M", "F")
    gi_f = rng.integers(0, len(vocab.FEMALE_NAMES), n)
    gi_m = rng.integers(0, len(vocab.MALE_NAMES), n)
    given = [
        vocab.MALE_NAMES[gi_m[i]] if sex[i] == "M" else vocab.FEMALE_NAMES[gi_f[i]]
        for i in range(n)
    ]
    surname = [vocab.SURNAMES[i] for i in rng.integers(0, len(vocab.SURNAMES), n)]
    full_name = [f"{a} {b}" for a, b in zip(given, surname, strict=True)]

    ids = rng.choice(np.arange(1000, 1_000_000), size=n, replace=False)
    staff_id = np.array([f"S{i:06d}" for i in ids], dtype=object)
    collar_nums = rng.choice(np.arange(1000, 10000), size=n, replace=False)
    collar: list[str | None] = [
        f"{cfg.force_code}{collar_nums[i]:04d}" if role_names[i] in WARRANTED else None
        for i in range(n)
    ]

    # Employment: long-serving staff, plus a few joiners and leavers inside the window.
    h, d = cfg.history_days, cfg.days
    start_day = -(rng.exponential(8.0, n) * 365).astype(np.int64) - h - 30
    end_day = np.full(n, 10**6, dtype=np.int64)
    p_move = 0.02 * d / 90
    joiners = rng.random(n) < p_move
    leavers = (rng.random(n) < p_move) & ~joiners
    start_day[joiners] = h + rng.integers(5, d - 5, joiners.sum())
    end_day[leavers] = h + rng.integers(10, d - 3, leavers.sum())
    grid0 = cfg.start.toordinal() - h
    start_date = [date.fromordinal(int(grid0 + s)) for s in start_day]
    end_date = [date.fromordinal(int(grid0 + e)) if e < 10**6 else None for e in end_day]

    activity = rng.lognormal(0.0, 0.35, n)
    offduty = rng.lognormal(0.0, 0.7, n)
    vehicle = [
        f"{vocab.CAR_COLOURS[c]} {vocab.CAR_MODELS[m]}"
        for c, m in zip(
            rng.integers(0, len(vocab.CAR_COLOURS), n),
            rng.integers(0, len(vocab.CAR_MODELS), n),
            strict=True,
        )
    ]
    appearance = [
        f"{vocab.BUILD[b]}, {vocab.HAIR[hh]}, {vocab.FEATURES[f]}"
        for b, hh, f in zip(
            rng.integers(0, len(vocab.BUILD), n),
            rng.integers(0, len(vocab.HAIR), n),
            rng.integers(0, len(vocab.FEATURES), n),
            strict=True,
        )
    ]
    return Force(
        n=n,
        staff_id=staff_id,
        name=full_name,
        given=given,
        surname=surname,
        collar=collar,
        sex=sex,
        role=role,
        group=group,
        team=team,
        team_idx=team_idx,
        teams=teams,
        shift_group=shift_group,
        area=area,
        areas=areas,
        station=station,
        stations=stations,
        start_day=start_day,
        end_day=end_day,
        start_date=start_date,
        end_date=end_date,
        activity=activity,
        offduty=offduty,
        vehicle=vehicle,
        appearance=appearance,
    )


def build_sessions(cfg: SimulationConfig, f: Force) -> Sessions:
    """Rosters per team pattern over the history and the window, with realistic gaps."""
    rng = substream(cfg, "roster")
    n, n_days = f.n, cfg.history_days + cfg.days
    g0 = epoch(cfg.start) - cfg.history_days * DAY
    dow0 = (cfg.start.toordinal() - cfg.history_days) % 7  # 0 = Monday (ordinal 1 is a Monday)
    day = np.arange(n_days)
    dow = (day + dow0) % 7

    # start hour (float, -1 = not working) and length in hours, per staff and day.
    start_h = np.full((n, n_days), -1.0)
    length = np.zeros((n, n_days))
    grp = f.group
    rot10 = grp == G["RESPONSE"]
    rot12 = np.isin(grp, [G["CONTROL"], G["CUSTODY"], G["ROADS"]])
    neigh = grp == G["NEIGHBOURHOOD"]
    office = ~(rot10 | rot12 | neigh)

    for mask, hours, (day_h, night_h) in (
        (rot10, 10.0, (7.0, 21.0)),
        (rot12, 12.0, (7.0, 19.0)),
    ):
        idx = np.nonzero(mask)[0]
        c = (day[None, :] + 4 * f.shift_group[idx, None]) % 16
        sh = np.where(c < 4, day_h, np.where((c >= 8) & (c < 12), night_h, -1.0))
        start_h[idx] = sh
        length[idx] = np.where(sh >= 0, hours, 0)
    idx = np.nonzero(neigh)[0]
    o = rng.integers(0, 7, idx.size)
    works = ((dow[None, :] + o[:, None]) % 7) < 5
    late = (((day[None, :] + 3 * o[:, None]) // 7) % 2) == 1
    start_h[idx] = np.where(works, np.where(late, 14.0, 8.0), -1.0)
    length[idx] = np.where(works, 8.0, 0)
    idx = np.nonzero(office)[0]
    begin = rng.choice([7.5, 8.0, 8.0, 8.5, 9.0], idx.size)
    weekday = dow < 5
    start_h[idx] = np.where(weekday[None, :], begin[:, None], -1.0)
    length[idx] = np.where(weekday[None, :], 8.5, 0)

    # Employment.
    employed = (day[None, :] >= f.start_day[:, None]) & (day[None, :] < f.end_day[:, None])

    # Leave blocks.
    n_blocks = rng.poisson(n_days / 365 * 6, n)
    lb_staff = np.repeat(np.arange(n), n_blocks)
    lb_len = rng.choice([1, 1, 2, 3, 4, 5, 7, 9, 10, 14], lb_staff.size)
    lb_start = rng.integers(-5, n_days, lb_staff.size)
    diff = np.zeros((n, n_days + 20), dtype=np.int16)
    s0 = np.clip(lb_start, 0, n_days)
    np.add.at(diff, (lb_staff, s0), 1)
    np.add.at(diff, (lb_staff, np.clip(lb_start + lb_len, 0, n_days)), -1)
    on_leave = np.cumsum(diff, axis=1)[:, :n_days] > 0
    keep = (lb_start + lb_len > 0) & employed[lb_staff, s0.clip(0, n_days - 1)]
    lb_staff, lb_start, lb_len = lb_staff[keep], s0[keep], (lb_start + lb_len)[keep] - s0[keep]
    _, first = np.unique(lb_staff * 100_000 + lb_start, return_index=True)
    lb_staff, lb_start, lb_len = lb_staff[first], lb_start[first], lb_len[first]

    rostered_day = (start_h >= 0) & employed & ~on_leave
    si, di = np.nonzero(rostered_day)
    m = si.size
    kind = np.full(m, SHIFT, dtype=np.int8)
    rstart = g0 + di * DAY + (start_h[si, di] * HOUR).astype(np.int64)
    rend = rstart + (length[si, di] * HOUR).astype(np.int64)
    rate = np.ones(m)

    # Training days replace ~1 shift a month; sickness removes ~3% of shifts.
    u = rng.random(m)
    training = u < 1 / 22
    kind[training] = TRAINING
    rstart[training] = g0 + di[training] * DAY + 9 * HOUR
    rend[training] = rstart[training] + 8 * HOUR
    rate[training] = 0.15
    sick = (u > 1 / 22) & (u < 1 / 22 + 0.03)
    worked = ~sick
    rostered = ~sick | (rng.random(m) < 0.5)  # half the sick shifts stay on the roster
    # Worked but missing from the roster.
    rostered &= ~(worked & (rng.random(m) < cfg.roster_missing_rate))

    # Actual times: start a little early or late, often finish late.
    a_start = rstart + rng.normal(-8, 8, m).astype(np.int64) * 60
    a_end = rend + (rng.exponential(25, m) - 5).astype(np.int64) * 60

    parts = [(si, kind, rostered, worked, rstart, rend, a_start, a_end, rate)]

    # Rostered overtime (response, CID, roads): an extra shift on an off day.
    free = (start_h < 0) & employed & ~on_leave
    ot_cand = np.isin(grp, [G["RESPONSE"], G["CID"], G["ROADS"], G["CUSTODY"]])[:, None] & free
    ot = ot_cand & (rng.random((n, n_days)) < 1 / 60)
    oi, od = np.nonzero(ot)
    o_start = g0 + od * DAY + rng.choice([8, 10, 14, 18], oi.size) * HOUR
    o_end = o_start + rng.choice([6, 8, 10], oi.size) * HOUR
    parts.append(
        (
            oi,
            np.full(oi.size, OVERTIME, np.int8),
            np.ones(oi.size, bool),
            np.ones(oi.size, bool),
            o_start,
            o_end,
            o_start + rng.integers(-10, 10, oi.size) * 60,
            o_end + rng.integers(0, 40, oi.size) * 60,
            np.ones(oi.size),
        )
    )
    # Unrostered overtime: worked, produces activity, no duty row.
    p_unr = cfg.unrostered_overtime_per_30d / 30 * np.where(f.group == G["ADMIN"], 0.2, 1.0)
    unr = free & (rng.random((n, n_days)) < p_unr[:, None]) & ~ot
    ui, ud = np.nonzero(unr)
    u_start = g0 + ud * DAY + rng.choice([7, 9, 12, 16, 19], ui.size) * HOUR
    u_end = u_start + rng.choice([3, 4, 6, 8], ui.size) * HOUR
    parts.append(
        (
            ui,
            np.full(ui.size, OVERTIME, np.int8),
            np.zeros(ui.size, bool),
            np.ones(ui.size, bool),
            u_start,
            u_end,
            u_start,
            u_end,
            np.ones(ui.size),
        )
    )
    unrostered_ot = np.bincount(ui, minlength=n)

    # CID on call: one detective per CID team per night, rostered; ~30% are called out.
    cid = np.nonzero(f.group == G["CID"])[0]
    for t in np.unique(f.team_idx[cid]):
        members = cid[f.team_idx[cid] == t]
        who = members[(day + int(t)) % members.size]
        ok = employed[who, day] & ~on_leave[who, day]
        w, dd = who[ok], day[ok]
        oc_start = g0 + dd * DAY + 17 * HOUR
        oc_end = oc_start + 15 * HOUR
        parts.append(
            (
                w,
                np.full(w.size, ON_CALL, np.int8),
                np.ones(w.size, bool),
                np.zeros(w.size, bool),
                oc_start,
                oc_end,
                oc_start,
                oc_end,
                np.ones(w.size),
            )
        )
        out = rng.random(w.size) < 0.3
        co_start = oc_start[out] + rng.integers(4, 12, out.sum()) * HOUR
        co_end = co_start + rng.integers(1, 4, out.sum()) * HOUR
        parts.append(
            (
                w[out],
                np.full(out.sum(), ON_CALL, np.int8),
                np.zeros(out.sum(), bool),
                np.ones(out.sum(), bool),
                co_start,
                co_end,
                co_start,
                co_end,
                np.full(out.sum(), 0.6),
            )
        )

    cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    st, kd, ro, wo, rs, re_, a_s, a_e, rt = cols
    order = np.lexsort((a_s, st))
    return Sessions(
        staff=st[order].astype(np.int64),
        kind=kd[order],
        rostered=ro[order],
        worked=wo[order],
        r_start=rs[order].astype(np.int64),
        r_end=re_[order].astype(np.int64),
        start=a_s[order].astype(np.int64),
        end=a_e[order].astype(np.int64),
        rate=rt[order],
        leave_staff=lb_staff.astype(np.int64),
        leave_start=(g0 + lb_start * DAY).astype(np.int64),
        leave_end=(g0 + (lb_start + lb_len) * DAY).astype(np.int64),
        unrostered_ot=unrostered_ot,
    )


class DutyIndex:
    """Fast 'is staff s working at time t' and 'when is s next working' over worked sessions."""

    SHIFT_BITS = 36

    def __init__(self, sessions: Sessions) -> None:
        s, a, b, r = sessions.worked_view()
        # Merge overlaps per staff is unnecessary for lookup: sessions are sorted by start.
        self.staff, self.start, self.end, self.rate = s, a, b, r
        self._base = np.int64(1) << self.SHIFT_BITS
        self._off = 10**9  # keep keys positive for timestamps after 2001
        self.key = s * self._base + (a - self._off)

    def locate(self, staff: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Index of the last session of `staff` starting at or before `t` (-1 if none)."""
        k = staff.astype(np.int64) * self._base + (t - self._off)
        i = np.searchsorted(self.key, k, side="right") - 1
        bad = (i < 0) | (self.staff[np.maximum(i, 0)] != staff)
        return np.where(bad, -1, i)

    def on_duty(self, staff: np.ndarray, t: np.ndarray) -> np.ndarray:
        i = self.locate(staff, t)
        ok = i >= 0
        j = np.maximum(i, 0)
        return ok & (t < self.end[j])

    def ranges(
        self, staff: np.ndarray, t0: np.ndarray, t1: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per query, the [lo, hi) slice of sessions of `staff` overlapping [t0, t1).

        Works on positions in the (staff, start)-sorted keys, not on `locate`'s -1: for a
        staff member with no session starting by t0 (a joiner tasked before their first
        shift) the slice once began at index 0 and so held every earlier staff member's
        sessions, crediting one person with thousands of events a day.
        """
        base = staff.astype(np.int64) * self._base
        # Sessions of `staff` (or of earlier staff) starting at or before t0 ...
        lo = np.searchsorted(self.key, base + (t0 - self._off), side="right")
        # ... of which the last one overlaps [t0, t1) if it is theirs and ends after t0.
        prev = np.maximum(lo - 1, 0)
        back = (lo > 0) & (self.staff[prev] == staff) & (self.end[prev] > t0)
        lo = np.where(back, lo - 1, lo)
        # Sessions of `staff` starting before t1 (never past their own last session).
        hi = np.searchsorted(self.key, base + (t1 - 1 - self._off), side="right")
        return lo, np.maximum(hi, lo)
