"""Errors (unknown commands, stale buttons, crashes), run modes (webhook, storage), and i18n."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.factory import create_bot, create_dispatcher, create_storage
from bot.i18n import LOCALES, read_catalog
from bot.keyboards import MENU_KEYS
from bot.runner import WEBHOOK_PATH, setup_webhook_routes
from core.models import ClaimReason, ClaimStatus, OrderStatus
from core.orders import cart_import
from core.orders.reorder import LineChange
from core.settings import get_settings
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.fake_api import FakeTelegram, TgUser

ROOT = Path(__file__).resolve().parents[2]


async def test_unknown_command_and_stale_buttons(tg: BotHarness, shop: Shop) -> None:
    me = shop.tg_user
    assert "Такой команды нет" in last_message(await tg.send_text(me, "/frobnicate")).text
    for data in ["zz:1", "cart:bogus:x", "ord:view:notanumber:0", "sp:3"]:
        calls = await tg.press(me, data)
        assert alerts(calls) == ["Эта кнопка устарела. Откройте раздел заново из меню."], data


async def test_a_crash_is_logged_with_the_update_and_answered_politely(
    tg: BotHarness, shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import bot.handlers.menu as menu

    async def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(menu, "get_dealer", broken)
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        reply = last_message(await tg.send_text(shop.tg_user, "👤 Мой менеджер"))
    assert "что-то пошло не так" in reply.text
    assert "database on fire" not in reply.text
    record = next(r for r in caplog.records if r.name == "bot.errors")
    assert "Мой менеджер" in record.getMessage() and record.exc_info is not None


async def test_webhook_checks_the_secret(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        _env_file=None,
    )
    bot = create_bot(settings)
    app = web.Application()
    setup_webhook_routes(
        app, dispatcher=create_dispatcher(settings, db), bot=bot, secret="s3cret-token"
    )
    update = {
        "update_id": 1,
        "message": fake.message(TgUser(id=777), text="/start"),
    }
    async with TestClient(TestServer(app)) as client:
        wrong = await client.post(
            WEBHOOK_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
        assert wrong.status == 401
        missing = await client.post(WEBHOOK_PATH, json=update)
        assert missing.status == 401
        assert fake.calls == []
        ok = await client.post(
            WEBHOOK_PATH, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        )
        assert ok.status == 200
        reply = await fake.wait_for("sendMessage", lambda c: c.chat_id == 777)
        assert "закрытом пилоте" in reply.text
    await bot.session.close()
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        setup_webhook_routes(
            web.Application(), dispatcher=create_dispatcher(settings, db), bot=bot, secret=""
        )


async def test_storage_is_memory_by_default_and_redis_with_redis_url() -> None:
    memory, isolation = create_storage(get_settings(_env_file=None, redis_url=None))
    assert (
        type(memory).__name__ == "MemoryStorage"
        and type(isolation).__name__ == "SimpleEventIsolation"
    )
    pytest.importorskip("redis", reason="the redis package is needed for RedisStorage")
    redis, redis_isolation = create_storage(
        get_settings(_env_file=None, redis_url="redis://127.0.0.1:6399/0")
    )
    assert (
        type(redis).__name__ == "RedisStorage"
        and type(redis_isolation).__name__ == "RedisEventIsolation"
    )
    await redis.close()


def used_keys() -> set[str]:
    """Every text key the bot uses: literal keys in code, plus the families built at run time."""
    keys: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""(?:\b_|gettext)\(\s*"([a-z_]+\.[a-z_.]+)\"""", source))
        keys |= set(re.findall(r'"((?:menu|start|notify)\.[a-z_]+)"', source))
    keys |= {key for row in MENU_KEYS for key in row}
    keys |= {f"order.status.{s.value}" for s in OrderStatus}
    keys |= {f"claim.status.{s.value}" for s in ClaimStatus}
    keys |= {f"claim.reason.{r.value}" for r in ClaimReason}
    keys |= {f"reorder.{c.value}" for c in LineChange}
    keys |= {f"cart.warning.{w}" for w in ("short_stock", "no_price", "inactive")}
    statuses = ("ADDED", "SHORT", "UNKNOWN", "AMBIGUOUS", "INACTIVE", "BAD_QUANTITY", "CART_FULL")
    keys |= {f"import.status.{getattr(cart_import, s)}" for s in statuses}
    keys |= {f"command.{c}" for c in ("start", "help", "menu", "cancel", "template")}
    keys |= {f"settings.lang_{code}" for code in LOCALES}
    decisions = ("approved", "rejected", "cancelled")
    keys |= {f"approval.{kind}.{d}" for kind in ("status", "already", "done") for d in decisions}
    keys |= {f"role.{r}" for r in ("buyer", "approver", "admin")}
    keys |= {f"invite.role.{r}" for r in ("buyer", "approver")}
    keys |= {
        f"error.application.{f}_{k}"
        for f in ("company", "city", "contact")
        for k in ("required", "too_long")
    }
    return keys


def core_error_keys() -> set[str]:
    """Every literal DomainError key raised in core/ and bot/ (translated by the error router)."""
    keys: set[str] = set()
    pattern = (
        r"""(?:NotFound|Forbidden|InvalidInput|InvalidTransition|DomainError)\(\s*"([a-z_.]+)\""""
    )
    for package in ("core", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            keys |= {f"error.{k}" for k in re.findall(pattern, path.read_text(encoding="utf-8"))}
    return keys


def test_every_key_exists_in_every_locale() -> None:
    catalogs = {locale: read_catalog(locale) for locale in LOCALES}
    assert set(catalogs["ru"]) == set(catalogs["en"]), "ru and en .po files hold different keys"
    needed = used_keys() | core_error_keys()
    for locale, catalog in catalogs.items():
        missing = sorted(needed - set(catalog))
        assert not missing, f"{locale}: keys without a text: {missing}"
        for key, text in catalog.items():
            placeholders = set(re.findall(r"\{(\w+)\}", text))
            other = set(re.findall(r"\{(\w+)\}", catalogs["en" if locale == "ru" else "ru"][key]))
            assert placeholders == other, f"{key}: placeholders differ between locales"


async def test_run_polling_sets_commands_and_answers(
    fake: FakeTelegram, db: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    import asyncio
    import contextlib

    from bot.factory import create_bot, create_dispatcher
    from bot.runner import run_polling

    settings = get_settings(
        environment="test",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.url,
        redis_url=None,
        _env_file=None,
    )
    bot = create_bot(settings)
    task = asyncio.create_task(run_polling(bot, create_dispatcher(settings, db)))
    try:
        await fake.push("message", fake.message(TgUser(id=778, language_code="en"), text="/start"))
        reply = await fake.wait_for("sendMessage", lambda c: c.chat_id == 778)
        assert "closed pilot" in reply.text
        methods = [c.method for c in fake.calls]
        assert "deleteWebhook" in methods
        commands = fake.calls_of("setMyCommands")
        assert len(commands) == 2  # Russian by default, English for English users
        assert {c.params.get("language_code") for c in commands} == {None, "en"}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
