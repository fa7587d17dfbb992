"""`dealerbot broadcast create|show`: the rows it makes (queued now or scheduled), what it
prints, and bad input refused with a Russian sentence and nothing created."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import create_engine, create_sessionmaker
from core.models import AuditEntry, Broadcast, Delivery, PilotWave, utcnow
from dealerbot.cli import main
from tests import factories
from tests.conftest import postgres_url, wipe
from tests.test_cli_errors import fails_with

run = asyncio.run


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """A migrated empty database: a new SQLite file, or TEST_DATABASE_URL's PostgreSQL wiped."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIMEZONE", "Europe/Moscow")
    monkeypatch.setenv("REDIS_URL", "")
    url = postgres_url()
    if url is not None:
        request.getfixturevalue("database_url")  # migrated once per run
        run(_wiped(url))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    return url


async def _wiped(url: str) -> None:
    engine = create_engine(url)
    try:
        await wipe(engine)
    finally:
        await engine.dispose()


def _in_db(url: str, work: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return run(go())


def _people(url: str) -> dict[str, int]:
    """A pilot wave with a dealer of two people (tag vip), another dealer of one person."""

    async def work(s: Any) -> dict[str, int]:
        wave = PilotWave(name="Пилот")
        s.add(wave)
        await s.flush()
        pilot = await factories.dealer(s, "ООО Пилот")
        pilot.wave_id = wave.id
        pilot.tags = {"vip": True}
        await factories.user(s, dealer=pilot)
        await factories.user(s, dealer=pilot)
        other = await factories.dealer(s, "ООО Другой")
        await factories.user(s, dealer=other)
        return {"wave": wave.id}

    return _in_db(url, work)


def _broadcasts(url: str) -> list[Broadcast]:
    return _in_db(url, lambda s: _all(s, Broadcast))


async def _all(s: Any, model: Any) -> list[Any]:
    return list(await s.scalars(select(model).order_by(model.id)))


def _rows(url: str, broadcast_id: int) -> list[Delivery]:
    async def work(s: Any) -> list[Delivery]:
        query = select(Delivery).where(Delivery.broadcast_id == broadcast_id)
        return list(await s.scalars(query.order_by(Delivery.id)))

    return _in_db(url, work)


def _count(url: str, model: Any) -> int:
    return _in_db(url, lambda s: s.scalar(select(func.count()).select_from(model)))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_create_now_queues_every_recipient_and_show_counts(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _people(cli_env)
    capsys.readouterr()
    assert main(["broadcast", "create", "--text", "<b>Скидка</b> 10%"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["1", "Рассылка 1 запущена: в очереди 3 из 3."]
    [item] = _broadcasts(cli_env)
    assert (item.id, item.state, item.text) == (1, "sending", "<b>Скидка</b> 10%")
    assert item.title == "Скидка 10%" and item.audience["kind"] == "all"
    assert item.queued_at is not None and item.recipients == 3
    rows = _rows(cli_env, 1)
    assert [r.state for r in rows] == ["queued"] * 3 and len({r.chat_id for r in rows}) == 3
    assert {"broadcast.create", "broadcast.send"} <= set(
        _in_db(cli_env, lambda s: s.scalars(select(AuditEntry.action))).all()
    )

    # Sent one, failed one as blocked: show says so through core.display's labels.
    async def progress(s: Any) -> None:
        first, second, _ = await _all(s, Delivery)
        first.state, first.sent_at = "sent", utcnow()
        second.state, second.error = "failed", "Forbidden: bot was blocked by the user"

    _in_db(cli_env, progress)
    assert main(["broadcast", "show", "1"]) == 0
    shown = capsys.readouterr().out.strip().splitlines()
    assert shown[0] == "Рассылка 1 «Скидка 10%»: отправляется."
    assert "Получателей: 3." in shown
    for line in ("в очереди: 1", "доставлено: 1", "заблокировал бота: 1", "ошибка: 0"):
        assert line in shown, (line, shown)
    assert "отменено: 0" in shown and "отправляется: 0" in shown


def test_audience_pilot_wave_and_tag(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _people(cli_env)
    for audience, expected in (("pilot", 2), (f"wave:{ids['wave']}", 2), ("tag:vip", 2)):
        assert main(["broadcast", "create", "--text", "Привет", "--audience", audience]) == 0
        broadcast_id = int(capsys.readouterr().out.splitlines()[0])
        assert len(_rows(cli_env, broadcast_id)) == expected, audience
    kinds = [
        (b.audience["kind"], b.audience["ids"], b.audience["values"]) for b in _broadcasts(cli_env)
    ]
    wave = ids["wave"]
    assert kinds == [("waves", [wave], []), ("waves", [wave], []), ("tags", [], ["vip"])]


def test_markup_is_the_admins(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    _people(cli_env)
    assert main(["broadcast", "create", "--markup", "--text", "*Новинка* <сразу>"]) == 0
    assert _broadcasts(cli_env)[0].text == "<b>Новинка</b> &lt;сразу&gt;"


def test_at_schedules_in_the_configured_zone(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _people(cli_env)
    capsys.readouterr()
    assert main(["broadcast", "create", "--text", "Завтра", "--at", "2099-12-05T10:00"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["1", "Рассылка 1 запланирована на 05.12.2099 10:00 (Europe/Moscow)."]
    assert main(["broadcast", "create", "--text", "Зона", "--at", "2099-12-05T10:00+05:00"]) == 0
    capsys.readouterr()
    first, second = _broadcasts(cli_env)
    assert first.state == second.state == "scheduled"
    assert _aware(first.scheduled_at) == datetime(2099, 12, 5, 7, 0, tzinfo=UTC)  # MSK is +3
    assert _aware(second.scheduled_at) == datetime(2099, 12, 5, 5, 0, tzinfo=UTC)
    assert _rows(cli_env, first.id) == [] and _rows(cli_env, second.id) == []
    assert main(["broadcast", "show", "1"]) == 0
    shown = capsys.readouterr().out.strip().splitlines()
    assert shown[:3] == [
        "Рассылка 1 «Завтра»: запланирована.",
        "Старт: 05.12.2099 10:00 (Europe/Moscow).",
        "Получателей: 0.",
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--text", "x", "--audience", "wave:999"], "Волна 999 не найдена."),
        (["--text", "x", "--audience", "wave:abc"], "Аудитория «wave:abc» не распознана"),
        (["--text", "x", "--audience", "tag:nosuch"], "Тег «nosuch» не найден"),
        (["--text", "x", "--audience", "region"], "Аудитория «region» не распознана"),
        (["--text", "x", "--at", "завтра"], "Время «завтра» не распознано"),
        (["--text", "x", "--at", "2020-01-01T10:00"], "Время старта уже прошло."),
        (["--text", "   "], "Текст рассылки пустой"),
        (["--text", "<div>x</div>"], "Тег <div> Telegram не поддерживает."),
        (["--text", "<b>x"], "Тег <b> не закрыт"),
        (["--text", "x" * 4097], "длиннее 4096"),
    ],
    ids=[
        "unknown-wave",
        "bad-wave",
        "unknown-tag",
        "bad-audience",
        "bad-time",
        "past-time",
        "empty",
        "bad-tag",
        "unbalanced",
        "too-long",
    ],
)
def test_bad_input_creates_nothing(
    cli_env: str, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    _people(cli_env)
    capsys.readouterr()
    fails_with(capsys, ["broadcast", "create", *argv], expected)
    assert capsys.readouterr().out == ""
    assert _count(cli_env, Broadcast) == 0 and _count(cli_env, Delivery) == 0
    assert _count(cli_env, AuditEntry) == 0


def test_no_pilot_no_recipients_unknown_id(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    fails_with(capsys, ["broadcast", "create", "--text", "x", "--audience", "pilot"], "Пилотной")
    fails_with(capsys, ["broadcast", "create", "--text", "x"], "Получателей нет")
    fails_with(capsys, ["broadcast", "show", "42"], "Рассылка 42 не найдена.")
    assert _count(cli_env, Broadcast) == 0 and _count(cli_env, Delivery) == 0
    # A scheduled one with no recipients yet is allowed, as in the admin.
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert main(["broadcast", "create", "--text", "x", "--at", soon]) == 0
    assert _broadcasts(cli_env)[0].state == "scheduled"
