"""Взаиморасчёты end to end: balance with 1C's date, stale warning, documents, PDFs by upload
then by cached file_id, a forged document id refused, paused/revoked refused, shipment notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import FinanceAction
from core import display
from core.access.lifecycle import Actor, pause_dealer, revoke_person
from core.finance.push import (
    FinancePush,
    PushedContract,
    PushedCounterparty,
    PushedDocument,
    apply_push,
)
from core.models import DocumentKind, FinanceDocument, LegalEntity, Order, User
from dealerbot.telegram import make_sender
from tests.bot.conftest import BotHarness, Shop, alerts, last_message, make_shop
from tests.bot.test_bot_orders_claims import placed_order
from tests.finance_data import tiny_pdf

ADMIN = Actor(login="test-admin")
AS_OF = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 18:00 in Moscow


def rub(value: str) -> str:
    return display.money(Decimal(value), "RUB", "ru")


async def push_for(
    db: async_sessionmaker[AsyncSession],
    dealer_id: int,
    *,
    as_of: datetime = AS_OF,
    documents: tuple[PushedDocument, ...] = (),
) -> None:
    async with db() as s:
        entity = await s.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer_id))
        assert entity is not None
        contract = PushedContract(
            number="Д-15/2025",
            credit_limit=Decimal("500000.00"),
            debt=Decimal("320000.50"),
            overdue=Decimal("15000.00"),
            deferral_days=14,
            documents=documents,
        )
        party = PushedCounterparty(inn=entity.inn, kpp=entity.kpp or "", contracts=(contract,))
        await apply_push(s, FinancePush(as_of=as_of, counterparties=(party,)))
        await s.commit()


def doc(number: str, day: int, *, pdf: bool = True, order: str = "", kind=DocumentKind.SHIPMENT):
    return PushedDocument(
        kind=kind,
        number=number,
        doc_date=datetime(2026, 11, day).date(),
        amount=Decimal("1000.00"),
        order_ref=order,
        file_name=f"{number}.pdf" if pdf else "",
        pdf=tiny_pdf(number) if pdf else None,
    )


async def test_balance_shows_figures_with_their_date_and_a_stale_warning(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    none = last_message(await tg.send_text(me, "/balance"))
    assert "Данных о взаиморасчётах пока нет" in none.text

    await push_for(db, shop.dealer_id)
    shown = last_message(await tg.send_text(me, "💰 Взаиморасчёты"))
    text = shown.text
    assert "договор Д-15/2025" in text
    assert "данные 1С на 01.12.2026 18:00" in text
    assert "⚠️ Данные старше суток" in text  # the push is days old
    assert f"Долг: {rub('320000.50')}" in text
    assert f"Просрочено: {rub('15000.00')}" in text
    assert f"Кредитный лимит: {rub('500000.00')}" in text
    assert f"Свободный лимит: {rub('179999.50')}" in text
    assert "Отсрочка: 14 дн." in text
    assert "None" not in text and "2026-12" not in text
    assert [t for t, _ in shown.buttons] == ["📄 Документы", "📑 Акт сверки"]

    await push_for(db, shop.dealer_id, as_of=datetime.now(UTC) - timedelta(hours=2))
    fresh = last_message(await tg.send_text(me, "/balance"))
    assert "данные 1С на" in fresh.text and "старше суток" not in fresh.text


async def test_documents_list_pdf_upload_then_cached_file_id(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    me = shop.tg_user
    assert "Документов пока нет" in last_message(await tg.send_text(me, "/documents")).text
    shipments = [doc(f"РТ-{n:04d}", n) for n in range(1, 10)]
    docs = (*shipments, doc("ПП-1", 28, pdf=False, kind=DocumentKind.PAYMENT))
    await push_for(db, shop.dealer_id, documents=docs)
    first = last_message(await tg.send_text(me, "/documents"))
    assert "стр. 1 из 2" in first.text
    assert "Оплата ПП-1 от 28.11.2026" in first.text and "без файла" in first.text
    labels = [t for t, _ in first.buttons]
    assert "📄 УПД РТ-0009" in labels and not any("ПП-1" in t for t in labels)  # no PDF: no button
    assert labels[-2:] == ["▶", "📑 Акт сверки"]
    second = last_message(await tg.press_in(me, first, "▶"))
    assert (
        "стр. 2 из 2" in second.text and "РТ-0002" in second.text and "РТ-0009" not in second.text
    )

    calls = await tg.press_in(me, first, "📄 УПД РТ-0009")
    (sent,) = [c for c in calls if c.method == "sendDocument"]
    (content,) = sent.files.values()
    assert content.startswith(b"%PDF")
    assert "УПД РТ-0009 от 09.11.2026" in sent.text
    async with db() as s:
        stored = await s.scalar(select(FinanceDocument).where(FinanceDocument.number == "РТ-0009"))
        assert stored is not None and stored.telegram_file_id
        cached = stored.telegram_file_id

    again = await tg.press_in(me, first, "📄 УПД РТ-0009")
    (resent,) = [c for c in again if c.method == "sendDocument"]
    assert resent.files == {} and resent.params["document"] == cached


async def test_forged_document_id_of_another_dealer_is_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    other = await make_shop(tg, db, name="ООО Чужой")
    await push_for(db, other.dealer_id, documents=(doc("ЧУЖ-1", 3),))
    async with db() as s:
        theirs = await s.scalar(select(FinanceDocument.id))
    assert theirs is not None
    forged = FinanceAction(action="pdf", doc_id=theirs).pack()
    calls = await tg.press(shop.tg_user, forged)
    assert not [c for c in calls if c.method == "sendDocument"]
    assert any("Документ не найден" in a for a in alerts(calls)), alerts(calls)
    # the owner gets it
    mine = await tg.press(other.tg_user, forged)
    assert [c for c in mine if c.method == "sendDocument"]


async def test_paused_dealer_and_revoked_person_are_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    await push_for(db, shop.dealer_id, documents=(doc("РТ-1", 1),))
    async with db() as s:
        document_id = await s.scalar(select(FinanceDocument.id))
        await pause_dealer(s, shop.dealer_id, ADMIN, reason="сверка")
        await s.commit()
    me = shop.tg_user
    for calls in (
        await tg.send_text(me, "/balance"),
        await tg.send_text(me, "/documents"),
        await tg.press(me, FinanceAction(action="pdf", doc_id=document_id or 0).pack()),
    ):
        dumped = str([c.params for c in calls])
        assert "приостановлен" in dumped and "320" not in dumped
        assert not [c for c in calls if c.method == "sendDocument"]

    other = await make_shop(tg, db, name="ООО Второй")
    await push_for(db, other.dealer_id)
    async with db() as s:
        person = await s.get(User, other.user_id)
        assert person is not None
        await revoke_person(s, person, ADMIN, reason="уволился")
        await s.commit()
    refused = str([c.params for c in await tg.send_text(other.tg_user, "/balance")])
    assert "доступ к боту закрыт" in refused and "320" not in refused


async def test_shipment_document_tells_the_dealer_once(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    order_id = await placed_order(db, shop, {"OC 90": 2}, status="confirmed")
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        number = order.number
    shipment = doc("РТ-777", 20, order=number)
    await push_for(db, shop.dealer_id, documents=(shipment,))
    await make_sender(tg.bot, db, tg.settings).run_once()
    told = await tg.wait_for("sendMessage", lambda c: "🚚" in c.text)
    assert told.chat_id == shop.tg_user.id
    assert f"Заказ {number}: отгрузка — УПД РТ-777 от 20.11.2026" in told.text
    await push_for(db, shop.dealer_id, documents=(shipment,))  # the same document again
    assert await make_sender(tg.bot, db, tg.settings).run_once() == 0
    # the order history and card show the state from the documents
    listing = last_message(await tg.send_text(shop.tg_user, "📦 Заказы"))
    assert any(number in t and "отгружен" in t for t, _ in listing.buttons), listing.buttons
    card = last_message(await tg.press_in(shop.tg_user, listing, number))
    assert "По документам 1С: отгружен" in card.text
    async with db() as s:
        assert len((await s.scalars(select(FinanceDocument))).all()) == 1
