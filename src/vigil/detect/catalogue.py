"""The indicator catalogue: a TOML file validated by a typed schema.

Every indicator's parameters are checked against the parameter model its module
declares, so a misspelt or out-of-range field is refused with the file, the indicator
and the field named, before any data is read.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from vigil.detect.indicators import INDICATORS
from vigil.detect.settings import PurposeSettings, ScoringSettings, Strict

DEFAULT_CATALOGUE = resources.files("vigil.detect") / "catalogue.toml"


class CatalogueError(ValueError):
    """The catalogue file is invalid; the message names file, indicator and field."""


class IndicatorEntry(Strict):
    title: str = Field(min_length=1)
    weight: float = Field(ge=0)
    description: str = Field(min_length=1)
    false_positives: list[str] = Field(min_length=1)
    triage: str = Field(min_length=1)
    params: Any = None


class Catalogue(Strict):
    purpose: PurposeSettings
    scoring: ScoringSettings
    indicators: dict[str, IndicatorEntry]
    source: str = "catalogue.toml"

    def enabled(self) -> list[str]:
        """Indicator ids in catalogue order."""
        return list(self.indicators)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue file (the packaged default when `path` is None)."""
    if path is None:
        text = DEFAULT_CATALOGUE.read_text(encoding="utf-8")
        source = "vigil/detect/catalogue.toml"
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogueError(f"{source}: cannot read catalogue: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{source}: not valid TOML: {exc}") from None
    return parse_catalogue(raw, source)


def parse_catalogue(raw: dict[str, Any], source: str = "<catalogue>") -> Catalogue:
    raw = dict(raw)
    indicators_raw = raw.pop("indicators", None)
    if not isinstance(indicators_raw, dict) or not indicators_raw:
        raise CatalogueError(f"{source}: no [indicators.*] sections")
    indicators: dict[str, IndicatorEntry] = {}
    for indicator_id, entry in indicators_raw.items():
        where = f"{source}: indicator {indicator_id}"
        if indicator_id not in INDICATORS:
            raise CatalogueError(f"{where}: unknown indicator (known: {', '.join(INDICATORS)})")
        try:
            params = INDICATORS[indicator_id].params_model(**dict(entry).pop("params", {}) or {})
            entry_model = IndicatorEntry(**{**entry, "params": params})
        except ValidationError as exc:
            raise CatalogueError(_describe(where, exc, params_prefix="params")) from None
        except TypeError as exc:
            raise CatalogueError(f"{where}: {exc}") from None
        indicators[indicator_id] = entry_model
    try:
        return Catalogue(**raw, indicators=indicators, source=source)
    except ValidationError as exc:
        raise CatalogueError(_describe(source, exc)) from None


def _describe(where: str, exc: ValidationError, params_prefix: str | None = None) -> str:
    problems = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"])
        if params_prefix and exc.title != IndicatorEntry.__name__:
            loc = f"{params_prefix}.{loc}"
        problems.append(f"field {loc}: {err['msg']}")
    return f"{where}: " + "; ".join(problems)
