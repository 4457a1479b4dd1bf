"""Value parsing and normalisation shared by ingest: timestamps, dates, integers, contact points.

Timestamps, dates and integers are checked in SQL (DuckDB) so that tens of millions of
rows never pass through a Python loop; this module holds the SQL expressions, and
small helpers that run them on a list of values (for tests and for one-off use).

Contact points (phone numbers, e-mail addresses) are normalised in Python with
`phonenumbers`, but only on *distinct* values: a force has few distinct numbers and
millions of contact events, so ingest normalises the distinct values and joins back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

import duckdb
import phonenumbers

#: ISO 8601 timestamp as ingest accepts it: a date, `T` or a space, hours and minutes,
#: optional seconds and fraction, optional offset (`Z`, `+01:00`, `+0100`, `+01`).
#: Without an offset the value is UTC. A date alone is *not* a timestamp (it is refused,
#: because a lost time of day usually means a broken export).
TIMESTAMP_PATTERN = (
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?"
)
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"
INT_PATTERN = r"[+-]?\d+"
#: A keyed hash (HMAC-SHA-256 hex) of a contact point: passes unchanged.
HASH_PATTERN = r"[0-9A-Fa-f]{64}"

_HASH_RE = re.compile(HASH_PATTERN)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+")
#: Characters a written phone number is made of (digits, separators, `+`, brackets).
_PHONE_CHARS_RE = re.compile(r"[0-9+()\-.\s/]+")

# -- SQL expressions (DuckDB; the session time zone must be UTC) ---------------------------


def sql_string(value: str) -> str:
    """`value` as a SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """`name` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def sql_timestamp(text: str) -> str:
    """SQL for the TIMESTAMPTZ (UTC) that the VARCHAR expression `text` holds, else NULL."""
    return (
        f"CASE WHEN regexp_full_match({text}, {sql_string(TIMESTAMP_PATTERN)}) "
        f"THEN try_cast(upper({text}) AS TIMESTAMPTZ) END"
    )


def sql_date(text: str) -> str:
    """SQL for the DATE (`YYYY-MM-DD`) that the VARCHAR expression `text` holds, else NULL."""
    return (
        f"CASE WHEN regexp_full_match({text}, {sql_string(DATE_PATTERN)}) "
        f"THEN try_cast({text} AS DATE) END"
    )


def sql_int(text: str) -> str:
    """SQL for the BIGINT that the VARCHAR expression `text` holds, else NULL."""
    return (
        f"CASE WHEN regexp_full_match({text}, {sql_string(INT_PATTERN)}) "
        f"THEN try_cast({text} AS BIGINT) END"
    )


def parse_timestamps(values: Sequence[str | None]) -> list[datetime | None]:
    """Run the ingest timestamp parser on `values`: UTC datetimes, None where refused.

    The same SQL as ingest uses, so tests of this function test ingest.
    """
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rows = con.execute(
            "SELECT i, epoch_us(" + sql_timestamp("v") + ") FROM "
            "(SELECT unnest(?) AS v, generate_subscripts(?, 1) AS i) ORDER BY i",
            [list(values), list(values)],
        ).fetchall()
    finally:
        con.close()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [None if us is None else epoch + timedelta(microseconds=us) for _, us in rows]


# -- contact points ---------------------------------------------------------------------------

#: `kind` values of `person_contacts` and how each is normalised. `None`: infer from the
#: value (`contact_events.counterpart`).
PHONE, EMAIL, SOCIAL = "PHONE", "EMAIL", "SOCIAL"


def normalise_contact_point(
    value: str, kind: str | None = None, region: str = "GB"
) -> tuple[str | None, str | None]:
    """Normalise one contact point: `(normalised, None)` or `(None, reason)`.

    - a 64-hex keyed hash passes unchanged (both sides of a link hash the same way);
    - `EMAIL`: trimmed and lower-cased; must look like `local@domain`;
    - `PHONE`: E.164 via `phonenumbers`, national numbers read in `region`
      (`07700 900123` -> `+447700900123`); must be a possible number;
    - `SOCIAL`: trimmed and lower-cased (handles are case-insensitive);
    - `kind=None` (a counterpart of a contact event) infers: a value with `@` is an
      e-mail address or handle (lower-cased); one made of digits and phone separators
      is a phone number (refused if impossible); anything else is a handle or other
      identifier, kept trimmed and lower-cased so it can match a `SOCIAL` contact.

    Idempotent: normalising a normalised value returns it unchanged.
    """
    v = value.strip()
    if not v:
        return None, "required value missing"
    if _HASH_RE.fullmatch(v):
        return v, None
    kind = kind.strip().upper() if kind else None
    if kind == EMAIL:
        v = v.lower()
        return (v, None) if _EMAIL_RE.fullmatch(v) else (None, "expected e-mail address")
    if kind == SOCIAL:
        return v.lower(), None
    if kind == PHONE:
        phone = normalise_phone(v, region)
        if phone is None:
            return None, f"expected phone number (E.164 or {region} national format)"
        return phone, None
    # Inferred (counterpart) or an unknown kind (that row is refused for its kind anyway).
    if "@" in v:
        return v.lower(), None
    if _PHONE_CHARS_RE.fullmatch(v):
        phone = normalise_phone(v, region)
        if phone is None:
            return None, f"expected phone number (E.164 or {region} national format)"
        return phone, None
    return v.lower(), None


def normalise_phone(value: str, region: str = "GB") -> str | None:
    """`value` as an E.164 phone number, or None if it cannot be one.

    Accepts numbers that are valid, or possible for their length (drama and newly
    allocated ranges are not "valid" in the metadata but are real to a force).
    """
    if not _PHONE_CHARS_RE.fullmatch(value):
        return None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(number) or (
        phonenumbers.is_possible_number_with_reason(number)
        == phonenumbers.ValidationResult.IS_POSSIBLE
        and not number.italian_leading_zero
    )
    if not ok:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_contact_points(
    pairs: Iterable[tuple[str | None, str]], region: str = "GB"
) -> tuple[list[str | None], list[str | None]]:
    """Normalise distinct `(kind, value)` pairs: parallel lists of normalised values and reasons."""
    normalised: list[str | None] = []
    reasons: list[str | None] = []
    for kind, value in pairs:
        norm, reason = normalise_contact_point(value, kind or None, region)
        normalised.append(norm)
        reasons.append(reason)
    return normalised, reasons
