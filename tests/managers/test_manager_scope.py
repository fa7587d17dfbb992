"""Issue 21's attack: a manager who is not the dealer's sends the callback data of another
manager's order and claim cards (open / confirm / reject / claim decisions). Each is refused
with "Нет доступа.", changes nothing and reveals nothing, the same as for an id that does not
exist. Managers of one group share their dealers; the dealer's own manager still acts."""

from __future__ import annotations

from sqlalchemy import func, select

from core.access.lifecycle import Actor, set_manager_group
from core.claims.service import ClaimLineInput, change_claim_status, file_claim
from core.errors import Forbidden
from core.models import Claim, ManagerAction, Order, OrderLine, OrderStatus, User
from core.orders.manager import confirm_order, reject_order
from tests.bot.fake_api import Call
from tests.managers.conftest import THURSDAY_NOON, World

DENIED = "Нет доступа."


async def _claim(world: World, order_id: int) -> tuple[int, str]:
    await world.move(order_id, OrderStatus.CONFIRMED)
    async with world.db() as s:
        person = await s.get(User, world.shop.user_id)
        line = await s.scalar(select(OrderLine).where(OrderLine.order_id == order_id).limit(1))
        assert person is not None and line is not None
        claim = await file_claim(
            s, person, order_id, [ClaimLineInput(line.id, "defect", 1, "Течёт")]
        )
        await s.commit()
        return claim.id, claim.number


def _revealed(calls: list[Call], *secrets: str) -> list[Call]:
    return [c for c in calls if any(s in str(c.params) for s in secrets)]


async def test_forged_manager_callbacks_are_refused_and_reveal_nothing(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    confirmed_id = await world.place(THURSDAY_NOON, {"LX 1006": 1})
    claim_id, claim_number = await _claim(world, confirmed_id)
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        number = order.number
    missing = 9_999_999
    forged = [
        f"mgo:open:{order_id}",
        f"mgo:ok:{order_id}",
        f"mgo:no:{order_id}",
        f"mgc:acc:{claim_id}",
        f"mgc:rev:{claim_id}",
        f"mgc:rej:{claim_id}",
        f"mgd:{world.shop.dealer_id}",
        f"mgo:open:{missing}",
        f"mgo:ok:{missing}",
        f"mgc:acc:{missing}",
    ]
    for data in forged:
        calls = await world.tg.press(world.other, data)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert [a.params.get("text") for a in answers] == [DENIED], data
        assert [c.method for c in calls] == ["answerCallbackQuery"], data  # no card, no edit
        assert not _revealed(calls, number, claim_number, "ООО Автодеталь"), data
    # the reject-reason step cannot be reached either: a reason typed now is no reason
    calls = await world.tg.send_text(world.other, "потому что")
    assert not _revealed(calls, number, claim_number)

    async with world.db() as s:
        order = await s.get(Order, order_id)
        claim = await s.get(Claim, claim_id)
        assert order is not None and order.status == OrderStatus.NEW
        assert claim is not None and claim.status == "new"
        assert await s.scalar(select(func.count()).select_from(ManagerAction)) == 0

    # the dealer's own manager acts as before
    calls = await world.tg.press(world.manager, f"mgo:ok:{order_id}")
    assert any(str(c.params.get("text", "")).endswith("подтверждён") for c in calls)
    calls = await world.tg.press(world.manager, f"mgc:acc:{claim_id}")
    assert not any(c.params.get("text") == DENIED for c in calls)


async def test_core_refuses_a_manager_outside_the_scope_the_same_as_a_missing_order(
    world: World,
) -> None:
    order_id = await world.place(THURSDAY_NOON)
    async with world.db() as s:
        other = await s.get(User, world.other_id)
        assert other is not None
        errors = []
        for target in (order_id, 9_999_999):
            for act in (
                lambda t: confirm_order(s, t, other),
                lambda t: reject_order(s, t, other, "нет"),
                lambda t: change_claim_status(s, t, "accepted", other),
            ):
                try:
                    await act(target)
                except Forbidden as error:
                    errors.append(error.key)
        assert errors == ["access.denied"] * 6
        await s.rollback()


async def test_managers_of_one_group_share_their_dealers(world: World) -> None:
    order_id = await world.place(THURSDAY_NOON)
    async with world.db() as s:
        for person in (world.manager, world.other):
            await set_manager_group(s, person.id, "Юг", Actor(login="test"))
        await s.commit()
    calls = await world.tg.press(world.other, f"mgo:ok:{order_id}")
    assert any(str(c.params.get("text", "")).endswith("подтверждён") for c in calls)
    async with world.db() as s:
        order = await s.get(Order, order_id)
        assert order is not None and order.confirmed_by_id == world.other_id
