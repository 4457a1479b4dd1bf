"""Everything generated before the event tables: the world the events happen in.

Also the string dictionaries events index into (subjects, queries, reasons, terminals,
contact counterparts), so that event columns are built by `take` on Arrow arrays rather
than by formatting strings row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vigil.simulate import vocab
from vigil.simulate.config import SimulationConfig, substream
from vigil.simulate.force import (
    DAY,
    DutyIndex,
    Force,
    Sessions,
    build_force,
    build_sessions,
    epoch,
)
from vigil.simulate.population import (
    SUSPECT,
    VICTIM,
    Incidents,
    People,
    T,
    build_contacts,
    build_incidents,
    build_people,
)

SYSTEMS = ("RMS", "COMMAND_CONTROL", "PNC", "PND", "INTEL", "CUSTODY", "CASE_FILE")
SY = {s: i for i, s in enumerate(SYSTEMS)}
ACTIONS = ("SEARCH", "VIEW", "UPDATE", "PRINT", "EXPORT")
AC = {s: i for i, s in enumerate(ACTIONS)}
STYPES = ("PERSON", "INCIDENT", "ADDRESS", "VEHICLE", "FREE_TEXT")
ST = {s: i for i, s in enumerate(STYPES)}
CHANNELS = ("CALL", "SMS", "EMAIL", "MESSAGING")
CH = {s: i for i, s in enumerate(CHANNELS)}
DIRECTIONS = ("OUT", "IN")

#: Query kinds: name variants of a person, then topics.
N_NAME_VARIANTS = 5

ACCESS_FIELDS = ("ts", "staff", "system", "action", "stype", "subj", "qidx", "rkind", "ridx")
CONTACT_FIELDS = ("ts", "staff", "channel", "direction", "cp", "duration")
Batch = dict[str, np.ndarray]

#: Reason kinds: 0 none, 1 a code from REASONS, 2 an incident reference.
REASONS: tuple[str, ...] = tuple(
    dict.fromkeys(
        vocab.REASONS_TASKED
        + vocab.REASONS_VAGUE
        + vocab.REASONS_DA
        + vocab.REASONS_PPU
        + vocab.REASONS_CONTROL
        + vocab.REASONS_CUSTODY
        + vocab.REASONS_ANALYST
        + vocab.REASONS_BRIEFING
    )
)
RS = {r: i for i, r in enumerate(REASONS)}


def reason_codes(names: tuple[str, ...]) -> np.ndarray:
    return np.array([RS[r] for r in names], dtype=np.int64)


def empty_batch(fields: tuple[str, ...]) -> Batch:
    return {f: np.zeros(0, dtype=np.int64) for f in fields}


def concat(batches: list[Batch], fields: tuple[str, ...]) -> Batch:
    batches = [b for b in batches if b["ts"].size]
    if not batches:
        return empty_batch(fields)
    return {f: np.concatenate([b[f].astype(np.int64) for b in batches]) for f in fields}


def select(b: Batch, mask: np.ndarray) -> Batch:
    return {k: v[mask] for k, v in b.items()}


class Pool:
    """Items with a time (e.g. people of incidents by opening time), per area and force-wide.

    `sample(ts, area, window)` draws, for each query, an item from the area (or the whole
    force for area -1) whose time lies in [ts - window, ts); if there is none, any item of
    that area.
    """

    def __init__(self, times: np.ndarray, values: np.ndarray, area: np.ndarray, n_areas: int):
        o = np.argsort(times, kind="stable")
        self.parts: dict[int, tuple[np.ndarray, np.ndarray]] = {-1: (times[o], values[o])}
        for a in range(n_areas):
            m = area[o] == a
            self.parts[a] = (times[o][m], values[o][m])

    def sample(
        self, rng: np.random.Generator, ts: np.ndarray, area: np.ndarray, window: int
    ) -> np.ndarray:
        out = np.full(ts.size, -1, dtype=np.int64)
        for a, (t, v) in self.parts.items():
            m = area == a
            if not m.any() or t.size == 0:
                continue
            q = ts[m]
            lo = np.searchsorted(t, q - window)
            hi = np.searchsorted(t, q)
            none = hi <= lo
            lo = np.where(none, 0, lo)
            hi = np.where(none, t.size, hi)
            out[m] = v[lo + (rng.random(q.size) * (hi - lo)).astype(np.int64)]
        return out


@dataclass
class World:
    cfg: SimulationConfig
    t0: int  # window start (s)
    t1: int  # window end (s)
    force: Force
    sessions: Sessions
    duty: DutyIndex
    people: People
    inc: Incidents
    # dictionaries
    n_vehicles: int = 0
    vehicle_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pools: dict[str, Pool] = field(default_factory=dict)
    area_addresses: dict[int, np.ndarray] = field(default_factory=dict)
    # events injected by scenarios and hard negatives (filtered per month)
    extra_access: list[Batch] = field(default_factory=list)
    extra_contact: list[Batch] = field(default_factory=list)
    truth: list[tuple[int, str, int, int, int]] = field(default_factory=list)
    #: (received_at, organisation, description, concern, person or -1, staff described or -1)
    partner_reports: list[tuple[int, str, str, str, int, int]] = field(default_factory=list)
    hard_negatives: list[tuple[int, str]] = field(default_factory=list)
    abusers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def months(self) -> list[tuple[int, int, str]]:
        """Calendar months of the window: (start s, end s, 'YYYY-MM'), clipped to the window."""
        out = []
        d = self.cfg.start.replace(day=1)
        while True:
            nxt = (
                d.replace(year=d.year + 1, month=1)
                if d.month == 12
                else d.replace(month=d.month + 1)
            )
            a, b = max(epoch(d), self.t0), min(epoch(nxt), self.t1)
            if a >= self.t1:
                break
            out.append((a, b, f"{d.year:04d}-{d.month:02d}"))
            d = nxt
        return out


def build_world(cfg: SimulationConfig) -> World:
    force = build_force(cfg)
    sessions = build_sessions(cfg, force)
    people = build_people(cfg, force)
    inc = build_incidents(cfg, force, people, sessions)
    build_contacts(cfg, force, people)
    t0 = epoch(cfg.start)
    w = World(
        cfg=cfg,
        t0=t0,
        t1=t0 + cfg.days * DAY,
        force=force,
        sessions=sessions,
        duty=DutyIndex(sessions),
        people=people,
        inc=inc,
    )
    _build_pools(w)
    return w


def _build_pools(w: World) -> None:
    rng = substream(w.cfg, "pools")
    inc, n_areas = w.inc, len(w.force.areas)
    w.n_vehicles = max(2000, w.cfg.staff * 40)
    vw = rng.pareto(1.1, w.n_vehicles) + 1
    w.vehicle_w = np.cumsum(vw / vw.sum())
    ip_t = inc.opened[inc.ip_incident]
    ip_a = inc.area[inc.ip_incident]
    ip_type = inc.type[inc.ip_incident]
    pools: dict[str, Pool] = {}
    all_inc = np.arange(inc.n)
    pools["inc"] = Pool(inc.opened, all_inc, inc.area, n_areas)
    for name, tname in (
        ("da_inc", "DOMESTIC_ABUSE"),
        ("so_inc", "SEXUAL_OFFENCE"),
        ("rtc_inc", "RTC"),
    ):
        m = inc.type == T[tname]
        pools[name] = Pool(inc.opened[m], all_inc[m], inc.area[m], n_areas)
    pools["person"] = Pool(ip_t, inc.ip_person, ip_a, n_areas)
    m = inc.ip_role == SUSPECT
    pools["suspect"] = Pool(ip_t[m], inc.ip_person[m], ip_a[m], n_areas)
    for name, tname, role in (
        ("da_victim", "DOMESTIC_ABUSE", VICTIM),
        ("da_suspect", "DOMESTIC_ABUSE", SUSPECT),
        ("so_victim", "SEXUAL_OFFENCE", VICTIM),
        ("so_suspect", "SEXUAL_OFFENCE", SUSPECT),
    ):
        m = (ip_type == T[tname]) & (inc.ip_role == role)
        pools[name] = Pool(ip_t[m], inc.ip_person[m], ip_a[m], n_areas)
    m = ip_type == T["RTC"]
    pools["rtc_person"] = Pool(ip_t[m], inc.ip_person[m], ip_a[m], n_areas)
    w.pools = pools
    addr = np.arange(w.people.n_addresses)
    w.area_addresses = {a: addr[w.people.address_area == a] for a in range(n_areas)}
    w.area_addresses[-1] = addr
