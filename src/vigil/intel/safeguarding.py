"""Safeguarding actions for the people an alert or case concerns."""

from __future__ import annotations

from enum import StrEnum


class SafeguardingKind(StrEnum):
    IDVA_REFERRAL = "IDVA_REFERRAL"  # independent domestic violence adviser
    ISVA_REFERRAL = "ISVA_REFERRAL"  # independent sexual violence adviser
    MARAC_REFERRAL = "MARAC_REFERRAL"
    WELFARE_CHECK = "WELFARE_CHECK"  # by a team other than the subject's
    VICTIM_CONTACT = "VICTIM_CONTACT"
    SAFETY_PLAN = "SAFETY_PLAN"
    OTHER = "OTHER"
    #: A considered decision that nothing is needed; the description gives the reason.
    NONE_REQUIRED = "NONE_REQUIRED"
