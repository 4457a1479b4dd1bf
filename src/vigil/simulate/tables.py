"""From the world's arrays to Arrow tables conformed to `vigil.contract`."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vigil import contract
from vigil.simulate import vocab
from vigil.simulate.config import substream
from vigil.simulate.force import DUTY_KIND_NAMES, GROUPS, LEAVE, ROLES, G
from vigil.simulate.population import IP_ROLES, IS_ROLES, TYPES, VULN
from vigil.simulate.world import (
    ACTIONS,
    CHANNELS,
    DIRECTIONS,
    REASONS,
    STYPES,
    SYSTEMS,
    Batch,
    World,
)

US = 1_000_000
HARD_NEGATIVES_SCHEMA = pa.schema([("staff_id", pa.string()), ("kind", pa.string())])
#: Which member of staff each partner report describes (abusers' tips and benign reports
#: about real officers); reports describing no one are absent.
PARTNER_REPORT_STAFF_SCHEMA = pa.schema([("report_id", pa.string()), ("staff_id", pa.string())])


def ts_array(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64) * US, type=contract.TIMESTAMP, mask=null)


def take(dictionary: pa.Array, idx: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    ind = pa.array(np.asarray(idx, dtype=np.int64), mask=null)
    return dictionary.take(ind)


def _str(values: np.ndarray | list[str]) -> pa.Array:
    return pa.array(
        list(values) if not isinstance(values, np.ndarray) else values, type=pa.string()
    )


class Dictionaries:
    """String dictionaries the event columns index into."""

    def __init__(self, w: World) -> None:
        rng = substream(w.cfg, "dictionaries")
        pp, inc, f = w.people, w.inc, w.force
        self.staff_id = _str(f.staff_id)
        self.person_id = _str(pp.person_id)
        self.incident_id = _str(inc.incident_id)
        addr = np.char.add("ADR-", np.char.zfill((np.arange(pp.n_addresses) + 1).astype(str), 7))
        letters = np.array(list("ABCDEFGHJKLMNOPRSTUVWXYZ"))
        L = rng.integers(0, letters.size, (w.n_vehicles, 5))
        digits = rng.integers(2, 26, w.n_vehicles)
        plates = [
            f"{letters[a]}{letters[b]}{d:02d}{letters[c]}{letters[e]}{letters[g]}"
            for (a, b, c, e, g), d in zip(L.tolist(), digits.tolist(), strict=True)
        ]
        self.subject = pa.concat_arrays(
            [self.person_id, self.incident_id, _str(addr), _str(np.array(plates, dtype=object))]
        )
        self.subject_offset = np.array(
            [0, pp.n, pp.n + inc.n, pp.n + inc.n + pp.n_addresses, 0], dtype=np.int64
        )
        # Name variants as typed into a search box, then topics.
        given = pp.given.astype(str)
        sur = pp.surname.astype(str)
        v0 = np.char.add(np.char.add(given, " "), sur)
        v1 = np.char.add(np.char.add(np.char.upper(sur), " "), given)
        v2 = np.char.lower(sur)
        v3 = np.char.add(np.char.add(sur, ", "), np.char.array(given)[:, None][:, 0].astype("U1"))
        cut = rng.integers(1, 4, pp.n)
        v4 = np.array([f"{g} {s[:c]}{s[c + 1 :]}" for g, s, c in zip(given, sur, cut, strict=True)])
        names = np.concatenate([v0, v1, v2, v3, v4]).astype(object)
        unnamed = np.tile(pp.name == None, 5)  # noqa: E711
        names[unnamed] = None
        self.query = pa.concat_arrays([_str(names), _str(list(vocab.TOPICS))])
        self.reason = pa.concat_arrays([_str(list(REASONS)), self.incident_id])
        self.reason_offset = len(REASONS)
        # Terminals: station workstations, control-room positions, custody desks, hand-helds.
        n_st = len(f.stations)
        ws = [
            f"WS-{f.stations[i // 30][:3].upper()}{i // 30:02d}-{i % 30:02d}"
            for i in range(n_st * 30)
        ]
        cr = [f"CR-POS-{i:02d}" for i in range(40)]
        mdt = [f"MDT-{i:04d}" for i in range(150)]
        hh = [f"HH-{int(s[1:]) * 7 % 99991:05d}" for s in f.staff_id]
        self.terminal = _str(ws + cr + mdt + hh)
        self.t_ws, self.t_cr, self.t_mdt, self.t_hh = 0, n_st * 30, n_st * 30 + 40, n_st * 30 + 190
        self.counterpart = _str(pp.contact_values)
        self.system_prefix = _str([f"{s}-" for s in SYSTEMS])
        self.systems = _str(list(SYSTEMS))
        self.actions = _str(list(ACTIONS))
        self.stypes = _str(list(STYPES))
        self.channels = _str(list(CHANNELS))
        self.directions = _str(list(DIRECTIONS))


def reference_tables(w: World) -> dict[str, pa.Table]:
    f, pp, inc, ss = w.force, w.people, w.inc, w.sessions
    out: dict[str, pa.Table] = {}
    out["staff"] = pa.table(
        {
            "staff_id": _str(f.staff_id),
            "name": _str(f.name),
            "collar_number": pa.array(f.collar, type=pa.string()),
            "role": _str(np.array(ROLES)[f.role]),
            "team_id": _str(f.team),
            "station": _str(np.array(f.stations)[f.station]),
            "start_date": pa.array(f.start_date, type=pa.date32()),
            "end_date": pa.array(f.end_date, type=pa.date32()),
        }
    )
    combos, inv = np.unique(_exported_markers(w), axis=0, return_inverse=True)
    labels = np.array([";".join(VULN[j] for j in np.nonzero(c)[0]) for c in combos], dtype=object)
    out["people"] = pa.table(
        {
            "person_id": _str(pp.person_id),
            "name": pa.array(pp.name, type=pa.string()),
            "sex": _str(pp.sex.astype(object)),
            "date_of_birth": pa.array(pp.dob),
            "vulnerability": _str(labels[inv.ravel()]),
        }
    )
    n_c = pp.contact_val.size
    person_of = np.repeat(np.arange(pp.n), np.diff(pp.contact_ptr))
    out["person_contacts"] = pa.table(
        {
            "person_id": take(_str(pp.person_id), person_of),
            "kind": take(_str(["PHONE", "EMAIL", "SOCIAL"]), pp.contact_kind.astype(np.int64)),
            "value": take(_str(pp.contact_values), pp.contact_val),
        }
    )
    assert out["person_contacts"].num_rows == n_c
    out["incidents"] = pa.table(
        {
            "incident_id": _str(inc.incident_id),
            "type": take(_str(list(TYPES)), inc.type.astype(np.int64)),
            "opened_at": ts_array(inc.opened),
            "closed_at": ts_array(np.maximum(inc.closed, 0), inc.closed < 0),
        }
    )
    out["incident_people"] = pa.table(
        {
            "incident_id": take(_str(inc.incident_id), inc.ip_incident),
            "person_id": take(_str(pp.person_id), inc.ip_person),
            "role": take(_str(list(IP_ROLES)), inc.ip_role.astype(np.int64)),
        }
    )
    out["incident_staff"] = pa.table(
        {
            "incident_id": take(_str(inc.incident_id), inc.is_incident),
            "staff_id": take(_str(f.staff_id), inc.is_staff),
            "role": take(_str(list(IS_ROLES)), inc.is_role.astype(np.int64)),
            "assigned_at": ts_array(inc.is_assigned),
            "unassigned_at": ts_array(np.maximum(inc.is_unassigned, 0), inc.is_unassigned < 0),
        }
    ).filter(pa.array(_tasking_recorded(w)))
    m = ss.rostered & (ss.r_end > w.t0) & (ss.r_start < w.t1)
    lm = (ss.leave_end > w.t0) & (ss.leave_start < w.t1)
    d_staff = np.concatenate([ss.staff[m], ss.leave_staff[lm]])
    d_start = np.concatenate([ss.r_start[m], ss.leave_start[lm]])
    d_end = np.concatenate([ss.r_end[m], ss.leave_end[lm]])
    d_kind = np.concatenate([ss.kind[m].astype(np.int64), np.full(lm.sum(), LEAVE)])
    o = np.lexsort((d_kind, d_start, d_staff))
    d_staff, d_start, d_end, d_kind = d_staff[o], d_start[o], d_end[o], d_kind[o]
    dup = np.zeros(o.size, bool)
    dup[1:] = (
        (d_staff[1:] == d_staff[:-1]) & (d_start[1:] == d_start[:-1]) & (d_kind[1:] == d_kind[:-1])
    )
    keep = ~dup & ~_roster_unexported(w)[d_staff]
    out["duty"] = pa.table(
        {
            "staff_id": take(_str(f.staff_id), d_staff[keep]),
            "start": ts_array(d_start[keep]),
            "end": ts_array(d_end[keep]),
            "kind": take(_str(list(DUTY_KIND_NAMES)), d_kind[keep]),
        }
    )
    pr = sorted(w.partner_reports)
    report_ids = [f"PR-{i + 1:05d}" for i in range(len(pr))]
    out["partner_reports"] = pa.table(
        {
            "report_id": _str(report_ids),
            "received_at": ts_array(np.array([r[0] for r in pr], dtype=np.int64)),
            "organisation": _str([r[1] for r in pr]),
            "officer_description": _str([r[2] for r in pr]),
            "concern": _str([r[3] for r in pr]),
            "person_id": pa.array(
                [pp.person_id[r[4]] if r[4] >= 0 else None for r in pr], type=pa.string()
            ),
        }
    )
    tr = sorted(w.truth, key=lambda r: (r[3], r[0], r[1]))
    out["truth"] = pa.table(
        {
            "staff_id": _str([f.staff_id[r[0]] for r in tr]),
            "scenario": _str([r[1] for r in tr]),
            "person_id": pa.array(
                [pp.person_id[r[2]] if r[2] >= 0 else None for r in tr], type=pa.string()
            ),
            "start": ts_array(np.array([r[3] for r in tr], dtype=np.int64)),
            "end": ts_array(np.array([r[4] for r in tr], dtype=np.int64)),
        }
    )
    out = {k: contract.conform(k, v) for k, v in out.items()}
    described = [(rid, r[5]) for rid, r in zip(report_ids, pr, strict=True) if r[5] >= 0]
    out["partner_report_staff"] = pa.table(
        {
            "report_id": _str([rid for rid, _ in described]),
            "staff_id": _str([f.staff_id[s] for _, s in described]),
        },
        schema=PARTNER_REPORT_STAFF_SCHEMA,
    )
    hn = sorted(set(w.hard_negatives), key=lambda r: (f.staff_id[r[0]], r[1]))
    out["hard_negatives"] = pa.table(
        {"staff_id": _str([f.staff_id[s] for s, _ in hn]), "kind": _str([k for _, k in hn])},
        schema=HARD_NEGATIVES_SCHEMA,
    )
    return out


#: Markers a records system may keep on the incident rather than on the person.
INCIDENT_MARKERS = ("DA_VICTIM", "SEXUAL_OFFENCE_VICTIM", "STALKING_VICTIM", "MISSING_PERSON")


def _exported_markers(w: World) -> np.ndarray:
    """People's vulnerability flags as `people.vulnerability` holds them: without the
    INCIDENT_MARKERS of a share `unmarked_victim_share` of the people, chosen per seed."""
    vuln = w.people.vuln
    if w.cfg.unmarked_victim_share == 0:
        return vuln
    rng = substream(w.cfg, "marker-export")
    unmarked = rng.random(w.people.n) < w.cfg.unmarked_victim_share
    out = vuln.copy()
    markers = np.array([VULN.index(code) for code in INCIDENT_MARKERS])
    out[np.ix_(unmarked, markers)] = False
    return out


def _tasking_recorded(w: World) -> np.ndarray:
    """Per tasking: whether it reaches `incident_staff` (all but a share
    `unrecorded_tasking_share`, chosen per seed)."""
    n = w.inc.is_incident.size
    if w.cfg.unrecorded_tasking_share == 0:
        return np.ones(n, bool)
    rng = substream(w.cfg, "tasking-export")
    return rng.random(n) >= w.cfg.unrecorded_tasking_share


def _roster_unexported(w: World) -> np.ndarray:
    """Per member of staff: whether their team's roster is left out of `duty` (a share
    `unexported_roster_team_share` of the teams, chosen per seed)."""
    f = w.force
    n_teams = round(w.cfg.unexported_roster_team_share * len(f.teams))
    if n_teams == 0:
        return np.zeros(f.n, bool)
    rng = substream(w.cfg, "roster-export")
    return np.isin(f.team_idx, rng.choice(len(f.teams), n_teams, replace=False))


def _sort(b: Batch, keys: tuple[str, ...]) -> Batch:
    o = np.lexsort(tuple(b[k] for k in reversed(keys)))
    return {k: v[o] for k, v in b.items()}


def access_table(w: World, d: Dictionaries, b: Batch, counters: np.ndarray) -> pa.Table:
    """Access events of one month as a contract table; `counters` (per system) advance."""
    b = _sort(b, ("ts", "staff", "system", "action", "stype", "subj", "qidx"))
    n = b["ts"].size
    system = b["system"]
    seq = np.empty(n, dtype=np.int64)
    for s in range(len(SYSTEMS)):
        m = system == s
        k = int(m.sum())
        seq[m] = counters[s] + 1 + np.arange(k)
        counters[s] += k
    event_id = pc.binary_join_element_wise(
        take(d.system_prefix, system), pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 9, "0"), ""
    )
    stype = b["stype"]
    free = stype == 4
    subj = np.where(free, 0, b["subj"] + d.subject_offset[stype])
    rkind = b["rkind"]
    ridx = np.where(rkind == 2, b["ridx"] + d.reason_offset, b["ridx"])
    # Terminal: hand-held off duty, else desk, control-room position, or patrol MDT.
    f = w.force
    staff = b["staff"]
    on = w.duty.on_duty(staff, b["ts"])
    g = f.group[staff]
    rng = np.random.default_rng(
        np.random.SeedSequence(w.cfg.seed, spawn_key=(77, int(b["ts"][0]) if n else 0))
    )
    u = rng.random(n)
    term = d.t_ws + f.station[staff].astype(np.int64) * 30 + rng.integers(0, 30, n)
    patrol = np.isin(g, [G["RESPONSE"], G["ROADS"], G["NEIGHBOURHOOD"]]) & (u < 0.5)
    term = np.where(patrol, d.t_mdt + (f.team_idx[staff] * 7 + rng.integers(0, 6, n)) % 150, term)
    term = np.where(g == G["CONTROL"], d.t_cr + rng.integers(0, 40, n), term)
    term = np.where(~on | ((u > 0.93) & (g != G["CONTROL"])), d.t_hh + staff, term)
    t = pa.table(
        {
            "event_id": event_id,
            "ts": ts_array(b["ts"]),
            "staff_id": take(d.staff_id, staff),
            "system": take(d.systems, system),
            "action": take(d.actions, b["action"]),
            "subject_type": take(d.stypes, stype),
            "subject_id": take(d.subject, subj, free),
            "query": take(d.query, np.maximum(b["qidx"], 0), b["qidx"] < 0),
            "reason": take(d.reason, ridx, rkind == 0),
            "terminal": take(d.terminal, term),
        }
    )
    return contract.conform("access_events", t)


def contact_table(w: World, d: Dictionaries, b: Batch, counter: np.ndarray) -> pa.Table:
    b = _sort(b, ("ts", "staff", "channel", "direction", "cp", "duration"))
    n = b["ts"].size
    seq = counter[0] + 1 + np.arange(n)
    counter[0] += n
    event_id = pc.binary_join_element_wise(
        "CE-", pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 10, "0"), ""
    )
    dur = b["duration"]
    t = pa.table(
        {
            "event_id": event_id,
            "ts": ts_array(b["ts"]),
            "staff_id": take(d.staff_id, b["staff"]),
            "channel": take(d.channels, b["channel"]),
            "direction": take(d.directions, b["direction"]),
            "counterpart": take(d.counterpart, b["cp"]),
            "duration_s": pa.array(np.maximum(dur, 0), type=pa.int64(), mask=dur < 0),
        }
    )
    return contract.conform("contact_events", t)


__all__ = ["GROUPS", "Dictionaries", "access_table", "contact_table", "reference_tables"]
