"""Every error of every `dealerbot` command reads as a Russian sentence: exit 1, no traceback,
no raw message key; and `dealerbot admin password` resets a forgotten password."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from admin.messages import TEXTS as ADMIN_TEXTS
from core.models import AuditEntry, StaffAccount
from core.security import verify_password
from dealerbot import cli
from dealerbot.cli import main
from dealerbot.cli_text import CLI_TEXTS, describe_error

run_async = asyncio.run
KEYS = set(ADMIN_TEXTS) | set(CLI_TEXTS)
KEY_SHAPE = re.compile(r"(?<![\w/.«])[a-z_]+\.[a-z_]+(?![\w/.»])")


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BOT_USERNAME", "acme_parts_bot")
    return url


def assert_sentence(err: str, *expected: str) -> None:
    """One line, a sentence in Russian words, no traceback, no key."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("Ошибка: ") and line.endswith("."), line
    assert "Traceback" not in err and "Error" not in line, line
    assert re.search("[а-яА-Я]{3,}", line), line
    assert not KEY_SHAPE.search(line), f"a raw key in {line!r}"
    assert not any(key in line for key in KEYS), line
    for part in expected:
        assert part in line, (part, line)


def fails_with(capsys: pytest.CaptureFixture[str], argv: list[str], *expected: str) -> str:
    assert main(argv) == 1, argv
    err = capsys.readouterr().err
    assert_sentence(err, *expected)
    return err


def _dealer(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["dealer", "create", "--name", "ООО Тест", "--inn", "7701234567"]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_every_command_error_is_a_sentence(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before the schema exists: the command says what to do.
    fails_with(capsys, ["dealer", "create", "--name", "X", "--inn", "7701234567"], "db upgrade")

    fails_with(capsys, ["db", "upgrade", "nosuchrev"], "Миграция не выполнена")
    assert main(["db", "upgrade"]) == 0
    fails_with(capsys, ["db", "downgrade", "nosuchrev"], "Миграция не выполнена")
    capsys.readouterr()

    fails_with(capsys, ["demo", "--items", "0", "--no-serve"], "больше нуля", "0")

    fails_with(capsys, ["dealer", "create", "--name", "X", "--inn", "12"], "ИНН «12»")
    fails_with(capsys, ["dealer", "create", "--name", "  ", "--inn", "7701234567"], "название")
    fails_with(
        capsys,
        ["dealer", "create", "--name", "X", "--inn", "7701234567", "--price-type", "Нет"],
        "Тип цен «Нет» не найден",
    )
    dealer_id = _dealer(capsys)

    fails_with(capsys, ["invite", "create", "--dealer", "999"], "Дилер 999 не найден.")
    fails_with(capsys, ["invite", "create", "--dealer", dealer_id, "--uses", "0"], "от 1 до")
    fails_with(capsys, ["invite", "create", "--dealer", dealer_id, "--days", "0"], "дней")

    fails_with(capsys, ["catalog", "search", "фильтр", "--dealer", "999"], "Дилер 999 не найден.")

    fails_with(capsys, ["admin", "create", "--login", "boss", "--password", "short"], "короче 10")
    fails_with(capsys, ["admin", "create", "--login", "boss", "--password", " " * 12], "пустым")
    fails_with(capsys, ["admin", "create", "--login", " ", "--password", "x" * 12], "логин")
    assert main(["admin", "create", "--login", "boss", "--password", "x" * 12]) == 0
    capsys.readouterr()
    fails_with(capsys, ["admin", "create", "--login", "boss", "--password", "x" * 12], "«boss»")

    fails_with(capsys, ["admin", "password", "--login", "nobody", "--password", "y" * 12], "nobody")
    fails_with(capsys, ["admin", "password", "--login", "boss", "--password", "short"], "короче")
    fails_with(capsys, ["admin", "password", "--login", "boss", "--password", "   "], "пустым")

    fails_with(capsys, ["nps", "send", "--survey", "x" * 21], "Название опроса")
    fails_with(capsys, ["nps", "send", "--survey", "2026-11", "--wave", "999"], "Волна 999")

    fails_with(capsys, ["import", str(tmp_path / "missing.xml")], "не найден")
    broken = tmp_path / "broken.xml"
    broken.write_text("<?xml version='1.0'?><КоммерческаяИнформация><Каталог>", encoding="utf-8")
    assert main(["import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("Ошибка: файл ") and "не загружен" in err


def test_run_on_a_busy_port_says_so(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("HTTP_PORT", str(busy.getsockname()[1]))
        fails_with(capsys, ["run"], "уже занят")


def test_unreachable_database_is_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("DATABASE_URL", f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nodb")
    fails_with(capsys, ["dealer", "create", "--name", "X", "--inn", "7701234567"], "недоступна")


def test_a_bug_keeps_its_traceback() -> None:
    assert describe_error(RuntimeError("a bug")) is None
    assert describe_error(KeyError("x")) is None


def test_configuration_error_is_named(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Ошибка настройки: TIMEZONE") and "Traceback" not in err


def _account(url: str, login: str) -> StaffAccount:
    from core.db import create_engine, create_sessionmaker

    async def load() -> StaffAccount:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                account = await session.scalar(
                    select(StaffAccount).where(StaffAccount.login == login)
                )
                assert account is not None
                return account
        finally:
            await engine.dispose()

    return run_async(load())


def _audit(url: str) -> list[str]:
    from core.db import create_engine, create_sessionmaker

    async def load() -> list[str]:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                return list(await session.scalars(select(AuditEntry.action)))
        finally:
            await engine.dispose()

    return run_async(load())


def _prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    asked: list[str] = []
    replies = iter(answers)

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)
    return asked


def test_admin_password_resets_a_forgotten_password(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["admin", "create", "--login", "Boss", "--password", "old password 1"]) == 0
    capsys.readouterr()

    # --password given: set at once, the old one stops working, the lockout is lifted.
    assert main(["admin", "password", "--login", "BOSS", "--password", "new password 2"]) == 0
    out = capsys.readouterr().out
    assert "boss" in out and "/admin/" in out
    account = _account(cli_env, "boss")
    assert verify_password(account.password_hash, "new password 2")
    assert not verify_password(account.password_hash, "old password 1")
    assert account.failed_logins == 0 and account.locked_until is None
    assert "staff.password_reset" in _audit(cli_env)

    # Without --password: asked twice, and the two must match.
    asked = _prompts(monkeypatch, "third password", "third password")
    assert main(["admin", "password", "--login", "boss"]) == 0
    assert len(asked) == 2
    assert verify_password(_account(cli_env, "boss").password_hash, "third password")
    capsys.readouterr()

    asked = _prompts(monkeypatch, "fourth password", "fourth passwort")
    fails_with(capsys, ["admin", "password", "--login", "boss"], "не совпадают")
    assert len(asked) == 2
    asked = _prompts(monkeypatch, "   ")
    fails_with(capsys, ["admin", "password", "--login", "boss"], "пустым")
    asked = _prompts(monkeypatch, "short", "short")
    fails_with(capsys, ["admin", "password", "--login", "boss"], "короче 10")
    # None of the refused ones changed anything.
    assert verify_password(_account(cli_env, "boss").password_hash, "third password")


def test_banner_names_the_admin_and_the_first_login(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.settings import Settings
    from dealerbot.app import build_services
    from dealerbot.runner import banner

    assert main(["db", "upgrade"]) == 0
    settings = Settings(http_port=8099)
    services = build_services(settings)
    try:
        first: Callable[[str | None], str] = lambda line: run_async(  # noqa: E731
            banner(settings, services, line)
        )
        text = first(None)
        assert "http://127.0.0.1:8099/admin/" in text.splitlines()[0]
        assert "dealerbot admin create" in text  # no login yet: how to make one
        with_login = first("вход в админку: логин admin, пароль p (показан один раз)")
        assert "логин admin" in with_login
    finally:
        run_async(services.engine.dispose())
