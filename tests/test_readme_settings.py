"""Every setting the service reads is in README's configuration table and in .env.example."""

from __future__ import annotations

from pathlib import Path

from core.notify_settings import NotifyEnv
from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    readme = ROOT / "README.md"
    table = readme.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ")[0]
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = [name.upper() for name in (*Settings.model_fields, *NotifyEnv.model_fields)]
    assert "MANAGERS_CHAT_ID" in names
    missing = [name for name in names if f"`{name}`" not in table]
    assert not missing, f"not in README's configuration table: {missing}"
    absent = [name for name in names if f"{name}=" not in example]
    assert not absent, f"not in .env.example: {absent}"


def test_the_env_example_loads(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.http_port == 8080
    assert NotifyEnv(_env_file=env).after_hours_policy == "digest"  # type: ignore[call-arg]
