"""People, their contact points, incidents, who was involved and who was tasked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vigil.simulate import vocab
from vigil.simulate.config import SimulationConfig, substream
from vigil.simulate.force import DAY, HOUR, DutyIndex, Force, G, R, Sessions, epoch

VULN = (
    "DA_VICTIM",
    "SEXUAL_OFFENCE_VICTIM",
    "MENTAL_HEALTH",
    "SUBSTANCE_MISUSE",
    "SEX_WORKER",
    "MISSING_PERSON",
    "CSE_RISK",
    "MODERN_SLAVERY",
    "STALKING_VICTIM",
    "HOMELESS",
    "LEARNING_DISABILITY",
)
V = {c: i for i, c in enumerate(VULN)}

INCIDENT_TYPES: tuple[tuple[str, float], ...] = (
    ("DOMESTIC_ABUSE", 0.14),
    ("THEFT", 0.15),
    ("ASB", 0.12),
    ("CONCERN_FOR_WELFARE", 0.11),
    ("ASSAULT", 0.08),
    ("RTC", 0.06),
    ("BURGLARY", 0.06),
    ("MISSING_PERSON", 0.05),
    ("CRIMINAL_DAMAGE", 0.05),
    ("SEXUAL_OFFENCE", 0.04),
    ("STALKING", 0.03),
    ("PUBLIC_ORDER", 0.04),
    ("DRUGS", 0.03),
    ("FRAUD", 0.04),
)
TYPES = tuple(t for t, _ in INCIDENT_TYPES)
T = {t: i for i, t in enumerate(TYPES)}
#: Types whose victims are the people APSP offenders target.
SENSITIVE_TYPES = ("DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "STALKING", "CONCERN_FOR_WELFARE")

IP_ROLES = ("VICTIM", "WITNESS", "SUSPECT", "REPORTER", "SUBJECT")
VICTIM, WITNESS, SUSPECT, REPORTER, SUBJECT = range(5)
IS_ROLES = ("ATTENDING", "OIC", "SUPERVISOR", "CALL_HANDLER", "INVESTIGATOR", "ANALYST")
ATTENDING, OIC, SUPERVISOR, CALL_HANDLER, INVESTIGATOR, ANALYST = range(6)

# Hourly shape of incidents (peaks in the evening).
_HOURLY = np.array(
    [
        3,
        2.5,
        2,
        1.5,
        1.2,
        1.2,
        1.5,
        2.5,
        3.5,
        4,
        4.5,
        4.8,
        5,
        5,
        5,
        5.2,
        5.5,
        6,
        6.2,
        6,
        5.8,
        5.2,
        4.5,
        3.8,
    ]
)
_HOURLY = _HOURLY / _HOURLY.sum()


@dataclass
class People:
    n: int
    person_id: np.ndarray  # object str
    given: np.ndarray  # object str (None when no name)
    surname: np.ndarray
    name: np.ndarray  # object str or None
    sex: np.ndarray  # 'F','M','X','U'
    age: np.ndarray  # float years at the start of the window (nan if unknown)
    dob: np.ndarray  # datetime64[D] (NaT if unknown)
    household: np.ndarray  # household index
    address: np.ndarray  # address index of the household
    area: np.ndarray
    vuln: np.ndarray  # (n, len(VULN)) bool
    # contact points: CSR over people into the `contact_values` dictionary
    contact_ptr: np.ndarray
    contact_val: np.ndarray  # index into contact_values
    contact_kind: np.ndarray  # 0 PHONE, 1 EMAIL, 2 SOCIAL
    contact_values: np.ndarray  # object str
    #: counterparts that belong to no person: colleagues, agencies, force lines, e-mail
    other_values: np.ndarray  # phone numbers, index into contact_values
    other_emails: np.ndarray  # e-mail addresses, index into contact_values
    switchboard_values: np.ndarray  # index into contact_values (shared by many people)
    landline_of_household: np.ndarray  # index into contact_values or -1
    n_addresses: int
    address_area: np.ndarray

    @property
    def vulnerable(self) -> np.ndarray:
        return np.asarray(self.vuln.any(axis=1))


@dataclass
class Incidents:
    n: int
    incident_id: np.ndarray  # object str
    type: np.ndarray  # int into TYPES
    opened: np.ndarray  # s
    closed: np.ndarray  # s; -1 when still open at the end of the window
    area: np.ndarray
    address: np.ndarray
    # incident_people, sorted by incident
    ip_incident: np.ndarray
    ip_person: np.ndarray
    ip_role: np.ndarray
    ip_ptr: np.ndarray  # CSR pointers into ip_* per incident
    # incident_staff
    is_incident: np.ndarray
    is_staff: np.ndarray
    is_role: np.ndarray
    is_assigned: np.ndarray
    is_unassigned: np.ndarray  # -1 when still assigned
    high_profile: np.ndarray  # incident indices that draw curiosity


def _unique_ints(rng: np.random.Generator, lo: int, hi: int, n: int) -> np.ndarray:
    out = np.unique(rng.integers(lo, hi, int(n * 1.3) + 100))
    while out.size < n:  # pragma: no cover - astronomically unlikely with wide ranges
        out = np.unique(np.concatenate([out, rng.integers(lo, hi, n)]))
    return rng.permutation(out)[:n]


def build_people(cfg: SimulationConfig, force: Force) -> People:
    rng = substream(cfg, "people")
    n = round(cfg.staff * cfg.people_per_staff)
    n_areas = len(force.areas)

    # Households of 1..6 people, each at an address in an area.
    sizes = rng.choice([1, 2, 3, 4, 5, 6], size=n, p=[0.3, 0.3, 0.17, 0.14, 0.06, 0.03])
    cut = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:cut]
    sizes[-1] -= sizes.sum() - n
    n_house = sizes.size
    household = np.repeat(np.arange(n_house), sizes)
    house_area = rng.integers(0, n_areas, n_house)
    # Addresses: one per household, plus shops, streets and public places.
    n_addresses = int(n_house * 1.4)
    address_area = np.concatenate([house_area, rng.integers(0, n_areas, n_addresses - n_house)])
    address = household.copy()
    area = house_area[household]

    u = rng.random(n)
    sex = np.where(u < 0.5, "F", np.where(u < 0.97, "M", np.where(u < 0.975, "X", "U")))
    age = np.where(rng.random(n) < 0.1, rng.uniform(8, 18, n), 16 + rng.gamma(2.2, 11.0, n)).clip(
        1, 98
    )
    # Household members who are children of the adults are younger; good enough.
    start64 = np.datetime64(cfg.start.isoformat(), "D")
    dob = start64 - (age * 365.25).astype("timedelta64[D]")
    unknown_dob = rng.random(n) < 0.04
    dob = dob.astype("datetime64[D]")
    dob[unknown_dob] = np.datetime64("NaT")
    age_known = np.where(unknown_dob, np.nan, age)

    fem = np.array(vocab.FEMALE_NAMES, dtype=object)
    mal = np.array(vocab.MALE_NAMES, dtype=object)
    sur = np.array(vocab.SURNAMES, dtype=object)
    is_f = (sex == "F") | ((sex != "M") & (rng.random(n) < 0.5))
    given = np.where(is_f, fem[rng.integers(0, fem.size, n)], mal[rng.integers(0, mal.size, n)])
    house_surname = sur[rng.integers(0, sur.size, n_house)]
    surname = np.where(
        rng.random(n) < 0.7, house_surname[household], sur[rng.integers(0, sur.size, n)]
    )
    name = np.char.add(np.char.add(given.astype(str), " "), surname.astype(str)).astype(object)
    no_name = rng.random(n) < 0.01
    name[no_name] = None
    sex[no_name & (rng.random(n) < 0.5)] = "U"

    ids = _unique_ints(rng, 1_000_000, 9_999_999, n)
    person_id = np.char.add("P", ids.astype(str)).astype(object)

    return People(
        n=n,
        person_id=person_id,
        given=given,
        surname=surname,
        name=name,
        sex=sex,
        age=age_known,
        dob=dob,
        household=household,
        address=address,
        area=area,
        vuln=np.zeros((n, len(VULN)), dtype=bool),
        contact_ptr=np.zeros(n + 1, dtype=np.int64),
        contact_val=np.zeros(0, dtype=np.int64),
        contact_kind=np.zeros(0, dtype=np.int8),
        contact_values=np.zeros(0, dtype=object),
        other_values=np.zeros(0, dtype=np.int64),
        other_emails=np.zeros(0, dtype=np.int64),
        switchboard_values=np.zeros(0, dtype=np.int64),
        landline_of_household=np.full(n_house, -1, dtype=np.int64),
        n_addresses=n_addresses,
        address_area=address_area,
    )


#: Ceilings on how often one person, or one domestic-abuse couple, comes to police
#: notice, relative to the least noticed. The tails are heavy (a few people are in
#: incidents every few days), but real tails end: without a ceiling the largest of n
#: draws grows with n, and a force of 5,000 staff had a woman in 9,774 incidents in six
#: months. At 50 the most prolific person is in about 55 to 85 incidents in six months
#: (60 days of history and 120 of window) at 1,000 staff and at 5,000.
MAX_POPULARITY = 50.0
MAX_DYAD_WEIGHT = 50.0


def _pool(mask: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    idx = np.nonzero(mask)[0]
    w = weight[idx]
    return idx, w / w.sum()


def build_incidents(
    cfg: SimulationConfig, force: Force, people: People, sessions: Sessions
) -> Incidents:
    rng = substream(cfg, "incidents")
    g0 = epoch(cfg.start) - cfg.history_days * DAY
    t_end = epoch(cfg.start) + cfg.days * DAY
    n_days = cfg.history_days + cfg.days
    n_inc = rng.poisson(cfg.incidents_per_staff_day * cfg.staff * n_days)
    names, probs = zip(*INCIDENT_TYPES, strict=True)
    p = np.array(probs) / sum(probs)
    itype = rng.choice(len(names), n_inc, p=p).astype(np.int16)
    opened = (
        g0
        + rng.integers(0, n_days, n_inc) * DAY
        + rng.choice(24, n_inc, p=_HOURLY) * HOUR
        + rng.integers(0, HOUR, n_inc)
    )
    order = np.argsort(opened, kind="stable")
    itype, opened = itype[order], opened[order]

    age = np.nan_to_num(people.age, nan=35.0)
    sex = people.sex
    # Popularity: some people come to police notice again and again.
    pop = np.minimum(rng.pareto(1.6, people.n) + 1, MAX_POPULARITY)
    offender = pop * np.where((sex == "M") & (age >= 15) & (age < 55), 3.0, 0.3)
    adult = age >= 16
    pools = {
        "young_f": _pool((sex == "F") & (age >= 13) & (age < 36), pop),
        "adult_f": _pool((sex == "F") & (age >= 16) & (age < 65), pop),
        "adult": _pool(adult, pop),
        "youth": _pool((age >= 10) & (age < 18), pop**2),
        "elderly": _pool(age >= 65, pop),
        "any": _pool(age >= 8, pop),
        "offender": _pool(adult | (age >= 14), offender),
        "welfare": _pool(adult, pop**1.5),
    }

    def draw(pool: str, k: int) -> np.ndarray:
        idx, w = pools[pool]
        return idx[rng.choice(idx.size, k, p=w)]

    # Domestic abuse happens within dyads (victim, suspect) that repeat.
    da = np.nonzero(itype == T["DOMESTIC_ABUSE"])[0]
    n_dyads = max(10, int(da.size / 1.9))
    dy_victim = np.where(
        rng.random(n_dyads) < 0.9, draw("adult_f", n_dyads), draw("adult", n_dyads)
    )
    dy_suspect = draw("offender", n_dyads)
    dy_w = np.minimum(rng.pareto(1.2, n_dyads) + 1, MAX_DYAD_WEIGHT)
    dyad = rng.choice(n_dyads, da.size, p=dy_w / dy_w.sum())

    rows_i: list[np.ndarray] = []
    rows_p: list[np.ndarray] = []
    rows_r: list[np.ndarray] = []

    def add(inc: np.ndarray, person: np.ndarray, role: int, prob: float = 1.0) -> None:
        keep = rng.random(inc.size) < prob
        rows_i.append(inc[keep])
        rows_p.append(person[keep])
        rows_r.append(np.full(keep.sum(), role, np.int8))

    primary = np.full(n_inc, -1, dtype=np.int64)
    primary[da] = dy_victim[dyad]
    add(da, dy_victim[dyad], VICTIM)
    add(da, dy_suspect[dyad], SUSPECT, 0.95)
    add(da, draw("any", da.size), WITNESS, 0.25)
    add(da, draw("adult", da.size), REPORTER, 0.2)

    def typ(name: str) -> np.ndarray:
        return np.nonzero(itype == T[name])[0]

    so = typ("SEXUAL_OFFENCE")
    v = np.where(rng.random(so.size) < 0.85, draw("young_f", so.size), draw("any", so.size))
    primary[so] = v
    add(so, v, VICTIM)
    add(so, draw("offender", so.size), SUSPECT, 0.6)
    add(so, draw("adult", so.size), WITNESS, 0.2)
    add(so, draw("adult", so.size), REPORTER, 0.25)

    st = typ("STALKING")
    from_dyad = rng.random(st.size) < 0.35
    dyx = rng.integers(0, n_dyads, st.size)
    v = np.where(from_dyad, dy_victim[dyx], draw("adult_f", st.size))
    primary[st] = v
    add(st, v, VICTIM)
    add(st, np.where(from_dyad, dy_suspect[dyx], draw("offender", st.size)), SUSPECT, 0.8)

    cw = typ("CONCERN_FOR_WELFARE")
    v = np.where(rng.random(cw.size) < 0.25, draw("elderly", cw.size), draw("welfare", cw.size))
    primary[cw] = v
    add(cw, v, SUBJECT)
    add(cw, draw("adult", cw.size), REPORTER, 0.8)

    mp = typ("MISSING_PERSON")
    v = np.where(rng.random(mp.size) < 0.55, draw("youth", mp.size), draw("welfare", mp.size))
    primary[mp] = v
    add(mp, v, SUBJECT)
    add(mp, draw("adult", mp.size), REPORTER, 0.9)

    for name, sp, wp in (
        ("THEFT", 0.35, 0.2),
        ("BURGLARY", 0.15, 0.3),
        ("ASSAULT", 0.7, 0.4),
        ("CRIMINAL_DAMAGE", 0.3, 0.15),
    ):
        ii = typ(name)
        v = draw("adult", ii.size)
        primary[ii] = v
        add(ii, v, VICTIM, 0.92)
        add(ii, draw("offender", ii.size), SUSPECT, sp)
        add(ii, draw("adult", ii.size), WITNESS, wp)
    fr = typ("FRAUD")
    v = np.where(rng.random(fr.size) < 0.5, draw("elderly", fr.size), draw("adult", fr.size))
    primary[fr] = v
    add(fr, v, VICTIM)
    asb = typ("ASB")
    rep = draw("welfare", asb.size)  # repeat callers
    add(asb, rep, REPORTER, 0.9)
    add(
        asb,
        np.where(rng.random(asb.size) < 0.5, draw("youth", asb.size), draw("offender", asb.size)),
        SUSPECT,
        0.5,
    )
    rtc = typ("RTC")
    add(rtc, draw("adult", rtc.size), SUBJECT)
    add(rtc, draw("adult", rtc.size), SUBJECT, 0.6)
    add(rtc, draw("adult", rtc.size), WITNESS, 0.5)
    add(rtc, draw("adult", rtc.size), VICTIM, 0.2)
    for name in ("PUBLIC_ORDER", "DRUGS"):
        ii = typ(name)
        add(ii, draw("offender", ii.size), SUSPECT)
        add(ii, draw("offender", ii.size), SUSPECT, 0.3)
        add(ii, draw("adult", ii.size), WITNESS, 0.3)

    ip_i = np.concatenate(rows_i)
    ip_p = np.concatenate(rows_p)
    ip_r = np.concatenate(rows_r)
    # One role per person per incident (the first drawn wins).
    _, first = np.unique(ip_i * people.n + ip_p, return_index=True)
    first = np.sort(first)
    ip_i, ip_p, ip_r = ip_i[first], ip_p[first], ip_r[first]
    o = np.lexsort((ip_r, ip_i))
    ip_i, ip_p, ip_r = ip_i[o], ip_p[o], ip_r[o]
    ip_ptr = np.searchsorted(ip_i, np.arange(n_inc + 1))

    # Where: the primary person's home for person-centred incidents, else the area.
    area = rng.integers(0, len(force.areas), n_inc)
    has_p = primary >= 0
    area[has_p] = people.area[primary[has_p]]
    address = rng.integers(0, people.n_addresses, n_inc)
    at_home = has_p & np.isin(
        itype,
        [T[t] for t in ("DOMESTIC_ABUSE", "MISSING_PERSON", "CONCERN_FOR_WELFARE", "BURGLARY")],
    )
    address[at_home] = people.address[primary[at_home]]
    street = ~at_home
    # Street addresses in the incident's area.
    cand = rng.integers(0, people.n_addresses, (street.sum(), 8))
    match = people.address_area[cand] == area[street, None]
    pick = np.where(
        match.any(axis=1), cand[np.arange(cand.shape[0]), match.argmax(axis=1)], cand[:, 0]
    )
    address[street] = pick
    area[~has_p] = people.address_area[address[~has_p]]

    # How long incidents stay open (days), by type.
    med = {
        "DOMESTIC_ABUSE": 30, "THEFT": 12, "ASB": 3, "CONCERN_FOR_WELFARE": 1.5, "ASSAULT": 25,
        "RTC": 7, "BURGLARY": 20, "MISSING_PERSON": 1.2, "CRIMINAL_DAMAGE": 10,
        "SEXUAL_OFFENCE": 90, "STALKING": 45, "PUBLIC_ORDER": 8, "DRUGS": 30, "FRAUD": 40,
    }  # fmt: skip
    med_arr = np.array([med[t] for t in TYPES])[itype]
    dur = (med_arr * rng.lognormal(0, 0.8, n_inc) * DAY).astype(np.int64) + 2 * HOUR
    closed = opened + dur
    closed[(closed >= t_end) | (rng.random(n_inc) < 0.01)] = -1

    vuln = _vulnerabilities(rng, people, itype, ip_i, ip_p, ip_r)
    people.vuln = vuln

    incident_id = np.char.add(
        f"{cfg.force_code}-", np.char.zfill((np.arange(n_inc) + 100_001).astype(str), 7)
    ).astype(object)

    inc = Incidents(
        n=n_inc,
        incident_id=incident_id,
        type=itype,
        opened=opened.astype(np.int64),
        closed=closed.astype(np.int64),
        area=area.astype(np.int64),
        address=address.astype(np.int64),
        ip_incident=ip_i.astype(np.int64),
        ip_person=ip_p.astype(np.int64),
        ip_role=ip_r,
        ip_ptr=ip_ptr.astype(np.int64),
        is_incident=np.zeros(0, np.int64),
        is_staff=np.zeros(0, np.int64),
        is_role=np.zeros(0, np.int8),
        is_assigned=np.zeros(0, np.int64),
        is_unassigned=np.zeros(0, np.int64),
        high_profile=np.zeros(0, np.int64),
    )
    _tasking(cfg, rng, force, sessions, inc)
    # A few big local events per month that everybody talks about.
    in_window = np.nonzero(
        (opened >= epoch(cfg.start))
        & np.isin(itype, [T["SEXUAL_OFFENCE"], T["RTC"], T["ASSAULT"], T["MISSING_PERSON"]])
    )[0]
    k = min(in_window.size, max(2, cfg.days // 12))
    inc.high_profile = np.sort(rng.choice(in_window, k, replace=False)) if k else in_window
    return inc


def _vulnerabilities(
    rng: np.random.Generator,
    people: People,
    itype: np.ndarray,
    ip_i: np.ndarray,
    ip_p: np.ndarray,
    ip_r: np.ndarray,
) -> np.ndarray:
    n = people.n
    vuln = np.zeros((n, len(VULN)), dtype=bool)
    t = itype[ip_i]

    def flag(mask: np.ndarray, code: str, prob: float) -> None:
        who = ip_p[mask & (rng.random(mask.size) < prob)]
        vuln[who, V[code]] = True

    flag((t == T["DOMESTIC_ABUSE"]) & (ip_r == VICTIM), "DA_VICTIM", 0.9)
    flag((t == T["SEXUAL_OFFENCE"]) & (ip_r == VICTIM), "SEXUAL_OFFENCE_VICTIM", 0.95)
    flag((t == T["STALKING"]) & (ip_r == VICTIM), "STALKING_VICTIM", 0.85)
    flag((t == T["MISSING_PERSON"]) & (ip_r == SUBJECT), "MISSING_PERSON", 0.9)
    flag((t == T["CONCERN_FOR_WELFARE"]) & (ip_r == SUBJECT), "MENTAL_HEALTH", 0.45)
    flag(ip_r == SUSPECT, "SUBSTANCE_MISUSE", 0.12)
    age = np.nan_to_num(people.age, nan=35.0)
    u = rng.random((n, 6))
    vuln[:, V["MENTAL_HEALTH"]] |= u[:, 0] < 0.035
    vuln[:, V["SUBSTANCE_MISUSE"]] |= u[:, 1] < 0.02
    vuln[:, V["HOMELESS"]] |= u[:, 2] < 0.01
    vuln[:, V["LEARNING_DISABILITY"]] |= u[:, 3] < 0.012
    vuln[:, V["SEX_WORKER"]] |= (people.sex == "F") & (age >= 18) & (age < 45) & (u[:, 4] < 0.006)
    vuln[:, V["MODERN_SLAVERY"]] |= u[:, 5] < 0.002
    # Flags from incidents before the data begins.
    f_adult = (people.sex == "F") & (age >= 16) & (age < 65)
    vuln[:, V["DA_VICTIM"]] |= f_adult & (u[:, 2] > 0.975)
    vuln[:, V["SEXUAL_OFFENCE_VICTIM"]] |= f_adult & (age < 40) & (u[:, 3] > 0.985)
    vuln[:, V["STALKING_VICTIM"]] |= f_adult & (u[:, 4] > 0.995)
    vuln[:, V["MENTAL_HEALTH"]] |= u[:, 5] > 0.98
    missing_youth = vuln[:, V["MISSING_PERSON"]] & (age < 18)
    vuln[:, V["CSE_RISK"]] |= (missing_youth & (u[:, 0] > 0.7)) | (
        (people.sex == "F") & (age >= 12) & (age < 18) & (u[:, 1] > 0.97)
    )
    return vuln


def pick_on_duty(
    rng: np.random.Generator,
    onduty: np.ndarray,
    cands: np.ndarray,
    hours: np.ndarray,
    k: int = 1,
    span: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """For each hour index, `k` distinct random candidates working then (random if none).

    `span` = (start_day, end_day) per staff (grid days, as in `Force`): if nobody is working,
    prefer candidates employed that day to people who have not joined yet or have left.
    """
    out = np.empty((hours.size, k), dtype=np.int64)
    if cands.size == 0:
        return np.full((hours.size, k), -1, dtype=np.int64)
    sub = onduty[cands]
    for a in range(0, hours.size, 4000):
        h = hours[a : a + 4000]
        avail = sub[:, h].T  # (m, c)
        score = rng.random(avail.shape) + avail * 2.0
        if span is not None:
            day = (h // 24)[:, None]
            score += (day >= span[0][cands]) & (day < span[1][cands])
        top = np.argsort(-score, axis=1, kind="stable")[:, :k]
        out[a : a + 4000] = cands[top]
    if k > cands.size:
        out[:, cands.size :] = -1
    return out


def _tasking(
    cfg: SimulationConfig,
    rng: np.random.Generator,
    force: Force,
    sessions: Sessions,
    inc: Incidents,
) -> None:
    """incident_staff: call handler, attending officers, OIC, supervisor, investigator, analyst."""
    g0 = epoch(cfg.start) - cfg.history_days * DAY
    t_end = epoch(cfg.start) + cfg.days * DAY
    n_hours = (cfg.history_days + cfg.days) * 24 + 48
    ws, wa, wb, _ = sessions.worked_view()
    onduty_diff = np.zeros((force.n, n_hours + 1), dtype=np.int16)
    h0 = np.clip((wa - g0) // HOUR, 0, n_hours)
    h1 = np.clip((wb - g0 + HOUR - 1) // HOUR, 0, n_hours)
    np.add.at(onduty_diff, (ws, h0), 1)
    np.add.at(onduty_diff, (ws, h1), -1)
    onduty = np.cumsum(onduty_diff, axis=1)[:, :n_hours] > 0
    del onduty_diff
    duty = DutyIndex(sessions)
    span = (force.start_day, force.end_day)

    n = inc.n
    itype = inc.type
    hour = np.clip((inc.opened - g0) // HOUR, 0, n_hours - 1)
    rows: list[tuple[np.ndarray, ...]] = []

    def emit(i: np.ndarray, s: np.ndarray, role: int, a: np.ndarray, u: np.ndarray) -> None:
        ok = s >= 0
        rows.append((i[ok], s[ok], np.full(ok.sum(), role, np.int8), a[ok], u[ok]))

    grp, area, role = force.group, force.area, force.role

    def members(
        group: str, ar: int | None = None, roles: tuple[str, ...] | None = None
    ) -> np.ndarray:
        m = grp == G[group]
        if ar is not None and (area[m] >= 0).any():
            m &= area == ar
        if roles is not None:
            m &= np.isin(role, [R[r] for r in roles])
        return np.nonzero(m)[0]

    # Call handler: most incidents come in by phone.
    ch = np.nonzero(rng.random(n) < 0.85)[0]
    who = pick_on_duty(rng, onduty, members("CONTROL"), hour[ch], span=span)[:, 0]
    a = inc.opened[ch]
    emit(ch, who, CALL_HANDLER, a, a + rng.integers(4, 40, ch.size) * 60)

    # Attending: response officers of the area (neighbourhood for ASB, roads for RTC).
    p_attend = {
        "DOMESTIC_ABUSE": 0.95, "SEXUAL_OFFENCE": 0.8, "STALKING": 0.5, "CONCERN_FOR_WELFARE": 0.9,
        "MISSING_PERSON": 0.9, "THEFT": 0.45, "BURGLARY": 0.85, "ASB": 0.5, "RTC": 0.9,
        "ASSAULT": 0.9, "CRIMINAL_DAMAGE": 0.5, "PUBLIC_ORDER": 0.9, "DRUGS": 0.8, "FRAUD": 0.15,
    }  # fmt: skip
    attend = rng.random(n) < np.array([p_attend[t] for t in TYPES])[itype]
    delay = (
        np.where(
            np.isin(itype, [T["THEFT"], T["CRIMINAL_DAMAGE"], T["ASB"], T["FRAUD"]]),
            rng.integers(30, 600, n),
            rng.integers(5, 75, n),
        )
        * 60
    )
    first_att = np.full(n, -1, dtype=np.int64)
    for ar in range(len(force.areas)):
        resp = members("RESPONSE", ar, ("PC", "PS"))
        neigh = members("NEIGHBOURHOOD", ar, ("PC", "PCSO"))
        roads = members("ROADS")
        for pool, sel in (
            (neigh, attend & (inc.area == ar) & (itype == T["ASB"]) & (rng.random(n) < 0.5)),
            (roads, attend & (inc.area == ar) & (itype == T["RTC"]) & (rng.random(n) < 0.4)),
        ):
            ii = np.nonzero(sel)[0]
            who = pick_on_duty(
                rng,
                onduty,
                pool,
                np.clip(hour[ii] + delay[ii] // HOUR, 0, n_hours - 1),
                span=span,
            )[:, 0]
            a = inc.opened[ii] + delay[ii]
            emit(ii, who, ATTENDING, a, a + rng.integers(60, 360, ii.size) * 60)
            first_att[ii] = who
            attend[ii] = False
        ii = np.nonzero(attend & (inc.area == ar))[0]
        two = pick_on_duty(
            rng,
            onduty,
            resp,
            np.clip(hour[ii] + delay[ii] // HOUR, 0, n_hours - 1),
            k=2,
            span=span,
        )
        a = inc.opened[ii] + delay[ii]
        emit(ii, two[:, 0], ATTENDING, a, a + rng.integers(60, 420, ii.size) * 60)
        second = rng.random(ii.size) < 0.55
        emit(
            ii[second],
            two[second, 1],
            ATTENDING,
            a[second],
            a[second] + rng.integers(45, 300, second.sum()) * 60,
        )
        first_att[ii] = two[:, 0]

    # Officer in charge.
    crime_types = (
        "DOMESTIC_ABUSE", "SEXUAL_OFFENCE", "STALKING", "THEFT", "BURGLARY", "ASSAULT",
        "CRIMINAL_DAMAGE", "FRAUD", "MISSING_PERSON", "DRUGS",
    )  # fmt: skip
    crime = np.isin(itype, [T[t] for t in crime_types])
    u = rng.random(n)
    oic_group = np.full(n, -1, dtype=np.int64)  # -1 = the first attending officer
    oic_group[(itype == T["DOMESTIC_ABUSE"]) & (u < 0.55)] = G["DA"]
    oic_group[(itype == T["SEXUAL_OFFENCE"]) & (u < 0.85)] = G["PPU"]
    oic_group[(itype == T["SEXUAL_OFFENCE"]) & (u >= 0.85)] = G["CID"]
    oic_group[(itype == T["STALKING"]) & (u < 0.4)] = G["DA"]
    oic_group[(itype == T["STALKING"]) & (u >= 0.4) & (u < 0.8)] = G["CID"]
    oic_group[np.isin(itype, [T["BURGLARY"], T["DRUGS"]]) & (u < 0.5)] = G["CID"]
    oic_group[(itype == T["ASSAULT"]) & (u < 0.3)] = G["CID"]
    oic_group[(itype == T["FRAUD"])] = G["CID"]
    oic_group[crime & (oic_group < 0) & (first_att < 0)] = G["NEIGHBOURHOOD"]
    oic = np.where(crime & (oic_group < 0), first_att, -1)
    oic_start = inc.opened + rng.integers(1, 48, n) * HOUR
    for gname in ("DA", "PPU", "CID", "NEIGHBOURHOOD"):
        per_area: list[int | None] = list(range(len(force.areas)))
        for oar in per_area if gname in ("CID", "NEIGHBOURHOOD") else [None]:
            sel = crime & (oic_group == G[gname])
            if oar is not None:
                sel &= inc.area == oar
            ii = np.nonzero(sel)[0]
            pool = members(gname, oar, ("DC", "DS", "STAFF", "PC", "PCSO"))
            if ii.size == 0 or pool.size == 0:
                continue
            h = np.clip((oic_start[ii] - g0) // HOUR, 0, n_hours - 1)
            oic[ii] = pick_on_duty(rng, onduty, pool, h, span=span)[:, 0]
    has = crime & (oic >= 0)
    # Assigned when the OIC next comes on duty.
    ii = np.nonzero(has)[0]
    s_ = oic[ii]
    t_ = oic_start[ii]
    j = duty.locate(s_, t_)
    nxt = np.where(duty.on_duty(s_, t_), t_, -1)
    j2 = j + 1
    ok = (nxt < 0) & (j2 < duty.staff.size)
    j2c = np.minimum(j2, duty.staff.size - 1)
    ok &= duty.staff[j2c] == s_
    ok &= duty.start[j2c] - t_ < 7 * DAY
    nxt = np.where(
        ok, duty.start[j2c] + rng.integers(5, 90, ii.size) * 60, np.where(nxt < 0, t_, nxt)
    )
    closed = inc.closed[ii]
    un = np.where(closed >= 0, closed + rng.integers(0, 36, ii.size) * HOUR, -1)
    un = np.where((un >= 0) & (un >= t_end), -1, un)
    # Leavers hand over.
    g0d = g0 // DAY
    leave_t = (force.end_day[s_] + g0d) * DAY
    handover = (leave_t < np.where(un < 0, t_end, un)) & (leave_t > nxt)
    emit(ii, s_, OIC, nxt, np.where(handover, leave_t, un))
    if handover.any():
        hi = ii[handover]

        # The new OIC is a colleague in the same team, employed when the leaver goes.
        def successors(s: int) -> np.ndarray:
            return np.nonzero(
                (force.team_idx == force.team_idx[s])
                & (force.end_day > force.end_day[s])
                & (force.start_day <= force.end_day[s])
            )[0]

        colleague = np.array(
            [rng.choice(c) if (c := successors(s)).size else -1 for s in s_[handover]],
            dtype=np.int64,
        )
        emit(hi, colleague, OIC, leave_t[handover] + HOUR, un[handover])

    # Supervisor: a sergeant (or DS) of the OIC's team, for about a third of crimes.
    sup = has & (rng.random(n) < 0.35)
    ii = np.nonzero(sup)[0]
    sup_staff = np.full(ii.size, -1, dtype=np.int64)
    for t in np.unique(force.team_idx[oic[ii]]):
        m = force.team_idx[oic[ii]] == t
        pool = np.nonzero((force.team_idx == t) & np.isin(role, [R["PS"], R["DS"], R["INSP"]]))[0]
        if pool.size:
            sup_staff[m] = pool[rng.integers(0, pool.size, m.sum())]
    a = inc.opened[ii] + rng.integers(2, 72, ii.size) * HOUR
    emit(ii, sup_staff, SUPERVISOR, a, a + rng.integers(1, 10, ii.size) * DAY)

    # Investigator: a second detective on serious cases.
    serious = has & np.isin(
        itype, [T["SEXUAL_OFFENCE"], T["DOMESTIC_ABUSE"], T["BURGLARY"], T["STALKING"]]
    )
    inv = (
        serious
        & (rng.random(n) < 0.25)
        & np.isin(force.group[np.maximum(oic, 0)], [G["CID"], G["DA"], G["PPU"]])
    )
    ii = np.nonzero(inv)[0]
    inv_staff = np.full(ii.size, -1, dtype=np.int64)
    for t in np.unique(force.team_idx[oic[ii]]):
        m = force.team_idx[oic[ii]] == t
        pool = np.nonzero(force.team_idx == t)[0]
        inv_staff[m] = pool[rng.integers(0, pool.size, m.sum())]
    inv_staff[inv_staff == oic[ii]] = -1
    a = inc.opened[ii] + rng.integers(1, 10, ii.size) * DAY
    emit(ii, inv_staff, INVESTIGATOR, a, a + rng.integers(3, 30, ii.size) * DAY)

    # Analyst, sometimes.
    p_an = np.where(
        np.isin(itype, [T["DOMESTIC_ABUSE"], T["SEXUAL_OFFENCE"], T["STALKING"], T["BURGLARY"]]),
        0.08,
        0.02,
    )
    ii = np.nonzero(rng.random(n) < p_an)[0]
    pool = members("INTEL")
    an = pool[rng.integers(0, pool.size, ii.size)]
    a = inc.opened[ii] + rng.integers(1, 14, ii.size) * DAY
    emit(ii, an, ANALYST, a, a + rng.integers(1, 21, ii.size) * DAY)

    cols = [np.concatenate(c) for c in zip(*rows, strict=True)]
    i_, s_, r_, a_, u_ = cols
    # Not assigned after the end of the window; still assigned if unassignment is later.
    # Nobody is tasked before they join or after they leave (pools above are whole teams):
    # a leaver's other assignments end on the day they go.
    joined = (force.start_day[s_] + g0d) * DAY
    left = np.where(force.end_day[s_] < 10**6, (force.end_day[s_] + g0d) * DAY, t_end)
    keep = (a_ < t_end) & (a_ >= joined) & (a_ < left)
    i_, s_, r_, a_, u_, left = i_[keep], s_[keep], r_[keep], a_[keep], u_[keep], left[keep]
    u_ = np.where((left < t_end) & ((u_ < 0) | (u_ > left)), left, u_)
    # Quickly closed incidents: the OIC picked it up and signed it off within the hour.
    u_ = np.where((u_ >= 0) & (u_ <= a_), a_ + rng.integers(10, 60, u_.size) * 60, u_)
    u_ = np.where((u_ >= t_end), -1, u_)
    # One row per key (incident, staff, role, assigned_at).
    key_order = np.lexsort((a_, r_, s_, i_))
    i_, s_, r_, a_, u_ = i_[key_order], s_[key_order], r_[key_order], a_[key_order], u_[key_order]
    dup = np.zeros(i_.size, bool)
    dup[1:] = (i_[1:] == i_[:-1]) & (s_[1:] == s_[:-1]) & (r_[1:] == r_[:-1]) & (a_[1:] == a_[:-1])
    keep = ~dup
    inc.is_incident = i_[keep].astype(np.int64)
    inc.is_staff = s_[keep].astype(np.int64)
    inc.is_role = r_[keep].astype(np.int8)
    inc.is_assigned = a_[keep].astype(np.int64)
    inc.is_unassigned = u_[keep].astype(np.int64)


def build_contacts(cfg: SimulationConfig, force: Force, people: People) -> None:
    """Contact points of people (mobiles, household landlines, agency switchboards, e-mail)."""
    rng = substream(cfg, "contacts")
    n = people.n
    age = np.nan_to_num(people.age, nan=35.0)
    n_house = people.landline_of_household.size

    # Number space: person mobiles, staff work mobiles and agency lines, all distinct.
    n_mob = n + force.n + 400
    mobiles = np.char.add("+447", _unique_ints(rng, 400_000_000, 999_999_999, n_mob).astype(str))
    n_land = n_house + len(vocab.SWITCHBOARDS) + 300
    landlines = np.char.add("+441", _unique_ints(rng, 100_000_000, 999_999_999, n_land).astype(str))
    values: list[np.ndarray] = []
    rows_p: list[np.ndarray] = []
    rows_v: list[np.ndarray] = []
    rows_k: list[np.ndarray] = []
    offset = 0

    def add_values(v: np.ndarray) -> int:
        nonlocal offset
        values.append(v.astype(object))
        base = offset
        offset += v.size
        return base

    # Personal mobiles (most people over 11); a few couples share one.
    base = add_values(mobiles[:n])
    has_mob = (age >= 11) & (rng.random(n) < 0.82)
    pid = np.nonzero(has_mob)[0]
    rows_p.append(pid)
    rows_v.append(base + pid)
    rows_k.append(np.zeros(pid.size, np.int8))
    # Shared mobile within a household (first member's number).
    first_in_house = np.searchsorted(people.household, np.arange(n_house))
    share = (rng.random(n) < 0.03) & ~has_mob & (age >= 11)
    sp = np.nonzero(share)[0]
    owner = first_in_house[people.household[sp]]
    rows_p.append(sp)
    rows_v.append(base + owner)
    rows_k.append(np.zeros(sp.size, np.int8))

    # Household landlines, shared by the members listed with them.
    hbase = add_values(landlines[:n_house])
    house_size = np.bincount(people.household, minlength=n_house)
    has_land = rng.random(n_house) < np.where(house_size > 1, 0.35, 0.15)
    people.landline_of_household = np.where(has_land, hbase + np.arange(n_house), -1)
    lp = np.nonzero(has_land[people.household] & (rng.random(n) < 0.85))[0]
    rows_p.append(lp)
    rows_v.append(hbase + people.household[lp])
    rows_k.append(np.zeros(lp.size, np.int8))

    # Agency switchboards: refuges, hospital, hostel, children's home...
    sbase = add_values(landlines[n_house : n_house + len(vocab.SWITCHBOARDS)])
    vuln = people.vuln
    sb_rules = (
        (vuln[:, V["DA_VICTIM"]], (0, 3), 0.2),
        (vuln[:, V["MENTAL_HEALTH"]], (1, 4), 0.2),
        (vuln[:, V["HOMELESS"]], (2, 6), 0.5),
        (vuln[:, V["MISSING_PERSON"]] & (age < 18), (5,), 0.3),
        (vuln[:, V["CSE_RISK"]], (5,), 0.3),
        (vuln[:, V["SUBSTANCE_MISUSE"]], (7, 2), 0.15),
        (vuln[:, V["LEARNING_DISABILITY"]], (6,), 0.25),
    )
    for mask, choices, prob in sb_rules:
        pp = np.nonzero(mask & (rng.random(n) < prob))[0]
        rows_p.append(pp)
        rows_v.append(sbase + np.array(choices)[rng.integers(0, len(choices), pp.size)])
        rows_k.append(np.zeros(pp.size, np.int8))

    # E-mail and social media handles.
    em = np.nonzero((age >= 14) & (rng.random(n) < 0.3) & (people.name != None))[0]  # noqa: E711
    domains = np.array(["example.org", "example.com", "example.net", "mail.example.co.uk"])
    num = rng.integers(1, 99, em.size).astype(str)
    local = np.char.add(
        np.char.add(np.char.add(people.given[em].astype(str), "."), people.surname[em].astype(str)),
        np.where(rng.random(em.size) < 0.6, num, ""),
    )
    email = np.char.lower(
        np.char.add(np.char.add(local, "@"), domains[rng.integers(0, 4, em.size)])
    )
    ebase = add_values(email)
    rows_p.append(em)
    rows_v.append(ebase + np.arange(em.size))
    rows_k.append(np.ones(em.size, np.int8))
    so = np.nonzero((age >= 13) & (age < 50) & (rng.random(n) < 0.06) & (people.name != None))[0]  # noqa: E711
    handle = np.char.lower(
        np.char.add(
            np.char.add(np.char.add("@", people.given[so].astype(str)), "_"),
            np.char.add(people.surname[so].astype(str), rng.integers(1, 999, so.size).astype(str)),
        )
    )
    sobase = add_values(handle)
    rows_p.append(so)
    rows_v.append(sobase + np.arange(so.size))
    rows_k.append(np.full(so.size, 2, np.int8))

    # Counterparts that are no person: colleagues' work mobiles, agencies, force lines, e-mail.
    other = [mobiles[n : n + force.n + 400], landlines[n_house + len(vocab.SWITCHBOARDS) :]]
    mails = np.array(
        [
            f"{g}.{s}@police.example.uk".lower()
            for g, s in zip(force.given, force.surname, strict=True)
        ]
        + [f"safeguarding{i}@council.example.gov.uk" for i in range(20)]
        + [f"referrals{i}@nhs.example.org" for i in range(20)]
        + [f"cps.unit{i}@cps.example.gov.uk" for i in range(10)]
    )
    obase = add_values(np.concatenate(other))
    people.other_values = obase + np.arange(sum(o.size for o in other))
    mbase = add_values(mails)
    people.other_emails = mbase + np.arange(mails.size)
    people.switchboard_values = sbase + np.arange(len(vocab.SWITCHBOARDS))

    p_ = np.concatenate(rows_p)
    v_ = np.concatenate(rows_v)
    k_ = np.concatenate(rows_k)
    _, first = np.unique(p_.astype(np.int64) * (offset + 1) + v_, return_index=True)
    p_, v_, k_ = p_[first], v_[first], k_[first]
    o = np.lexsort((v_, p_))
    people.contact_val = v_[o].astype(np.int64)
    people.contact_kind = k_[o]
    people.contact_ptr = np.searchsorted(p_[o], np.arange(n + 1)).astype(np.int64)
    people.contact_values = np.concatenate(values)
