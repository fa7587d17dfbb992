"""Analogs in the bot's answer, "Сообщить о поступлении", and the alerts after a 1C exchange:
end to end through the fake Bot API, the real importer and the real sender."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.crosses import Number, link_pairs
from core.models import (
    Delivery,
    DeliveryState,
    PriceType,
    Product,
    StockAlert,
    Warehouse,
    utcnow,
)
from dealerbot.telegram import make_sender
from integrations.onec.importer import import_file
from tests import factories
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.test_bot_orders_claims import placed_order


def offers_xml(price_type: str, house: str, rows: dict[str, tuple[str, str]]) -> str:
    """A partial CommerceML offers package: 1C id -> (price, stock at `house`)."""
    offers = "".join(
        f"<Предложение><Ид>{onec_id}</Ид><Цены><Цена><ИдТипаЦены>{price_type}</ИдТипаЦены>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена></Цены>"
        f'<Склад ИдСклада="{house}" КоличествоНаСкладе="{stock}"/></Предложение>'
        for onec_id, (price, stock) in rows.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<КоммерческаяИнформация ВерсияСхемы="2.08">'
        '<ПакетПредложений СодержитТолькоИзменения="true"><Ид>p1</Ид>'
        f"<Предложения>{offers}</Предложения></ПакетПредложений></КоммерческаяИнформация>"
    )


class Exchange:
    """1C pushing offers for the shop's items through the real importer."""

    def __init__(self, db: async_sessionmaker[AsyncSession], folder: Path) -> None:
        self.db = db
        self.folder = folder
        self.runs = 0

    async def push(self, rows: dict[str, tuple[str, str]]) -> dict[str, object]:
        async with self.db() as s:
            pt = await s.scalar(select(PriceType.onec_id).where(PriceType.name == "Дилерская"))
            house = await s.scalar(select(Warehouse.onec_id).where(Warehouse.name == "Москва"))
            ids = {a: o for a, o in await s.execute(select(Product.article, Product.onec_id))}
        assert pt and house
        self.runs += 1
        path = self.folder / f"offers{self.runs}.xml"
        body = {ids[article]: value for article, value in rows.items()}
        path.write_text(offers_xml(pt, house, body), encoding="utf-8")
        return await import_file(self.db, path)


async def _air_filter_without_stock(db: async_sessionmaker[AsyncSession]) -> int:
    """An item with no stock whose analog LX 1006 is in stock (cross pair C 30005 ~ LX 1006)."""
    async with db() as s:
        pt = await s.scalar(select(PriceType).where(PriceType.name == "Дилерская"))
        assert pt is not None
        item = await factories.product(s, "C 30005", "Фильтр воздушный MANN", prices={pt: "990"})
        await link_pairs(s, [(Number("C 30005"), Number("LX-1006"))], source="csv")
        await s.commit()
        return item.id


async def test_item_answer_lists_analogs_in_stock_and_offers_an_alert(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    item_id = await _air_filter_without_stock(db)
    found = last_message(await tg.send_text(me, "воздушный mann"))
    text = found.text
    assert "1. C 30005 — Фильтр воздушный MANN" in text and "Нет в наличии" in text
    assert "Аналоги в наличии:" in text
    assert "↔ LX 1006 — Фильтр воздушный: 890,00 ₽, 12 шт" in text
    assert text.index("C 30005") < text.index("Аналоги") < text.index("LX 1006")
    assert "🔔 1. Сообщить о поступлении" in [t for t, _ in found.buttons]

    asked = await tg.press_in(me, found, "🔔 1.")
    assert "сообщим, когда товар поступит" in " ".join(alerts(asked))
    again = await tg.press_in(me, found, "🔔 1.")
    assert "уже ждёте" in " ".join(alerts(again))
    async with db() as s:
        rows = list(await s.scalars(select(StockAlert)))
    assert [(a.user_id, a.product_id, a.notified_at) for a in rows] == [
        (shop.user_id, item_id, None)
    ]

    # the cross number finds the whole group, the exact article first
    group = last_message(await tg.send_text(me, "lx1006"))
    assert group.text.index("1. LX 1006") < group.text.index("2. C 30005")


async def test_item_in_stock_has_no_alert_button(tg: BotHarness, shop: Shop) -> None:
    found = last_message(await tg.send_text(shop.tg_user, "oc90"))
    assert not any("Сообщить" in t for t, _ in found.buttons)


async def test_back_in_stock_is_told_once(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    me = shop.tg_user
    item_id = await _air_filter_without_stock(db)
    found = last_message(await tg.send_text(me, "воздушный mann"))
    await tg.press_in(me, found, "🔔 1.")
    exchange = Exchange(db, tmp_path)

    still_none = await exchange.push({"C 30005": ("990.00", "0")})
    assert still_none["alerts"] == {"stock_back": 0, "price_drops": 0}
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0

    back = await exchange.push({"C 30005": ("990.00", "6")})
    assert back["alerts"] == {"stock_back": 1, "price_drops": 0}
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 1
    told = await tg.wait_for("sendMessage", lambda c: "Поступили" in c.text)
    assert told.chat_id == me.id
    assert "C 30005 — Фильтр воздушный MANN" in told.text and "в наличии 6 шт" in told.text
    assert told.buttons[0][0] == "C 30005 +1"

    # a second exchange and a restarted sender tell nothing more; the alert has ended
    assert (await exchange.push({"C 30005": ("990.00", "8")}))["alerts"]["stock_back"] == 0
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0
    async with db() as s:
        alert = await s.scalar(select(StockAlert).where(StockAlert.product_id == item_id))
        assert alert is not None and alert.notified_at is not None
        kinds = list(await s.scalars(select(Delivery.kind).where(Delivery.kind == "alert.stock")))
    assert kinds == ["alert.stock"]
    assert sum("Поступили" in c.text for c in tg.fake.calls if c.method == "sendMessage") == 1

    # in stock now: the button is gone, and asking again is refused politely
    refused = await tg.press(me, f"sta:{item_id}", found.message_id or 1)
    assert "уже есть в наличии" in " ".join(alerts(refused))


async def test_price_drop_is_opt_in_and_told_once_per_drop(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    me = shop.tg_user
    await placed_order(db, shop, {"OC 90": 2})
    exchange = Exchange(db, tmp_path)
    # not opted in: a drop is not told
    assert (await exchange.push({"OC 90": ("340.00", "40")}))["alerts"]["price_drops"] == 0

    settings = last_message(await tg.send_text(me, "⚙️ Настройки"))
    switch = next(t for t, _ in settings.buttons if "снижении цен" in t)
    assert switch.endswith("выкл.")
    toggled = await tg.press_in(me, settings, "📉")
    assert "Сообщим, когда подешевеют" in " ".join(alerts(toggled))
    edited = next(c for c in toggled if c.method == "editMessageReplyMarkup")
    assert any(t.endswith(": вкл.") for t, _ in edited.buttons)

    assert (await exchange.push({"OC 90": ("340.00", "40")}))["alerts"]["price_drops"] == 0
    drop = await exchange.push({"OC 90": ("300.00", "40")})
    assert drop["alerts"] == {"stock_back": 0, "price_drops": 1}
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 1
    told = await tg.wait_for("sendMessage", lambda c: "Снизились цены" in c.text)
    assert told.chat_id == me.id and "было 340,00 ₽, стало 300,00 ₽" in told.text

    assert (await exchange.push({"OC 90": ("300.00", "40")}))["alerts"]["price_drops"] == 0
    assert (await exchange.push({"OC 90": ("320.00", "40")}))["alerts"]["price_drops"] == 0
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0
    lower = await exchange.push({"OC 90": ("290.00", "40")})  # a new drop, from 320
    assert lower["alerts"]["price_drops"] == 1
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 1
    second = await tg.wait_for("sendMessage", lambda c: "стало 290,00 ₽" in c.text)
    assert "было 320,00 ₽" in second.text
    sent = [c for c in tg.fake.calls if c.method == "sendMessage" and "Снизились" in c.text]
    assert len(sent) == 2


async def test_a_sender_that_died_mid_request_does_not_send_the_alert_again(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    me = shop.tg_user
    await _air_filter_without_stock(db)
    found = last_message(await tg.send_text(me, "воздушный mann"))
    await tg.press_in(me, found, "🔔 1.")
    await Exchange(db, tmp_path).push({"C 30005": ("990.00", "6")})
    first = make_sender(tg.bot, db, tg.settings)
    assert await first.route() == 1
    # the sender requested the message and died before it recorded the answer
    long_ago = utcnow() - timedelta(hours=1)
    async with db() as s:
        await s.execute(
            update(Delivery)
            .where(Delivery.kind == "alert.stock")
            .values(state=DeliveryState.SENDING, claimed_at=long_ago, requested_at=long_ago)
        )
        await s.commit()
    restarted = make_sender(tg.bot, db, tg.settings)
    assert await restarted.run_once() == 0
    async with db() as s:
        states = list(await s.scalars(select(Delivery.state).where(Delivery.kind == "alert.stock")))
    assert states == [DeliveryState.UNKNOWN]
    assert not [c for c in tg.fake.calls if c.method == "sendMessage" and "Поступили" in c.text]


async def test_a_paused_dealers_person_is_not_told_prices_by_an_alert(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    from core.access.lifecycle import Actor, pause_dealer

    me = shop.tg_user
    await _air_filter_without_stock(db)
    found = last_message(await tg.send_text(me, "воздушный mann"))
    await tg.press_in(me, found, "🔔 1.")
    async with db() as s:
        await pause_dealer(s, shop.dealer_id, Actor("test"), reason="долг")
        await s.commit()

    back = await Exchange(db, tmp_path).push({"C 30005": ("990.00", "6")})
    assert back["alerts"]["stock_back"] == 1  # the alert ends ...
    await make_sender(tg.bot, db, tg.settings).run_once()
    # ... but no price or stock reaches a paused dealer's person
    assert not any("Поступили" in c.text for c in tg.fake.calls if c.method == "sendMessage")
    async with db() as s:
        assert not list(await s.scalars(select(Delivery).where(Delivery.kind == "alert.stock")))
