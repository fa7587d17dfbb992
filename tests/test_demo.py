"""Demo data: an empty database gets a realistic catalog, dealers and a year of orders, once."""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import WorkingCalendar
from core.catalog.normalize import normalize_article, search_text
from core.models import (
    Claim,
    ClaimLine,
    ClaimReason,
    Dealer,
    DeliveryAddress,
    LegalEntity,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusEvent,
    PilotWave,
    Price,
    PriceType,
    Product,
    ProductGroup,
    Role,
    SatisfactionResponse,
    Stock,
    User,
    Warehouse,
)
from core.orders.cart import line_amount
from core.orders.numbers import claim_number, order_number
from dealerbot.demo import load_demo
from dealerbot.fakedata import ean13, fake_dealers, inn10, iter_products

NOW = datetime(2025, 6, 10, 9, 30, tzinfo=UTC)  # a Tuesday, 12:30 in Moscow
MOSCOW = WorkingCalendar(zone=ZoneInfo("Europe/Moscow"))  # weekly schedule, no holidays


async def count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def snapshot(session: AsyncSession) -> dict[str, int]:
    models = (Product, Price, Stock, Dealer, User, Order, OrderLine, OrderStatusEvent, Claim)
    return {model.__name__: await count(session, model) for model in models}


async def test_demo_fills_an_empty_database_once(db: async_sessionmaker[AsyncSession]) -> None:
    summary = await load_demo(db, now=NOW)

    assert not summary.skipped
    assert summary.products == 5000
    assert str(summary).startswith("Демо-данные загружены: ") and "товаров" in str(summary)
    async with db() as session:
        # Catalog: a group tree, every item in a group, 3 price types, 3 warehouses.
        assert await count(session, Product) == 5000
        groups = (await session.scalars(select(ProductGroup))).all()
        assert any(g.parent_id is None for g in groups) and any(g.parent_id for g in groups)
        assert await session.scalar(select(func.count()).where(Product.group_id.is_(None))) == 0
        assert sorted(await session.scalars(select(PriceType.name))) == [
            "Дилерская",
            "Оптовая",
            "Розничная",
        ]
        assert await count(session, Warehouse) == 3
        assert await count(session, Price) == 5000 * 3
        stock = (await session.scalars(select(Stock.quantity))).all()
        assert len(stock) == 5000 * 3
        assert any(q == 0 for q in stock) and any(q > 0 for q in stock)

        # Every item is found by its article however it is typed, and by its barcode.
        products = (await session.scalars(select(Product))).all()
        for product in products:
            assert product.article_norm == normalize_article(product.article)
            assert product.search_text == search_text(
                product.article, product.name, product.barcode
            )
        norms = Counter(p.article_norm for p in products)
        assert norms.most_common(1)[0][1] == 1
        assert len({p.barcode for p in products}) == 5000
        assert all(p.barcode and ean13(p.barcode[:12]) == p.barcode for p in products)
        for product in products[::500]:
            typed = product.article.lower().replace(" ", "-")
            found = await session.scalars(
                select(Product.id).where(Product.article_norm == normalize_article(typed))
            )
            assert found.all() == [product.id]
        units = Counter(p.unit for p in products)
        assert units["шт"] > 2500 and {"л", "кг", "м", "компл"} <= set(units)

        # Dealers with legal entities, addresses, managers, users and pilot waves; prospects
        # from 1C fill a second page of the dealers list.
        dealers = (await session.scalars(select(Dealer))).all()
        assert len(dealers) > 50
        entities = (await session.scalars(select(LegalEntity))).all()
        assert {e.dealer_id for e in entities} == {d.id for d in dealers}
        assert all(len(e.inn) == 10 and e.kpp and len(e.kpp) == 9 for e in entities)
        assert all(inn10(e.inn[:9]) == e.inn for e in entities)
        assert len({e.inn for e in entities}) == len(entities)
        assert {a.dealer_id for a in (await session.scalars(select(DeliveryAddress)))} == {
            d.id for d in dealers
        }
        managers = {
            u.id: u for u in await session.scalars(select(User).where(User.role == Role.MANAGER))
        }
        assert managers and all(d.manager_id in managers for d in dealers)
        assert all(d.price_type_id is not None for d in dealers)
        assert await count(session, PilotWave) >= 1
        dealer_users = (await session.scalars(select(User).where(User.role == Role.DEALER))).all()
        assert dealer_users and all(u.dealer_id for u in dealer_users)
        # Demo people have stable fake Telegram ids above Telegram's 52-bit range: nothing
        # sent to them ever reaches a stranger.
        people = (await session.scalars(select(User).order_by(User.id))).all()
        assert all(u.telegram_id is not None and u.telegram_id >= 2**53 for u in people)
        assert len({u.telegram_id for u in people}) == len(people)

        # A year of orders, totals exactly the sum of their lines.
        orders = (await session.scalars(select(Order))).all()
        assert len(orders) > 300
        first = min(o.placed_at for o in orders)
        last = max(o.placed_at for o in orders)
        assert NOW - timedelta(days=366) <= first <= NOW - timedelta(days=350)
        assert NOW - timedelta(days=7) <= last <= NOW
        assert summary.first_order_at == first and summary.last_order_at == last
        sums: dict[int, Decimal] = defaultdict(Decimal)
        for order_id, price, quantity, amount in await session.execute(
            select(OrderLine.order_id, OrderLine.price, OrderLine.quantity, OrderLine.amount)
        ):
            assert amount == line_amount(price, quantity)
            sums[order_id] += amount
        assert all(o.total == sums[o.id] and o.total > 0 for o in orders)
        assert all(o.number == order_number(o.id) for o in orders)
        statuses = Counter(o.status for o in orders)
        assert statuses[OrderStatus.COMPLETED] > len(orders) / 2
        assert {OrderSource.BOT, OrderSource.ONEC} == {o.source for o in orders}
        by_id = {o.id: o for o in orders}
        reorders = [(o, by_id[o.reorder_of_id]) for o in orders if o.reorder_of_id is not None]
        assert reorders
        for order, source in reorders:
            assert source.dealer_id == order.dealer_id and source.placed_at < order.placed_at
        # The after-hours flag is the working calendar's verdict; some orders have it.
        after_hours = [o for o in orders if o.is_after_hours]
        assert after_hours and len(after_hours) < len(orders) / 2
        assert any(o.placed_at.astimezone(MOSCOW.zone).isoweekday() >= 6 for o in after_hours)
        for order in orders:
            if order.placed_at.astimezone(MOSCOW.zone).isoweekday() >= 6:
                assert order.is_after_hours
            elif not order.is_after_hours:
                assert MOSCOW.is_working_time(order.placed_at)
        confirmed = [o for o in orders if o.status not in (OrderStatus.NEW, OrderStatus.REJECTED)]
        for order in confirmed:
            assert order.confirmed_at is not None and order.confirmed_at >= order.placed_at
            assert order.confirmed_by_id == next(
                d.manager_id for d in dealers if d.id == order.dealer_id
            )
        # Bot orders come from the dealer's own people, after the dealer joined.
        users = {u.id: u for u in dealer_users}
        joined = {d.id: d.onboarded_at for d in dealers}
        for order in orders:
            if order.source == OrderSource.BOT:
                assert order.author_id is not None
                assert users[order.author_id].dealer_id == order.dealer_id
                dealer_joined = joined[order.dealer_id]
                assert dealer_joined is not None and order.placed_at > dealer_joined

        # Status history leads to each order's status.
        last_event: dict[int, OrderStatusEvent] = {}
        for event in await session.scalars(select(OrderStatusEvent).order_by(OrderStatusEvent.at)):
            assert event.at <= NOW
            last_event[event.order_id] = event
        assert all(last_event[o.id].to_status == o.status for o in orders)

        # Claims against the dealer's own completed orders, quantities within the order.
        claims = (await session.scalars(select(Claim))).all()
        assert claims
        claim_rows = await session.execute(
            select(Claim.dealer_id, Claim.order_id, ClaimLine.reason, ClaimLine.quantity)
            .join(ClaimLine, ClaimLine.claim_id == Claim.id)
            .add_columns(OrderLine.quantity, OrderLine.order_id)
            .join(OrderLine, OrderLine.id == ClaimLine.order_line_id)
        )
        reasons = set()
        for dealer_id, order_id, reason, quantity, ordered, line_order in claim_rows:
            assert line_order == order_id and by_id[order_id].dealer_id == dealer_id
            assert by_id[order_id].status == OrderStatus.COMPLETED
            assert 0 < quantity <= ordered
            reasons.add(reason)
        assert ClaimReason.WRONG_ITEM in reasons
        assert await count(session, SatisfactionResponse) > 0
        before = await snapshot(session)

    again = await load_demo(db, now=NOW + timedelta(days=1))
    assert again.skipped and again.orders == 0
    assert "не загружены" in str(again)
    async with db() as session:
        assert await snapshot(session) == before


async def test_demo_leaves_a_database_with_dealers_alone(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as session, session.begin():
        session.add(Dealer(name="ООО Первый", inn="7707083893"))

    summary = await load_demo(db, items=10, now=NOW)

    assert summary.skipped
    async with db() as session:
        assert await count(session, Product) == 0
        assert await count(session, Order) == 0
        assert await count(session, Dealer) == 1


def test_fake_catalog_is_deterministic_and_unique() -> None:
    assert inspect.signature(load_demo).parameters["items"].default >= 5000
    first = list(iter_products(3000, seed=7))
    assert first == list(iter_products(3000, seed=7))
    assert first != list(iter_products(3000, seed=8))
    assert len({normalize_article(p.article) for p in first}) == 3000
    assert any(any("А" <= ch <= "я" for ch in p.article) for p in first)
    assert fake_dealers(8, seed=3) == fake_dealers(8, seed=3)


async def test_demo_fills_every_admin_page(db: async_sessionmaker[AsyncSession]) -> None:
    """Applications, invitations of every state agreeing with the funnel, NPS rounds, broadcasts,
    claims of every status with photos, the exchange log, audit, managers' actions, and more
    rows than one page holds wherever the admin pages a list."""
    from admin.views.pilot import invitation_state
    from core.broadcasts.service import tally
    from core.metrics.nps import nps_rounds
    from core.models import (
        Application,
        AuditEntry,
        Broadcast,
        BroadcastState,
        ClaimAttachment,
        ClaimStatus,
        ClaimStatusEvent,
        ExchangeSession,
        Invitation,
        InvitationUse,
        ManagerAction,
        utcnow,
    )
    from core.pilot import wave_funnels

    now = utcnow().replace(microsecond=0)
    summary = await load_demo(db, items=300, now=now)
    async with db() as session:
        # The queue of applications, and decisions that point at real dealers.
        applications = (await session.scalars(select(Application))).all()
        by_status = Counter(a.status for a in applications)
        assert by_status["new"] >= 5 and by_status["approved"] and by_status["rejected"]
        for application in applications:
            assert application.telegram_id >= 2**53
            if application.status == "approved":
                dealer = await session.get(Dealer, application.dealer_id)
                assert dealer is not None and dealer.inn == application.inn
            if application.status == "rejected":
                assert application.decision_note and application.decided_at

        # Invitations of every state; each use is a person of the invitation's dealer.
        invitations = (await session.scalars(select(Invitation))).all()
        states = Counter(invitation_state(i) for i in invitations)
        assert set(states) == {"active", "used", "expired", "revoked"}, states
        users = {u.id: u for u in await session.scalars(select(User))}
        uses = Counter(use.invitation_id for use in await session.scalars(select(InvitationUse)))
        for invitation in invitations:
            assert invitation.uses == uses[invitation.id] <= invitation.max_uses
        for use in await session.scalars(select(InvitationUse)):
            invitation = next(i for i in invitations if i.id == use.invitation_id)
            if invitation.dealer_id is not None:
                assert users[use.user_id].dealer_id == invitation.dealer_id
        # The funnel: invited >= joined in every wave, and wave 2 has invited prospects.
        dealers = {d.id: d for d in await session.scalars(select(Dealer))}
        invited = {i.dealer_id for i in invitations if i.dealer_id}
        for funnel in await wave_funnels(session, include_unassigned=True):
            members = [d for d in dealers.values() if d.wave_id == funnel.wave_id]
            assert funnel.invited == sum(
                1 for d in members if d.id in invited or d.onboarded_at is not None
            )
            assert funnel.joined == sum(1 for d in members if d.onboarded_at is not None)
            assert funnel.invited >= funnel.joined
        assert any(f.invited > f.joined for f in await wave_funnels(session))

        # Two NPS rounds, each asked of the pilot's people, most of them answered.
        rounds = await nps_rounds(session)
        assert len(rounds) == 2 and summary.nps_answers > 0
        assert all(0 < r.answered <= r.asked for r in rounds)

        # Broadcasts: sent (with failed and blocked recipients), scheduled, draft, cancelled.
        broadcasts = (await session.scalars(select(Broadcast))).all()
        assert {b.state for b in broadcasts} == {
            BroadcastState.DONE,
            BroadcastState.SCHEDULED,
            BroadcastState.DRAFT,
            BroadcastState.CANCELLED,
        }
        for broadcast in broadcasts:
            if broadcast.state == BroadcastState.DONE:
                counted = await tally(session, broadcast.id)
                assert counted.total == broadcast.recipients > 0
                assert (counted.sent, counted.failed, counted.blocked) == (
                    broadcast.sent,
                    broadcast.failed,
                    broadcast.blocked,
                )
        assert sum(b.failed for b in broadcasts) and sum(b.blocked for b in broadcasts)
        scheduled = next(b for b in broadcasts if b.state == BroadcastState.SCHEDULED)
        assert scheduled.scheduled_at is not None and scheduled.scheduled_at > now

        # Claims: a second page, every status, photos; history ends at the status.
        claims = (await session.scalars(select(Claim))).all()
        assert len(claims) > 50 and summary.claims == len(claims)
        assert {c.status for c in claims} == set(ClaimStatus)
        assert all(c.number == claim_number(c.id) for c in claims)
        last: dict[int, str] = {}
        for event in await session.scalars(
            select(ClaimStatusEvent).order_by(ClaimStatusEvent.at, ClaimStatusEvent.id)
        ):
            assert event.at <= now
            last[event.claim_id] = event.to_status
        assert all(last[c.id] == c.status for c in claims)
        orders = {o.id: o for o in await session.scalars(select(Order))}
        for claim in claims:
            order = orders[claim.order_id]
            assert order.status == OrderStatus.COMPLETED and order.dealer_id == claim.dealer_id
            assert claim.created_at >= order.placed_at
        photographed = {a.claim_id for a in await session.scalars(select(ClaimAttachment))}
        assert len(photographed) >= len(claims) // 3
        assert {c.status for c in claims if c.id in photographed} == set(ClaimStatus)

        # Managers' actions: one per decision, by the managers.
        actions = (await session.scalars(select(ManagerAction))).all()
        decisions = await session.scalar(
            select(func.count())
            .select_from(OrderStatusEvent)
            .where(OrderStatusEvent.actor_kind == "manager")
        )
        claim_decisions = await session.scalar(
            select(func.count())
            .select_from(ClaimStatusEvent)
            .where(ClaimStatusEvent.from_status.is_not(None))
        )
        from core.models import DealerContact  # the contact log (dealerbot/demo_contacts.py)

        contacts = await count(session, DealerContact)
        assert contacts > 0
        assert len(actions) == decisions + claim_decisions + contacts
        assert all(users[a.user_id].role == Role.MANAGER for a in actions)
        assert {a.action for a in actions} >= {"order.confirm", "order.reject", "claim.resolved"}

        # The exchange log: a second page, successes, one failure, one refused login.
        sessions = (await session.scalars(select(ExchangeSession))).all()
        assert len(sessions) > 50
        assert {s.exchange_type for s in sessions} == {"catalog", "sale"}
        assert sum(1 for s in sessions if s.error and s.status == "done") == 1
        assert sum(1 for s in sessions if s.status == "refused") == 1
        assert any(s.counts.get("exported") for s in sessions if s.exchange_type == "sale")

        # The audit log: a second page, with refused admin and 1C logins.
        entries = (await session.scalars(select(AuditEntry))).all()
        assert len(entries) > 100
        assert {"auth.login", "auth.login_failed", "onec.login_failed"} <= {
            e.action for e in entries
        }

        # The dealers list has a second page (50 a page), the orders list many.
        assert len(dealers) > 50 and len(orders) > 50


async def test_demo_is_the_same_for_the_same_seed(db: async_sessionmaker[AsyncSession]) -> None:
    from core.models import Application, ExchangeSession

    async def picture() -> tuple[object, ...]:
        async with db() as session:
            return (
                sorted((u.full_name, u.telegram_id) for u in await session.scalars(select(User))),
                sorted(a.company for a in await session.scalars(select(Application))),
                await count(session, Claim),
                await count(session, ExchangeSession),
            )

    await load_demo(db, items=50, now=NOW)
    first = await picture()
    from tests.conftest import wipe

    async with db() as session:
        engine = session.bind
    await wipe(engine)  # type: ignore[arg-type]
    await load_demo(db, items=50, now=NOW)
    assert await picture() == first


async def test_demo_has_finance_with_real_pdfs(db: async_sessionmaker[AsyncSession]) -> None:
    from core.models import FinanceContract, FinanceDocument, FinanceDocumentFile

    await load_demo(db, items=300, seed=3, now=datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    async with db() as session:
        contracts = list(await session.scalars(select(FinanceContract)))
        documents = list(await session.scalars(select(FinanceDocument)))
        files = list(await session.scalars(select(FinanceDocumentFile)))
        shipments_linked = [d for d in documents if d.kind == "shipment" and d.order_id]
    assert contracts and all(c.as_of < datetime(2026, 12, 2, 9, 0, tzinfo=UTC) for c in contracts)
    assert files and all(f.content.startswith(b"%PDF-") for f in files)
    assert any(d.file_size == 0 for d in documents)  # payments listed without a file
    assert shipments_linked
