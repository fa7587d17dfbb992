"""Editing a dealer's people, legal entities, addresses and tags in headless Chromium: what the
admin sees on the page, what is stored, what is audited, and that a refused form saves nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts.audience import Audience, dealer_ids
from core.models import AuditEntry, Dealer, DeliveryAddress, LegalEntity, User
from tests import factories
from tests.admin.conftest import World, staff
from tests.admin.test_admin_browser import log_in, page, shots  # noqa: F401 - the fixture


async def _buyer(db: async_sessionmaker[AsyncSession], dealer_id: int) -> int:
    async with db() as session:
        dealer = await session.get(Dealer, dealer_id)
        user = await factories.user(session, dealer=dealer)
        user.full_name = "Ольга"
        await session.commit()
        return user.id


async def _audit(db: async_sessionmaker[AsyncSession], action: str) -> list[AuditEntry]:
    async with db() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def test_edit_people_entities_addresses_and_tags(
    db: async_sessionmaker[AsyncSession],
    world: World,
    server: TestServer,
    page: Any,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    base = str(server.make_url("")).rstrip("/")
    dealer_id = world.dealer_a.id
    person_id = await _buyer(db, dealer_id)
    await staff(db, "boss")
    await page.goto(f"{base}/admin/")
    await log_in(page, base)
    card = f"{base}/admin/dealers/{dealer_id}"

    # A person: a phone that is no phone is refused on the form; nothing is saved.
    await page.goto(card)
    await page.locator(f"tr[data-person='{person_id}'] >> text=изменить").click()
    await page.fill("input[name=full_name]", "Ольга Петрова")
    await page.fill("input[name=phone]", "12345")
    await page.click("#person-form button.primary")
    error = await page.text_content("#form-error")
    assert error is not None and "Телефон «12345» не похож на российский номер" in error
    assert await page.input_value("input[name=full_name]") == "Ольга Петрова"  # kept as typed
    async with db() as session:
        stored = await session.get(User, person_id)
        assert stored is not None and (stored.full_name, stored.phone) == ("Ольга", None)

    # ... then a real one, typed the usual way, is stored as +7..., with the role.
    await page.fill("input[name=phone]", "8 (912) 345-67-89")
    await page.select_option("select[name=dealer_role]", label="согласующий")
    await page.click("#person-form button.primary")
    await page.wait_for_selector("text=Сотрудник «Ольга Петрова» сохранён.")
    row = page.locator(f"tr[data-person='{person_id}']")
    assert "+79123456789" in (await row.text_content() or "")
    assert "согласующий" in (await row.text_content() or "")
    async with db() as session:
        stored = await session.get(User, person_id)
        assert stored is not None
        assert (stored.full_name, stored.phone, stored.dealer_role, stored.is_active) == (
            "Ольга Петрова",
            "+79123456789",
            "approver",
            True,
        )
    [entry] = await _audit(db, "person.update")
    assert entry.staff_login == "boss" and entry.object_id == str(person_id)
    assert entry.details["changes"]["phone"] == [None, "+79123456789"]

    # A legal entity with an INN whose check digit is wrong: refused with the reason.
    await page.goto(card)
    await page.click("text=Добавить юрлицо")
    await page.fill("input[name=name]", "ООО Альфа-Юг")
    await page.fill("input[name=inn]", "7707083890")
    await page.fill("input[name=kpp]", "770701001")
    await page.click("#entity-form button.primary")
    error = await page.text_content("#form-error")
    assert error == "ИНН «7707083890» неверен: не сходится контрольная цифра."
    async with db() as session:
        names = set(
            await session.scalars(
                select(LegalEntity.name).where(LegalEntity.dealer_id == dealer_id)
            )
        )
        assert "ООО Альфа-Юг" not in names
    await page.fill("input[name=inn]", "7707083893")
    await page.fill("input[name=kpp]", "77070100")  # 8 characters
    await page.click("#entity-form button.primary")
    assert "КПП «77070100» неверен" in (await page.text_content("#form-error") or "")
    await page.screenshot(path=str(shots(tmp_path) / "dealer-entity-refused.png"), full_page=True)
    await page.fill("input[name=kpp]", "770701001")
    await page.fill("input[name=approval_threshold]", "250 000")
    await page.click("#entity-form button.primary")
    await page.wait_for_selector("text=Юрлицо «ООО Альфа-Юг» сохранено.")
    async with db() as session:
        entity = await session.scalar(select(LegalEntity).where(LegalEntity.name == "ООО Альфа-Юг"))
        assert entity is not None
        assert (entity.inn, entity.kpp, entity.approval_threshold) == (
            "7707083893",
            "770701001",
            Decimal("250000.00"),
        )
    assert [e.details["changes"]["inn"][1] for e in await _audit(db, "legal_entity.create")] == [
        "7707083893"
    ]

    # Addresses: add a default one, then edit it.
    await page.goto(card)
    await page.click("text=Добавить адрес")
    await page.fill("input[name=address]", "   ")
    await page.click("#address-form button.primary")
    assert await page.text_content("#form-error") == "Укажите адрес."
    await page.fill("input[name=address]", "Тверь,  ул. Складская, 7")
    await page.check("input[name=is_default]")
    await page.click("#address-form button.primary")
    await page.wait_for_selector("text=Адрес сохранён.")
    async with db() as session:
        address = await session.scalar(
            select(DeliveryAddress).where(DeliveryAddress.dealer_id == dealer_id)
        )
        assert address is not None
        assert (address.address, address.is_default) == ("Тверь, ул. Складская, 7", True)
    await page.locator(f"li[data-address='{address.id}'] >> text=изменить").click()
    await page.fill("input[name=address]", "Тверь, ул. Складская, 9")
    await page.click("#address-form button.primary")
    await page.wait_for_selector("text=Адрес сохранён.")
    assert "ул. Складская, 9" in (await page.text_content("#addresses") or "")
    [update] = await _audit(db, "address.update")
    assert update.details["changes"]["address"] == [
        "Тверь, ул. Складская, 7",
        "Тверь, ул. Складская, 9",
    ]

    # Tags (and the approval settings beside them): a bad tag is refused, good ones saved and
    # the broadcasts' tag segment now finds the dealer.
    await page.goto(card)
    await page.click("text=Изменить теги и согласование")
    await page.fill("textarea[name=tags]", "опт, юг\nбольшие заказы")
    await page.click("#roles-form button.primary")
    assert "Тег «большие заказы»" in (await page.text_content("#form-error") or "")
    await page.fill("textarea[name=tags]", "опт, юг\nкрупный")
    await page.fill("input[name=approval_threshold]", "150 000")
    await page.fill("input[name=max_people]", "3")
    await page.click("#roles-form button.primary")
    await page.wait_for_selector("text=Теги и согласование сохранены.")
    tags_shown = await page.locator("#roles .tags .badge").all_text_contents()
    assert sorted(tags_shown) == ["крупный", "опт", "юг"]
    async with db() as session:
        dealer = await session.get(Dealer, dealer_id)
        assert dealer is not None
        assert dealer.tags == {"опт": True, "юг": True, "крупный": True}
        assert (dealer.approval_threshold, dealer.max_people) == (Decimal("150000.00"), 3)
        chosen = await dealer_ids(session, Audience.parse({"kind": "tags", "values": ["юг"]}))
        assert chosen == {dealer_id}
    await page.screenshot(path=str(shots(tmp_path) / "dealer-card-edited.png"), full_page=True)
    [roles] = await _audit(db, "dealer.roles")
    assert roles.details["changes"]["max_people"] == [5, 3]
