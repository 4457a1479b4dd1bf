"""The indicator registry: every indicator the catalogue may configure, by id."""

from __future__ import annotations

from vigil.detect.indicators.access import (
    ACCESS_NO_PURPOSE,
    ACCESS_OFF_DUTY,
    OFF_DUTY_RETURNS,
    REPEAT_ACCESS_SAME_PERSON,
)
from vigil.detect.indicators.base import FINDING_COLUMNS, Indicator
from vigil.detect.indicators.contact import CONTACT_INTENSITY, CONTACT_VULNERABLE
from vigil.detect.indicators.dormant import DORMANT_RECORD_RETURNS
from vigil.detect.indicators.involvement import ACCESS_AFTER_INVOLVEMENT
from vigil.detect.indicators.partner import PARTNER_CONCERN
from vigil.detect.indicators.profile import TARGET_PROFILE_SKEW
from vigil.detect.indicators.search import FREE_TEXT_NAME_SEARCH
from vigil.detect.indicators.trawl import VULNERABLE_TRAWL

INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        ACCESS_NO_PURPOSE,
        ACCESS_OFF_DUTY,
        OFF_DUTY_RETURNS,
        REPEAT_ACCESS_SAME_PERSON,
        DORMANT_RECORD_RETURNS,
        ACCESS_AFTER_INVOLVEMENT,
        VULNERABLE_TRAWL,
        TARGET_PROFILE_SKEW,
        FREE_TEXT_NAME_SEARCH,
        CONTACT_VULNERABLE,
        CONTACT_INTENSITY,
        PARTNER_CONCERN,
    )
}

__all__ = ["FINDING_COLUMNS", "INDICATORS", "Indicator"]
