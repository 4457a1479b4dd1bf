"""Legitimate activity, one calendar month at a time: access events and contact events.

Every stream is a Poisson process over an interval clipped to the month (a worked
session, an assignment, an off-duty day), so a month is generated independently of the
others from its own random sub-stream and month boundaries need no special care.
"""

from __future__ import annotations

import numpy as np

from vigil.simulate import vocab
from vigil.simulate.config import substream
from vigil.simulate.force import DAY, GROUPS, HOUR, G
from vigil.simulate.population import (
    ANALYST,
    ATTENDING,
    CALL_HANDLER,
    INVESTIGATOR,
    OIC,
    REPORTER,
    SUBJECT,
    SUPERVISOR,
    SUSPECT,
    VICTIM,
    WITNESS,
)
from vigil.simulate.world import (
    AC,
    ACCESS_FIELDS,
    CH,
    CONTACT_FIELDS,
    N_NAME_VARIANTS,
    ST,
    SY,
    Batch,
    World,
    concat,
    reason_codes,
    select,
)

# Background events per worked hour, by team group.
GROUP_RATE = {
    "RESPONSE": 1.7,
    "NEIGHBOURHOOD": 2.0,
    "CID": 2.2,
    "DA": 3.2,
    "PPU": 2.6,
    "CONTROL": 7.5,
    "CUSTODY": 3.5,
    "INTEL": 4.5,
    "ADMIN": 2.2,
    "ROADS": 2.8,
}
# Off-duty log-ins per day (times the person's propensity), by team group.
OFFDUTY_RATE = {
    "RESPONSE": 0.08,
    "NEIGHBOURHOOD": 0.1,
    "CID": 0.2,
    "DA": 0.18,
    "PPU": 0.15,
    "CONTROL": 0.01,
    "CUSTODY": 0.02,
    "INTEL": 0.08,
    "ADMIN": 0.02,
    "ROADS": 0.05,
}
CONTACT_RATE = {
    "RESPONSE": 0.5,
    "NEIGHBOURHOOD": 1.0,
    "CID": 1.4,
    "DA": 1.8,
    "PPU": 1.4,
    "CONTROL": 0.15,
    "CUSTODY": 0.3,
    "INTEL": 0.7,
    "ADMIN": 0.8,
    "ROADS": 0.35,
}
REASON_SETS = {
    "DA": vocab.REASONS_DA,
    "PPU": vocab.REASONS_PPU,
    "CONTROL": vocab.REASONS_CONTROL,
    "CUSTODY": vocab.REASONS_CUSTODY,
    "ANALYST": vocab.REASONS_ANALYST,
    "BRIEFING": vocab.REASONS_BRIEFING,
    "TASKED": vocab.REASONS_TASKED,
    "VAGUE": vocab.REASONS_VAGUE,
}
_RS = {k: reason_codes(v) for k, v in REASON_SETS.items()}

# (system, action, source, window days, reason set, reason probability, weight)
Template = tuple[str, str, str, int, str | None, float, float]
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "RESPONSE": (
        ("RMS", "VIEW", "inc", 2, "BRIEFING", 0.3, 0.24),
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.22),
        ("PNC", "SEARCH", "suspect", 14, None, 0, 0.12),
        ("PND", "SEARCH", "suspect", 30, None, 0, 0.04),
        ("RMS", "VIEW", "person", 7, None, 0, 0.1),
        ("RMS", "SEARCH", "address", 0, None, 0, 0.1),
        ("COMMAND_CONTROL", "VIEW", "inc", 1, None, 0, 0.15),
        ("INTEL", "SEARCH", "suspect", 30, None, 0, 0.03),
    ),
    "NEIGHBOURHOOD": (
        ("RMS", "VIEW", "inc", 14, None, 0, 0.25),
        ("RMS", "VIEW", "person", 30, None, 0, 0.2),
        ("RMS", "SEARCH", "address", 0, None, 0, 0.15),
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.1),
        ("INTEL", "SEARCH", "suspect", 60, None, 0, 0.1),
        ("INTEL", "SEARCH", "topic", 0, None, 0, 0.05),
        ("COMMAND_CONTROL", "VIEW", "inc", 2, None, 0, 0.1),
        ("RMS", "UPDATE", "inc", 14, None, 0, 0.05),
    ),
    "CID": (
        ("RMS", "VIEW", "inc", 30, None, 0, 0.2),
        ("PND", "SEARCH", "suspect", 60, None, 0, 0.12),
        ("PNC", "SEARCH", "suspect", 60, None, 0, 0.12),
        ("INTEL", "SEARCH", "suspect", 60, None, 0, 0.12),
        ("INTEL", "SEARCH", "topic", 0, None, 0, 0.06),
        ("CASE_FILE", "VIEW", "inc", 60, None, 0, 0.12),
        ("RMS", "VIEW", "person", 60, None, 0, 0.16),
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.06),
        ("CUSTODY", "VIEW", "suspect", 3, None, 0, 0.04),
    ),
    "DA": (
        ("RMS", "VIEW", "da_victim", 120, "DA", 0.6, 0.35),
        ("RMS", "VIEW", "da_inc", 120, "DA", 0.5, 0.2),
        ("INTEL", "SEARCH", "da_suspect", 120, "DA", 0.3, 0.1),
        ("PNC", "SEARCH", "da_suspect", 120, None, 0, 0.08),
        ("CASE_FILE", "VIEW", "da_inc", 120, None, 0, 0.07),
        ("RMS", "SEARCH", "da_address", 120, None, 0, 0.05),
        ("RMS", "PRINT", "da_victim", 60, "DA", 0.9, 0.02),
        ("INTEL", "SEARCH", "topic", 0, None, 0, 0.03),
        ("RMS", "UPDATE", "da_victim", 120, "DA", 0.5, 0.1),
    ),
    "PPU": (
        ("RMS", "VIEW", "so_victim", 365, "PPU", 0.4, 0.25),
        ("RMS", "VIEW", "so_inc", 365, "PPU", 0.4, 0.2),
        ("PND", "SEARCH", "so_suspect", 365, "PPU", 0.5, 0.15),
        ("INTEL", "SEARCH", "so_suspect", 365, None, 0, 0.1),
        ("CASE_FILE", "VIEW", "so_inc", 365, None, 0, 0.15),
        ("RMS", "UPDATE", "so_inc", 365, None, 0, 0.1),
        ("PNC", "SEARCH", "suspect", 60, None, 0, 0.05),
    ),
    "CONTROL": (
        ("COMMAND_CONTROL", "SEARCH", "person", 1, "CONTROL", 0.2, 0.3),
        ("COMMAND_CONTROL", "VIEW", "inc", 1, "CONTROL", 0.2, 0.25),
        ("RMS", "SEARCH", "person", 3, None, 0, 0.12),
        ("RMS", "VIEW", "person", 3, None, 0, 0.08),
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.1),
        ("COMMAND_CONTROL", "SEARCH", "address", 0, None, 0, 0.1),
        ("RMS", "VIEW", "inc", 30, None, 0, 0.05),
    ),
    "CUSTODY": (
        ("CUSTODY", "VIEW", "suspect", 2, "CUSTODY", 0.5, 0.3),
        ("CUSTODY", "UPDATE", "suspect", 2, "CUSTODY", 0.5, 0.25),
        ("PNC", "SEARCH", "suspect", 2, None, 0, 0.15),
        ("PND", "SEARCH", "suspect", 2, None, 0, 0.05),
        ("RMS", "VIEW", "inc", 3, None, 0, 0.15),
        ("RMS", "VIEW", "person", 3, None, 0, 0.1),
    ),
    "INTEL": (
        ("INTEL", "SEARCH", "topic", 0, "ANALYST", 0.8, 0.15),
        ("RMS", "VIEW", "person", 180, "ANALYST", 0.85, 0.2),
        ("RMS", "VIEW", "da_victim", 365, "ANALYST", 0.85, 0.1),
        ("RMS", "VIEW", "so_victim", 365, "ANALYST", 0.85, 0.05),
        ("RMS", "VIEW", "inc", 180, "ANALYST", 0.8, 0.2),
        ("INTEL", "SEARCH", "suspect", 180, "ANALYST", 0.7, 0.15),
        ("RMS", "EXPORT", "inc", 90, "ANALYST", 0.95, 0.03),
        ("PND", "SEARCH", "suspect", 180, "ANALYST", 0.7, 0.07),
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.05),
    ),
    "ADMIN": (
        ("RMS", "VIEW", "inc", 14, None, 0, 0.35),
        ("RMS", "UPDATE", "inc", 14, None, 0, 0.25),
        ("RMS", "VIEW", "person", 14, None, 0, 0.2),
        ("RMS", "UPDATE", "person", 14, None, 0, 0.1),
        ("CASE_FILE", "VIEW", "inc", 60, None, 0, 0.1),
    ),
    "ROADS": (
        ("PNC", "SEARCH", "vehicle", 0, None, 0, 0.55),
        ("PNC", "SEARCH", "suspect", 30, None, 0, 0.15),
        ("RMS", "VIEW", "rtc_inc", 30, None, 0, 0.15),
        ("RMS", "VIEW", "rtc_person", 30, None, 0, 0.1),
        ("COMMAND_CONTROL", "VIEW", "inc", 1, None, 0, 0.05),
    ),
}
# Work on an assigned incident: (system, action, target, weight), per tasking role.
TASK_TEMPLATES: dict[int, tuple[tuple[str, str, str, float], ...]] = {
    CALL_HANDLER: (
        ("COMMAND_CONTROL", "VIEW", "INC", 0.3),
        ("COMMAND_CONTROL", "UPDATE", "INC", 0.2),
        ("COMMAND_CONTROL", "SEARCH", "PERSON", 0.25),
        ("PNC", "SEARCH", "PERSON", 0.1),
        ("COMMAND_CONTROL", "SEARCH", "ADDRESS", 0.15),
    ),
    ATTENDING: (
        ("COMMAND_CONTROL", "VIEW", "INC", 0.2),
        ("RMS", "VIEW", "INC", 0.15),
        ("RMS", "VIEW", "PERSON", 0.25),
        ("PNC", "SEARCH", "SUSPECT", 0.15),
        ("RMS", "UPDATE", "INC", 0.1),
        ("RMS", "VIEW", "ADDRESS", 0.05),
        ("PNC", "SEARCH", "VEHICLE", 0.05),
        ("PND", "SEARCH", "SUSPECT", 0.05),
    ),
    OIC: (
        ("RMS", "VIEW", "INC", 0.2),
        ("RMS", "UPDATE", "INC", 0.15),
        ("RMS", "VIEW", "PERSON", 0.25),
        ("CASE_FILE", "VIEW", "INC", 0.1),
        ("CASE_FILE", "UPDATE", "INC", 0.05),
        ("PNC", "SEARCH", "SUSPECT", 0.07),
        ("INTEL", "SEARCH", "SUSPECT", 0.05),
        ("PND", "SEARCH", "SUSPECT", 0.05),
        ("RMS", "VIEW", "ADDRESS", 0.04),
        ("RMS", "PRINT", "INC", 0.02),
        ("RMS", "UPDATE", "PERSON", 0.02),
    ),
    SUPERVISOR: (
        ("RMS", "VIEW", "INC", 0.6),
        ("RMS", "UPDATE", "INC", 0.2),
        ("RMS", "VIEW", "PERSON", 0.2),
    ),
    ANALYST: (
        ("RMS", "VIEW", "INC", 0.3),
        ("RMS", "VIEW", "PERSON", 0.3),
        ("INTEL", "SEARCH", "SUSPECT", 0.2),
        ("RMS", "EXPORT", "INC", 0.05),
        ("INTEL", "SEARCH", "TOPIC", 0.15),
    ),
}
TASK_TEMPLATES[INVESTIGATOR] = TASK_TEMPLATES[OIC]
# Tasked events per hour: short roles per hour of the assignment, long roles per worked hour.
TASK_RATE = {
    CALL_HANDLER: 12.0,
    ATTENDING: 2.5,
    OIC: 0.12,
    SUPERVISOR: 0.04,
    INVESTIGATOR: 0.08,
    ANALYST: 0.12,
}
# Off-duty tasked work on long assignments, per assignment day (times propensity).
TASK_OFF_RATE = {OIC: 0.025, SUPERVISOR: 0.004, INVESTIGATOR: 0.01, ANALYST: 0.01}
SHORT_ROLES = (CALL_HANDLER, ATTENDING)

# Weights of incident roles when picking the person a tasked event or contact is about.
_VIEW_W = np.array([3.0, 1.0, 2.0, 1.0, 3.0])  # VICTIM, WITNESS, SUSPECT, REPORTER, SUBJECT
_SUSPECT_W = np.array([1.0, 0.3, 6.0, 0.3, 1.0])
_CONTACT_W = np.array([4.0, 2.0, 0.3, 2.0, 2.0])
assert [VICTIM, WITNESS, SUSPECT, REPORTER, SUBJECT] == [0, 1, 2, 3, 4]

# Hours of day for off-duty log-ins (evenings, some early mornings).
_OFF_HOURS = np.array([0.5, 0.2, 0.1, 0.05, 0.05, 0.2, 1, 2, 1.5, 0.8, 0.6, 0.6, 0.7, 0.6, 0.6, 0.7,
                       1.0, 1.6, 2.2, 2.6, 2.8, 2.6, 2.0, 1.2])  # fmt: skip
OFF_HOURS = _OFF_HOURS / _OFF_HOURS.sum()


class _Ctx:
    """Per-world precomputation shared by the months."""

    def __init__(self, w: World) -> None:
        self.w = w
        inc = w.inc
        self.view_cum = np.cumsum(_VIEW_W[inc.ip_role])
        self.susp_cum = np.cumsum(_SUSPECT_W[inc.ip_role])
        self.contact_cum = np.cumsum(_CONTACT_W[inc.ip_role])
        f = w.force
        self.group_name = np.array(GROUPS)[f.group]
        # Background template table.
        rows: list[tuple[int, Template]] = []
        for g, temps in TEMPLATES.items():
            for t in temps:
                rows.append((G[g], t))
        self.templates = [t for _, t in rows]
        self.tmpl_group = np.array([g for g, _ in rows])
        self.tmpl_w = np.array([t[6] for t in self.templates])
        self.group_rate = np.array([GROUP_RATE[g] for g in GROUPS])
        self.off_rate = np.array([OFFDUTY_RATE[g] for g in GROUPS])
        self.contact_rate = np.array([CONTACT_RATE[g] for g in GROUPS])
        hp = inc.high_profile
        self.hp = hp[np.argsort(inc.opened[hp], kind="stable")]
        self.hp_open = inc.opened[self.hp]


def pick_incident_person(
    rng: np.random.Generator, w: World, cum: np.ndarray, incident: np.ndarray
) -> np.ndarray:
    """A person of each incident, weighted by their role (-1 if the incident has nobody)."""
    ptr = w.inc.ip_ptr
    a, b = ptr[incident], ptr[incident + 1]
    c0 = np.where(a > 0, cum[np.maximum(a - 1, 0)], 0.0)
    c1 = np.where(b > 0, cum[np.maximum(b - 1, 0)], 0.0)
    target = c0 + rng.random(incident.size) * (c1 - c0)
    j = np.searchsorted(cum, target, side="right")
    j = np.clip(j, a, np.maximum(b - 1, a))
    return np.where(b > a, w.inc.ip_person[np.minimum(j, w.inc.ip_person.size - 1)], -1)


def _vehicle(rng: np.random.Generator, w: World, k: int) -> np.ndarray:
    return np.minimum(np.searchsorted(w.vehicle_w, rng.random(k)), w.n_vehicles - 1)


def _address(rng: np.random.Generator, w: World, area: np.ndarray) -> np.ndarray:
    out = np.empty(area.size, dtype=np.int64)
    for a, addrs in w.area_addresses.items():
        m = area == a
        if m.any():
            out[m] = addrs[rng.integers(0, addrs.size, m.sum())]
    return out


def _fill_background(
    rng: np.random.Generator, ctx: _Ctx, staff: np.ndarray, ts: np.ndarray, tid: np.ndarray
) -> Batch:
    """Access events from background templates `tid` for (staff, ts)."""
    w = ctx.w
    n = ts.size
    system = np.zeros(n, np.int64)
    action = np.zeros(n, np.int64)
    stype = np.zeros(n, np.int64)
    subj = np.full(n, -1, np.int64)
    qidx = np.full(n, -1, np.int64)
    rkind = np.zeros(n, np.int64)
    ridx = np.zeros(n, np.int64)
    area = w.force.area[staff].astype(np.int64)
    order = np.argsort(tid, kind="stable")
    bounds = np.searchsorted(tid[order], np.arange(len(ctx.templates) + 1))
    n_topics = len(vocab.TOPICS)
    q_topic0 = w.people.n * N_NAME_VARIANTS
    for k, (sysname, act, source, window, rset, rprob, _) in enumerate(ctx.templates):
        idx = order[bounds[k] : bounds[k + 1]]
        if idx.size == 0:
            continue
        system[idx] = SY[sysname]
        action[idx] = AC[act]
        t, ar = ts[idx], area[idx]
        if source == "vehicle":
            stype[idx] = ST["VEHICLE"]
            subj[idx] = _vehicle(rng, w, idx.size)
        elif source == "address":
            stype[idx] = ST["ADDRESS"]
            subj[idx] = _address(rng, w, ar)
        elif source == "da_address":
            stype[idx] = ST["ADDRESS"]
            subj[idx] = w.inc.address[w.pools["da_inc"].sample(rng, t, ar, window * DAY)]
        elif source == "topic":
            stype[idx] = ST["FREE_TEXT"]
            qidx[idx] = q_topic0 + rng.integers(0, n_topics, idx.size)
        elif source.endswith("inc"):
            stype[idx] = ST["INCIDENT"]
            subj[idx] = w.pools[source].sample(rng, t, ar, window * DAY)
        else:
            stype[idx] = ST["PERSON"]
            subj[idx] = w.pools[source].sample(rng, t, ar, window * DAY)
        if rset is not None:
            has = rng.random(idx.size) < rprob
            codes = _RS[rset]
            rkind[idx[has]] = 1
            ridx[idx[has]] = codes[rng.integers(0, codes.size, has.sum())]
    # Generic justifications typed by anyone, sometimes.
    u = rng.random(n)
    generic = (rkind == 0) & (u < 0.12)
    pool = np.concatenate([_RS["TASKED"], _RS["VAGUE"]])
    rkind[generic] = 1
    ridx[generic] = pool[rng.integers(0, pool.size, generic.sum())]
    return dict(
        ts=ts, staff=staff, system=system, action=action, stype=stype, subj=subj,
        qidx=qidx, rkind=rkind, ridx=ridx,
    )  # fmt: skip


def _choose_templates(rng: np.random.Generator, ctx: _Ctx, staff: np.ndarray) -> np.ndarray:
    g = ctx.w.force.group[staff]
    tid = np.zeros(staff.size, np.int64)
    for gi in range(len(GROUPS)):
        m = g == gi
        if not m.any():
            continue
        cand = np.nonzero(ctx.tmpl_group == gi)[0]
        p = ctx.tmpl_w[cand] / ctx.tmpl_w[cand].sum()
        tid[m] = cand[rng.choice(cand.size, m.sum(), p=p)]
    return tid


def _month_sessions(w: World, m0: int, m1: int) -> tuple[np.ndarray, ...]:
    d = w.duty
    lo, hi = np.maximum(d.start, m0), np.minimum(d.end, m1)
    m = hi > lo
    return d.staff[m], lo[m], hi[m], d.rate[m]


def _poisson_times(
    rng: np.random.Generator, lam: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts ~ Poisson(lam) per interval and uniform times inside: (interval index, ts)."""
    k = rng.poisson(np.maximum(lam, 0))
    which = np.repeat(np.arange(lam.size), k)
    ts = lo[which] + (rng.random(which.size) * (hi[which] - lo[which])).astype(np.int64)
    return which, ts


def _offduty_days(
    rng: np.random.Generator, w: World, m0: int, m1: int, rate: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(staff, ts) of off-duty log-ins: Poisson per staff per day of the month, evening hours."""
    f = w.force
    days = np.arange(m0 // DAY, (m1 + DAY - 1) // DAY)
    g0d = w.t0 // DAY - w.cfg.history_days
    employed = ((days[None, :] - g0d) >= f.start_day[:, None]) & (
        (days[None, :] - g0d) < f.end_day[:, None]
    )
    lam = rate[:, None] * employed
    k = rng.poisson(lam)
    si, di = np.nonzero(k)
    rep = k[si, di]
    si, di = np.repeat(si, rep), np.repeat(di, rep)
    ts = (
        days[di] * DAY
        + rng.choice(24, si.size, p=OFF_HOURS) * HOUR
        + rng.integers(0, HOUR, si.size)
    )
    keep = (ts >= m0) & (ts < m1) & ~w.duty.on_duty(si, ts)
    return si[keep], ts[keep]


def _tasked(rng: np.random.Generator, ctx: _Ctx, m0: int, m1: int) -> tuple[Batch, Batch]:
    """Access and contact events from incident_staff assignments overlapping the month."""
    w = ctx.w
    inc = w.inc
    f = w.force
    scale = w.cfg.activity_scale
    un = np.where(inc.is_unassigned < 0, w.t1, inc.is_unassigned)
    a = np.maximum(inc.is_assigned, m0)
    b = np.minimum(un, m1)
    live = np.nonzero(b > a)[0]
    role = inc.is_role[live]
    staff = inc.is_staff[live]
    a, b = a[live], b[live]
    act = f.activity[staff] * scale

    evs_i: list[np.ndarray] = []  # index into live
    evs_t: list[np.ndarray] = []
    con_i: list[np.ndarray] = []
    con_t: list[np.ndarray] = []

    short = np.isin(role, SHORT_ROLES)
    rate = np.array([TASK_RATE[int(r)] for r in range(6)])[role]
    # Short assignments: the events fall inside the assignment.
    s_idx = np.nonzero(short)[0]
    which, ts = _poisson_times(
        rng, rate[s_idx] * act[s_idx] * (b[s_idx] - a[s_idx]) / HOUR, a[s_idx], b[s_idx]
    )
    evs_i.append(s_idx[which])
    evs_t.append(ts)
    att = s_idx[role[s_idx] == ATTENDING]
    which, ts = _poisson_times(rng, np.full(att.size, 0.8), a[att], b[att] + 2 * HOUR)
    con_i.append(att[which])
    con_t.append(ts)

    # Long assignments: events during the person's worked sessions inside the assignment.
    l_idx = np.nonzero(~short)[0]
    lo, hi = w.duty.ranges(staff[l_idx], a[l_idx], b[l_idx])
    cnt = hi - lo
    pair_l = np.repeat(l_idx, cnt)
    start_rep = np.repeat(lo, cnt)
    offs = np.arange(pair_l.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    sess = start_rep + offs
    p_a = np.maximum(w.duty.start[sess], a[pair_l])
    p_b = np.minimum(w.duty.end[sess], b[pair_l])
    ok = p_b > p_a
    pair_l, sess, p_a, p_b = pair_l[ok], sess[ok], p_a[ok], p_b[ok]
    hours = (p_b - p_a) / HOUR
    which, ts = _poisson_times(
        rng, rate[pair_l] * act[pair_l] * hours * w.duty.rate[sess], p_a, p_b
    )
    evs_i.append(pair_l[which])
    evs_t.append(ts)
    is_oic = np.isin(role[pair_l], [OIC, INVESTIGATOR])
    which, ts = _poisson_times(rng, 0.05 * hours * is_oic * scale, p_a, p_b)
    con_i.append(pair_l[which])
    con_t.append(ts)

    # Long assignments, off duty: evening catch-up while still assigned (innocent).
    days = (b[l_idx] - a[l_idx]) / DAY
    off = np.array([TASK_OFF_RATE.get(int(r), 0.0) for r in range(6)])[role[l_idx]]
    prop = f.offduty[staff[l_idx]]
    for rate_off, sink_i, sink_t in (
        (off * prop * scale, evs_i, evs_t),
        (0.02 * prop * (off > 0.02) * scale, con_i, con_t),
    ):
        k = rng.poisson(rate_off * days)
        which = np.repeat(np.arange(l_idx.size), k)
        day0 = a[l_idx][which] // DAY
        nd = np.maximum(1, np.ceil(days[which])).astype(np.int64)
        ts = (
            (day0 + rng.integers(0, nd)) * DAY
            + rng.choice([7, 17, 18, 19, 20, 21], which.size, p=[0.1, 0.2, 0.25, 0.2, 0.15, 0.1])
            * HOUR
            + rng.integers(0, HOUR, which.size)
        )
        keep = (ts >= a[l_idx][which]) & (ts < b[l_idx][which])
        sink_i.append(l_idx[which][keep])
        sink_t.append(ts[keep])

    # Access events.
    ei = np.concatenate(evs_i)
    et = np.concatenate(evs_t)
    acc = _task_events(rng, ctx, live[ei], et)
    # Contact events.
    ci = np.concatenate(con_i)
    ct = np.concatenate(con_t)
    con = _task_contacts(rng, ctx, live[ci], ct)
    return acc, con


def _task_events(rng: np.random.Generator, ctx: _Ctx, row: np.ndarray, ts: np.ndarray) -> Batch:
    w = ctx.w
    inc = w.inc
    n = row.size
    role = inc.is_role[row]
    incident = inc.is_incident[row]
    system = np.zeros(n, np.int64)
    action = np.zeros(n, np.int64)
    target = np.zeros(n, np.int64)  # 0 INC 1 PERSON 2 SUSPECT 3 ADDRESS 4 VEHICLE 5 TOPIC
    tnames = ("INC", "PERSON", "SUSPECT", "ADDRESS", "VEHICLE", "TOPIC")
    for r, temps in TASK_TEMPLATES.items():
        m = np.nonzero(role == r)[0]
        if m.size == 0:
            continue
        p = np.array([t[3] for t in temps])
        k = rng.choice(len(temps), m.size, p=p / p.sum())
        system[m] = np.array([SY[t[0]] for t in temps])[k]
        action[m] = np.array([AC[t[1]] for t in temps])[k]
        target[m] = np.array([tnames.index(t[2]) for t in temps])[k]
    stype = np.full(n, ST["INCIDENT"], np.int64)
    subj = incident.copy()
    qidx = np.full(n, -1, np.int64)
    m = (target == 1) | (target == 2)
    person = np.full(n, -1, np.int64)
    person[target == 1] = pick_incident_person(rng, w, ctx.view_cum, incident[target == 1])
    person[target == 2] = pick_incident_person(rng, w, ctx.susp_cum, incident[target == 2])
    has = m & (person >= 0)
    stype[has] = ST["PERSON"]
    subj[has] = person[has]
    action[m & ~has] = AC["VIEW"]
    m = target == 3
    stype[m] = ST["ADDRESS"]
    subj[m] = inc.address[incident[m]]
    m = target == 4
    stype[m] = ST["VEHICLE"]
    subj[m] = _vehicle(rng, w, m.sum())
    m = target == 5
    stype[m] = ST["FREE_TEXT"]
    subj[m] = -1
    qidx[m] = w.people.n * N_NAME_VARIANTS + rng.integers(0, len(vocab.TOPICS), m.sum())
    # Justification: the incident reference, a reason code, or nothing.
    u = rng.random(n)
    rkind = np.where(u < 0.3, 2, np.where(u < 0.45, 1, 0)).astype(np.int64)
    ridx = np.where(rkind == 2, incident, _RS["TASKED"][rng.integers(0, _RS["TASKED"].size, n)])
    return dict(
        ts=ts, staff=inc.is_staff[row], system=system, action=action, stype=stype, subj=subj,
        qidx=qidx, rkind=rkind, ridx=ridx,
    )  # fmt: skip


def _task_contacts(rng: np.random.Generator, ctx: _Ctx, row: np.ndarray, ts: np.ndarray) -> Batch:
    w = ctx.w
    inc = w.inc
    person = pick_incident_person(rng, w, ctx.contact_cum, inc.is_incident[row])
    return contacts_with_people(rng, w, inc.is_staff[row], ts, person)


def contacts_with_people(
    rng: np.random.Generator,
    w: World,
    staff: np.ndarray,
    ts: np.ndarray,
    person: np.ndarray,
    p_in: float = 0.25,
) -> Batch:
    """Contacts between staff and people on one of the person's contact points."""
    pp = w.people
    n = staff.size
    p = np.maximum(person, 0)
    a, b = pp.contact_ptr[p], pp.contact_ptr[p + 1]
    has = (person >= 0) & (b > a)
    j = a + (rng.random(n) * (b - a)).astype(np.int64)
    j = np.minimum(j, max(pp.contact_val.size - 1, 0))
    cp = np.where(has, pp.contact_val[j] if pp.contact_val.size else 0, -1)
    kind = np.where(has, pp.contact_kind[j] if pp.contact_kind.size else 0, 0)
    # No contact point on record: the officer rang an agency or a colleague instead.
    cp = np.where(has, cp, pp.other_values[rng.integers(0, pp.other_values.size, n)])
    u = rng.random(n)
    channel = np.where(u < 0.68, CH["CALL"], np.where(u < 0.95, CH["SMS"], CH["MESSAGING"]))
    channel = np.where(kind == 1, CH["EMAIL"], np.where(kind == 2, CH["MESSAGING"], channel))
    direction = (rng.random(n) < p_in).astype(np.int64)
    return dict(
        ts=ts, staff=staff, channel=channel, direction=direction, cp=cp,
        duration=_durations(rng, channel),
    )  # fmt: skip


def _durations(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    n = channel.size
    d = rng.lognormal(np.log(180), 0.9, n).astype(np.int64)
    d = np.where(rng.random(n) < 0.15, rng.integers(0, 12, n), d)
    return np.where(channel == CH["CALL"], d, -1)


def _background_contacts(
    rng: np.random.Generator, ctx: _Ctx, staff: np.ndarray, ts: np.ndarray
) -> Batch:
    """Contacts with colleagues, agencies and switchboards."""
    w = ctx.w
    pp = w.people
    n = staff.size
    u = rng.random(n)
    channel = np.where(
        u < 0.45,
        CH["CALL"],
        np.where(u < 0.62, CH["SMS"], np.where(u < 0.92, CH["EMAIL"], CH["MESSAGING"])),
    )
    # Each person has their own circle of usual numbers.
    k = np.minimum(rng.zipf(1.5, n), 400)
    num = pp.other_values[(staff * 131 + k * 17) % pp.other_values.size]
    mail = pp.other_emails[(staff * 7 + k * 3) % pp.other_emails.size]
    cp = np.where(channel == CH["EMAIL"], mail, num)
    g = w.force.group[staff]
    sb = (
        np.isin(g, [G["DA"], G["PPU"], G["NEIGHBOURHOOD"]])
        & (rng.random(n) < 0.12)
        & (channel == CH["CALL"])
    )
    cp = np.where(sb, pp.switchboard_values[rng.integers(0, pp.switchboard_values.size, n)], cp)
    direction = (rng.random(n) < 0.4).astype(np.int64)
    return dict(
        ts=ts, staff=staff, channel=channel, direction=direction, cp=cp,
        duration=_durations(rng, channel),
    )  # fmt: skip


def add_name_searches(
    rng: np.random.Generator, w: World, b: Batch, prob: np.ndarray | float
) -> Batch:
    """Precede some person views with a FREE_TEXT name search for that person."""
    m = (
        (b["stype"] == ST["PERSON"])
        & (b["action"] == AC["VIEW"])
        & (rng.random(b["ts"].size) < prob)
    )
    idx = np.nonzero(m)[0]
    person = b["subj"][idx]
    variant = rng.choice(N_NAME_VARIANTS, idx.size, p=[0.35, 0.25, 0.15, 0.15, 0.1])
    sys_ = b["system"][idx]
    sys_ = np.where(
        np.isin(sys_, [SY["RMS"], SY["INTEL"], SY["PND"], SY["COMMAND_CONTROL"]]), sys_, SY["RMS"]
    )
    named = w.people.name[person] != None  # noqa: E711
    idx, person, variant, sys_ = idx[named], person[named], variant[named], sys_[named]
    k = idx.size
    new = dict(
        ts=b["ts"][idx] - rng.integers(5, 150, k),
        staff=b["staff"][idx],
        system=sys_,
        action=np.full(k, AC["SEARCH"]),
        stype=np.full(k, ST["FREE_TEXT"]),
        subj=np.full(k, -1),
        qidx=variant * w.people.n + person,
        rkind=np.zeros(k, np.int64),
        ridx=np.zeros(k, np.int64),
    )
    return concat([b, new], ACCESS_FIELDS)


def _curiosity(rng: np.random.Generator, ctx: _Ctx, staff: np.ndarray, ts: np.ndarray) -> Batch:
    """Untasked, innocent look-ups: a big local event, a neighbour's incident, a colleague's job."""
    w = ctx.w
    n = staff.size
    area = w.force.area[staff].astype(np.int64)
    incident = w.pools["inc"].sample(rng, ts, area, 3 * DAY)
    if ctx.hp.size:
        j = np.searchsorted(ctx.hp_open, ts) - 1 - rng.integers(0, 2, n)
        jj = np.clip(j, 0, ctx.hp.size - 1)
        recent = (j >= 0) & (ts - ctx.hp_open[jj] < 21 * DAY) & (rng.random(n) < 0.5)
        incident = np.where(recent, ctx.hp[jj], incident)
    person = pick_incident_person(rng, w, ctx.view_cum, incident)
    as_person = (rng.random(n) < 0.45) & (person >= 0)
    return dict(
        ts=ts, staff=staff,
        system=np.where(rng.random(n) < 0.8, SY["RMS"], SY["COMMAND_CONTROL"]),
        action=np.full(n, AC["VIEW"]),
        stype=np.where(as_person, ST["PERSON"], ST["INCIDENT"]),
        subj=np.where(as_person, person, incident),
        qidx=np.full(n, -1), rkind=np.zeros(n, np.int64), ridx=np.zeros(n, np.int64),
    )  # fmt: skip


def month_access(w: World, ctx: _Ctx, month: int, m0: int, m1: int) -> Batch:
    """All access events with ts in [m0, m1), unsorted, without terminals or ids."""
    rng = substream(w.cfg, "access", month)
    f = w.force
    scale = w.cfg.activity_scale
    s, lo, hi, r = _month_sessions(w, m0, m1)
    lam = ctx.group_rate[f.group[s]] * f.activity[s] * r * scale * (hi - lo) / HOUR
    which, ts = _poisson_times(rng, lam, lo, hi)
    staff = s[which]
    bg = _fill_background(rng, ctx, staff, ts, _choose_templates(rng, ctx, staff))
    # Off duty: the same kinds of work, from home, at a low rate.
    os_, ots = _offduty_days(rng, w, m0, m1, ctx.off_rate[f.group] * f.offduty * scale)
    off = _fill_background(rng, ctx, os_, ots, _choose_templates(rng, ctx, os_))
    # Curiosity, on and (rarely) off duty.
    which, cts = _poisson_times(rng, 0.04 * r * scale * (hi - lo) / HOUR, lo, hi)
    cur_on = _curiosity(rng, ctx, s[which], cts)
    cs, cts = _offduty_days(rng, w, m0, m1, 0.012 * f.offduty * scale)
    cur_off = _curiosity(rng, ctx, cs, cts)
    acc, _ = _tasked(substream(w.cfg, "tasked", month), ctx, m0, m1)
    legit = concat([bg, off, cur_on, cur_off, acc], ACCESS_FIELDS)
    p_name = np.where(f.group[legit["staff"]] == G["CONTROL"], 0.35, 0.2)
    legit = add_name_searches(rng, w, legit, p_name)
    # A few name searches that find nothing worth opening.
    k = rng.poisson(0.02 * lam.sum())
    which = rng.integers(0, max(staff.size, 1), k) if staff.size else np.zeros(0, np.int64)
    miss = dict(
        ts=ts[which], staff=staff[which], system=np.full(k, SY["RMS"]),
        action=np.full(k, AC["SEARCH"]), stype=np.full(k, ST["FREE_TEXT"]), subj=np.full(k, -1),
        qidx=rng.integers(0, w.people.n * N_NAME_VARIANTS, k), rkind=np.zeros(k, np.int64),
        ridx=np.zeros(k, np.int64),
    )  # fmt: skip
    extra = [select(b, (b["ts"] >= m0) & (b["ts"] < m1)) for b in w.extra_access]
    out = concat([legit, miss, *extra], ACCESS_FIELDS)
    # People who never existed cannot be looked up (guards against empty pools).
    bad = (out["subj"] < 0) & (out["stype"] != ST["FREE_TEXT"])
    out = select(out, ~bad & (out["ts"] >= m0) & (out["ts"] < m1))
    return out


def month_contacts(w: World, ctx: _Ctx, month: int, m0: int, m1: int) -> Batch:
    rng = substream(w.cfg, "contact", month)
    f = w.force
    scale = w.cfg.activity_scale
    s, lo, hi, r = _month_sessions(w, m0, m1)
    lam = ctx.contact_rate[f.group[s]] * f.activity[s] * r * scale * (hi - lo) / HOUR
    which, ts = _poisson_times(rng, lam, lo, hi)
    bg = _background_contacts(rng, ctx, s[which], ts)
    os_, ots = _offduty_days(rng, w, m0, m1, 0.15 * f.offduty * scale)
    off = _background_contacts(rng, ctx, os_, ots)
    _, con = _tasked(substream(w.cfg, "tasked", month), ctx, m0, m1)
    extra = [select(b, (b["ts"] >= m0) & (b["ts"] < m1)) for b in w.extra_contact]
    out = concat([bg, off, con, *extra], CONTACT_FIELDS)
    return select(out, (out["ts"] >= m0) & (out["ts"] < m1))


def context(w: World) -> _Ctx:
    return _Ctx(w)
