"""End to end through the fake Bot API: credit control at checkout (hold -> the manager's
Approve, kept out of 1C until then and exported once; warn; block), the invoice of a confirmed
order and the акт сверки for a period as PDFs read back with pypdf, forged buttons refused."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import ApprovalDecision, OrderAction
from bot.manager_callbacks import CreditDecision
from core.models import Dealer, LegalEntity, Order, OutboxEvent, Role
from core.outbox import EventKind
from tests.bot import test_bot_approval as approval
from tests.bot.conftest import BotHarness, Shop, alerts, last_message, make_shop
from tests.bot.test_bot_approval import Company, add_person, sale_query, sender, sent_to, the_order
from tests.bot.test_bot_orders_claims import placed_order
from tests.finance_print_data import contract, document, seller_settings
from tests.onec.conftest import OneC

company = approval.company  # the fixtures of the approval tests: dealer, approvers, manager
onec = approval.onec


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    raw = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    return " ".join(raw.replace("\xa0", " ").split())


async def credit(
    db: async_sessionmaker[AsyncSession], dealer_id: int, policy: str, *, debt: str = "500"
) -> None:
    """1C's figures: limit 1 000, the given debt; the dealer's policy."""
    async with db() as s:
        dealer = await s.get(Dealer, dealer_id)
        assert dealer is not None
        dealer.credit_policy = policy
        entity = await s.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer_id))
        await contract(s, dealer, entity, credit_limit=Decimal("1000"), debt=Decimal(debt))
        await s.commit()


async def to_confirm(tg: BotHarness, shop: Shop, quantity: int):
    """Up to the confirmation screen (the text the dealer reads before confirming)."""
    from bot.callbacks import AddToCart

    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=quantity).pack())
    view = last_message(await tg.send_text(me, "🛒 Корзина"))
    step = last_message(await tg.press_in(me, view, "✅ Оформить"))
    step = last_message(await tg.press_in(me, step, "Москва, ул. Складская"))
    for _ in range(3):
        step = last_message(await tg.press_in(me, step, "Пропустить"))
    return step


async def test_held_for_credit_goes_to_the_manager_and_to_1c_once_after_approval(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    await credit(db, company.shop.dealer_id, "hold")  # free 500 ₽; 2 x 350 = 700 ₽
    confirm = await to_confirm(tg, company.shop, 2)
    assert "больше свободного кредитного лимита (500,00 ₽)" in confirm.text.replace("\xa0", " ")
    assert "«на согласовании»" in confirm.text
    placed = last_message(await tg.press_in(company.buyer, confirm, "✅ Подтвердить"))
    order = await the_order(db)
    assert f"Заказ {order.number} оформлен и ждёт решения менеджера поставщика" in placed.text
    assert (order.status, order.credit_hold) == ("awaiting_approval", "held")
    assert await sale_query(onec) == []

    await sender(tg, db).run_once()
    (card,) = sent_to(tg, company.manager)
    assert "💳 Кредитный контроль" in card.text and order.number in card.text
    assert [t for t, _ in card.buttons] == ["✅ Одобрить", "❌ Отказать"]
    assert sent_to(tg, company.olga) == []  # not the dealer's approver's decision

    # the attacks: a manager of another dealer, and the dealer's approver, forge the buttons
    # a manager with no dealers of their own: the company's dealer (Мария's) is out of scope
    stranger = await add_person(tg, db, 0, "Чужой", "buyer", role=Role.MANAGER)
    forged = CreditDecision(action="ok", order_id=order.id).pack()
    assert alerts(await tg.press(stranger, forged)) == ["Нет доступа."]
    await tg.press(company.olga, ApprovalDecision(action="ok", order_id=order.id).pack())
    assert (await the_order(db)).credit_hold == "held"
    assert await sale_query(onec) == []

    answer = await tg.press(company.manager, forged, message_id=card.message_id)
    assert alerts(answer) == [f"Заказ {order.number} одобрен и передан в работу"]
    again = await tg.press(company.manager, forged, message_id=card.message_id)
    assert alerts(again) != alerts(answer)  # decided before: nothing changes
    stored = await the_order(db)
    assert (stored.status, stored.credit_hold) == ("new", "approved")
    assert await sale_query(onec) == [order.number]
    assert await sale_query(onec) == []
    await sender(tg, db).run_once()
    told = [c.text for c in sent_to(tg, company.buyer)]
    assert any("Одобрено менеджером поставщика (кредитный лимит)" in t for t in told), told
    async with db() as s:
        exports = await s.scalar(
            select(func.count()).where(OutboxEvent.kind == EventKind.ORDER_EXPORT)
        )
        assert exports == 1


async def test_warn_tells_and_places_block_tells_and_refuses(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    await credit(db, company.shop.dealer_id, "warn")
    confirm = await to_confirm(tg, company.shop, 2)
    assert "больше свободного кредитного лимита" in confirm.text
    assert "Заказ будет оформлен как обычно" in confirm.text
    placed = last_message(await tg.press_in(company.buyer, confirm, "✅ Подтвердить"))
    order = await the_order(db)
    assert f"Заказ {order.number}" in placed.text and order.status == "new"
    assert await sale_query(onec) == [order.number]

    async with db() as s:
        await s.execute(
            update(Dealer).where(Dealer.id == company.shop.dealer_id).values(credit_policy="block")
        )
        await s.commit()
    confirm = await to_confirm(tg, company.shop, 2)
    assert "Такой заказ сейчас не может быть оформлен" in confirm.text
    refused = await tg.press_in(company.buyer, confirm, "✅ Подтвердить")
    assert any("Заказ не оформлен: превышен кредитный лимит" in a for a in alerts(refused))
    async with db() as s:
        assert await s.scalar(select(func.count()).select_from(Order)) == 1


async def test_invoice_of_a_confirmed_order_is_a_pdf_and_another_dealers_is_refused(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    for name, value in seller_settings().model_dump().items():
        if name.startswith("seller_") or name == "vat_rate":
            setattr(tg.settings, name, value)
    me = shop.tg_user
    order_id = await placed_order(db, shop, {"OC 90": 2}, status="confirmed")
    card = last_message(await tg.press(me, OrderAction(action="view", order_id=order_id).pack()))
    assert "🧾 Счёт на оплату" in [t for t, _ in card.buttons]
    calls = await tg.press_in(me, card, "🧾 Счёт на оплату")
    (sent,) = [c for c in calls if c.method == "sendDocument"]
    (content,) = sent.files.values()
    text = pdf_text(content)
    async with db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
    assert f"Счёт на оплату № {order.number}" in text
    assert "БИК 044525225" in text and "40702810900000000001" in text
    assert "Итого: 700,00" in text and "Семьсот рублей 00 копеек" in text

    # once 1C pushed its own invoice for the order, that PDF goes instead of ours
    onec_pdf = b"%PDF-1.4\n% 1C invoice\n%%EOF\n"
    async with db() as s:
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        row = await contract(s, dealer, None)
        await document(
            s, row, "invoice", "СЧ-1", date(2026, 12, 2), "700.00", pdf=onec_pdf, order_id=order_id
        )
        await s.commit()
    calls = await tg.press_in(me, card, "🧾 Счёт на оплату")
    (sent,) = [c for c in calls if c.method == "sendDocument"]
    assert list(sent.files.values()) == [onec_pdf]

    other = await make_shop(tg, db, name="ООО Другой")
    foreign = await placed_order(db, other, {"OC 90": 1}, status="confirmed")
    forged = await tg.press(me, OrderAction(action="invoice", order_id=foreign).pack())
    assert [c for c in forged if c.method == "sendDocument"] == []
    assert any("не найден" in t for t in [*alerts(forged), *(c.text for c in forged)])


async def test_reconciliation_for_a_typed_period_is_rendered_and_read_back(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    tg.settings.seller_name = "ООО «Дистрибьютор»"
    tg.settings.seller_account = "40702810900000000001"
    me = shop.tg_user
    async with db() as s:
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        entity = await s.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
        row = await contract(s, dealer, entity, debt=Decimal("90000.00"))
        await document(s, row, "shipment", "РТ-7", date(2026, 11, 10), "100000.00")
        await document(s, row, "payment", "ПП-7", date(2026, 11, 20), "10000.00")
        await s.commit()
    balance = last_message(await tg.send_text(me, "/balance"))
    ask = last_message(await tg.press_in(me, balance, "📑 Акт сверки"))
    assert [t for t, _ in ask.buttons][:4] == ["Этот месяц", "Прошлый месяц", "Квартал", "Год"]
    prompt = last_message(await tg.press_in(me, ask, "✍️ Свой период"))
    assert "01.10.2026-31.10.2026" in prompt.text
    bad = last_message(await tg.send_text(me, "31.11.2026-01.12.2026"))
    assert "Период не распознан" in bad.text
    calls = await tg.send_text(me, "01.11.2026-30.11.2026")
    (sent,) = [c for c in calls if c.method == "sendDocument"]
    (content,) = sent.files.values()
    text = pdf_text(content)
    assert "за период с 01.11.2026 по 30.11.2026" in text
    assert "Сальдо начальное 0,00" in text
    assert "10.11.2026 Реализация РТ-7 100 000,00" in text
    assert "20.11.2026 Оплата ПП-7 10 000,00" in text
    assert "Сальдо конечное 90 000,00" in text
    assert "Девяносто тысяч рублей 00 копеек" in text
