"""Access end to end: a paused dealer's people see no price anywhere and are told why; a
revoked person sees nothing, even after /start with the old link; the colleague keeps working."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.access.lifecycle import Actor, pause_dealer, restore_person, resume_dealer, revoke_person
from core.dealers.invitations import create_invitation
from core.models import CartLine, Dealer, Invitation, InvitationUse, Order, Role, User
from tests import factories
from tests.bot.conftest import BotHarness, Shop, alerts, last_message
from tests.bot.fake_api import Call, TgUser

ADMIN = Actor(login="test-admin")
PRICE = "350,00"


async def colleague(tg: BotHarness, db: async_sessionmaker[AsyncSession], shop: Shop) -> TgUser:
    """A second person of the shop's dealer."""
    person = tg.person(first_name="Пётр")
    async with db() as s:
        dealer = await s.get(Dealer, shop.dealer_id)
        user = await factories.user(s, dealer=dealer)
        user.telegram_id = person.id
        await s.commit()
    return person


async def with_manager(db: async_sessionmaker[AsyncSession], shop: Shop) -> None:
    async with db() as s:
        manager = User(
            telegram_id=7_700_001,
            role=Role.MANAGER,
            full_name="Ольга Петрова",
            username="olga_sales",
            phone="+7 900 000-00-01",
        )
        s.add(manager)
        await s.flush()
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        dealer.manager_id = manager.id
        await s.commit()


def no_price(calls: list[Call]) -> None:
    """No request of the bot carries a price or a stock figure."""
    for call in calls:
        dumped = str(call.params)
        assert PRICE not in dumped and "В наличии" not in dumped, call


async def test_pause_hides_prices_everywhere_and_resume_brings_them_back(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    await with_manager(db, shop)
    me, other = shop.tg_user, await colleague(tg, db, shop)
    old = last_message(await tg.send_text(me, "oc90"))  # a result message with add buttons
    assert PRICE in old.text
    await tg.press_in(me, old, "1. OC 90 +5")  # something in the cart before the pause

    async with db() as s:
        await pause_dealer(s, shop.dealer_id, ADMIN, reason="просрочена оплата")
        await s.commit()

    # a new search, from either person
    for person in (me, other):
        calls = await tg.send_text(person, "oc90")
        no_price(calls)
        told = last_message(calls).text
        assert "приостановлен" in told and "Причина: просрочена оплата" in told
        assert "Ольга Петрова" in told and "@olga_sales" in told
    # a button of the old message
    pressed = await tg.press_in(me, old, "1. OC 90 +5")
    no_price(pressed)
    assert any("приостановлен" in a for a in alerts(pressed))
    # inline mode
    inline = await tg.inline(other, "фильтр масляный")
    no_price(inline)
    answer = next(c for c in inline if c.method == "answerInlineQuery")
    (result,) = answer.params["results"]
    assert result["title"] == "Доступ приостановлен"
    assert "просрочена оплата" in result["input_message_content"]["message_text"]
    # the cart, /start and the menu say the same and show nothing
    for text in ("/start", "🛒 Корзина", "/menu"):
        calls = await tg.send_text(me, text)
        no_price(calls)
        assert "приостановлен" in last_message(calls).text
    async with db() as s:  # the cart is kept, unchanged by the refused press
        assert await s.scalar(select(CartLine.quantity)) == Decimal(5)

    async with db() as s:
        await resume_dealer(s, shop.dealer_id, ADMIN)
        await s.commit()
    for person in (me, other):
        back = last_message(await tg.send_text(person, "oc90"))
        assert PRICE in back.text
    inline = await tg.inline(other, "фильтр масляный")
    answer = next(c for c in inline if c.method == "answerInlineQuery")
    assert any(PRICE in r["description"] for r in answer.params["results"])
    assert any("Добавлено" in a for a in alerts(await tg.press_in(me, old, "1. OC 90 +5")))


async def test_english_person_is_told_in_english(
    tg: BotHarness, db: async_sessionmaker[AsyncSession]
) -> None:
    from tests.bot.conftest import make_shop

    shop = await make_shop(tg, db, language="en", name="Acme Parts")
    async with db() as s:
        await pause_dealer(s, shop.dealer_id, ADMIN, reason="unpaid invoices")
        await s.commit()
    told = last_message(await tg.send_text(shop.tg_user, "oc90")).text
    assert "is paused" in told and "Reason: unpaid invoices" in told
    assert "Please contact your manager." in told


async def test_revoked_person_sees_nothing_even_with_the_old_link(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as s:
        invitation = await create_invitation(s, dealer_id=shop.dealer_id, max_uses=10)
        token = invitation.token
        await s.commit()
    leaving, staying = tg.person(first_name="Уходит"), tg.person(first_name="Остаётся")
    for person in (leaving, staying):  # both joined through the same multi-use link
        welcome = last_message(await tg.send_text(person, f"/start {token}"))
        assert "Вы подключены к заказам" in welcome.text
    old = last_message(await tg.send_text(leaving, "oc90"))
    assert PRICE in old.text

    async with db() as s:
        await revoke_person(s, leaving.id, ADMIN, reason="уволился")
        await s.commit()

    for calls in (
        await tg.send_text(leaving, "oc90"),
        await tg.send_text(leaving, f"/start {token}"),
        await tg.send_text(leaving, "/start"),
        await tg.press_in(leaving, old, "1. OC 90 +1"),
        await tg.inline(leaving, "фильтр"),
    ):
        no_price(calls)
        assert not any("Вы подключены к заказам" in c.text for c in calls)
    closed = last_message(await tg.send_text(leaving, f"/start {token}")).text
    assert "доступ к боту закрыт" in closed
    async with db() as s:
        person = await s.scalar(select(User).where(User.telegram_id == leaving.id))
        assert person is not None and person.revoked_at is not None and not person.is_active
        row = await s.get(Invitation, invitation.id)
        assert row is not None and row.uses == 2  # the old link was not used again
        assert await s.scalar(select(func.count()).select_from(InvitationUse)) == 2
        assert await s.scalar(select(func.count()).select_from(CartLine)) == 0

    assert PRICE in last_message(await tg.send_text(staying, "oc90")).text

    async with db() as s:  # re-admitting is the admin's explicit action
        await restore_person(s, leaving.id, ADMIN)
        await s.commit()
    assert PRICE in last_message(await tg.send_text(leaving, "oc90")).text


async def test_paused_dealer_orders_already_placed_stay(
    tg: BotHarness, shop: Shop, db: async_sessionmaker[AsyncSession]
) -> None:
    from tests.admin.conftest import order_for

    async with db() as s:
        dealer = await s.get(Dealer, shop.dealer_id)
        assert dealer is not None
        order = await order_for(s, dealer)
        await pause_dealer(s, dealer.id, ADMIN)
        await s.commit()
    async with db() as s:
        kept = await s.get(Order, order.id)
        assert kept is not None and kept.status == "new"
