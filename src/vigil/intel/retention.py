"""Retention: every record has a review date set by its category. A review either keeps
the record to a new date or deletes it; both are recorded decisions, never silent.

The default periods are a starting point for a unit's own policy (set them in
configuration, `VIGIL_RETENTION_REVIEW_DAYS`), not legal advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class RetentionCategory(StrEnum):
    ALERT_OPEN = "ALERT_OPEN"
    ALERT_NO_FURTHER_ACTION = "ALERT_NO_FURTHER_ACTION"
    ALERT_MANAGEMENT_ACTION = "ALERT_MANAGEMENT_ACTION"
    INTELLIGENCE = "INTELLIGENCE"
    CASE_OPEN = "CASE_OPEN"
    CASE_CLOSED = "CASE_CLOSED"


DEFAULT_REVIEW_DAYS: dict[RetentionCategory, int] = {
    # An open alert or case is reviewed yearly so nothing lingers unworked.
    RetentionCategory.ALERT_OPEN: 365,
    RetentionCategory.ALERT_NO_FURTHER_ACTION: 365,
    RetentionCategory.ALERT_MANAGEMENT_ACTION: 3 * 365,
    # Six years: the usual review period for intelligence under MoPI group 3.
    RetentionCategory.INTELLIGENCE: 6 * 365,
    RetentionCategory.CASE_OPEN: 365,
    RetentionCategory.CASE_CLOSED: 6 * 365,
}


class RetentionDecision(StrEnum):
    RETAIN = "RETAIN"
    DELETE = "DELETE"


@dataclass(frozen=True)
class RetentionPolicy:
    """Review period in days per category; categories not given keep the default."""

    review_days: Mapping[RetentionCategory, int] = field(
        default_factory=lambda: dict(DEFAULT_REVIEW_DAYS)
    )

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, int] | None) -> RetentionPolicy:
        """The default policy with `overrides` (category name -> days); a ValueError
        names an unknown category or a period that is not positive."""
        days = dict(DEFAULT_REVIEW_DAYS)
        for name, value in (overrides or {}).items():
            try:
                category = RetentionCategory(name.upper())
            except ValueError:
                known = ", ".join(RetentionCategory)
                raise ValueError(f"unknown retention category {name!r}; known: {known}") from None
            if int(value) <= 0:
                raise ValueError(f"retention period for {category} must be positive days")
            days[category] = int(value)
        return cls(days)

    def review_date(self, category: RetentionCategory | str, anchor: datetime | date) -> date:
        """The date a record of `category` whose period starts at `anchor` is reviewed."""
        start = anchor.date() if isinstance(anchor, datetime) else anchor
        return start + timedelta(days=self.review_days[RetentionCategory(category)])


def alert_category(state: str) -> RetentionCategory:
    """The retention category of an alert in `state`."""
    from vigil.intel.workflow import AlertState

    match AlertState(state):
        case AlertState.NO_FURTHER_ACTION:
            return RetentionCategory.ALERT_NO_FURTHER_ACTION
        case AlertState.MANAGEMENT_ACTION:
            return RetentionCategory.ALERT_MANAGEMENT_ACTION
        # Behind intelligence or a case, the alert is the evidence and is kept with it.
        case AlertState.INTELLIGENCE | AlertState.CASE:
            return RetentionCategory.INTELLIGENCE
        case _:
            return RetentionCategory.ALERT_OPEN


def case_category(state: str) -> RetentionCategory:
    """The retention category of a case in `state`."""
    from vigil.intel.workflow import CaseState

    if CaseState(state) is CaseState.CLOSED:
        return RetentionCategory.CASE_CLOSED
    return RetentionCategory.CASE_OPEN
