"""Bot orders become Bitrix24 deals through the outbox, once, whatever the portal does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core import crm_sync
from core.calendar import WorkingCalendar
from core.models import CrmError, CrmLink, LegalEntity, OutboxEvent, Role
from core.orders.manager import confirm_order
from core.orders.placement import place_order
from core.outbox import EventKind, emit
from tests import factories as f

CAL = WorkingCalendar(zone=ZoneInfo("Europe/Moscow"))
WORKING = datetime(2026, 11, 5, 10, 0, tzinfo=UTC)


async def bot_order(db, *, key: str = "tap-1"):
    """A dealer with two legal entities and a person places an order as the bot does."""
    async with db() as s:
        pt = await f.price_type(s)
        wh = await f.warehouse(s)
        manager = await f.user(s, role=Role.MANAGER)
        dealer = await f.dealer(s, "ООО Альфа", price_type=pt, manager=manager, entities=2)
        alice = await f.user(s, dealer=dealer)
        filt = await f.product(
            s, "W 712/75", "Фильтр масляный", prices={pt: "450.50"}, stock={wh: "10"}
        )
        pads = await f.product(
            s, "0 986 494 004", "Колодки", prices={pt: "1999.99"}, stock={wh: "5"}
        )
        await f.cart(s, alice, {filt: "3", pads: "1"})
        first = (
            await s.scalars(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
        ).first()
        order = await place_order(
            s, alice, request_key=key, calendar=CAL, now=WORKING, legal_entity_id=first.id
        )
        await s.commit()
        return {
            "order": order.id,
            "number": order.number,
            "dealer": dealer.id,
            "inn": dealer.inn,
            "manager": manager,
            "alice": alice.id,
        }


async def drain(worker, rounds: int = 5) -> None:
    for _ in range(rounds):
        await worker.run_once(now=datetime(2100, 1, 1, tzinfo=UTC))


def assert_one_deal(fake, w) -> dict:
    deals = fake.of("deal")
    assert len(deals) == 1, deals
    deal = deals[0]
    assert deal["TITLE"] == f"Заказ {w['number']}"
    assert deal["ORIGIN_ID"] == f"order-{w['order']}"
    rows = fake.rows[int(deal["ID"])]
    assert [(r["PRODUCT_NAME"], Decimal(r["PRICE"]), Decimal(r["QUANTITY"])) for r in rows] == [
        ("W 712/75 Фильтр масляный", Decimal("450.50"), Decimal("3")),
        ("0 986 494 004 Колодки", Decimal("1999.99"), Decimal("1")),
    ]
    companies = fake.of("company")
    assert len(companies) == 1
    assert deal["COMPANY_ID"] == companies[0]["ID"]
    inns = {r["RQ_INN"] for r in fake.of("requisite") if r["ENTITY_ID"] == companies[0]["ID"]}
    assert w["inn"] in inns and len(inns) == 3  # the dealer's INN and its two legal entities
    return deal


async def test_bot_order_becomes_one_deal_and_the_dealer_one_company(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    worker = make_worker(bitrix24_user_map=f"{w['manager'].id}:15")
    await drain(worker)
    deal = assert_one_deal(fake, w)
    assert deal["ASSIGNED_BY_ID"] == "15" and deal["STAGE_ID"] == "NEW"
    # batches: find company, create it with requisites, find + add people, find + add deal
    assert fake.requests == 6
    [contact] = fake.of("contact")
    assert contact["ORIGIN_ID"] == f"user-{w['alice']}"
    assert contact["COMPANY_ID"] == fake.of("company")[0]["ID"]
    async with db() as s:
        link = await crm_sync.link(s, "order", w["order"])
        assert link is not None and link.crm_id == deal["ID"] and link.state == "synced"
        left = await s.scalar(
            select(func.count()).where(OutboxEvent.kind.like("crm.%"), OutboxEvent.state != "done")
        )
        assert left == 0
    # "Отправить ещё раз" and a second drain change nothing in the portal's counts
    async with db() as s:
        await crm_sync.resend(s, "order", w["order"])
        await crm_sync.resend(s, "dealer", w["dealer"])
        await s.commit()
    await drain(worker)
    assert_one_deal(fake, w)
    assert len(fake.of("contact")) == 1


async def test_existing_company_is_found_by_inn(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    company = fake._add("company", {"TITLE": "Альфа (заведена вручную)"})
    fake._add("requisite", {"ENTITY_TYPE_ID": "4", "ENTITY_ID": str(company), "RQ_INN": w["inn"]})
    await drain(make_worker())
    assert len(fake.of("company")) == 1
    assert fake.of("deal")[0]["COMPANY_ID"] == str(company)
    assert len(fake.of("requisite")) == 3  # the two legal entities were added to it


async def test_503s_and_query_limit_still_make_one_deal(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    fake.fail_503 = 3
    fake.limit = 2
    await drain(make_worker())
    assert_one_deal(fake, w)
    assert fake.fail_503 == 0 and fake.limit == 0


async def test_outage_longer_than_the_library_retries_is_retried_later(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    fake.limit = 10_000  # the portal keeps refusing: the row goes back with a backoff
    worker = make_worker()
    import fast_bitrix24.srh as srh

    old = srh.MAX_RETRIES
    srh.MAX_RETRIES = 1
    before = datetime.now(UTC)
    try:
        await worker.run_once()
    finally:
        srh.MAX_RETRIES = old
    async with db() as s:
        row = await s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "crm.order"))
        assert row.state == "pending" and row.attempts == 1
        assert row.available_at > before  # not before the backoff
        error = await s.scalar(select(CrmError))
        assert error.kind == "server" and error.local_id == w["order"]
    fake.limit = 0
    await drain(worker)
    assert_one_deal(fake, w)


async def test_cut_off_after_the_portal_accepted_the_deal_makes_no_second(db, portal, make_worker):
    """The worker task is cancelled while the portal has made the deal but we have not
    stored its id; the next worker (after the lease) finds it by ORIGIN_ID."""
    fake, _ = portal
    w = await bot_order(db)
    fake.hold_after = "crm.deal.add"
    first = make_worker()
    task = asyncio.create_task(first.run_once())
    await asyncio.wait_for(fake.held.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(fake.of("deal")) == 1
    async with db() as s:
        assert await crm_sync.link(s, "order", w["order"]) is None or (
            (await crm_sync.link(s, "order", w["order"])).crm_id is None
        )
        company = await crm_sync.link(s, "dealer", w["dealer"])
        assert company is not None and company.crm_id  # stored before the deal was asked
    fake.hold_after = None
    await drain(make_worker())  # the far-future clock is past the lease
    deal = assert_one_deal(fake, w)
    async with db() as s:
        assert (await crm_sync.link(s, "order", w["order"])).crm_id == deal["ID"]


async def test_status_moves_the_stage(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    worker = make_worker(bitrix24_stage_map="confirmed:C7:PREPAY")
    await drain(worker)
    async with db() as s:
        manager = await s.get(type(w["manager"]), w["manager"].id)
        await confirm_order(s, w["order"], manager)
        await s.commit()
    await drain(worker)
    [deal] = fake.of("deal")
    assert deal["STAGE_ID"] == "C7:PREPAY"


async def test_wrong_webhook_is_reported_once_and_pauses(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    fake.wrong_webhook = True
    worker = make_worker()
    await drain(worker)
    await drain(worker)
    assert fake.requests == 1  # paused after the first refusal: no request per tick
    async with db() as s:
        errors = list(await s.scalars(select(CrmError)))
        assert [(e.kind, e.entity) for e in errors] == [("auth", "portal")]
        assert "INVALID_CREDENTIALS" in errors[0].message
        assert await crm_sync.pause(s) is not None
        row = await s.scalar(select(OutboxEvent).where(OutboxEvent.kind == "crm.order"))
        assert row.state == "pending" and row.attempts == 0
    fake.wrong_webhook = False
    async with db() as s:
        assert await crm_sync.resume(s)
        await s.commit()
    await drain(worker)
    assert_one_deal(fake, w)


async def test_contact_logged_becomes_an_activity(db, portal, make_worker):
    fake, _ = portal
    w = await bot_order(db)
    async with db() as s:
        emit(
            s,
            EventKind.CONTACT_LOGGED,
            {
                "contact_id": 7,
                "dealer_id": w["dealer"],
                "manager_user_id": w["manager"].id,
                "channel": "call",
                "topic": "prices",
                "duration_minutes": 12,
                "note": "Спрашивал цены на фильтры",
                "occurred_at": "2026-11-05T10:00:00+00:00",
            },
        )
        await s.commit()
    worker = make_worker(bitrix24_user_map=f"{w['manager'].id}:15")
    await drain(worker)
    [activity] = fake.of("activity")
    assert activity["OWNER_ID"] == fake.of("company")[0]["ID"]
    assert activity["SUBJECT"] == "Контакт №7: звонок, цены"
    assert "12 мин" in activity["DESCRIPTION"] and "фильтры" in activity["DESCRIPTION"]
    assert activity["RESPONSIBLE_ID"] == "15"
    async with db() as s:
        link = await s.scalar(select(CrmLink).where(CrmLink.entity == "contact"))
        assert link.local_id == 7 and link.crm_id == activity["ID"]


async def test_claim_becomes_an_activity_on_the_company(db, portal, make_worker):
    from core.claims.service import ClaimLineInput, file_claim
    from core.models import Order, User
    from core.orders.queries import get_order

    fake, _ = portal
    w = await bot_order(db)
    async with db() as s:
        manager = await s.get(User, w["manager"].id)
        await confirm_order(s, w["order"], manager)
        order = await get_order(s, w["dealer"], w["order"])
        alice = await s.get(User, w["alice"])
        claim = await file_claim(
            s,
            alice,
            order.id,
            [ClaimLineInput(order.lines[0].id, "wrong_item", "1", "пришёл другой фильтр")],
            comment="пересорт",
            attachments=[],
            request_key="cl-1",
        )
        await s.commit()
        number = claim.number
        order_number = (await s.get(Order, w["order"])).number
    await drain(make_worker())
    [activity] = fake.of("activity")
    assert activity["SUBJECT"] == f"Рекламация {number} по заказу {order_number}"
    assert activity["OWNER_ID"] == fake.of("company")[0]["ID"]
    assert len(fake.of("deal")) == 1  # the order's deal only
