"""core.access: the person check, the manager scope (own, group, unassigned), the lifecycle."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import DealerAction, Standing, check_person, in_scope, role_allows
from core.access.lifecycle import (
    Actor,
    dealer_audit,
    pause_dealer,
    restore_person,
    revoke_person,
    set_manager_group,
)
from core.dealers.invitations import create_invitation, redeem_invitation
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Dealer, Role, User
from tests import factories

WHO = Actor(login="test")


async def test_person_check(session: AsyncSession) -> None:
    manager = await factories.user(session, role=Role.MANAGER)
    manager.username, manager.full_name = "olga", "Ольга"
    dealer = await factories.dealer(session, manager=manager)
    person = await factories.user(session, dealer=dealer)
    assert (await check_person(session, None, None)).allowed  # a stranger: onboarding decides
    assert (await check_person(session, person, dealer)).allowed
    await pause_dealer(session, dealer.id, WHO, reason="  долг   по оплате ")
    verdict = await check_person(session, person, dealer)
    assert verdict.standing == Standing.DEALER_PAUSED and verdict.key == "access.dealer_paused"
    assert verdict.params == {
        "dealer": dealer.name,
        "reason": "долг по оплате",
        "manager": "Ольга, @olga",
    }
    assert (await check_person(session, manager, None)).allowed  # staff are not the dealer's
    await revoke_person(session, person, WHO)
    assert (await check_person(session, person, dealer)).standing == Standing.REVOKED
    assert role_allows(person, DealerAction.SEE_PRICES)
    assert not role_allows(person, DealerAction.APPROVE)  # the slot for roles inside a dealer


async def test_manager_scope(session: AsyncSession) -> None:
    anna = await factories.user(session, role=Role.MANAGER)
    boris = await factories.user(session, role=Role.MANAGER)
    admin = await factories.user(session, role=Role.ADMIN)
    dealer_person = await factories.user(session)
    of_anna = await factories.dealer(session, manager=anna)
    of_boris = await factories.dealer(session, manager=boris)
    nobodys = await factories.dealer(session)
    await session.flush()
    assert await in_scope(session, anna, of_anna.id)
    assert not await in_scope(session, anna, of_boris.id)
    assert await in_scope(session, anna, nobodys.id)  # its cards go to every manager
    assert await in_scope(session, admin, of_boris.id)
    assert not await in_scope(session, dealer_person, of_anna.id)
    for person in (anna, boris):
        await set_manager_group(session, person.telegram_id or 0, "Юг", WHO)
    assert await in_scope(session, anna, of_boris.id)
    await set_manager_group(session, boris.telegram_id or 0, None, WHO)
    assert not await in_scope(session, anna, of_boris.id)
    anna.is_active = False
    assert not await in_scope(session, anna, of_anna.id)
    with pytest.raises(InvalidInput):
        await set_manager_group(session, dealer_person.telegram_id or 0, "Юг", WHO)


async def test_no_invitation_brings_a_revoked_person_back(session: AsyncSession) -> None:
    dealer = await factories.dealer(session)
    old = await create_invitation(session, dealer_id=dealer.id, max_uses=10)
    fresh = await create_invitation(session, dealer_id=dealer.id, max_uses=10)
    person = await redeem_invitation(session, old.token, telegram_id=42_001, full_name="Иван")
    await revoke_person(session, 42_001, WHO, reason="уволился")
    for token in (old.token, fresh.token):
        with pytest.raises(Forbidden) as refused:
            await redeem_invitation(session, token, telegram_id=42_001)
        assert refused.value.key == "access.revoked"
    assert person.revoked_at is not None and not person.is_active
    await restore_person(session, 42_001, WHO)
    assert person.is_active and person.dealer_id == dealer.id
    with pytest.raises(NotFound):
        await revoke_person(session, 1, WHO)


async def test_a_new_person_does_not_lift_a_pause_and_the_audit_lists_all(
    session: AsyncSession,
) -> None:
    dealer = await factories.dealer(session)
    invitation = await create_invitation(session, dealer_id=dealer.id, max_uses=5)
    await pause_dealer(session, dealer.id, WHO, reason="проверка")
    person = await redeem_invitation(session, invitation.token, telegram_id=42_002)
    assert (await session.get(Dealer, dealer.id)).status == "paused"  # type: ignore[union-attr]
    await revoke_person(session, person, WHO, reason="ошибка")
    entries = await dealer_audit(session, dealer.id)
    assert [(e.action, e.details.get("reason")) for e in entries] == [
        ("user.revoke", "ошибка"),
        ("dealer.pause", "проверка"),
    ]
    assert all(e.staff_login == "test" and e.at is not None for e in entries)
    with pytest.raises(InvalidInput):
        await pause_dealer(session, dealer.id, WHO, reason="x" * 501)
    assert await session.scalar(select(User.id).where(User.telegram_id == 42_002))


def test_the_role_table_knows_every_role_inside_a_dealer() -> None:
    from core.access.rule import ROLE_ACTIONS
    from core.dealers.roles import DealerRole

    assert set(ROLE_ACTIONS) == {role.value for role in DealerRole}
    assert DealerAction.APPROVE in ROLE_ACTIONS[DealerRole.APPROVER]
    assert DealerAction.INVITE not in ROLE_ACTIONS[DealerRole.APPROVER]
    assert DealerAction.INVITE in ROLE_ACTIONS[DealerRole.ADMIN]
