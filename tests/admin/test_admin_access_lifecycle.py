"""Admin (HTTP): pause / resume a dealer and revoke / restore a person from the dealer card,
each audited and shown on the card; a manager cannot do it, nor reach another's dealer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, Dealer, Order, OrderStatus, User
from tests import factories
from tests.admin.conftest import Browser, World, new_browser


async def _person(db: async_sessionmaker[AsyncSession], dealer_id: int, name: str) -> User:
    async with db() as s:
        dealer = await s.get(Dealer, dealer_id)
        user = await factories.user(s, dealer=dealer)
        user.full_name = name
        await s.commit()
        return user


async def test_pause_and_resume_from_the_card_are_audited_and_shown(
    world: World, admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    card = f"/admin/dealers/{world.dealer_a.id}"
    _, body = await admin.get(card)
    assert "Дилер работает." in body and "Приостановить" in body

    status, _, location = await admin.post(f"{card}/pause", {"reason": "долг по оплате"})
    assert status == 303 and location == card
    _, body = await admin.get(card)
    assert "Приостановлен с" in body and "долг по оплате" in body and "Возобновить" in body
    assert "Дилер приостановлен" in body and "boss" in body  # the audit on the card
    async with db() as s:
        dealer = await s.get(Dealer, world.dealer_a.id)
        assert dealer is not None and dealer.status == "paused"
        assert dealer.pause_reason == "долг по оплате" and dealer.paused_at is not None
        (entry,) = await s.scalars(select(AuditEntry).where(AuditEntry.action == "dealer.pause"))
        assert entry.staff_login == "boss" and entry.details["reason"] == "долг по оплате"
        assert entry.object_id == str(dealer.id) and entry.remote_addr

    status, _, _ = await admin.post(f"{card}/resume", {"reason": "оплатили"})
    assert status == 303
    _, body = await admin.get(card)
    assert "Дилер работает." in body and "Дилер возобновлён" in body and "оплатили" in body
    async with db() as s:
        dealer = await s.get(Dealer, world.dealer_a.id)
        assert dealer is not None and dealer.status == "active" and dealer.paused_at is None

    # resuming a dealer that is not paused: told in words, nothing changes
    status, _, _ = await admin.post(f"{card}/resume", {}, headers={"Referer": card})
    assert status == 303
    _, body = await admin.get(card)
    assert "не приостановлен" in body
    # a reason too long: told, nothing changes
    await admin.post(f"{card}/pause", {"reason": "x" * 501}, headers={"Referer": card})
    _, body = await admin.get(card)
    assert "Причина длиннее 500 символов" in body and "Дилер работает." in body


async def test_revoke_and_restore_one_person(
    world: World, admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    leaving = await _person(db, world.dealer_a.id, "Иван Уходящий")
    staying = await _person(db, world.dealer_a.id, "Мария Остаётся")
    card = f"/admin/dealers/{world.dealer_a.id}"
    status, _, _ = await admin.post(f"{card}/people/{leaving.id}/revoke", {"reason": "уволился"})
    assert status == 303
    _, body = await admin.get(card)
    assert "закрыт" in body and "уволился" in body and "Доступ закрыт" in body
    assert "восстановить доступ" in body
    async with db() as s:
        left = await s.get(User, leaving.id)
        kept = await s.get(User, staying.id)
        assert left is not None and left.revoked_at is not None and not left.is_active
        assert kept is not None and kept.revoked_at is None and kept.is_active

    # another dealer's person cannot be reached through this dealer's card
    other = await _person(db, world.dealer_b.id, "Чужой")
    status, _, _ = await admin.post(f"{card}/people/{other.id}/revoke", {"reason": "?"})
    assert status == 404

    status, _, _ = await admin.post(f"{card}/people/{leaving.id}/restore", {})
    assert status == 303
    _, body = await admin.get(card)
    assert "Доступ восстановлен" in body
    async with db() as s:
        back = await s.get(User, leaving.id)
        assert back is not None and back.revoked_at is None and back.is_active
        actions = list(
            await s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "user")
                .order_by(AuditEntry.id)
            )
        )
        assert actions == ["user.revoke", "user.restore"]


async def test_a_manager_cannot_pause_and_acts_only_on_own_dealers(
    world: World, server, db: async_sessionmaker[AsyncSession]
) -> None:
    anna = await new_browser(server)
    assert (await anna.login("anna"))[0] == 303
    own = f"/admin/dealers/{world.dealer_a.id}"
    _, body = await anna.get(own)
    assert "Доступ" in body and "Приостановить" not in body  # sees the state, no buttons
    status, _, _ = await anna.post(f"{own}/pause", {"reason": "x"})
    assert status == 403
    person = await _person(db, world.dealer_a.id, "Иван")
    status, _, _ = await anna.post(f"{own}/people/{person.id}/revoke", {})
    assert status == 403

    # another manager's dealer, order and claim look exactly like missing ones
    for path in (
        f"/admin/dealers/{world.dealer_b.id}",
        f"/admin/orders/{world.order_b.id}",
        f"/admin/claims/{world.claim_b.id}",
    ):
        status, body = await anna.get(path)
        missing, _ = await anna.get(path.rsplit("/", 1)[0] + "/987654")
        assert status == missing == 404, path
        assert "Бета" not in body
    async with db() as s:
        b = await s.get(Order, world.order_b.id)
        assert b is not None
        b.status = OrderStatus.NEW
        await s.commit()
    status, _, _ = await anna.post(f"/admin/orders/{world.order_b.id}/confirm", {})
    assert status == 404
    status, _, _ = await anna.post(
        f"/admin/claims/{world.claim_b.id}/status", {"status": "accepted"}
    )
    assert status == 404
    async with db() as s:
        b = await s.get(Order, world.order_b.id)
        assert b is not None and b.status == OrderStatus.NEW
        assert b.confirmed_by_id is None
        assert (await s.get(User, person.id)).revoked_at is None  # type: ignore[union-attr]
