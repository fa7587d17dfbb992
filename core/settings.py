"""Application settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

from datetime import time
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "password", "dev", "development"}
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/dealerbot.sqlite3"


class Settings(BaseSettings):
    """Every knob of the service; see the configuration table in README.md."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: str = Field(default="development", description="development or production")
    database_url: str = DEFAULT_DATABASE_URL
    bot_token: SecretStr | None = None
    bot_username: str = "dealerbot"
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    timezone: str = "Europe/Moscow"
    working_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [1, 2, 3, 4, 5])
    working_hours_start: time = time(9, 0)
    working_hours_end: time = time(18, 0)
    shortened_day_hours: int = 1
    onec_username: str = "1c"
    onec_password: SecretStr = SecretStr("changeme")
    onec_storage_dir: str = "./var/onec"
    redis_url: str | None = None
    secret_key: SecretStr = SecretStr("changeme")
    default_currency: str = "RUB"
    max_line_quantity: int = 100_000
    max_upload_bytes: int = 5 * 1024 * 1024

    @field_validator("working_days", mode="before")
    @classmethod
    def _parse_days(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("working_days")
    @classmethod
    def _check_days(cls, value: list[int]) -> list[int]:
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("working days are ISO weekday numbers 1 (Monday) to 7 (Sunday)")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError, OSError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Moscow"
            ) from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.is_development:
            return self
        weak = [
            name
            for name, secret in (
                ("SECRET_KEY", self.secret_key),
                ("ONEC_PASSWORD", self.onec_password),
            )
            if secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS
        ]
        if weak:
            raise ValueError(
                f"{', '.join(weak)} still hold a placeholder value; set real secrets "
                "before running with ENVIRONMENT=" + self.environment
            )
        return self

    @property
    def is_development(self) -> bool:
        """True in development and test mode, where placeholder secrets are allowed."""
        return self.environment.lower() in {"development", "dev", "test"}

    @cached_property
    def zone(self) -> ZoneInfo:
        """The configured local time zone."""
        return ZoneInfo(self.timezone)


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
