"""Invitations: use limits, expiry, revocation, and binding a Telegram person to a dealer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.dealers.invitations import (
    create_invitation,
    deep_link,
    redeem_invitation,
    revoke_invitation,
)
from core.dealers.service import create_dealer
from core.errors import InvalidInput, NotFound
from core.models import Dealer, DealerStatus, LegalEntity, Role, User
from tests import factories as f

NOW = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


async def test_redeem_binds_and_counts_uses(session) -> None:
    dealer = await f.dealer(session)
    invitation = await create_invitation(session, dealer_id=dealer.id, max_uses=2, days=7, now=NOW)
    assert (
        deep_link("@shop_bot", invitation.token)
        == f"https://t.me/shop_bot?start={invitation.token}"
    )
    user = await redeem_invitation(
        session, invitation.token, telegram_id=1, full_name="Иван", now=NOW
    )
    assert user.dealer_id == dealer.id and user.role == Role.DEALER
    assert (
        await redeem_invitation(session, invitation.token, telegram_id=1, now=NOW)
    ).id == user.id
    await redeem_invitation(session, invitation.token, telegram_id=2, now=NOW)
    assert invitation.uses == 2
    with pytest.raises(InvalidInput, match="invitation.used_up"):
        await redeem_invitation(session, invitation.token, telegram_id=3, now=NOW)
    assert await session.scalar(select(func.count()).select_from(User)) == 2
    assert dealer.status == DealerStatus.ACTIVE and dealer.onboarded_at == NOW


async def test_expired_revoked_unknown_and_foreign(session) -> None:
    dealer = await f.dealer(session)
    other = await f.dealer(session, "ООО Другой")
    expiring = await create_invitation(session, dealer_id=dealer.id, days=1, now=NOW)
    with pytest.raises(InvalidInput, match="invitation.expired"):
        await redeem_invitation(session, expiring.token, telegram_id=5, now=NOW + timedelta(days=2))
    revoked = await create_invitation(session, dealer_id=dealer.id, now=NOW)
    await revoke_invitation(session, revoked.id)
    with pytest.raises(InvalidInput, match="invitation.revoked"):
        await redeem_invitation(session, revoked.token, telegram_id=5, now=NOW)
    with pytest.raises(NotFound):
        await redeem_invitation(session, "nope", telegram_id=5, now=NOW)
    mine = await create_invitation(session, dealer_id=dealer.id, now=NOW)
    await redeem_invitation(session, mine.token, telegram_id=6, now=NOW)
    theirs = await create_invitation(session, dealer_id=other.id, now=NOW)
    with pytest.raises(InvalidInput, match="invitation.other_dealer"):
        await redeem_invitation(session, theirs.token, telegram_id=6, now=NOW)
    assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_manager_invitation_and_bad_parameters(session) -> None:
    invitation = await create_invitation(session, dealer_id=None, role="manager", now=NOW)
    user = await redeem_invitation(session, invitation.token, telegram_id=9, now=NOW)
    assert user.role == Role.MANAGER and user.dealer_id is None
    with pytest.raises(NotFound):
        await create_invitation(session, dealer_id=None)
    with pytest.raises(InvalidInput):
        await create_invitation(session, dealer_id=None, role="manager", max_uses=0)
    with pytest.raises(InvalidInput):
        await create_invitation(session, dealer_id=None, role="manager", days=0)


async def test_create_dealer_validates(session) -> None:
    pt = await f.price_type(session, "Оптовая")
    dealer = await create_dealer(
        session, name="ООО Ромашка", inn="7701234567", price_type_name="Оптовая"
    )
    assert dealer.price_type_id == pt.id
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    assert entity.inn == "7701234567"
    with pytest.raises(InvalidInput, match="dealer.bad_inn"):
        await create_dealer(session, name="X", inn="12345")
    with pytest.raises(InvalidInput, match="dealer.unknown_price_type"):
        await create_dealer(session, name="X", inn="7701234567", price_type_name="Нет такого")
    assert await session.scalar(select(func.count()).select_from(Dealer)) == 1
