"""Configuration in one place: `VIGIL_*` environment variables over an optional
`vigil.toml` in the working directory, over defaults that need no set-up."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", toml_file="vigil.toml", extra="ignore")

    #: Where Vigil keeps its lake, outputs and (later) its store.
    data_dir: Path = Path("vigil-data")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, *args, **kwargs):
        from pydantic_settings import TomlConfigSettingsSource

        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def get_settings() -> Settings:
    return Settings()
