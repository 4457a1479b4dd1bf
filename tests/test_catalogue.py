"""The catalogue file: every indicator documented and valid; errors name file, indicator, field."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from vigil.detect.catalogue import DEFAULT_CATALOGUE, CatalogueError, load_catalogue
from vigil.detect.indicators import INDICATORS


def test_every_registered_indicator_is_in_the_catalogue_with_its_texts() -> None:
    cat = load_catalogue()
    assert set(cat.indicators) == set(INDICATORS)
    for indicator_id, entry in cat.indicators.items():
        assert entry.title and entry.description.strip() and entry.triage.strip(), indicator_id
        assert entry.false_positives, f"{indicator_id} lists no legitimate look-alikes"
        assert isinstance(entry.params, INDICATORS[indicator_id].params_model)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(text)
    return path


def _default_text() -> str:
    return DEFAULT_CATALOGUE.read_text(encoding="utf-8")


def test_unknown_parameter_names_file_indicator_and_field(tmp_path: Path) -> None:
    text = _default_text().replace("min_days = 2", "min_dayz = 2")
    path = _write(tmp_path, text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    message = str(err.value)
    assert str(path) in message
    assert "ACCESS_NO_PURPOSE" in message
    assert "params.min_dayz" in message


def test_out_of_range_value_is_refused(tmp_path: Path) -> None:
    text = _default_text().replace("working_hours_weight = 0.25", "working_hours_weight = 3")
    with pytest.raises(CatalogueError, match=r"CONTACT_VULNERABLE.*params.working_hours_weight"):
        load_catalogue(_write(tmp_path, text))


def test_a_half_life_that_is_not_positive_is_refused(tmp_path: Path) -> None:
    text = _default_text().replace("half_life_days = 180", "half_life_days = 0")
    with pytest.raises(CatalogueError, match=r"PARTNER_CONCERN: field half_life_days"):
        load_catalogue(_write(tmp_path, text))


def test_unknown_tasking_role_is_refused(tmp_path: Path) -> None:
    text = _default_text().replace('met_roles = ["ATTENDING",', 'met_roles = ["ATTENDED",')
    with pytest.raises(
        CatalogueError, match=r"ACCESS_AFTER_INVOLVEMENT.*unknown tasking role codes \['ATTENDED'\]"
    ):
        load_catalogue(_write(tmp_path, text))
    text = _default_text().replace('lasting_roles = ["ANALYST"]', 'lasting_roles = ["ANALYSIS"]')
    with pytest.raises(
        CatalogueError, match=r"purpose\.lasting_roles.*unknown tasking role codes \['ANALYSIS'\]"
    ):
        load_catalogue(_write(tmp_path, text))


def test_missing_text_field_is_refused(tmp_path: Path) -> None:
    raw = tomllib.loads(_default_text())
    del raw["indicators"]["CONTACT_VULNERABLE"]["triage"]
    from vigil.detect.catalogue import parse_catalogue

    with pytest.raises(CatalogueError, match=r"CONTACT_VULNERABLE: field triage"):
        parse_catalogue(raw, "x.toml")


def test_unknown_indicator_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="NOT_A_THING: unknown indicator"):
        load_catalogue(_write(tmp_path, _default_text() + "\n[indicators.NOT_A_THING]\n"))
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(_write(tmp_path, "[purpose\n"))
    with pytest.raises(CatalogueError, match=r"scoring\.alert_threshold"):
        text = re.sub(r"(?m)^alert_threshold = .*$", "alert_threshold = -1", _default_text())
        load_catalogue(_write(tmp_path, text))


def test_unknown_sex_code_in_scoring_is_refused(tmp_path: Path) -> None:
    text = _default_text().replace(
        'less_likely_target_sexes = ["M"]', 'less_likely_target_sexes = ["male"]'
    )
    with pytest.raises(CatalogueError, match=r"scoring\.less_likely_target_sexes.*male"):
        load_catalogue(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('"DOMESTIC_ABUSE" = "DA_VICTIM"', r"'DOMESTIC_ABUSE' is not INCIDENT_TYPE:ROLE"),
        ('"DOMESTIC_ABUSE:VICTM" = "DA_VICTIM"', r"unknown incident person role codes \['VICTM'\]"),
        ('"DOMESTIC_ABUSE:VICTIM" = "DA"', r"unknown vulnerability codes \['DA'\]"),
    ],
)
def test_bad_vulnerability_from_incidents_is_refused(tmp_path: Path, line: str, error: str) -> None:
    text = _default_text().replace('"DOMESTIC_ABUSE:VICTIM" = "DA_VICTIM"', line)
    with pytest.raises(CatalogueError, match=r"vulnerability\.from_incidents.*" + error):
        load_catalogue(_write(tmp_path, text))


def test_docs_indicators_md_is_generated_from_the_catalogue() -> None:
    from vigil.detect.catalogue import to_markdown

    doc = Path(__file__).parent.parent / "docs" / "indicators.md"
    assert doc.read_text(encoding="utf-8") == to_markdown(load_catalogue()) + "\n", (
        "docs/indicators.md is stale: run `vigil catalogue --markdown > docs/indicators.md`"
    )
