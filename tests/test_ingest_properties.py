"""Property tests of the parsers ingest relies on: timestamps, contact points, CSV lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vigil.ingest.csvlines import index_records
from vigil.ingest.normalise import normalise_contact_point, normalise_phone, parse_timestamps

instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))


def iso(instant: datetime, offset: timedelta, style: int) -> str:
    local = instant.astimezone(timezone(offset))
    text = local.replace(tzinfo=None).isoformat(sep="T" if style % 2 else " ")
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    hh, mm = divmod(minutes, 60)
    if style == 0 and offset == timedelta(0):
        return text + "Z"
    if style in (0, 1):
        return f"{text}{sign}{hh:02d}:{mm:02d}"
    return f"{text}{sign}{hh:02d}{mm:02d}"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(instants, offsets, st.integers(0, 3)), min_size=1, max_size=30))
def test_any_offset_parses_back_to_the_same_instant(
    cases: list[tuple[datetime, timedelta, int]],
) -> None:
    texts = [iso(instant, offset, style) for instant, offset, style in cases]
    assert parse_timestamps(texts) == [instant for instant, _, _ in cases]


@settings(max_examples=30, deadline=None)
@given(st.lists(instants, min_size=1, max_size=30))
def test_no_offset_means_utc(cases: list[datetime]) -> None:
    texts = [c.replace(tzinfo=None).isoformat() for c in cases]
    assert parse_timestamps(texts) == cases


def test_timestamp_refusals() -> None:
    bad = [
        "2026-01-01",
        "yesterday",
        "2026-01-01T25:00:00",
        "01/02/2026 10:00",
        "",
        None,
        "2026-01-01T10:00:00 Europe/London",
        "2026-02-30T10:00:00",
    ]
    assert parse_timestamps(bad) == [None] * len(bad)


uk_mobiles = st.integers(min_value=0, max_value=999_999).map(lambda n: f"7700{n:06d}")


@given(
    uk_mobiles,
    st.sampled_from(
        [
            "0{a} {b}",
            "+44 {a} {b}",
            "0044 {a} {b}",
            "+44 (0){a} {b}",
            "0{a}{b}",
            "(0{a}) {b}",
            "+44-{a}-{b}",
        ]
    ),
)
def test_uk_phone_formats_normalise_to_e164(number: str, template: str) -> None:
    text = template.format(a=number[:4], b=number[4:])
    assert normalise_phone(text) == "+44" + number


contact_values = st.one_of(
    st.text(max_size=30),
    uk_mobiles.map(lambda n: "0" + n),
    st.emails(),
    st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)


@given(contact_values, st.sampled_from([None, "PHONE", "EMAIL", "SOCIAL"]))
def test_contact_point_normalisation_is_idempotent(value: str, kind: str | None) -> None:
    once, reason = normalise_contact_point(value, kind)
    if once is None:
        assert reason
        return
    assert normalise_contact_point(once, kind) == (once, None)


# Lone "\r" is left out: ingest counts lines by "\n" (as DuckDB does), Python csv by either.
fields = st.lists(st.sampled_from(["a", "b", ",", '"', "\n", "\r\n", " ", "é"]), max_size=6).map(
    "".join
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(fields, min_size=1, max_size=3), min_size=1, max_size=12),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_csv_record_index_agrees_with_python_csv(
    rows: list[list[str]], newline: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(buf.getvalue().encode())
    reader = csv.reader(io.StringIO(buf.getvalue(), newline=""))
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    index = index_records(path)
    assert list(index.first_line) == starts
