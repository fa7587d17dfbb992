"""The contact log on the admin's dealer card: a manager logs a call for their own dealer
(stored with its manager action, outbox event and audit entry, shown on the card), refused
input stores nothing (the card says why), another manager's dealer answers 404 (the attack),
no CSRF token: 403."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import AuditEntry, DealerContact, ManagerAction, OutboxEvent
from core.outbox import EventKind
from tests.admin.conftest import Browser, World, new_browser


async def counts(db: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with db() as s:
        contacts = await s.scalar(select(func.count()).select_from(DealerContact))
        actions = await s.scalar(select(func.count()).select_from(ManagerAction))
        events = await s.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.kind == EventKind.CONTACT_LOGGED)
        )
    return int(contacts or 0), int(actions or 0), int(events or 0)


async def test_manager_logs_a_call_from_the_dealer_card(
    world: World, db: async_sessionmaker[AsyncSession], server: object
) -> None:
    anna: Browser = await new_browser(server)  # type: ignore[arg-type]
    assert (await anna.login("anna"))[0] == 303
    card = f"/admin/dealers/{world.dealer_a.id}"
    status, body = await anna.get(card)
    assert status == 200 and "Обращений не записано." in body and 'id="contact-form"' in body

    status, _, location = await anna.post(
        f"{card}/contacts",
        {
            "channel": "call",
            "topic": "stock",
            "minutes": "12",
            "occurred_at": "2026-12-01T10:30",
            "note": "Спрашивали остатки фильтров",
        },
    )
    assert (status, location) == (303, card)
    status, body = await anna.get(card)
    assert "Обращение записано." in body
    assert "звонок" in body and "остатки" in body and "12 мин" in body
    assert "Спрашивали остатки фильтров" in body and "Анна Менеджер" in body
    async with db() as s:
        (contact,) = await s.scalars(select(DealerContact))
        # 10:30 in the configured zone (Europe/Moscow by default) is 07:30 UTC
        assert contact.occurred_at == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
        assert (contact.channel, contact.topic, contact.source) == ("call", "stock", "admin")
        assert contact.manager_id == world.manager_a.user_id
        (entry,) = await s.scalars(select(AuditEntry).where(AuditEntry.action == "contact.create"))
        assert entry.staff_login == "anna" and entry.details["contact_id"] == contact.id
        (action,) = await s.scalars(
            select(ManagerAction).where(ManagerAction.action == "contact.logged")
        )
        assert (action.contact_id, action.channel) == (contact.id, "admin")
        (event,) = await s.scalars(
            select(OutboxEvent).where(OutboxEvent.kind == EventKind.CONTACT_LOGGED)
        )
        assert event.payload["occurred_at"] == "2026-12-01T07:30:00+00:00"


async def test_bad_input_foreign_dealer_and_missing_csrf_store_nothing(
    world: World, db: async_sessionmaker[AsyncSession], server: object
) -> None:
    anna: Browser = await new_browser(server)  # type: ignore[arg-type]
    assert (await anna.login("anna"))[0] == 303
    before = await counts(db)
    card = f"/admin/dealers/{world.dealer_a.id}"
    own = f"{card}/contacts"
    good = {"channel": "call", "topic": "prices", "minutes": "", "note": ""}
    for bad, message in (
        ({"minutes": "9000"}, "Длительность — целое число минут от 1 до 600."),
        ({"minutes": "много"}, "много"),
        ({"topic": "погода"}, "Выберите тему обращения."),
        ({"channel": "telepathy"}, "Выберите канал обращения"),
        ({"occurred_at": "вчера"}, "Время обращения указано неверно."),
    ):
        status, _, location = await anna.post(own, {**good, **bad}, headers={"Referer": card})
        assert (status, location) == (303, card), bad  # back to the card, which says why
        _, body = await anna.get(card)
        assert message in body, bad
    # Boris's dealer through Anna's login: not found, as if it did not exist.
    status, _, _ = await anna.post(f"/admin/dealers/{world.dealer_b.id}/contacts", good)
    assert status == 404
    status, _, _ = await anna.post(own, good, csrf=False)
    assert status == 403
    assert await counts(db) == before
    async with db() as s:
        assert not list(
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "contact.create"))
        )
