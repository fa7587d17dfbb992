"""Roles inside a dealer, end to end: a buyer's order above the threshold waits for the dealer's
approvers (Approve / Reject in the bot, first wins), then reaches the manager and 1C's sale
query exactly once; below the threshold it goes on as before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import AddToCart, ApprovalDecision, OrderAction, OrderEdit
from core.models import (
    Dealer,
    Delivery,
    Order,
    OrderStatus,
    OrderStatusEvent,
    OutboxEvent,
    Role,
    SyncState,
    User,
)
from core.notify_settings import IMMEDIATE, NotifyEnv
from core.outbox import EventKind
from dealerbot.telegram import make_sender
from integrations.telegram.sender import Sender
from tests import factories
from tests.bot.conftest import BotHarness, Shop, alerts, last_message, make_shop
from tests.bot.fake_api import Call, TgUser
from tests.onec.conftest import OneC, onec_app

NS = {"c": "urn:1C.ru:commerceml_2"}


@dataclass
class Company:
    """A dealer with a buyer (the shop's person), two approvers, and its manager."""

    shop: Shop
    buyer: TgUser
    olga: TgUser
    petr: TgUser
    manager: TgUser


async def add_person(
    tg: BotHarness,
    db: async_sessionmaker[AsyncSession],
    dealer_id: int,
    name: str,
    dealer_role: str,
    *,
    role: str = Role.DEALER,
) -> TgUser:
    person = tg.person(first_name=name)
    async with db() as s:
        dealer = await s.get(Dealer, dealer_id)
        user = await factories.user(s, dealer=dealer if role == Role.DEALER else None, role=role)
        user.telegram_id, user.full_name, user.dealer_role = person.id, name, dealer_role
        if role == Role.MANAGER and dealer is not None:
            dealer.manager_id = user.id
        await s.commit()
    return person


@pytest.fixture
async def company(tg: BotHarness, db: async_sessionmaker[AsyncSession]) -> Company:
    shop = await make_shop(tg, db)
    async with db() as s:
        await s.execute(
            update(Dealer)
            .where(Dealer.id == shop.dealer_id)
            .values(approval_threshold=Decimal("1000.00"))
        )
        await s.execute(update(User).where(User.id == shop.user_id).values(full_name="Иван"))
        await s.commit()
    olga = await add_person(tg, db, shop.dealer_id, "Ольга", "approver")
    petr = await add_person(tg, db, shop.dealer_id, "Пётр", "admin")
    manager = await add_person(tg, db, shop.dealer_id, "Мария", "buyer", role=Role.MANAGER)
    return Company(shop, shop.tg_user, olga, petr, manager)


@pytest.fixture
async def onec(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[OneC]:
    async with onec_app(db, tmp_path) as client:
        yield client


def sender(tg: BotHarness, db: async_sessionmaker[AsyncSession]) -> Sender:
    """The outbox sender; manager cards go at once whatever the hour the test runs at."""
    env = NotifyEnv(_env_file=None, after_hours_policy=IMMEDIATE)  # type: ignore[call-arg]
    return make_sender(tg.bot, db, tg.settings, notify_env=env)


async def checkout(tg: BotHarness, shop: Shop, quantity: int) -> Call:
    """The buyer puts `quantity` of OC 90 (350 ₽) in the cart and places the order."""
    me = shop.tg_user
    await tg.press(me, AddToCart(product_id=shop.products["OC 90"], qty=quantity).pack())
    view = last_message(await tg.send_text(me, "🛒 Корзина"))
    step = last_message(await tg.press_in(me, view, "✅ Оформить"))
    step = last_message(await tg.press_in(me, step, "Москва, ул. Складская"))
    for _ in range(3):  # date, comment, PO
        step = last_message(await tg.press_in(me, step, "Пропустить"))
    return last_message(await tg.press_in(me, step, "✅ Подтвердить"))


async def sale_query(onec: OneC) -> list[str]:
    """The order numbers 1C gets from `sale query`, then `success` (as 1C does)."""
    await onec.checkauth("sale")
    await onec.text("sale", "init")
    status, body = await onec.call("sale", "query")
    assert status == 200
    numbers = etree.fromstring(body).xpath("//c:Документ/c:Номер/text()", namespaces=NS)
    assert (await onec.text("sale", "success")).startswith("success")
    return [str(n) for n in numbers]


def sent_to(tg: BotHarness, person: TgUser, method: str = "sendMessage") -> list[Call]:
    return tg.fake.calls_of(method, person.id)


async def the_order(db: async_sessionmaker[AsyncSession]) -> Order:
    async with db() as s:
        order = await s.scalar(select(Order))
        assert order is not None
        return order


async def events(db: async_sessionmaker[AsyncSession], kind: str) -> int:
    async with db() as s:
        return int(await s.scalar(select(func.count()).where(OutboxEvent.kind == kind)) or 0)


async def test_above_threshold_waits_for_approval_then_reaches_manager_and_1c_once(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    placed = await checkout(tg, company.shop, 5)  # 5 × 350 = 1 750 ₽ > 1 000 ₽
    assert "ждёт согласования" in placed.text and "1\xa0000,00 ₽" in placed.text
    assert "Согласующие: Ольга, Пётр" in placed.text
    order = await the_order(db)
    assert (order.status, order.sync_state) == ("awaiting_approval", "awaiting_approval")
    assert await sale_query(onec) == []  # not offered to 1C before approval

    await sender(tg, db).run_once()
    cards = {p.first_name: sent_to(tg, p) for p in (company.olga, company.petr)}
    assert all(len(c) == 1 for c in cards.values())
    olga_card, petr_card = cards["Ольга"][0], cards["Пётр"][0]
    assert f"Заказ {order.number} ждёт вашего согласования" in olga_card.text
    assert "Оформил(а): Иван" in olga_card.text and "выше порога согласования" in olga_card.text
    assert [t for t, _ in olga_card.buttons] == ["✅ Согласовать", "❌ Отклонить"]
    assert sent_to(tg, company.manager) == []  # no manager card while it waits
    assert sent_to(tg, company.buyer)[-1] is placed  # the buyer got nothing new either

    # Olga taps Approve twice at once: one decision, the other tap is told it is done.
    start = len(tg.fake.calls)
    await asyncio.gather(
        tg.press_in(company.olga, olga_card, "✅ Согласовать"),
        tg.press_in(company.olga, olga_card, "✅ Согласовать"),
    )
    both = tg.fake.calls[start:]  # each press's slice also holds the other's calls
    answers = alerts(both)
    assert sorted(answers) == sorted(
        [
            f"Заказ {order.number} согласован и передан менеджеру.",
            f"Заказ {order.number} уже согласован: Ольга. Ничего не изменилось.",
        ]
    )
    redrawn = [c for c in both if c.method == "editMessageText"]
    assert redrawn and "✅ Согласовал(а): Ольга" in redrawn[-1].text and not redrawn[-1].buttons
    # Pyotr's taps come after the decision: nothing changes, he learns who decided.
    late = await tg.press_in(company.petr, petr_card, "✅ Согласовать")
    assert alerts(late) == [f"Заказ {order.number} уже согласован: Ольга. Ничего не изменилось."]
    late_reject = await tg.press_in(company.petr, petr_card, "❌ Отклонить")
    assert "уже согласован: Ольга" in alerts(late_reject)[0]
    assert not any(c.method == "sendMessage" for c in late_reject)  # no reason asked

    async with db() as s:
        order = await s.get(Order, order.id)
        assert order is not None
        assert (order.status, order.sync_state) == (OrderStatus.NEW, SyncState.PENDING)
        decisions = list(
            await s.scalars(
                select(OrderStatusEvent).where(
                    OrderStatusEvent.from_status == OrderStatus.AWAITING_APPROVAL
                )
            )
        )
        assert [(e.to_status, e.actor_kind) for e in decisions] == [("new", "approver")]
    assert await events(db, EventKind.ORDER_PLACED) == 1
    assert await events(db, EventKind.ORDER_EXPORT) == 1

    # The sender: the manager's card once, the buyer's notice, Pyotr's card edited.
    await sender(tg, db).run_once()
    await sender(tg, db).run_once()
    manager_cards = sent_to(tg, company.manager)
    assert len(manager_cards) == 1 and f"Заказ {order.number}" in manager_cards[0].text
    assert "✅ Подтвердить" in [t for t, _ in manager_cards[0].buttons]
    notice = sent_to(tg, company.buyer)[-1]
    assert notice.text == f"✅ Заказ {order.number} согласован (Ольга) и передан менеджеру."
    edits = sent_to(tg, company.petr, "editMessageText")
    assert any("✅ Согласовал(а): Ольга" in e.text and not e.buttons for e in edits)
    assert len(sent_to(tg, company.olga)) == 1 and len(sent_to(tg, company.petr)) == 1

    # 1C gets it once: offered, acknowledged, never again.
    assert await sale_query(onec) == [order.number]
    assert await sale_query(onec) == []


async def test_rejected_by_an_approver_the_buyer_reads_the_reason(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    await checkout(tg, company.shop, 4)  # 1 400 ₽
    order = await the_order(db)
    await sender(tg, db).run_once()
    olga_card = sent_to(tg, company.olga)[0]
    petr_card = sent_to(tg, company.petr)[0]

    ask = last_message(await tg.press_in(company.olga, olga_card, "❌ Отклонить"))
    assert f"причину отказа по заказу {order.number}" in ask.text
    assert (await the_order(db)).status == OrderStatus.AWAITING_APPROVAL  # nothing yet
    done = last_message(await tg.send_text(company.olga, "Дорого, подождём до января"))
    assert done.text == f"Заказ {order.number} отклонён, автор узнает причину."
    # a later Approve by the other approver changes nothing
    late = await tg.press_in(company.petr, petr_card, "✅ Согласовать")
    assert alerts(late) == [f"Заказ {order.number} уже отклонён: Ольга. Ничего не изменилось."]

    order = await the_order(db)
    assert order.status == OrderStatus.REJECTED
    assert order.rejected_reason == "Дорого, подождём до января"
    assert order.sync_state == SyncState.NOT_APPLICABLE
    await sender(tg, db).run_once()
    notice = sent_to(tg, company.buyer)[-1]
    assert notice.text == (
        f"❌ Заказ {order.number} не согласован (Ольга).\nПричина: Дорого, подождём до января"
    )
    assert sent_to(tg, company.manager) == []
    assert await events(db, EventKind.ORDER_PLACED) == 0
    assert await sale_query(onec) == []


async def test_below_threshold_goes_on_as_before(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    placed = await checkout(tg, company.shop, 2)  # 700 ₽ <= 1 000 ₽
    order = await the_order(db)
    assert placed.text.startswith(f"Заказ {order.number}") and "согласован" not in placed.text
    assert (order.status, order.sync_state) == (OrderStatus.NEW, SyncState.PENDING)
    await sender(tg, db).run_once()
    assert len(sent_to(tg, company.manager)) == 1
    assert sent_to(tg, company.olga) == [] and sent_to(tg, company.petr) == []
    assert await sale_query(onec) == [order.number]


async def test_an_approvers_own_order_and_a_buyers_tap_on_approve(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession]
) -> None:
    # The buyer's order waits; the buyer forging an Approve press is refused, nothing changes.
    await checkout(tg, company.shop, 5)
    order = await the_order(db)
    forged = ApprovalDecision(action="ok", order_id=order.id).pack()
    refused = await tg.press(company.buyer, forged)
    assert alerts(refused) == [
        "Согласовать или отклонить этот заказ может только согласующий вашей компании"
        " (не автор заказа)."
    ]
    assert (await the_order(db)).status == OrderStatus.AWAITING_APPROVAL
    async with db() as s:
        assert await s.scalar(select(func.count(Delivery.id))) == 0

    # An approver's own order above the threshold goes straight to the manager.
    olga_shop = Shop()
    olga_shop.products, olga_shop.person = company.shop.products, company.olga
    placed = await checkout(tg, olga_shop, 5)
    assert "ждёт согласования" not in placed.text
    async with db() as s:
        own = await s.scalar(select(Order).order_by(Order.id.desc()).limit(1))
        assert own is not None and own.status == OrderStatus.NEW


# --------------------------------------------------------------------------- colleague invites


async def test_dealer_admin_invites_within_the_limit_and_is_refused_beyond_it(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession]
) -> None:
    # Ivan (buyer), Olga (approver), Pyotr (admin): 3 people; the distributor allows 4.
    async with db() as s:
        await s.execute(
            update(Dealer).where(Dealer.id == company.shop.dealer_id).values(max_people=4)
        )
        await s.commit()
    refused = last_message(await tg.send_text(company.buyer, "/invite"))
    assert refused.text == "Приглашать коллег может только администратор вашей компании."

    settings = last_message(await tg.send_text(company.petr, "⚙️ Настройки"))
    ask = last_message(await tg.press_in(company.petr, settings, "👥 Пригласить коллегу"))
    assert "Свободных мест: 1 из 4" in ask.text
    assert [t for t, _ in ask.buttons] == [
        "🛒 Покупателя (оформляет заказы)",
        "🖊 Согласующего (согласует крупные заказы)",
    ]
    made = last_message(await tg.press_in(company.petr, ask, "🖊 Согласующего"))
    assert (
        "«согласующий» — одноразовое" in made.text
        and "Свободных мест осталось: 0 из 4" in made.text
    )
    link = next(w for w in made.text.split() if w.startswith("https://t.me/"))
    token = link.split("start=", 1)[1]

    # The open invitation holds the last seat: a second one is refused in words.
    full = last_message(await tg.send_text(company.petr, "/invite"))
    assert full.text.startswith("Лимит сотрудников вашей компании исчерпан (4).")
    again = await tg.press_in(company.petr, ask, "🛒 Покупателя")
    assert alerts(again)[0].startswith("Лимит сотрудников вашей компании исчерпан (4).")

    # The colleague joins as an approver; the link works once.
    anna = tg.person(first_name="Анна")
    welcome = last_message(await tg.send_text(anna, f"/start {token}"))
    assert "ООО Автодеталь" in welcome.text
    boris = tg.person(first_name="Борис")
    used = last_message(await tg.send_text(boris, f"/start {token}"))
    assert "Приглашение уже использовано" in used.text
    async with db() as s:
        joined = await s.scalar(select(User).where(User.telegram_id == anna.id))
        assert joined is not None
        assert (joined.dealer_id, joined.dealer_role) == (company.shop.dealer_id, "approver")
        assert await s.scalar(select(User.id).where(User.telegram_id == boris.id)) is None
    still_full = last_message(await tg.send_text(company.petr, "/invite"))
    assert still_full.text.startswith("Лимит сотрудников вашей компании исчерпан (4).")


async def test_lowered_limit_refuses_an_open_invitation(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession]
) -> None:
    ask = last_message(await tg.send_text(company.petr, "/invite"))  # default limit 5: 2 free
    assert "Свободных мест: 2 из 5" in ask.text
    made = last_message(await tg.press_in(company.petr, ask, "🛒 Покупателя"))
    token = next(w for w in made.text.split() if w.startswith("https://t.me/")).split("start=")[1]
    async with db() as s:  # the distributor lowers the limit to the people already there
        await s.execute(
            update(Dealer).where(Dealer.id == company.shop.dealer_id).values(max_people=3)
        )
        await s.commit()
    late = tg.person(first_name="Вера")
    answer = last_message(await tg.send_text(late, f"/start {token}"))
    assert "Лимит сотрудников вашей компании исчерпан (3)" in answer.text
    async with db() as s:
        assert await s.scalar(select(User.id).where(User.telegram_id == late.id)) is None


async def test_the_author_cancels_an_order_awaiting_approval_others_may_not(
    tg: BotHarness, company: Company, db: async_sessionmaker[AsyncSession], onec: OneC
) -> None:
    await checkout(tg, company.shop, 4)  # 1 400 ₽: waits for approval
    order = await the_order(db)
    await sender(tg, db).run_once()
    olga_card = sent_to(tg, company.olga)[0]
    view = OrderAction(action="view", order_id=order.id).pack()
    shown = last_message(await tg.press(company.buyer, view))
    assert [t for t, _ in shown.buttons][:1] == ["🚫 Отменить заказ"]
    # the dealer admin is not its author: an approver rejects instead of cancelling
    shown = last_message(await tg.press(company.petr, view))
    assert "🚫 Отменить заказ" not in [t for t, _ in shown.buttons]
    cancel_yes = OrderEdit(action="cancelok", order_id=order.id).pack()
    refused = last_message(await tg.press(company.petr, cancel_yes))
    assert "нельзя изменить или отменить" in refused.text
    assert (await the_order(db)).status == OrderStatus.AWAITING_APPROVAL

    asked = last_message(
        await tg.press(company.buyer, OrderEdit(action="cancel", order_id=order.id).pack())
    )
    done = await tg.press_in(company.buyer, asked, "🚫 Да, отменить")
    assert alerts(done) == [f"Заказ {order.number} отменён."]
    order = await the_order(db)
    assert (order.status, order.sync_state) == (OrderStatus.CANCELLED, SyncState.NOT_APPLICABLE)

    await sender(tg, db).run_once()
    redrawn = [c for c in sent_to(tg, company.olga, "editMessageText")]
    assert redrawn and "🚫" not in [t for t, _ in redrawn[-1].buttons]
    assert not any("не согласован" in c.text for c in sent_to(tg, company.buyer))
    # a late tap on the approver's old card changes nothing
    await tg.press_in(company.olga, olga_card, "✅ Согласовать")
    assert (await the_order(db)).status == OrderStatus.CANCELLED
    assert sent_to(tg, company.manager) == []
    assert await sale_query(onec) == []
