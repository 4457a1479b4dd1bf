"""Configuration in one place: `VIGIL_*` environment variables over an optional
`vigil.toml` in the working directory, over defaults that need no set-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", toml_file="vigil.toml", extra="ignore")

    #: Where Vigil keeps its lake, outputs and (later) its store.
    data_dir: Path = Path("vigil-data")

    #: The intelligence and case store (SQLAlchemy URL). Default: `DATA_DIR/vigil.db`
    #: (SQLite, no set-up); production: `postgresql://user@host/vigil`.
    database_url: str | None = None

    #: Key of the staff/person pseudonyms (HMAC). If unset, a random key is created on
    #: first use in `DATA_DIR/pseudonym.key` (mode 0600). Keep it: a new key gives
    #: everyone new pseudonyms.
    pseudonym_key: SecretStr | None = None

    #: Most memory one detection run's engine may use before it spills to disk (DuckDB
    #: syntax, e.g. "8GB"). Default: DuckDB's own, 80% of the machine's memory; set it
    #: when runs share a machine.
    detect_memory_limit: str | None = None

    #: Retention review period in days per category, over the defaults of
    #: `vigil.intel.retention` (e.g. `{"ALERT_NO_FURTHER_ACTION": 730}`).
    retention_review_days: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, *args, **kwargs):
        from pydantic_settings import TomlConfigSettingsSource

        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def store_url(self) -> str:
        """The store's database URL: `database_url`, or a SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.db').resolve()}"

    def pseudonym_key_bytes(self) -> bytes:
        """The pseudonym key: from configuration, else from (or newly into) the key file
        `data_dir/pseudonym.key`, created with mode 0600."""
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        path = self.data_dir / "pseudonym.key"
        if not path.exists():
            import contextlib
            import os
            import secrets
            import tempfile

            self.data_dir.mkdir(parents=True, exist_ok=True)
            # Written in full to a private temporary file, then linked into place: a
            # second process starting at once either wins the link or reads the winner's
            # key, never a half-written file.
            fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=".pseudonym.key.")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
            finally:
                os.unlink(tmp)
        return path.read_text().strip().encode()


def get_settings() -> Settings:
    return Settings()
