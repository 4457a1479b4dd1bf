"""Injected abuse of position (the `truth`), hard negatives and partner reports.

Runs after the world is built and before the event tables are generated: it may add
`incident_staff` rows (the abuser attended the incident he later fixates on) and raise
a few people's propensities, and it stores the injected events on the world, from where
each month takes its share.
"""

from __future__ import annotations

import numpy as np

from vigil.simulate import vocab
from vigil.simulate.activity import contacts_with_people
from vigil.simulate.config import HARD_NEGATIVE_KINDS, SCENARIO_KINDS, substream
from vigil.simulate.force import DAY, HOUR, ROLES, G, R
from vigil.simulate.population import (
    ATTENDING,
    CALL_HANDLER,
    OIC,
    SENSITIVE_TYPES,
    SUBJECT,
    VICTIM,
    T,
    V,
)
from vigil.simulate.world import (
    AC,
    ACCESS_FIELDS,
    CH,
    N_NAME_VARIANTS,
    RS,
    ST,
    SY,
    Batch,
    World,
    concat,
)

ATTENDING_GROUPS = ("RESPONSE", "NEIGHBOURHOOD", "CID", "DA", "PPU", "ROADS")
ROLE_WEIGHT = {
    "PC": 1.0, "DC": 1.0, "PS": 0.6, "PCSO": 0.35, "STAFF": 0.2, "CALL_HANDLER": 0.35,
    "DS": 0.3, "INSP": 0.1, "ANALYST": 0.1,
}  # fmt: skip
NICKNAMES = {
    "David": "Dave", "Michael": "Mike", "Steven": "Steve", "Robert": "Rob", "Christopher": "Chris",
    "Daniel": "Dan", "Matthew": "Matt", "Thomas": "Tom", "William": "Will", "James": "Jim",
    "Richard": "Rich", "Andrew": "Andy", "Peter": "Pete", "Nathan": "Nate", "Joshua": "Josh",
    "Jacob": "Jake", "Benjamin": "Ben", "Samuel": "Sam", "Jonathan": "Jon", "Gareth": "Gaz",
}  # fmt: skip
# Evening and night hours favoured by off-duty abuse.
_NIGHT = np.array([1.2, 0.6, 0.3, 0.1, 0.05, 0.05, 0.1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.4, 0.3, 0.3, 0.3,
                   0.4, 0.6, 0.9, 1.3, 1.8, 2.2, 2.2, 1.8])  # fmt: skip
NIGHT = _NIGHT / _NIGHT.sum()


def _lerp(lo: float, hi: float, x: float) -> float:
    return lo + (hi - lo) * x


class _Injector:
    def __init__(self, w: World) -> None:
        self.w = w
        self.acc: list[Batch] = []
        self.con: list[Batch] = []
        self.new_is: list[tuple[int, int, int, int, int]] = []
        inc = w.inc
        # Incidents of each person (CSR by person).
        o = np.argsort(inc.ip_person, kind="stable")
        self.pi_inc = inc.ip_incident[o]
        self.pi_ptr = np.searchsorted(inc.ip_person[o], np.arange(w.people.n + 1))
        mob = np.zeros(w.people.n, bool)
        pp = w.people
        vals = pp.contact_values[pp.contact_val] if pp.contact_val.size else np.zeros(0, object)
        is_mob = np.array([v.startswith("+447") for v in vals], dtype=bool)
        owners = np.repeat(np.arange(pp.n), np.diff(pp.contact_ptr))
        mob[owners[is_mob]] = True
        self.has_mobile = mob
        self.mobile_of = np.full(pp.n, -1, np.int64)
        self.mobile_of[owners[is_mob][::-1]] = pp.contact_val[is_mob][::-1]

    # -- event helpers ---------------------------------------------------------------------
    def access(
        self,
        ts: np.ndarray,
        staff: int,
        system: str | np.ndarray,
        action: str,
        stype: str,
        subj: np.ndarray | int,
        qidx: np.ndarray | int = -1,
        rkind: np.ndarray | int = 0,
        ridx: np.ndarray | int = 0,
    ) -> None:
        n = ts.size
        sysv = np.full(n, SY[system]) if isinstance(system, str) else system
        self.acc.append(
            {
                "ts": ts.astype(np.int64),
                "staff": np.full(n, staff, np.int64),
                "system": sysv.astype(np.int64),
                "action": np.full(n, AC[action], np.int64),
                "stype": np.full(n, ST[stype], np.int64),
                "subj": np.broadcast_to(np.asarray(subj, np.int64), (n,)).copy(),
                "qidx": np.broadcast_to(np.asarray(qidx, np.int64), (n,)).copy(),
                "rkind": np.broadcast_to(np.asarray(rkind, np.int64), (n,)).copy(),
                "ridx": np.broadcast_to(np.asarray(ridx, np.int64), (n,)).copy(),
            }
        )

    def person_incidents(self, p: int) -> np.ndarray:
        return self.pi_inc[self.pi_ptr[p] : self.pi_ptr[p + 1]]

    def times(
        self,
        rng: np.random.Generator,
        staff: int,
        a: int,
        b: int,
        n: int,
        p_off: float,
        escalate: bool = False,
    ) -> np.ndarray:
        """n times in [a, b): a share p_off off duty (evenings, nights), the rest on duty."""
        w = self.w
        b = min(b, w.t1 - 60)
        if b <= a:
            # All of [a, b) is after the window: nothing to see (never squeeze the n events
            # into the window's last hour, which made dozens of contacts in one hour).
            return np.zeros(0, np.int64)
        n_off = int(rng.binomial(n, p_off))
        n_on = n - n_off
        out: list[np.ndarray] = []
        lo, hi = w.duty.ranges(np.array([staff]), np.array([a]), np.array([b]))
        sess = np.arange(lo[0], hi[0])
        if sess.size == 0:
            n_off, n_on = n, 0
        if n_on:
            s0 = np.maximum(w.duty.start[sess], a)
            s1 = np.minimum(w.duty.end[sess], b)
            ok = s1 > s0
            sess, s0, s1 = sess[ok], s0[ok], s1[ok]
            if sess.size:
                wgt = (s1 - s0).astype(float)
                if escalate:
                    wgt *= 0.15 + (s0 - a) / max(b - a, 1)
                k = rng.choice(sess.size, n_on, p=wgt / wgt.sum())
                out.append(s0[k] + (rng.random(n_on) * (s1[k] - s0[k])).astype(np.int64))
            else:
                n_off += n_on
        if n_off:
            m = n_off * 8 + 20
            day = (a // DAY) + rng.integers(0, max(1, (b - a) // DAY + 1), m)
            t = day * DAY + rng.choice(24, m, p=NIGHT) * HOUR + rng.integers(0, HOUR, m)
            keep = (t >= a) & (t < b) & ~w.duty.on_duty(np.full(m, staff), t)
            if escalate:
                keep &= rng.random(m) < 0.15 + (t - a) / max(b - a, 1)
            t = t[keep][:n_off]
            out.append(t)
        return np.sort(np.concatenate(out)) if out else np.zeros(0, np.int64)

    def visits(
        self,
        rng: np.random.Generator,
        staff: int,
        person: int,
        ts: np.ndarray,
        p_incident: float,
        p_address: float,
        p_search: float,
        p_reason_ref: float = 0.1,
    ) -> None:
        """Looking a person up: a name search sometimes, her record, her incidents, her address."""
        if ts.size == 0:
            return
        w = self.w
        n = ts.size
        u = rng.random(n)
        rkind = np.where(u < p_reason_ref, 2, np.where(u < p_reason_ref + 0.2, 1, 0))
        # One of her incidents already open at the time (they are in order of opening): an
        # incident viewed or quoted before it existed would give the abuser away.
        her = self.person_incidents(person)
        known = np.searchsorted(w.inc.opened[her], ts, side="right")
        pick = (rng.random(n) * known).astype(np.int64)  # < known; only used where known > 0
        ref = her[pick] if her.size else np.zeros(n, np.int64)
        rkind = np.where(known == 0, np.where(rkind == 2, 0, rkind), rkind)
        vague = np.array([RS[r] for r in vocab.REASONS_VAGUE])
        ridx = np.where(rkind == 2, ref, vague[rng.integers(0, vague.size, n)])
        sysv = np.where(rng.random(n) < 0.85, SY["RMS"], SY["INTEL"])
        self.access(ts, staff, sysv, "VIEW", "PERSON", person, rkind=rkind, ridx=ridx)
        s = rng.random(n) < p_search
        if s.any() and w.people.name[person] is not None:
            variant = rng.choice(N_NAME_VARIANTS, s.sum(), p=[0.3, 0.2, 0.2, 0.15, 0.15])
            self.access(
                ts[s] - rng.integers(10, 120, s.sum()), staff, sysv[s], "SEARCH", "FREE_TEXT", -1,
                qidx=variant * w.people.n + person,
            )  # fmt: skip
        m = (rng.random(n) < p_incident) & (known > 0)
        if m.any():
            self.access(
                ts[m] + rng.integers(20, 300, m.sum()), staff, "RMS", "VIEW", "INCIDENT", ref[m]
            )
        m = rng.random(n) < p_address
        if m.any():
            self.access(
                ts[m] + rng.integers(30, 400, m.sum()), staff, "RMS", "VIEW", "ADDRESS",
                w.people.address[person],
            )  # fmt: skip
        m = rng.random(n) < 0.12
        if m.any():
            self.access(
                ts[m] + rng.integers(5, 200, m.sum()), staff, "PNC", "SEARCH", "PERSON", person
            )

    def contacts(
        self, rng: np.random.Generator, staff: int, person: int, ts: np.ndarray, p_in: float
    ) -> None:
        if ts.size == 0:
            return
        n = ts.size
        cp = self.mobile_of[person]
        late = np.arange(n) / max(n, 1)
        u = rng.random(n)
        channel = np.where(
            u < 0.45 - 0.25 * late, CH["CALL"], np.where(u < 0.8, CH["SMS"], CH["MESSAGING"])
        )
        direction = (rng.random(n) < p_in).astype(np.int64)
        dur = np.where(
            channel == CH["CALL"], rng.lognormal(np.log(420), 0.8, n).astype(np.int64), -1
        )
        self.con.append(
            dict(
                ts=ts,
                staff=np.full(n, staff),
                channel=channel,
                direction=direction,
                cp=np.full(n, cp),
                duration=dur,
            )
        )

    # -- anchors ---------------------------------------------------------------------------
    def anchor(
        self,
        rng: np.random.Generator,
        staff: int,
        need_mobile: bool,
        need_closed: bool,
        room_days: float,
    ) -> tuple[int, int, int, int] | None:
        """An incident he attends with a vulnerable young woman: (incident, person, a, u)."""
        w = self.w
        inc, pp, f = w.inc, w.people, w.force
        sens = np.isin(inc.type, [T[t] for t in SENSITIVE_TYPES])
        latest = w.t1 - int(room_days * DAY)
        ok_t = (inc.opened >= w.t0 + 6 * DAY) & (inc.opened < latest) & sens
        if need_closed:
            ok_t &= (inc.closed > 0) & (inc.closed < latest + 10 * DAY)
        ip = np.nonzero(ok_t[inc.ip_incident] & np.isin(inc.ip_role, [VICTIM, SUBJECT]))[0]
        person = inc.ip_person[ip]
        age = pp.age[person]
        good = (pp.sex[person] == "F") & (age >= 16) & (age <= 45) & (pp.name[person] != None)  # noqa: E711
        if need_mobile:
            good &= self.has_mobile[person]
        ip, person = ip[good], person[good]
        if ip.size == 0:
            return None
        incident = inc.ip_incident[ip]
        on = w.duty.on_duty(np.full(ip.size, staff), inc.opened[incident] + 1800)
        same_area = inc.area[incident] == f.area[staff]
        score = rng.random(ip.size) + 2.0 * on + 0.5 * same_area + 0.5 * pp.vulnerable[person]
        j = int(np.argmax(score))
        i, p = int(incident[j]), int(person[j])
        # Make sure she is flagged as the victim she is.
        flag = {
            T["DOMESTIC_ABUSE"]: "DA_VICTIM",
            T["SEXUAL_OFFENCE"]: "SEXUAL_OFFENCE_VICTIM",
            T["STALKING"]: "STALKING_VICTIM",
            T["CONCERN_FOR_WELFARE"]: "MENTAL_HEALTH",
        }[int(inc.type[i])]
        pp.vuln[p, V[flag]] = True
        role = ATTENDING if f.group[staff] != G["CONTROL"] else CALL_HANDLER
        a = int(inc.opened[i]) + int(rng.integers(10, 70)) * 60
        if role == CALL_HANDLER:
            a = int(inc.opened[i])
            u = a + int(rng.integers(8, 40)) * 60
        else:
            u = a + int(rng.integers(120, 420)) * 60
        self.new_is.append((i, staff, role, a, u))
        if (
            need_closed
            and role == ATTENDING
            and rng.random() < 0.5
            and f.group[staff] != G["ROADS"]
        ):
            oa = a + int(rng.integers(6, 30)) * HOUR
            ou = int(inc.closed[i]) + int(rng.integers(0, 24)) * HOUR
            if ou > oa:
                self.new_is.append((i, staff, OIC, oa, ou))
                u = ou
        if need_closed:
            u = max(u, int(inc.closed[i]))
        return i, p, a, u

    def vulnerable_targets(
        self, rng: np.random.Generator, staff: int, k: int, exclude: set[int]
    ) -> np.ndarray:
        """k distinct young women with victim/vulnerability flags, not linked to his taskings."""
        w = self.w
        pp = w.people
        age = pp.age
        vv = pp.vuln
        attractive = (
            vv[:, V["SEXUAL_OFFENCE_VICTIM"]] * 2.0
            + vv[:, V["DA_VICTIM"]]
            + vv[:, V["SEX_WORKER"]] * 2.0
            + vv[:, V["CSE_RISK"]]
            + vv[:, V["STALKING_VICTIM"]]
            + vv[:, V["MISSING_PERSON"]] * 0.5
        )
        ok = (pp.sex == "F") & (age >= 16) & (age <= 35) & (attractive > 0) & (pp.name != None)  # noqa: E711
        tasked = w.inc.is_incident[w.inc.is_staff == staff]
        linked = np.isin(w.inc.ip_incident, tasked)
        ok[w.inc.ip_person[linked]] = False
        cand = np.setdiff1d(np.nonzero(ok)[0], np.fromiter(exclude, np.int64, len(exclude)))
        if cand.size == 0:
            return cand
        wgt = attractive[cand] * (1.5 - np.clip((age[cand] - 16) / 40, 0, 1))
        return rng.choice(cand, min(k, cand.size), replace=False, p=wgt / wgt.sum())


def _choose_abusers(rng: np.random.Generator, w: World) -> list[int]:
    f = w.force
    h, d = w.cfg.history_days, w.cfg.days
    employed = (f.start_day <= h) & (f.end_day >= h + d)
    role_names = np.array(ROLES)[f.role]
    wgt = (
        np.array([ROLE_WEIGHT[r] for r in role_names])
        * np.where(f.sex == "M", 1.0, 0.12)
        * employed
    )
    capable = np.isin(f.group, [G[g] for g in ATTENDING_GROUPS]) & np.isin(
        f.role, [R[r] for r in ("PC", "DC", "PS", "PCSO")]
    )
    chosen: list[int] = []
    n = w.cfg.n_abusers
    for i in range(n):
        ww = wgt.copy()
        if i < 3:  # the first few can attend incidents, so every kind can be given out
            ww = ww * capable
        for s in chosen:
            ww[f.team_idx == f.team_idx[s]] *= 0.05
            ww[s] = 0
        if ww.sum() <= 0:
            break
        chosen.append(int(rng.choice(f.n, p=ww / ww.sum())))
    return chosen


def _kinds(rng: np.random.Generator, w: World, abusers: list[int]) -> list[str]:
    cfg = w.cfg
    f = w.force
    names = list(SCENARIO_KINDS)
    p = np.array([cfg.scenario_weights.get(k, 0.0) for k in names])
    p = p / p.sum()
    kinds: list[str] = []
    forced = list(SCENARIO_KINDS) if cfg.force_each_kind else []
    # Kinds that need an attended incident go to the capable abusers (the first three).
    order = ["FIXATION_AFTER_ATTENDING", "CONTACT_AFTER_CLOSURE", "PARTNER_TIP"]
    forced = [k for k in order if k in forced] + [k for k in forced if k not in order]
    for i, s in enumerate(abusers):
        if i < len(forced):
            kinds.append(forced[i])
            continue
        pk = p.copy()
        if f.group[s] not in [G[g] for g in ATTENDING_GROUPS]:
            for k in ("FIXATION_AFTER_ATTENDING", "PARTNER_TIP"):
                pk[names.index(k)] = 0
            if f.group[s] != G["CONTROL"]:
                pk[names.index("CONTACT_AFTER_CLOSURE")] = 0
        kinds.append(names[int(rng.choice(len(names), p=pk / pk.sum()))])
    return kinds


def _misspell(rng: np.random.Generator, s: str) -> str:
    subs = [
        ("i", "y"),
        ("y", "i"),
        ("ph", "f"),
        ("son", "sen"),
        ("ck", "k"),
        ("ll", "l"),
        ("e", "a"),
    ]
    rng.shuffle(subs)
    for a, b in subs:
        if a in s[1:]:
            return s[0] + s[1:].replace(a, b, 1)
    if len(s) > 3:
        i = int(rng.integers(1, len(s) - 2))
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s


def _description(rng: np.random.Generator, w: World, staff: int) -> str:
    f = w.force
    parts: list[str] = []
    role = ROLES[f.role[staff]]
    title = {"PC": "PC", "DC": "DC", "PS": "Sergeant", "PCSO": "PCSO"}.get(role, "officer")
    given, surname = f.given[staff], f.surname[staff]
    options = ["first", "surname", "collar", "station", "vehicle", "appearance"]
    k = int(rng.integers(2, 5))
    picked = list(rng.choice(options, k, replace=False))
    if not {"first", "surname", "collar", "station"} & set(picked):
        picked.append(str(rng.choice(options[:4])))
    if "first" in picked:
        nm = NICKNAMES.get(given, given) if rng.random() < 0.6 else given
        parts.append(rng.choice([f"She knows him as {nm}", f"{title} {nm}", f"calls himself {nm}"]))
    if "surname" in picked:
        sn = _misspell(rng, surname) if rng.random() < 0.5 else surname
        parts.append(
            rng.choice([f"surname possibly {sn}", f"{title} {sn}?", f"name sounded like {sn}"])
        )
    c = f.collar[staff]
    if "collar" in picked and c:
        digits = c[-4:]
        parts.append(
            rng.choice(
                [f"number on his shoulder started {c[:4]}", f"collar number ending {digits[-2:]}",
                 f"number something like {digits[1]}{digits[0]}{digits[2:]}"]
            )
        )  # fmt: skip
    if "station" in picked:
        st = f.stations[f.station[staff]]
        parts.append(
            rng.choice(
                [f"works out of {st}", f"based at {st} she thinks", f"from the {st} station"]
            )
        )
    if "vehicle" in picked:
        parts.append(rng.choice([f"drives a {f.vehicle[staff]}", f"has a {f.vehicle[staff]}"]))
    if "appearance" in picked:
        look = f.appearance[staff]
        if f.sex[staff] == "F":
            look = look.split(", ")[0] + ", " + look.split(", ")[1]
        parts.append(look)
    text = "; ".join(parts)
    if f.sex[staff] == "F":
        text = text.replace("himself", "herself").replace(" him ", " her ").replace("his ", "her ")
    return text[:1].upper() + text[1:] + "."


def _partner_org(w: World, person: int) -> str:
    vv = w.people.vuln[person]
    if vv[V["SEXUAL_OFFENCE_VICTIM"]]:
        key = "SO"
    elif vv[V["DA_VICTIM"]] or vv[V["STALKING_VICTIM"]]:
        key = "DA"
    elif vv[V["SEX_WORKER"]]:
        key = "SEXWORK"
    elif vv[V["SUBSTANCE_MISUSE"]]:
        key = "DRUGS"
    else:
        key = "HEALTH"
    return vocab.PARTNERS[key][hash(person) % len(vocab.PARTNERS[key])]


CONCERN_FIXATION = (
    "Client says the officer who came out to her has since mentioned details of her case she "
    "never told him, and she has seen him near her home when off duty.",
    "Client feels an officer is keeping tabs on her. He knew about her new address and her "
    "ex's bail conditions.",
)
CONCERN_CONTACT = (
    "Officer who dealt with her case has been texting her late at night since it was closed, "
    "asking to meet up. She feels she cannot say no.",
    "Client received messages from an officer after her case ended, mostly after 10pm, becoming "
    "more personal. She does not want to make a formal complaint yet.",
)
CONCERN_BENIGN = (
    "Client was unhappy with how an officer spoke to her at the front counter.",
    "Client asked whether it is normal for an officer to give her his work mobile number. "
    "Wants advice only.",
    "An officer promised to call back about her property and never did.",
    "Client worried an officer may have shared her address with her ex; no details.",
    "Client says an officer at a recent incident was dismissive of her disclosure.",
    "General concern about police attitudes to women using the service; no specific officer.",
)


def inject(w: World) -> None:
    """Add abusers, hard negatives and partner reports to the world (before events)."""
    cfg = w.cfg
    rng = substream(cfg, "scenarios")
    inj = _Injector(w)
    abusers = _choose_abusers(rng, w)
    kinds = _kinds(rng, w, abusers)
    lo, hi = cfg.intensity_range
    for i, (s, kind) in enumerate(zip(abusers, kinds, strict=True)):
        r = substream(cfg, "scenario", i)
        intensity = float(r.uniform(lo, hi))
        _run(inj, r, s, kind, intensity)
    w.abusers = np.array(sorted(abusers), dtype=np.int64)
    _hard_negatives(inj, substream(cfg, "hard_negatives"), set(abusers))
    _benign_reports(inj, substream(cfg, "partner_reports"), set(abusers))
    # Commit: new assignments, events.
    if inj.new_is:
        inc = w.inc
        arr = np.array(inj.new_is, dtype=np.int64)
        inc.is_incident = np.concatenate([inc.is_incident, arr[:, 0]])
        inc.is_staff = np.concatenate([inc.is_staff, arr[:, 1]])
        inc.is_role = np.concatenate([inc.is_role, arr[:, 2].astype(np.int8)])
        inc.is_assigned = np.concatenate([inc.is_assigned, arr[:, 3]])
        un = np.where(arr[:, 4] >= w.t1, -1, arr[:, 4])
        inc.is_unassigned = np.concatenate([inc.is_unassigned, un])
        o = np.lexsort((inc.is_assigned, inc.is_role, inc.is_staff, inc.is_incident))
        key = np.stack(
            [
                inc.is_incident[o],
                inc.is_staff[o],
                inc.is_role[o].astype(np.int64),
                inc.is_assigned[o],
            ]
        )
        dup = np.zeros(o.size, bool)
        dup[1:] = (key[:, 1:] == key[:, :-1]).all(axis=0)
        o = o[~dup]
        inc.is_incident, inc.is_staff, inc.is_role = (
            inc.is_incident[o],
            inc.is_staff[o],
            inc.is_role[o],
        )
        inc.is_assigned, inc.is_unassigned = inc.is_assigned[o], inc.is_unassigned[o]
    acc = concat(inj.acc, ACCESS_FIELDS)
    keep = (acc["ts"] >= w.t0) & (acc["ts"] < w.t1)
    w.extra_access = [{k: v[keep] for k, v in acc.items()}]
    w.extra_contact = [b for b in inj.con if b["ts"].size]


def _run(inj: _Injector, rng: np.random.Generator, staff: int, kind: str, x: float) -> None:
    w = inj.w
    base = kind
    if kind == "PARTNER_TIP":
        base = "FIXATION_AFTER_ATTENDING" if rng.random() < 0.5 else "CONTACT_AFTER_CLOSURE"
        x = x * 0.25
    n_before = len(inj.acc), len(inj.con)

    if base == "FIXATION_AFTER_ATTENDING":
        anc = inj.anchor(rng, staff, need_mobile=False, need_closed=False, room_days=21)
        if anc is None:
            return _run(inj, rng, staff, "VICTIM_TRAWL", x)
        _, p, _, u = anc
        start = u + int(rng.uniform(1, 8) * DAY)
        end = min(w.t1 - HOUR, start + int(rng.uniform(21, 70) * DAY))
        n = max(2, round(_lerp(3, 45, x)))
        ts = inj.times(rng, staff, start, end, n, p_off=_lerp(0.35, 0.7, x))
        inj.visits(rng, staff, p, ts, p_incident=0.4, p_address=0.2, p_search=0.15)
        targets = [p]
    elif base == "CONTACT_AFTER_CLOSURE":
        anc = inj.anchor(rng, staff, need_mobile=True, need_closed=True, room_days=18)
        if anc is None:
            return _run(inj, rng, staff, "VICTIM_TRAWL", x)
        _, p, _, u = anc
        # The case can close late in the window: keep at least about a week of the campaign
        # inside it, and only the share of the planned contacts that falls inside it.
        start = u + int(rng.uniform(2, 10) * DAY)
        start = max(u + DAY // 2, min(start, w.t1 - 7 * DAY))
        planned = start + int(rng.uniform(14, 50) * DAY)
        end = min(w.t1 - HOUR, planned)
        inside = max(end - start, 0) / (planned - start)
        n = max(3, round(_lerp(4, 40, x) * inside))
        ts = inj.times(rng, staff, start, end, n, p_off=0.85, escalate=True)
        inj.contacts(rng, staff, p, ts, p_in=_lerp(0.1, 0.35, x))
        nv = max(1, round(_lerp(1, 6, x)))
        vts = inj.times(rng, staff, start - 2 * DAY, end, nv, p_off=0.6)
        inj.visits(rng, staff, p, vts, p_incident=0.3, p_address=0.3, p_search=0.1)
        targets = [p]
    elif base == "VICTIM_TRAWL":
        k = max(4, round(_lerp(5, 45, x)))
        targets_arr = inj.vulnerable_targets(rng, staff, k, set())
        start = w.t0 + int(rng.uniform(7, max(8, 0.4 * w.cfg.days)) * DAY)
        end = min(w.t1 - HOUR, start + int(rng.uniform(28, 80) * DAY))
        for p in targets_arr:
            nv = 1 + int(rng.geometric(0.6)) - 1
            ts = inj.times(rng, staff, start, end, nv, p_off=0.3)
            inj.visits(rng, staff, int(p), ts, p_incident=0.35, p_address=0.05, p_search=0.65)
        targets = []
    elif base == "SLOW_BURN_ON_DUTY":
        k = 1 if rng.random() < 0.6 else 2
        targets_arr = inj.vulnerable_targets(rng, staff, k, set())
        start = w.t0 + int(rng.uniform(3, 14) * DAY)
        end = w.t1 - int(rng.uniform(0, 5) * DAY) - HOUR
        weeks = (end - start) / (7 * DAY)
        for p in targets_arr:
            n = max(2, round(_lerp(0.35, 1.3, x) * weeks))
            ts = inj.times(rng, staff, start, end, n, p_off=0.0)
            inj.visits(
                rng,
                staff,
                int(p),
                ts,
                p_incident=0.15,
                p_address=0.0,
                p_search=0.05,
                p_reason_ref=0.0,
            )
        targets = [int(p) for p in targets_arr]
    else:  # pragma: no cover
        raise ValueError(kind)

    new_acc = inj.acc[n_before[0] :]
    new_con = inj.con[n_before[1] :]
    ts_all = np.concatenate([b["ts"] for b in new_acc + new_con] or [np.zeros(0, np.int64)])
    ts_all = ts_all[(ts_all >= w.t0) & (ts_all < w.t1)]
    if ts_all.size == 0:
        return
    if kind == "SLOW_BURN_ON_DUTY":
        for p in targets:
            tp = np.concatenate(
                [b["ts"][(b["subj"] == p) & (b["stype"] == ST["PERSON"])] for b in new_acc]
            )
            tp = tp[(tp >= w.t0) & (tp < w.t1)]
            if tp.size:
                w.truth.append((staff, kind, p, int(tp.min()), int(tp.max())))
    else:
        person = targets[0] if targets else -1
        w.truth.append((staff, kind, person, int(ts_all.min()), int(ts_all.max())))
    if kind == "PARTNER_TIP":
        p = targets[0]
        recv = int(ts_all.min()) + int(rng.uniform(5, 25) * DAY)
        recv = (recv // DAY) * DAY + int(rng.uniform(9, 17) * HOUR)
        recv = min(recv, w.t1 - int(rng.uniform(1, 3) * HOUR))
        concern = rng.choice(CONCERN_FIXATION if base.startswith("FIX") else CONCERN_CONTACT)
        w.partner_reports.append(
            (
                recv,
                _partner_org(w, p),
                _description(rng, w, staff),
                str(concern),
                p if rng.random() < 0.5 else -1,
                staff,
            )
        )


def _hard_negatives(inj: _Injector, rng: np.random.Generator, abusers: set[int]) -> None:
    w = inj.w
    f = w.force
    inc = w.inc
    hn = w.hard_negatives
    innocent = np.array([s for s in range(f.n) if s not in abusers], dtype=np.int64)
    # Whole teams whose legitimate work looks like a trawl.
    for gname, kind in (
        ("DA", "DA_SAFEGUARDING_HEAVY_USER"),
        ("PPU", "PPU_HEAVY_USER"),
        ("CONTROL", "CONTROL_ROOM_SEARCHES"),
        ("CUSTODY", "CUSTODY_DETAINEE_VIEWS"),
        ("INTEL", "ANALYST_BROAD_SEARCH"),
    ):
        hn.extend((int(s), kind) for s in innocent[f.group[innocent] == G[gname]])
    ss = w.sessions
    unr = ss.worked & ~ss.rostered & (ss.start >= w.t0) & (ss.start < w.t1)
    n_unr = np.bincount(ss.staff[unr], minlength=f.n)
    cut = max(3, int(np.quantile(n_unr, 0.95)) + 1)
    hn.extend((int(s), "UNROSTERED_OVERTIME") for s in innocent if n_unr[s] >= cut)

    k = max(1, round(w.cfg.hard_negative_rate * f.n / 6))
    field = innocent[np.isin(f.group[innocent], [G[g] for g in ATTENDING_GROUPS])]
    # Staff who habitually work from home on a force device.
    for s in rng.choice(field, min(k, field.size), replace=False):
        f.offduty[s] *= 6.0
        hn.append((int(s), "HOME_WORKER"))

    t0, t1 = w.t0, w.t1
    un = np.where(inc.is_unassigned < 0, t1, inc.is_unassigned)
    sens = np.isin(inc.type[inc.is_incident], [T[t] for t in SENSITIVE_TYPES])
    not_abuser = ~np.isin(inc.is_staff, list(abusers))
    ptr = inc.ip_ptr

    def victim_of(i: int) -> int:
        seg = np.arange(ptr[i], ptr[i + 1])
        v = seg[np.isin(inc.ip_role[seg], [VICTIM, SUBJECT])]
        return int(inc.ip_person[v[0]]) if v.size else -1

    # Evening contact with the victim while still assigned.
    rows = np.nonzero(
        sens
        & not_abuser
        & (inc.is_role == OIC)
        & (inc.is_assigned > t0)
        & (un - inc.is_assigned > 5 * DAY)
    )[0]
    for r in rng.choice(rows, min(k, rows.size), replace=False):
        s, i = int(inc.is_staff[r]), int(inc.is_incident[r])
        p = victim_of(i)
        if p < 0 or not inj.has_mobile[p]:
            continue
        n = int(rng.integers(2, 7))
        day = rng.integers(
            inc.is_assigned[r] // DAY + 1,
            max(inc.is_assigned[r] // DAY + 2, min(un[r], t1) // DAY),
            n,
        )
        ts = day * DAY + rng.integers(18, 22, n) * HOUR + rng.integers(0, HOUR, n)
        ts = ts[ts < min(un[r], t1)]
        inj.con.append(
            contacts_with_people(rng, w, np.full(ts.size, s), ts, np.full(ts.size, p), p_in=0.3)
        )
        hn.append((s, "EVENING_CONTACT_WHILE_ASSIGNED"))

    # Case work after unassignment: court preparation, file build, victim updates.
    rows = np.nonzero(
        sens
        & not_abuser
        & (inc.is_role == OIC)
        & (inc.is_unassigned > t0)
        & (inc.is_unassigned < t1 - 10 * DAY)
    )[0]
    for r in rng.choice(rows, min(k, rows.size), replace=False):
        s, i = int(inc.is_staff[r]), int(inc.is_incident[r])
        p = victim_of(i)
        if p < 0:
            continue
        n = int(rng.integers(2, 6))
        ts = inj.times(
            rng, s, int(inc.is_unassigned[r]) + DAY, int(inc.is_unassigned[r]) + 25 * DAY, n, 0.1
        )
        inj.access(ts, s, "RMS", "VIEW", "PERSON", p, rkind=2, ridx=i)
        inj.access(ts + 60, s, "CASE_FILE", "UPDATE", "INCIDENT", i, rkind=1, ridx=RS["UPDATE"])
        hn.append((s, "POST_CLOSURE_CASE_WORK"))

    # Calls to a household landline that is also the contact point of another, vulnerable person.
    pp = w.people
    vul = pp.vulnerable
    house_vul = np.full(pp.landline_of_household.size, -1, np.int64)
    vp = np.nonzero(vul)[0]
    house_vul[pp.household[vp]] = vp
    rows = np.nonzero(
        not_abuser
        & np.isin(inc.is_role, [OIC, ATTENDING])
        & (inc.is_assigned > t0)
        & (inc.is_assigned < t1 - 2 * DAY)
    )[0]
    rows = rng.permutation(rows)[: k * 40]
    done = 0
    for r in rows:
        if done >= k:
            break
        i, s = int(inc.is_incident[r]), int(inc.is_staff[r])
        for j in range(ptr[i], ptr[i + 1]):
            p = int(inc.ip_person[j])
            h = pp.household[p]
            line = pp.landline_of_household[h]
            other = house_vul[h]
            if line < 0 or other < 0 or other == p or inc.ip_role[j] == 2:
                continue
            a = int(inc.is_assigned[r])
            n = int(rng.integers(2, 5))
            ts = a + rng.integers(HOUR // 2, 3 * DAY, n)
            ts = ts[ts < min(un[r] + 2 * DAY, t1)]
            b = contacts_with_people(rng, w, np.full(ts.size, s), ts, np.full(ts.size, p), p_in=0.2)
            b["cp"] = np.full(ts.size, line)
            b["channel"] = np.full(ts.size, CH["CALL"])
            b["duration"] = rng.lognormal(np.log(200), 0.7, ts.size).astype(np.int64)
            inj.con.append(b)
            hn.append((s, "SHARED_HOUSEHOLD_PHONE"))
            done += 1
            break

    # Looking up an incident on one's own patch, off duty (a neighbour's incident).
    local = field[f.area[field] >= 0]
    inc_sens = np.nonzero(
        np.isin(inc.type, [T[t] for t in SENSITIVE_TYPES])
        & (inc.opened > t0)
        & (inc.opened < t1 - 3 * DAY)
    )[0]
    for s in rng.choice(local, min(k, local.size), replace=False):
        cand = inc_sens[inc.area[inc_sens] == f.area[s]]
        if cand.size == 0:
            continue
        i = int(rng.choice(cand))
        p = victim_of(i)
        n = int(rng.integers(1, 4))
        ts = inj.times(rng, int(s), int(inc.opened[i]) + HOUR, int(inc.opened[i]) + 4 * DAY, n, 0.7)
        inj.access(ts, int(s), "RMS", "VIEW", "INCIDENT", i)
        if p >= 0:
            inj.access(ts + rng.integers(20, 200, ts.size), int(s), "RMS", "VIEW", "PERSON", p)
        hn.append((int(s), "NEIGHBOUR_INCIDENT_LOOKUP"))

    # The big local incident: many look, a few look at the victim, some from home.
    for i in inc.high_profile:
        p = victim_of(int(i))
        for s in rng.choice(innocent, min(k, innocent.size), replace=False):
            n = int(rng.integers(1, 3))
            ts = inj.times(
                rng, int(s), int(inc.opened[i]) + HOUR, int(inc.opened[i]) + 6 * DAY, n, 0.3
            )
            inj.access(ts, int(s), "RMS", "VIEW", "INCIDENT", int(i))
            if p >= 0 and rng.random() < 0.5:
                inj.access(ts + 90, int(s), "RMS", "VIEW", "PERSON", p)
            hn.append((int(s), "HIGH_PROFILE_CURIOSITY"))
    assert all(kind in HARD_NEGATIVE_KINDS for _, kind in hn)


def _benign_reports(inj: _Injector, rng: np.random.Generator, abusers: set[int]) -> None:
    """Partner concerns that are real but not APSP, or cannot be linked to anyone."""
    w = inj.w
    f = w.force
    n = max(2, round(w.cfg.benign_partner_reports_per_1000_30d * f.n / 1000 * w.cfg.days / 30))
    vul = np.nonzero(w.people.vulnerable)[0]
    officers = np.array(
        [
            s
            for s in range(f.n)
            if s not in abusers and ROLES[f.role[s]] in ("PC", "DC", "PS", "PCSO")
        ]
    )
    for _ in range(n):
        recv = w.t0 + int(rng.integers(1, w.cfg.days)) * DAY + int(rng.uniform(9, 17) * HOUR)
        p = int(rng.choice(vul)) if rng.random() < 0.4 else -1
        u = rng.random()
        s = -1
        if u < 0.4 and officers.size:
            # Describes a real, innocent officer, partially.
            s = int(rng.choice(officers))
            desc = _description(rng, w, s)
            w.hard_negatives.append((s, "PARTNER_REPORT_BENIGN"))
        elif u < 0.7:
            desc = str(rng.choice([
                f"PC {rng.choice(list(NICKNAMES.values()))} something",
                "A policeman, not sure of his name",
                f"Tall officer with glasses, possibly from {rng.choice(f.stations)}",
                "Female officer, blonde, from the DA team",
                "Officer in a marked car, didn't get his number",
            ]))  # fmt: skip
        else:
            desc = "Unknown officer"
        org_key = str(rng.choice(list(vocab.PARTNERS)))
        org = str(rng.choice(vocab.PARTNERS[org_key]))
        w.partner_reports.append((recv, org, desc, str(rng.choice(CONCERN_BENIGN)), p, s))
