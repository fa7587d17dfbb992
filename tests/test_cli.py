"""The `dealerbot` command line and the service's health check, on a temporary SQLite file."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from core.settings import Settings
from dealerbot.cli import main
from dealerbot.runner import serve


@pytest.fixture
def cli_env(tmp_path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BOT_USERNAME", "acme_parts_bot")
    return url


def test_dealer_and_invitation_commands(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["dealer", "create", "--name", "ООО Тест", "--inn", "7701234567"]) == 0
    dealer_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert dealer_id == "1"
    assert main(["invite", "create", "--dealer", dealer_id, "--uses", "3", "--days", "7"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://t.me/acme_parts_bot?start=") and len(link.split("=")[1]) >= 20


def test_bad_input_gives_a_clear_error(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["dealer", "create", "--name", "X", "--inn", "12"]) == 1
    assert "ИНН «12» неверен" in capsys.readouterr().err
    assert main(["invite", "create", "--dealer", "42"]) == 1
    assert "Дилер 42 не найден." in capsys.readouterr().err
    assert (
        main(["dealer", "create", "--name", "X", "--inn", "7701234567", "--price-type", "Нет"]) == 1
    )
    assert "Тип цен «Нет» не найден" in capsys.readouterr().err


def test_admin_create(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["admin", "create", "--login", "Boss", "--password", "correct horse battery"]) == 0
    assert "Логин boss (администратор) создан" in capsys.readouterr().out
    assert main(["admin", "create", "--login", "boss", "--password", "correct horse battery"]) == 1
    assert main(["admin", "create", "--login", "x", "--password", "short"]) == 1


@pytest.mark.parametrize(
    "password",
    ["", " " * 10, " " * 12, "  short  \t  ", "\t" * 11, "1234567890", " QwertyUiop "],
    ids=["blank", "ten-spaces", "spaces", "short-in-spaces", "tabs", "common", "placeholder"],
)
def test_admin_create_refuses_a_weak_password(
    cli_env: str, capsys: pytest.CaptureFixture[str], password: str
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["admin", "create", "--login", "weak", "--password", password]) == 1
    assert capsys.readouterr().err.strip()  # a reason is given (h14b words it)
    assert main(["admin", "create", "--login", "weak", "--password", "correct horse battery"]) == 0


def test_production_refuses_placeholder_secrets(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    assert main(["db", "upgrade"]) == 2
    assert "placeholder" in capsys.readouterr().err


def _basic(login: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(login, password)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_service_answers_healthz(tmp_path) -> None:
    port = _free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'svc.sqlite3'}",
        http_port=port,
        bot_token=None,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, stop))
    try:
        async with aiohttp.ClientSession() as client:
            for _ in range(200):
                try:
                    async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                        assert response.status == 200
                        assert await response.json() == {"status": "ok"}
                    async with client.get(f"http://127.0.0.1:{port}/admin/login") as page:
                        assert page.status == 200 and "<form" in await page.text()
                    async with client.get(f"http://127.0.0.1:{port}/api/v1/dealers") as api:
                        assert api.status == 401
                    onec = f"http://127.0.0.1:{port}/1c/exchange?type=catalog&mode=checkauth"
                    async with client.get(onec, headers=_basic("1c", "wrong")) as refused:
                        assert (await refused.text()).startswith("failure")
                    async with client.get(onec, headers=_basic("1c", "changeme")) as ok:
                        assert (await ok.text()).startswith("success\n")
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            else:
                pytest.fail("the service never answered /healthz")
    finally:
        stop.set()
        await task


IMPORT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2026-11-20T10:00:00">
  <Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>
    <Группы><Группа><Ид>g1</Ид><Наименование>Фильтры</Наименование></Группа></Группы>
  </Классификатор>
  <Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cls</ИдКлассификатора>
    <Наименование>Каталог</Наименование>
    <Товары>
      <Товар><Ид>p-1</Ид><Артикул>W 712/75</Артикул><Наименование>Фильтр масляный</Наименование>
        <БазоваяЕдиница Код="796 ">шт</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы></Товар>
      <Товар><Ид>p-2 </Ид><Артикул>OC 90</Артикул>
        <Наименование>Фильтр масляный KNECHT</Наименование>
        <БазоваяЕдиница Код="796">шт</БазоваяЕдиница><Группы><Ид>g1</Ид></Группы></Товар>
    </Товары>
  </Каталог>
</КоммерческаяИнформация>
"""


def test_import_command_loads_commerceml(
    cli_env: str, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    path = tmp_path / "import.xml"
    path.write_text(IMPORT_XML, encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path)]) == 0
    said = capsys.readouterr().out
    words = said.split(": ", 1)[1]  # after the file's path: counts in Russian words
    assert "товаров 2" in words and "классификатор полный" in words, said
    assert not any("a" <= ch.lower() <= "z" for ch in words), said
    assert main(["catalog", "search", "oc90", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"article": "OC 90"' in out
    assert main(["catalog", "search", "oc90"]) == 0  # for people: through core/display
    line = capsys.readouterr().out
    assert "OC 90" in line and "—" in line and "E+" not in line and "None" not in line
    assert "остаток" in line and "stock" not in line
    assert main(["catalog", "search", "нетакого"]) == 0
    assert capsys.readouterr().out.strip() == "Ничего не найдено."
    broken = tmp_path / "broken.xml"
    broken.write_text(IMPORT_XML[:300], encoding="utf-8")
    assert main(["import", str(broken)]) == 1


def test_pause_resume_revoke_restore_commands(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    assert main(["db", "upgrade"]) == 0
    assert main(["dealer", "create", "--name", "ООО Тест", "--inn", "7701234567"]) == 0
    capsys.readouterr()
    path = cli_env.split("///", 1)[1]
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO users (telegram_id, role, dealer_id, full_name, language, is_active,"
            " created_at) VALUES (555001, 'dealer', 1, 'Иван', 'ru', 1, '2026-12-01 10:00:00')"
        )

    assert main(["dealer", "pause", "1", "--reason", "долг по оплате"]) == 0
    assert "Дилер 1 (ООО Тест) приостановлен." in capsys.readouterr().out
    assert main(["dealer", "resume", "1"]) == 0
    assert "Дилер 1 (ООО Тест) снова работает." in capsys.readouterr().out
    assert main(["dealer", "resume", "1"]) == 1  # not paused: an error, nothing changes
    assert "Дилер «ООО Тест» не приостановлен." in capsys.readouterr().err
    assert main(["dealer", "pause", "42"]) == 1
    assert "Дилер 42 не найден." in capsys.readouterr().err

    assert main(["user", "revoke", "555001", "--reason", "уволился"]) == 0
    assert "Доступ пользователя 555001 (Иван) закрыт." in capsys.readouterr().out
    assert main(["user", "revoke", "555001"]) == 1
    assert "Доступ «Иван» уже закрыт." in capsys.readouterr().err
    assert main(["user", "revoke", "999"]) == 1
    assert "Пользователь Telegram 999 не найден." in capsys.readouterr().err
    with sqlite3.connect(path) as conn:
        revoked, active = conn.execute(
            "SELECT revoked_at, is_active FROM users WHERE telegram_id = 555001"
        ).fetchone()
        assert revoked is not None and not active
    assert main(["user", "restore", "555001"]) == 0
    assert "восстановлен." in capsys.readouterr().out

    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT action, staff_login, object_id FROM audit_log ORDER BY id"
        ).fetchall()
        status = conn.execute("SELECT status FROM dealers WHERE id = 1").fetchone()[0]
    assert [r[0] for r in rows] == ["dealer.pause", "dealer.resume", "user.revoke", "user.restore"]
    assert all(r[1].startswith("cli:") for r in rows)
    assert status == "active"


def test_the_exchange_log_labels_are_core_displays() -> None:
    from admin import exchange_view
    from core.display import LABELS

    assert exchange_view.KINDS is LABELS["exchange_type"]
    assert exchange_view.STATUSES is LABELS["exchange_status"]
    assert exchange_view.FILE_STATES is LABELS["exchange_file_state"]
    assert exchange_view.COUNT_LABELS is LABELS["exchange_count"]
