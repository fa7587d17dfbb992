"""Application settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import cached_property
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.net import Network, parse_networks

PLACEHOLDER_SECRETS = {
    "",
    "changeme",
    "change-me",
    "change_me",
    "changeit",
    "secret",
    "password",
    "passw0rd",
    "dev",
    "development",
    "test",
    "example",
    "default",
    "admin",
    "qwerty",
    "123456",
    "12345678",
    "1c",
    "todo",
    "xxx",
}
# the shortest secret production accepts, per setting (README: Security)
MIN_SECRET_LENGTH = {"SECRET_KEY": 32, "WEBHOOK_SECRET": 32, "ONEC_PASSWORD": 12}
# order status -> Bitrix24 deal stage of the default pipeline (BITRIX24_STAGE_MAP overrides)
DEFAULT_STAGES = {
    "new": "NEW",
    "awaiting_approval": "NEW",
    "confirmed": "PREPARATION",
    "in_progress": "EXECUTING",
    "shipped": "FINAL_INVOICE",
    "completed": "WON",
    "rejected": "LOSE",
    "cancelled": "LOSE",
}
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/dealerbot.sqlite3"


class Settings(BaseSettings):
    """Every knob of the service; see the configuration table in README.md."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,  # an error never prints a setting's value (a secret's)
    )

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
    sender_receipts_dir: str = "./var/receipts"
    onec_max_chunk_bytes: int = Field(default=16 * 1024 * 1024, ge=64 * 1024)
    onec_storage_quota_bytes: int = Field(default=8 * 1024 * 1024 * 1024, ge=1024 * 1024)
    # The distributor's requisites on the print forms we render (счёт на оплату, акт сверки)
    seller_name: str = ""
    seller_inn: str = ""
    seller_kpp: str = ""
    seller_address: str = ""
    seller_bank: str = ""
    seller_bik: str = ""
    seller_account: str = ""
    seller_corr_account: str = ""
    seller_director: str = ""
    seller_accountant: str = ""
    vat_rate: Decimal = Field(default=Decimal("20"), ge=0, le=100)
    # the largest finance push (POST /1c/finance body or finance*.json file), PDFs included
    onec_finance_max_bytes: int = Field(default=10 * 1024 * 1024, ge=64 * 1024)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Bitrix24 (integrations/crm): the incoming webhook's base URL holds its secret code
    bitrix24_webhook_url: SecretStr | None = None
    bitrix24_stage_map: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_STAGES)
    )
    bitrix24_user_map: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    bitrix24_claims_category_id: int | None = None
    bitrix24_requests_per_second: float = Field(default=2.0, gt=0, le=50)

    @field_validator("bitrix24_webhook_url", "bitrix24_claims_category_id", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bitrix24_stage_map", "bitrix24_user_map", mode="before")
    @classmethod
    def _parse_pairs(cls, value: object) -> object:
        """`a:b,c:d` (what .env can hold) -> {"a": "b", "c": "d"}; empty values are dropped."""
        if isinstance(value, str):
            pairs = [part.split(":", 1) for part in value.split(",") if ":" in part]
            return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}
        return value

    @field_validator("bitrix24_stage_map")
    @classmethod
    def _check_stages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DEFAULT_STAGES))
        if unknown:
            raise ValueError(f"unknown order statuses in the stage map: {', '.join(unknown)}")
        return {**DEFAULT_STAGES, **value}

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

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [str(network) for network in parse_networks(value)]
        if isinstance(value, list):
            return [str(network) for network in parse_networks([str(v) for v in value])]
        return value

    @cached_property
    def proxy_networks(self) -> list[Network]:
        """TRUSTED_PROXIES as networks (core.net.client_ip)."""
        return parse_networks(self.trusted_proxies)

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
    def _refuse_weak_secrets(self) -> Settings:
        if self.is_development:
            return self
        secrets: list[tuple[str, SecretStr | None]] = [
            ("SECRET_KEY", self.secret_key),
            ("ONEC_PASSWORD", self.onec_password),
        ]
        if self.webhook_url or self.webhook_secret is not None:
            secrets.append(("WEBHOOK_SECRET", self.webhook_secret))
        problems = [
            f"{name} {problem}"
            for name, secret in secrets
            if (problem := weak_secret(secret, MIN_SECRET_LENGTH[name]))
        ]
        if problems:  # names only: the values never reach an error or a log
            raise ValueError(
                "; ".join(problems)
                + "; set real secrets before running with ENVIRONMENT="
                + self.environment
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


def weak_secret(secret: SecretStr | None, minimum: int) -> str | None:
    """Why a production secret is weak (a placeholder, too short, too few distinct
    characters), or None; the text never includes the value."""
    value = secret.get_secret_value() if secret is not None else ""
    if value.strip().lower() in PLACEHOLDER_SECRETS:
        return "still holds a placeholder value"
    if len(value) < minimum:
        return f"is shorter than {minimum} characters"
    if len(set(value)) < 6:
        return "repeats too few distinct characters"
    return None


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by tests)."""
    return Settings(**overrides)  # type: ignore[arg-type]
