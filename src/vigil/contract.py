"""The data contract (DATA_CONTRACT.md, v1) in code: the one definition of every table.

Ingest validates against it, the simulator writes it, detection reads it and the tests
check it. Nothing else in Vigil restates a column list: ask this module.

A table's columns carry their Arrow type, whether they are required, and, where the
contract fixes the vocabulary, the set of allowed codes. Open vocabularies (staff roles,
team ids, incident types, source systems) are given as examples only and not enforced.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

CONTRACT_VERSION = "1"

STRING = pa.string()
DATE = pa.date32()
#: Every timestamp in Vigil is UTC with microsecond precision; values without an offset are UTC.
TIMESTAMP = pa.timestamp("us", tz="UTC")
INT = pa.int64()
FLOAT = pa.float64()
BOOL = pa.bool_()


class Kind(StrEnum):
    """How a table is used."""

    REFERENCE = "reference"
    EVENT = "event"  # large; partitioned by day in the lake
    PARTNER = "partner"
    TRUTH = "truth"  # benchmarks only; detection must never read it
    OUTPUT = "output"


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    required: bool = True
    #: Closed vocabulary: any other value is a bad row.
    codes: frozenset[str] | None = None
    #: Values are `;`-separated lists of codes (e.g. `people.vulnerability`).
    multi: bool = False
    #: Normalisation applied on ingest: "contact_point" (E.164 phone / lower-case e-mail).
    normalise: str | None = None
    #: The column may be present but empty (only meaningful for required string columns).
    may_be_empty: bool = False
    description: str = ""

    @property
    def arrow_field(self) -> pa.Field:
        # Nullable throughout: "required" is enforced by ingest validation, and Arrow's
        # nullability flag would only make schemas from different readers disagree.
        return pa.field(self.name, self.type)


@dataclass(frozen=True)
class Table:
    name: str
    kind: Kind
    columns: tuple[Column, ...]
    #: Columns whose values identify a row; re-ingesting a row with the same key replaces it.
    key: tuple[str, ...]
    #: The event time: partitions the lake by day and bounds as-of runs.
    time_column: str | None = None
    description: str = ""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        missing = [k for k in self.key if k not in self._by_name]
        if missing:
            raise ValueError(f"table {self.name}: key columns {missing} are not columns")

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __getitem__(self, name: str) -> Column:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([c.arrow_field for c in self.columns])

    @property
    def is_event(self) -> bool:
        return self.kind is Kind.EVENT

    def empty(self) -> pa.Table:
        return self.schema.empty_table()


def _codes(*values: str) -> frozenset[str]:
    return frozenset(values)


SEX_CODES = _codes("F", "M", "X", "U")
VULNERABILITY_CODES = _codes(
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
CONTACT_KINDS = _codes("PHONE", "EMAIL", "SOCIAL")
INCIDENT_PERSON_ROLES = _codes("VICTIM", "WITNESS", "SUSPECT", "REPORTER", "SUBJECT")
INCIDENT_STAFF_ROLES = _codes(
    "ATTENDING", "OIC", "SUPERVISOR", "CALL_HANDLER", "INVESTIGATOR", "ANALYST"
)
DUTY_KINDS = _codes("SHIFT", "OVERTIME", "ON_CALL", "TRAINING", "LEAVE")
#: Duty kinds that put a member of staff on duty (LEAVE is rostered but not duty).
ON_DUTY_KINDS = DUTY_KINDS - {"LEAVE"}
ACCESS_ACTIONS = _codes("SEARCH", "VIEW", "UPDATE", "PRINT", "EXPORT")
SUBJECT_TYPES = _codes("PERSON", "INCIDENT", "ADDRESS", "VEHICLE", "FREE_TEXT")
CONTACT_CHANNELS = _codes("CALL", "SMS", "EMAIL", "MESSAGING")
CONTACT_DIRECTIONS = _codes("OUT", "IN")

# Open vocabularies: examples from the contract, used by the simulator, never enforced.
EXAMPLE_STAFF_ROLES = ("PC", "DC", "PS", "DS", "INSP", "PCSO", "CALL_HANDLER", "ANALYST", "STAFF")
EXAMPLE_INCIDENT_TYPES = (
    "DOMESTIC_ABUSE",
    "SEXUAL_OFFENCE",
    "STALKING",
    "THEFT",
    "ASB",
    "CONCERN_FOR_WELFARE",
    "RTC",
    "MISSING_PERSON",
    "BURGLARY",
)
EXAMPLE_SYSTEMS = ("RMS", "COMMAND_CONTROL", "PNC", "PND", "INTEL", "CUSTODY", "CASE_FILE")


C = Column

STAFF = Table(
    "staff",
    Kind.REFERENCE,
    (
        C("staff_id", STRING, description="unique, e.g. S004512"),
        C("name", STRING, description="full name as HR holds it"),
        C("collar_number", STRING, required=False, description="shoulder/warrant number"),
        C("role", STRING, description="e.g. PC, DC, PS, PCSO, CALL_HANDLER, ANALYST"),
        C("team_id", STRING, description="e.g. RESPONSE-NORTH-A, DA-SAFEGUARDING"),
        C("station", STRING, description="base station name"),
        C("start_date", DATE),
        C("end_date", DATE, required=False, description="leavers"),
    ),
    key=("staff_id",),
    description="everyone who can use force IT systems",
)

PEOPLE = Table(
    "people",
    Kind.REFERENCE,
    (
        C("person_id", STRING),
        C("name", STRING, required=False),
        C("sex", STRING, required=False, codes=SEX_CODES),
        C("date_of_birth", DATE, required=False),
        C(
            "vulnerability",
            STRING,
            codes=VULNERABILITY_CODES,
            multi=True,
            may_be_empty=True,
            description="`;`-separated codes, may be empty",
        ),
    ),
    key=("person_id",),
    description="persons held on force systems (victims, witnesses, suspects, ...)",
)

PERSON_CONTACTS = Table(
    "person_contacts",
    Kind.REFERENCE,
    (
        C("person_id", STRING),
        C("kind", STRING, codes=CONTACT_KINDS),
        C("value", STRING, normalise="contact_point"),
    ),
    key=("person_id", "kind", "value"),
    description="contact points of people, to link communications",
)

INCIDENTS = Table(
    "incidents",
    Kind.REFERENCE,
    (
        C("incident_id", STRING),
        C("type", STRING, description="e.g. DOMESTIC_ABUSE, SEXUAL_OFFENCE, THEFT"),
        C("opened_at", TIMESTAMP),
        C("closed_at", TIMESTAMP, required=False, description="empty while open"),
    ),
    key=("incident_id",),
    description="occurrences, crime reports, calls for service",
)

INCIDENT_PEOPLE = Table(
    "incident_people",
    Kind.REFERENCE,
    (
        C("incident_id", STRING),
        C("person_id", STRING),
        C("role", STRING, codes=INCIDENT_PERSON_ROLES),
    ),
    key=("incident_id", "person_id", "role"),
    description="who was involved in an incident",
)

INCIDENT_STAFF = Table(
    "incident_staff",
    Kind.REFERENCE,
    (
        C("incident_id", STRING),
        C("staff_id", STRING),
        C("role", STRING, codes=INCIDENT_STAFF_ROLES),
        C("assigned_at", TIMESTAMP),
        C("unassigned_at", TIMESTAMP, required=False, description="empty while still assigned"),
    ),
    key=("incident_id", "staff_id", "role", "assigned_at"),
    description="who was tasked to an incident: the policing purpose",
)

DUTY = Table(
    "duty",
    Kind.REFERENCE,
    (
        C("staff_id", STRING),
        C("start", TIMESTAMP),
        C("end", TIMESTAMP),
        C("kind", STRING, codes=DUTY_KINDS, description="LEAVE is not duty"),
    ),
    key=("staff_id", "start", "kind"),
    time_column="start",
    description="rostered time (shifts, overtime, on-call); incomplete in real life",
)

ACCESS_EVENTS = Table(
    "access_events",
    Kind.EVENT,
    (
        C("event_id", STRING, description="unique per source system"),
        C("ts", TIMESTAMP),
        C("staff_id", STRING),
        C("system", STRING, description="e.g. RMS, PNC, PND, INTEL"),
        C("action", STRING, codes=ACCESS_ACTIONS),
        C("subject_type", STRING, codes=SUBJECT_TYPES),
        C("subject_id", STRING, required=False, description="empty for FREE_TEXT"),
        C("query", STRING, required=False, description="search text"),
        C("reason", STRING, required=False, description="justification or reason code"),
        C("terminal", STRING, required=False, description="workstation or device id"),
    ),
    key=("system", "event_id"),
    time_column="ts",
    description="audit trail of force IT systems: who looked at what",
)

CONTACT_EVENTS = Table(
    "contact_events",
    Kind.EVENT,
    (
        C("event_id", STRING),
        C("ts", TIMESTAMP),
        C("staff_id", STRING),
        C("channel", STRING, codes=CONTACT_CHANNELS),
        C("direction", STRING, codes=CONTACT_DIRECTIONS),
        C("counterpart", STRING, normalise="contact_point"),
        C("duration_s", INT, required=False, description="calls only"),
    ),
    key=("event_id",),
    time_column="ts",
    description="metadata of force-issued phones, e-mail and messaging; no content",
)

PARTNER_REPORTS = Table(
    "partner_reports",
    Kind.PARTNER,
    (
        C("report_id", STRING),
        C("received_at", TIMESTAMP),
        C("organisation", STRING),
        C("officer_description", STRING, description="free text as the partner wrote it"),
        C("concern", STRING),
        C("person_id", STRING, required=False, description="the person at risk, with consent"),
    ),
    key=("report_id",),
    time_column="received_at",
    description="concerns passed on by organisations that support vulnerable people",
)

TRUTH = Table(
    "truth",
    Kind.TRUTH,
    (
        C("staff_id", STRING),
        C("scenario", STRING),
        C("person_id", STRING, required=False),
        C("start", TIMESTAMP),
        C("end", TIMESTAMP),
    ),
    key=("staff_id", "scenario", "start"),
    description="ground truth of synthetic extracts; detection never reads it",
)

STAFF_RISK = Table(
    "staff_risk",
    Kind.OUTPUT,
    (
        C("staff_id", STRING),
        C("risk_score", FLOAT),
        C("rank", INT),
        C("alerted", BOOL),
        C("top_indicators", STRING, may_be_empty=True),
    ),
    key=("staff_id",),
)

FINDINGS = Table(
    "findings",
    Kind.OUTPUT,
    (
        C("finding_id", STRING),
        C("staff_id", STRING),
        C("person_id", STRING, required=False),
        C("indicator", STRING),
        C("score", FLOAT),
        C("first_ts", TIMESTAMP),
        C("last_ts", TIMESTAMP),
        C("evidence", STRING, description="JSON: event ids and a one-line explanation"),
        # Added in v1.1 (optional): the unit's allow-list marks findings, never drops them.
        C("suppressed", BOOL, required=False, description="matched an active suppression"),
        C("suppression", STRING, required=False, description="the suppression's reason"),
    ),
    key=("finding_id",),
)

#: The tables of a force extract, in the order ingest processes them.
EXTRACT_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        STAFF,
        PEOPLE,
        PERSON_CONTACTS,
        INCIDENTS,
        INCIDENT_PEOPLE,
        INCIDENT_STAFF,
        DUTY,
        ACCESS_EVENTS,
        CONTACT_EVENTS,
        PARTNER_REPORTS,
        TRUTH,
    )
}
#: Tables an extract must contain. `partner_reports` may be absent (no portal yet) and
#: `truth` exists only in synthetic or labelled extracts.
REQUIRED_EXTRACT_TABLES: tuple[str, ...] = tuple(
    name for name, t in EXTRACT_TABLES.items() if t.kind not in (Kind.PARTNER, Kind.TRUTH)
)
OUTPUT_TABLES: dict[str, Table] = {t.name: t for t in (STAFF_RISK, FINDINGS)}
ALL_TABLES: dict[str, Table] = {**EXTRACT_TABLES, **OUTPUT_TABLES}


def table(name: str) -> Table:
    """The contract's definition of table `name`; KeyError names the known tables."""
    try:
        return ALL_TABLES[name]
    except KeyError:
        raise KeyError(
            f"no table {name!r} in the data contract; known: {sorted(ALL_TABLES)}"
        ) from None


def conform(name: str, data: pa.Table) -> pa.Table:
    """`data` with the contract's columns of table `name`, in order and cast to its types.

    Optional columns that are absent are added as nulls; extra columns are dropped. A
    missing required column raises ValueError naming it. Used where data is already
    clean (simulator, detection output); raw extracts go through ingest validation.
    """
    spec = table(name)
    columns = []
    for col in spec.columns:
        if col.name in data.column_names:
            columns.append(data.column(col.name).cast(col.type))
        elif col.required:
            raise ValueError(f"table {name}: required column {col.name!r} is missing")
        else:
            columns.append(pa.nulls(data.num_rows, col.type))
    return pa.Table.from_arrays(columns, schema=spec.schema)
