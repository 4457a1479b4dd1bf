"""Column-wise validation of one source file, as DuckDB SQL generated from the contract.

`check_query` turns a source relation (one row per input row, a `__row` ordinal, the
file's columns as CSV text or typed Parquet) into one row per input row with every
contract column converted to its contract type (NULL where invalid) and, beside each,
a `<column>__err` column holding the reason the value is refused (NULL when fine).
Nothing here loops over rows in Python.

Rules (all derived from `vigil.contract`):

- values are trimmed; an empty value is missing; a missing value of a required column is
  refused (`required value missing`) unless the column `may_be_empty` (then it loads as
  ``''``); a missing optional value loads as NULL;
- dates must be `YYYY-MM-DD`; timestamps ISO 8601 (see `normalise.TIMESTAMP_PATTERN`),
  converted to UTC, a value without an offset being UTC; integers are decimal digits;
- coded columns are upper-cased and must be one of the column's `codes`; a `multi`
  column is a `;`-separated list of codes (empty items dropped), each of which must be
  known;
- `normalise="contact_point"` columns are normalised through a map of distinct values
  (see `normalise.normalise_contact_point`), joined back.

Typed Parquet columns are taken as they are when their type fits (a naive timestamp is
UTC; a float integer column, as pandas writes integers with nulls, must hold whole
numbers); other types are read as text and checked like CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa

from vigil import contract
from vigil.ingest.normalise import sql_date, sql_ident, sql_int, sql_string, sql_timestamp

REQUIRED = "required value missing"
EXPECTED = {
    contract.DATE: "expected date YYYY-MM-DD",
    contract.TIMESTAMP: "expected ISO 8601 timestamp",
    contract.INT: "expected integer",
    contract.FLOAT: "expected number",
    contract.BOOL: "expected true or false",
}
DUCKDB_TYPES = {
    contract.STRING: "VARCHAR",
    contract.DATE: "DATE",
    contract.TIMESTAMP: "TIMESTAMPTZ",
    contract.INT: "BIGINT",
    contract.FLOAT: "DOUBLE",
    contract.BOOL: "BOOLEAN",
}


def duckdb_type(t: pa.DataType) -> str:
    """The DuckDB type ingest stores a contract Arrow type as."""
    return DUCKDB_TYPES[t]


def error_column(name: str) -> str:
    return f"{name}__err"


def contact_kind_column(spec: contract.Table) -> str | None:
    """The column that says what kind of contact point a row holds (`person_contacts.kind`)."""
    for col in spec:
        if col.codes is not None and col.codes == contract.CONTACT_KINDS:
            return col.name
    return None


@dataclass(frozen=True)
class ContactMap:
    """A relation `(k, v, norm, err)`: normalised value or reason per distinct (kind, value)."""

    relation: str
    #: SQL (over the source relation `src`) of the kind this row's value is, '' to infer.
    kind_sql: str


def kind_sql(spec: contract.Table, source_columns: Mapping[str, str]) -> str:
    """SQL of a row's contact kind for the contact-point map ('' means infer)."""
    kind = contact_kind_column(spec)
    if kind is None or kind not in source_columns:
        return "''"
    return f"coalesce(upper(trim(CAST(src.{sql_ident(kind)} AS VARCHAR))), '')"


def text_sql(name: str, source_columns: Mapping[str, str]) -> str:
    """SQL of a column's value as trimmed text, NULL when absent or empty."""
    if name not in source_columns:
        return "CAST(NULL AS VARCHAR)"
    return f"nullif(trim(CAST(src.{sql_ident(name)} AS VARCHAR)), '')"


def check_query(
    spec: contract.Table,
    source: str,
    source_columns: Mapping[str, str],
    contact_maps: Mapping[str, ContactMap],
) -> str:
    """SQL returning `__row`, every contract column (typed) and its `__err` column.

    `source` is a relation with `__row` and the file's columns; `source_columns` maps the
    file's column names to their DuckDB types; `contact_maps` gives, per normalised column,
    the relation of its distinct values' normalisations.
    """
    stage1 = ["src.__row AS __row"]
    joins = []
    for col in spec:
        alias = sql_ident(col.name + "__in")
        stage1.append(f"{_input_sql(col, source_columns)} AS {alias}")
        if col.name in contact_maps:
            cmap = contact_maps[col.name]
            m = sql_ident("m_" + col.name)
            joins.append(
                f"LEFT JOIN {cmap.relation} AS {m} ON {m}.k = {cmap.kind_sql} "
                f"AND {m}.v = {text_sql(col.name, source_columns)}"
            )
            stage1.append(f"{m}.norm AS {sql_ident(col.name + '__cpn')}")
            stage1.append(f"{m}.err AS {sql_ident(col.name + '__cpe')}")
    stage2 = ["__row"]
    stage3 = ["__row"]
    for col in spec:
        typed = _typed(col, source_columns)
        value, error = _value_and_error(col, typed, col.name in contact_maps)
        stage2.append(f"{value} AS {sql_ident(col.name)}")
        stage2.append(f"{sql_ident(col.name + '__in')}")
        if col.name in contact_maps:
            stage2.append(sql_ident(col.name + "__cpe"))
        final = sql_ident(col.name)
        if col.required and col.may_be_empty:
            final = f"coalesce({final}, '')"
        stage3.append(f"{final} AS {sql_ident(col.name)}")
        stage3.append(f"{error} AS {sql_ident(error_column(col.name))}")
    return (
        f"SELECT {', '.join(stage3)} FROM ("
        f"SELECT {', '.join(stage2)} FROM ("
        f"SELECT {', '.join(stage1)} FROM {source} AS src {' '.join(joins)}"
        f") AS s1) AS s2"
    )


def _typed(col: contract.Column, source_columns: Mapping[str, str]) -> bool:
    """Whether the column's source type is taken as it is (typed Parquet) rather than parsed."""
    source_type = source_columns.get(col.name)
    if source_type is None or source_type == "VARCHAR":
        return False
    if col.type == contract.TIMESTAMP:
        return source_type.startswith("TIMESTAMP")
    if col.type == contract.DATE:
        return source_type == "DATE"
    if col.type == contract.INT:
        return source_type in _INTEGER_TYPES or source_type in ("FLOAT", "DOUBLE")
    return False


_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "HUGEINT",
}


def _input_sql(col: contract.Column, source_columns: Mapping[str, str]) -> str:
    """Stage 1: the value as it comes in: typed when the source type fits, else trimmed text."""
    if _typed(col, source_columns):
        return f"src.{sql_ident(col.name)}"
    return text_sql(col.name, source_columns)


def _value_and_error(col: contract.Column, typed: bool, contact: bool) -> tuple[str, str]:
    """Stage 2 value SQL (over `<col>__in`) and stage 3 error SQL (over value and input)."""
    raw = sql_ident(col.name + "__in")
    value = sql_ident(col.name)
    missing = REQUIRED if col.required and not col.may_be_empty else None
    missing_sql = sql_string(missing) if missing else "NULL"
    if typed:
        if col.type == contract.INT:
            conv = f"CASE WHEN {raw} = trunc({raw}) THEN try_cast({raw} AS BIGINT) END"
        else:
            conv = f"try_cast({raw} AS {duckdb_type(col.type)})"
        return conv, _error(raw, value, missing_sql, sql_string(EXPECTED[col.type]))
    if contact:
        conv = sql_ident(col.name + "__cpn")
        cp_err = sql_ident(col.name + "__cpe")
        return conv, f"CASE WHEN {raw} IS NULL THEN {missing_sql} ELSE {cp_err} END"
    if col.type == contract.STRING and col.codes is not None:
        return _codes(col, raw, value, missing_sql)
    if col.type == contract.STRING:
        return raw, f"CASE WHEN {raw} IS NULL THEN {missing_sql} END"
    if col.type == contract.TIMESTAMP:
        conv = sql_timestamp(raw)
    elif col.type == contract.DATE:
        conv = sql_date(raw)
    elif col.type == contract.INT:
        conv = sql_int(raw)
    else:
        conv = f"try_cast({raw} AS {duckdb_type(col.type)})"
    return conv, _error(raw, value, missing_sql, sql_string(EXPECTED[col.type]))


def _error(raw: str, value: str, missing_sql: str, expected_sql: str) -> str:
    return (
        f"CASE WHEN {raw} IS NULL THEN {missing_sql} WHEN {value} IS NULL THEN {expected_sql} END"
    )


def _codes(col: contract.Column, raw: str, value: str, missing_sql: str) -> tuple[str, str]:
    assert col.codes is not None
    codes = sorted(col.codes)
    code_list = "[" + ", ".join(sql_string(c) for c in codes) + "]"
    expected = sql_string(f"' (expected one of {', '.join(codes)})")
    if not col.multi:
        conv = f"CASE WHEN list_contains({code_list}, upper({raw})) THEN upper({raw}) END"
        error = (
            f"CASE WHEN {raw} IS NULL THEN {missing_sql} "
            f"WHEN {value} IS NULL THEN 'unknown code ''' || {raw} || {expected} END"
        )
        return conv, error
    items = (
        f"list_filter(list_transform(string_split({raw}, ';'), x -> upper(trim(x))), x -> x <> '')"
    )
    unknown = f"list_filter({items}, x -> NOT list_contains({code_list}, x))"
    conv = f"CASE WHEN len({unknown}) = 0 THEN nullif(array_to_string({items}, ';'), '') END"
    error = (
        f"CASE WHEN {raw} IS NULL THEN {missing_sql} "
        f"WHEN len({unknown}) > 0 THEN 'unknown code ''' || {unknown}[1] || {expected} "
        f"WHEN {value} IS NULL THEN {missing_sql} END"
    )
    return conv, error
