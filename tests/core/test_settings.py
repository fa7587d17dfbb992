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
    with pytest.raises(ValidationError, match="SECRET_KEY, ONEC_PASSWORD still hold a placeholder"):
        Settings()
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("ONEC_PASSWORD", "a-real-password")
    assert Settings().environment == "production"
