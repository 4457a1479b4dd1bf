"""Stable pseudonyms for staff and people: a keyed HMAC, so the same person has the same
pseudonym across alerts and runs, and nobody without the key can recompute it from a
list of staff numbers (a plain hash of a six-digit number would fall in a second)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum


class Subject(StrEnum):
    STAFF = "staff"
    PERSON = "person"


_PREFIX = {Subject.STAFF: "STF", Subject.PERSON: "PER"}


def pseudonym(key: bytes, kind: Subject | str, real_id: str) -> str:
    """`STF-XXXXXXXXXX` / `PER-XXXXXXXXXX`: HMAC-SHA256(key, "<kind>:<id>") in base32."""
    kind = Subject(kind)
    digest = hmac.new(key, f"{kind}:{real_id}".encode(), hashlib.sha256).digest()
    return f"{_PREFIX[kind]}-{base64.b32encode(digest).decode()[:10]}"


def keyed_ref(key: bytes, prefix: str, real_id: str) -> str:
    """A keyed, stable reference for an id that is itself derived from identities (a
    detection finding id is an unkeyed hash of staff and person ids)."""
    digest = hmac.new(key, f"{prefix}:{real_id}".encode(), hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest).decode()[:12]}"


# A quote opens where no letter precedes it and closes where none follows, so that the
# apostrophe of "Children's Social Care" opens nothing and 'o'brien' is withheld whole.
_QUOTED = re.compile(r"(?<!\w)'.*?'(?!\w)|(?<!\w)\".*?\"(?!\w)")


def mask_text(text: str, replacements: dict[str, str]) -> str:
    """`text` with each real id replaced by its pseudonym and quoted fragments (the name,
    collar number or search text that detection quotes as evidence) withheld."""
    for real, pseudo in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
        if real:
            text = text.replace(real, pseudo)
    return _QUOTED.sub("[withheld]", text)
