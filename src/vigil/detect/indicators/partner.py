"""PARTNER_CONCERN: a concern from a partner organisation linked to a member of staff.

A refuge worker or an IDVA seldom knows an officer's name: she passes on what the woman
said — "Dan, from Northtown, number had 23 in it". Each report is matched against every
member of staff on name fragments (fuzzy, for misspellings), collar-number fragments and
station, and on whether the staff member has contacted the person at risk, or looked at
her record as few colleagues did, untasked (when the partner could share who she is).
Reports are few and staff thousands, so the matching runs in memory with rapidfuzz's
vectorised scorers; the access and contact evidence comes from the lake through Ibis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from pydantic import Field
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from vigil.detect.context import Sources, crowd_as_persistent
from vigil.detect.indicators.base import Indicator
from vigil.detect.settings import Strict


class PartnerParams(Strict):
    name_similarity: float = Field(
        default=85, ge=50, le=100, description="Similarity (0-100) at which a word matches a name."
    )
    max_name_edits: int = Field(
        default=1,
        ge=0,
        description="A word of four letters or more this many edits from a name (a letter "
        "wrong, missing, extra, or two swapped: Wrad, Masen) also matches it.",
    )
    given_name_points: float = Field(default=1.0, ge=0, description="Points for a first name.")
    surname_points: float = Field(default=1.5, ge=0, description="Points for a surname.")
    collar_points: float = Field(
        default=2.0, ge=0, description="Points for a whole collar number, pro rata for a fragment."
    )
    min_collar_digits: int = Field(
        default=2, ge=1, description="Shortest digit fragment compared with collar numbers."
    )
    role_points: float = Field(
        default=0.5, ge=0, description="Points when the description names the staff's rank."
    )
    role_titles: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Words in a description that name each role (PS: Sergeant, Sgt).",
    )
    station_points: float = Field(default=0.75, ge=0, description="Points for the station.")
    person_link_points: float = Field(
        default=2.0,
        ge=0,
        description="Points when the member of staff contacted the person at risk without "
        "being tasked to her (her case officers did so legitimately), or was the only one to "
        "look at her record untasked as often; shared by those who looked as often (a woman "
        "in the news is looked up by hundreds).",
    )
    min_match: float = Field(
        default=1.5, gt=0, description="Fewest points to link a report to a member of staff."
    )
    ambiguity_margin: float = Field(
        default=0.5,
        ge=0,
        description="Staff less than this many points short of the best match share the "
        "link (its strength is divided among them); one a whole margin short, such as a DC "
        "when the description names a PC, does not.",
    )
    max_candidates: int = Field(
        default=3,
        ge=1,
        description="A description that fits more staff than this links to no one.",
    )
    apsp_themes: list[str] = Field(
        default_factory=list,
        description="Words and phrases (lower case; a word matches its longer forms) that "
        "make a concern describe abuse of position for a sexual purpose: contact, a "
        "relationship, attention to her outside the job.",
    )
    other_concern_factor: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="How much a concern with none of the themes counts (a complaint about "
        "service or attitude is still intelligence, but not of APSP).",
    )


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_DIGITS = re.compile(r"\d+")
# "number on his shoulder started NH77", "collar number ending 87": where the digits sit.
_STARTS = re.compile(r"\b(?:start|begin|began|begun)\w*(?:\s+with)?\s+[a-z]{0,3}$")
_ENDS = re.compile(r"\bend\w*(?:\s+(?:in|with))?\s+[a-z]{0,3}$")
_OPENER = re.compile(r"(?:^|[.;:!?]\s*)([A-Za-z][A-Za-z'\-]+)")


@dataclass
class _Match:
    score: float
    reasons: list[str]


def partner_concern(src: Sources, params: PartnerParams) -> ir.Table:
    reports = src["partner_reports"].to_pyarrow().to_pylist()
    empty = _empty_findings()
    if not reports:
        return empty
    staff = src["staff"].select("staff_id", "name", "collar_number", "station", "role")
    staff = staff.to_pyarrow()
    staff_ids = staff["staff_id"].to_pylist()
    names = [(n or "").split() for n in staff["name"].to_pylist()]
    given = [parts[0].lower() if parts else "" for parts in names]
    surname = [parts[-1].lower() if len(parts) > 1 else "" for parts in names]
    collars = [_digits_of(c) for c in staff["collar_number"].to_pylist()]
    stations = [(s or "").lower() for s in staff["station"].to_pylist()]
    roles = staff["role"].to_pylist()
    linked = _staff_linked_to_people(src, [r["person_id"] for r in reports if r["person_id"]])

    themes = _theme_pattern(params.apsp_themes)
    rows = []
    for report in reports:
        about_apsp = themes is None or bool(themes.search(report["concern"] or ""))
        weight = 1.0 if about_apsp else params.other_concern_factor
        matches = _score_report(
            report, staff_ids, given, surname, collars, stations, roles, linked, params
        )
        best = max((m.score for m in matches.values()), default=0.0)
        candidates = {
            s: m
            for s, m in matches.items()
            if m.score >= params.min_match and _shares(best - m.score, params.ambiguity_margin)
        }
        if len(candidates) > params.max_candidates:
            continue
        for staff_id, match in candidates.items():
            share = 1.0 / len(candidates)
            rows.append(
                {
                    "staff_id": staff_id,
                    "person_id": report["person_id"],
                    "first_ts": report["received_at"],
                    "last_ts": report["received_at"],
                    "event_ids": [report["report_id"]],
                    "n_events": 1,
                    "strength": match.score * share * weight,
                    "explanation": (
                        f"partner report {report['report_id']} from {report['organisation']} "
                        f"({'describes' if about_apsp else 'does not describe'} contact or "
                        f"attention of a sexual or personal kind) matches: "
                        f"{', '.join(match.reasons)}"
                        + (f" (one of {len(candidates)} staff who match)" if share < 1 else "")
                    ),
                }
            )
    if not rows:
        return empty
    return ibis.memtable(pa.Table.from_pylist(rows, schema=_SCHEMA))


def _shares(short_of_best: float, margin: float) -> bool:
    """Whether a match this many points short of the best shares the link: the best
    match does, and so does one less than a whole margin short (points are sums of
    fractions, so "exactly a margin short" must not depend on rounding)."""
    eps = 1e-9
    return short_of_best <= eps or short_of_best < margin - eps


def _score_report(
    report: dict,
    staff_ids: list[str],
    given: list[str],
    surname: list[str],
    collars: list[str],
    stations: list[str],
    roles: list[str],
    linked: dict[str, dict[str, _Link]],
    params: PartnerParams,
) -> dict[str, _Match]:
    text = report["officer_description"] or ""
    # Names are written with a capital; "drives a green car" is not PC Green.
    words = [w.lower() for w in _WORD.findall(text) if w[0].isupper()]
    fragments = _collar_fragments(text, params.min_collar_digits)
    n = len(staff_ids)
    score = np.zeros(n)
    reasons: list[list[str]] = [[] for _ in range(n)]

    if words:
        openers = {w.lower() for w in _OPENER.findall(text)}
        first = _word_similarity(words, openers, given, params, shortened_forms=True)
        last = _word_similarity(words, openers, surname, params, shortened_forms=False)
        points = (params.given_name_points, params.surname_points)
        for similarity, weight, label in zip(
            _distinct_words(first, last, *points), points, ("first name", "surname"), strict=True
        ):
            score += weight * similarity
            for j in np.flatnonzero(similarity > 0).tolist():
                # The matched name itself stays out: explanations are read under pseudonyms.
                reasons[j].append(f"{label} ({round(similarity[j] * 100)}% similar)")

    for i, collar in enumerate(collars):
        if not collar:
            continue
        placed = [(len(f), at) for f, at in fragments if _placed(f, at, collar)]
        covered, at = max(placed, key=lambda p: p[0], default=(0, None))
        # "Something like 9276" for 2976: a digit wrong or two swapped still narrows it.
        near = max((len(f) - 1 for f, _ in fragments if _near(f, collar)), default=0)
        if covered or near:
            score[i] += params.collar_points * max(covered, near) / len(collar)
            where = {"start": "first ", "end": "last ", None: ""}[at]
            reasons[i].append(
                f"collar number fragment ({where}{covered} of {len(collar)} digits)"
                if covered >= near
                else f"collar number fragment ({near} of {len(collar)} digits, one slip)"
            )

    titled = _titled_roles(text, params.role_titles)
    for i, role in enumerate(roles):
        if role in titled:
            score[i] += params.role_points
            reasons[i].append("rank")

    lowered = text.lower()
    for station in set(stations):
        if station and fuzz.partial_ratio(station, lowered) >= params.name_similarity:
            for j in np.flatnonzero(np.array(stations) == station).tolist():
                score[j] += params.station_points
                reasons[j].append("station")

    person = report["person_id"]
    if person:
        for i, staff_id in enumerate(staff_ids):
            link = linked.get(person, {}).get(staff_id)
            if link is not None:
                score[i] += params.person_link_points * link.strength
                reasons[i].append(link.reason)

    return {
        staff_ids[j]: _Match(float(score[j]), reasons[j])
        for j in np.flatnonzero(score > 0).tolist()
    }


def _word_similarity(
    words: list[str],
    openers: set[str],
    names: list[str],
    params: PartnerParams,
    *,
    shortened_forms: bool,
) -> np.ndarray:
    """(word × name) similarity, 0-1, of each word of a description to each name; 0 below
    `name_similarity`. With `shortened_forms` (given names), a shortened name ("Dan" for
    Daniel, "Chris" for Christopher) counts as a match: people shorten first names, not
    surnames, so "PC Rob" is Robert, not Roberts or Robinson. A longer word with a slip or
    two ("Wrad" for Ward) counts too, except a capitalised word opening a clause ("Tall
    officer..."), which is grammar, not a name: it may match a name exactly, but not with
    a slip."""
    sim = process.cdist(words, names, scorer=fuzz.ratio, dtype=np.uint8).astype(float)
    named = np.array(names, dtype=str)
    shortened = np.array(
        [
            np.char.startswith(named, w)
            if shortened_forms and len(w) >= 3
            else np.zeros(len(names), bool)
            for w in words
        ]
    )
    slipped = np.zeros_like(shortened)
    if params.max_name_edits:
        edits = process.cdist(words, names, scorer=OSA.distance, dtype=np.int32)
        long_word = np.array([len(w) >= 4 and w not in openers for w in words])
        long_name = np.char.str_len(named) >= 4
        slipped = (edits <= params.max_name_edits) & long_word[:, None] & long_name[None, :]
    best = np.where(shortened | slipped, np.maximum(sim, params.name_similarity), sim)
    return np.where(best >= params.name_similarity, best / 100.0, 0.0)


def _distinct_words(
    first: np.ndarray, last: np.ndarray, first_points: float, last_points: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per name (column), the similarity of its first name and of its surname when each is
    matched by a different word of the description (rows), the split worth the most
    points: "She knows him as Ali" names a first name or a surname, not both, so PC Ali
    Ali is not twice as likely as PC Ali White."""
    cols = np.arange(first.shape[1])
    f_top, l_top = first.argmax(axis=0), last.argmax(axis=0)
    f_best, l_best = first[f_top, cols], last[l_top, cols]
    clash = (f_top == l_top) & (f_best > 0) & (l_best > 0)
    if not clash.any():
        return f_best, l_best
    f_second = _second_best(first, f_top)
    l_second = _second_best(last, l_top)
    keep_first = (
        f_best * first_points + l_second * last_points
        >= l_best * last_points + f_second * first_points
    )
    f_out = np.where(clash & ~keep_first, f_second, f_best)
    l_out = np.where(clash & keep_first, l_second, l_best)
    return f_out, l_out


def _second_best(values: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Per column, the largest value (at least 0) in a row other than `top`."""
    masked = values.copy()
    masked[top, np.arange(values.shape[1])] = -1.0
    return np.maximum(masked.max(axis=0), 0.0)


def _collar_fragments(text: str, min_digits: int) -> list[tuple[str, str | None]]:
    """Digit runs in a description, each with where the witness placed it in the collar
    number: "start" ("started NH77"), "end" ("ending 87") or None (anywhere)."""
    fragments: list[tuple[str, str | None]] = []
    for m in _DIGITS.finditer(text):
        if len(m.group()) < min_digits:
            continue
        before = text[max(0, m.start() - 40) : m.start()].lower()
        at = "start" if _STARTS.search(before) else "end" if _ENDS.search(before) else None
        fragments.append((m.group(), at))
    return fragments


def _placed(fragment: str, at: str | None, collar: str) -> bool:
    if at == "start":
        return collar.startswith(fragment)
    if at == "end":
        return collar.endswith(fragment)
    return fragment in collar


def _near(fragment: str, collar: str) -> bool:
    """Whether a fragment of three digits or more is one slip (a digit wrong, or two
    swapped) from a run of the collar's digits of the same length."""
    n = len(fragment)
    if n < 3 or n > len(collar):
        return False
    return any(OSA.distance(fragment, collar[j : j + n]) <= 1 for j in range(len(collar) - n + 1))


def _titled_roles(text: str, titles: dict[str, list[str]]) -> set[str]:
    """The roles whose titles appear as whole words in `text` ("PC" not inside "PCSO")."""
    return {
        role
        for role, words in titles.items()
        if any(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in words)
    }


def _theme_pattern(themes: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for the themes, each from a word boundary ("text"
    finds "texting" and "texts", not "context"); None when no themes are configured."""
    if not themes:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in themes) + ")", re.IGNORECASE)


@dataclass
class _Link:
    """How a member of staff is linked to a person at risk, untasked."""

    contacted: bool
    crowd: int  # staff who looked at her untasked on at least as many days (self included)

    @property
    def strength(self) -> float:
        return 1.0 if self.contacted else 1.0 / self.crowd

    @property
    def reason(self) -> str:
        if self.contacted:
            return "had contacted the person at risk untasked"
        if self.crowd == 1:
            return "had looked at the person at risk untasked, as no one else did as often"
        return (
            "had looked at the person at risk untasked, as "
            f"{self.crowd - 1} other staff did as often"
        )


def _staff_linked_to_people(src: Sources, people: list[str]) -> dict[str, dict[str, _Link]]:
    """For each person named in a report: staff who contacted one of her contact points,
    or accessed her record, while not tasked to her (at any time the run can see).
    Her case officers' work is no link: in a large force dozens of them have it."""
    if not people:
        return {}
    wanted = sorted(set(people))
    access = src.person_access
    accessed = access.filter(access.person_id.isin(wanted)).select("person_id", "staff_id", "ts")
    pc = src["person_contacts"].filter(src["person_contacts"].person_id.isin(wanted))
    c = src["contact_events"]
    contacted = c.join(pc, c.counterpart == pc.value).select(pc.person_id, c.staff_id, c.ts)
    keys = ["staff_id", "person_id"]
    looks = crowd_as_persistent(src.without_purpose(accessed), keys, "crowd")
    contacts = src.without_purpose(contacted).select(*keys).distinct().mutate(contacted=True)
    links = looks.outer_join(contacts, keys).select(
        staff_id=ibis.coalesce(looks.staff_id, contacts.staff_id),
        person_id=ibis.coalesce(looks.person_id, contacts.person_id),
        contacted=contacts.contacted.fill_null(False),
        crowd=looks.crowd.fill_null(1),
    )
    linked: dict[str, dict[str, _Link]] = {}
    for row in links.to_pyarrow().to_pylist():
        link = _Link(row["contacted"], int(row["crowd"]))
        linked.setdefault(row["person_id"], {})[row["staff_id"]] = link
    return linked


def _digits_of(collar: str | None) -> str:
    return "".join(ch for ch in (collar or "") if ch.isdigit())


_SCHEMA = pa.schema(
    [
        ("staff_id", pa.string()),
        ("person_id", pa.string()),
        ("first_ts", pa.timestamp("us", tz="UTC")),
        ("last_ts", pa.timestamp("us", tz="UTC")),
        ("event_ids", pa.list_(pa.string())),
        ("n_events", pa.int64()),
        ("strength", pa.float64()),
        ("explanation", pa.string()),
    ]
)


def _empty_findings() -> ir.Table:
    return ibis.memtable(_SCHEMA.empty_table())


PARTNER_CONCERN = Indicator("PARTNER_CONCERN", PartnerParams, partner_concern)
