"""Settings: environment, .env files, and placeholder secrets refused outside development."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from core.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.timezone == "Europe/Moscow" and settings.working_days == [1, 2, 3, 4, 5]
    assert settings.telegram_api_url == "https://api.telegram.org"


def test_environment_and_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("HTTP_PORT=9999\nTIMEZONE=Asia/Novosibirsk\n", encoding="utf-8")
    monkeypatch.setenv("WORKING_DAYS", "1,2,3,4,5,6")
    monkeypatch.setenv("WORKING_HOURS_END", "17:30")
    settings = Settings()
    assert settings.http_port == 9999 and settings.zone.key == "Asia/Novosibirsk"
    assert settings.working_days == [1, 2, 3, 4, 5, 6]
    assert settings.working_hours_end == time(17, 30)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"WORKING_DAYS": "1,8"}, "ISO weekday"),
        ({"TIMEZONE": "Mars/Olympus"}, "Mars/Olympus"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, env, message) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_placeholder_secrets_refused_in_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY still holds a placeholder"):
        Settings()
    monkeypatch.setenv("SECRET_KEY", "Zq8-vR2pLw9sXk4Tn7Yb1Hc6Md3Fg5Ja0")
    monkeypatch.setenv("ONEC_PASSWORD", "a-real-password")
    assert Settings().environment == "production"


STRONG = {
    "SECRET_KEY": "Zq8-vR2pLw9sXk4Tn7Yb1Hc6Md3Fg5Ja0",
    "ONEC_PASSWORD": "a-real-password",
    "WEBHOOK_SECRET": "w3bH00k-s3cr3t-Of-Thirty-Two-Chars!",
    "WEBHOOK_URL": "https://bot.example.com/telegram/webhook",
}


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SECRET_KEY", "x", "SECRET_KEY is shorter than 32"),
        ("SECRET_KEY", "Short-but-not-a-placeholder-31c", "SECRET_KEY is shorter than 32"),
        ("SECRET_KEY", "k" * 40, "SECRET_KEY repeats too few distinct"),
        ("SECRET_KEY", "ChangeMe", "SECRET_KEY still holds a placeholder"),
        ("ONEC_PASSWORD", "y", "ONEC_PASSWORD is shorter than 12"),
        ("ONEC_PASSWORD", "  password ", "ONEC_PASSWORD still holds a placeholder"),
        ("WEBHOOK_SECRET", "changeme", "WEBHOOK_SECRET still holds a placeholder"),
        ("WEBHOOK_SECRET", "Tw3nty-s1x-characters-long", "WEBHOOK_SECRET is shorter than 32"),
        ("WEBHOOK_SECRET", "", "WEBHOOK_SECRET still holds a placeholder"),
    ],
)
def test_production_refuses_a_weak_secret_without_printing_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path, name: str, value: str, reason: str
) -> None:
    """The attack: production started with a weak secret, and the error leaking it to logs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    for key, strong in STRONG.items():
        monkeypatch.setenv(key, strong)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    text = str(caught.value) + repr(caught.value)  # what a log or the CLI prints
    assert reason in text
    for secret in {value.strip(), *STRONG.values()} - {STRONG["WEBHOOK_URL"]}:
        assert len(secret) < 6 or secret not in text, "a secret's value was echoed in the error"


def test_no_error_echoes_a_secret_value(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A type error on any setting does not print the input either (hide_input_in_errors)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HTTP_PORT", "Zq8-vR2pLw9sXk4Tn7Yb1Hc6Md3Fg5Ja0")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "http_port" in str(caught.value)
    assert "Zq8-vR2pLw9sXk4Tn7Yb1Hc6Md3Fg5Ja0" not in str(caught.value) + repr(caught.value)


def test_strong_secrets_start_production(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "production")
    for key, strong in STRONG.items():
        monkeypatch.setenv(key, strong)
    settings = Settings()
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == STRONG["WEBHOOK_SECRET"]
