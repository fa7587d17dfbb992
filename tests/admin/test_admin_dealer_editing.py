"""Editing a dealer's details over HTTP: refused input saves nothing, other dealers' rows and
managers are kept out (the attack, not just the happy path)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, DeliveryAddress, LegalEntity, User, utcnow
from tests import factories
from tests.admin.conftest import Browser, World, new_browser


async def test_invalid_input_saves_nothing_and_says_why(
    admin: Browser, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    dealer_id = world.dealer_a.id
    status, body, _ = await admin.post(
        f"/admin/dealers/{dealer_id}/legal-entities/new",
        {"name": "ООО Ошибка", "inn": "7707083890", "kpp": ""},
    )
    assert status == 400
    assert "ИНН «7707083890» неверен: не сходится контрольная цифра." in body
    assert 'value="ООО Ошибка"' in body  # the form keeps what was typed
    # the old inline form of the card checks the same rule
    status, _, _ = await admin.post(
        f"/admin/dealers/{dealer_id}/legal-entities", {"name": "ООО Ошибка", "inn": "7707083890"}
    )
    assert status == 303
    status, body, _ = await admin.post(
        f"/admin/dealers/{dealer_id}/roles",
        {"tags": "опт", "approval_threshold": "много", "max_people": "5"},
    )
    assert status == 400 and "Порог «много» — не сумма" in body
    async with db() as session:
        names = set(await session.scalars(select(LegalEntity.name)))
        assert "ООО Ошибка" not in names
        dealer = await session.get(type(world.dealer_a), dealer_id)
        assert dealer is not None and dealer.tags == {}  # the valid tags were not saved either
        changes = select(func.count(AuditEntry.id)).where(AuditEntry.action != "auth.login")
        assert await session.scalar(changes) == 0


async def test_other_dealers_rows_and_managers_are_kept_out(
    admin: Browser, world: World, db: async_sessionmaker[AsyncSession], server: object
) -> None:
    async with db() as session:
        theirs = await factories.user(session, dealer=world.dealer_b)
        address = DeliveryAddress(dealer_id=world.dealer_b.id, address="Их склад")
        session.add(address)
        await session.commit()
        theirs_id, address_id = theirs.id, address.id
    a = world.dealer_a.id
    # dealer B's person and address reached through dealer A's pages: not found
    status, _ = await admin.get(f"/admin/dealers/{a}/people/{theirs_id}/edit")
    assert status == 404
    status, _, _ = await admin.post(
        f"/admin/dealers/{a}/people/{theirs_id}/edit",
        {"full_name": "Взлом", "phone": "", "dealer_role": "admin", "is_active": "on"},
    )
    assert status == 404
    status, _, _ = await admin.post(f"/admin/dealers/{a}/addresses/{address_id}/delete")
    assert status == 404
    # a manager sees the dealer card but may not edit its people
    manager = await new_browser(server)  # type: ignore[arg-type]
    try:
        await manager.login("anna")
        async with db() as session:
            ours = await factories.user(session, dealer=world.dealer_a)
            await session.commit()
            ours_id = ours.id
        status, _body, _ = await manager.post(
            f"/admin/dealers/{a}/people/{ours_id}/edit",
            {"full_name": "Менеджер", "phone": "", "dealer_role": "admin", "is_active": "on"},
        )
        assert status == 403
    finally:
        await manager.client.close()
    async with db() as session:
        person = await session.get(User, theirs_id)
        assert person is not None and person.full_name != "Взлом"
        assert await session.get(DeliveryAddress, address_id) is not None
        assert (await session.get(User, ours_id)).dealer_role == "buyer"  # type: ignore[union-attr]


async def test_the_active_checkbox_revokes_and_restores_through_the_lifecycle(
    admin: Browser, world: World, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        person = await factories.user(session, dealer=world.dealer_a)
        person.revoked_at = utcnow()  # revoked earlier through "закрыть доступ"
        person.is_active = False
        await session.commit()
        person_id = person.id
    path = f"/admin/dealers/{world.dealer_a.id}/people/{person_id}/edit"
    form = {"full_name": "Иван", "phone": "", "dealer_role": "buyer"}

    # ticking "активен" on a revoked person is the explicit restore, audited
    status, _, _ = await admin.post(path, {**form, "is_active": "on"})
    assert status == 303
    async with db() as session:
        person = await session.get(User, person_id)
        assert person is not None and person.is_active and person.revoked_at is None
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert "user.restore" in actions

    # unticking it is a revoke: the person is cut off for good (revoked_at), audited
    status, _, location = await admin.post(path, form)
    assert status == 303
    _, body = await admin.follow(location)
    assert "доступ закрыт" in body
    async with db() as session:
        person = await session.get(User, person_id)
        assert person is not None and not person.is_active and person.revoked_at is not None
        entry = await session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "user.revoke", AuditEntry.object_id == str(person_id)
            )
        )
        assert entry is not None and entry.staff_login == "boss"
    # saving the form again without touching the box changes no access
    status, _, _ = await admin.post(path, form)
    async with db() as session:
        revokes = select(func.count(AuditEntry.id)).where(AuditEntry.action == "user.revoke")
        assert await session.scalar(revokes) == 1
