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
from core.orders.numbers import order_number
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
    assert "demo data loaded" in str(summary)
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

        # Dealers with legal entities, addresses, managers, users and pilot waves.
        dealers = (await session.scalars(select(Dealer))).all()
        assert len(dealers) >= 5
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
        # Demo people have no Telegram account: nothing is ever sent to a stranger.
        assert all(u.telegram_id is None for u in await session.scalars(select(User)))

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
    assert "not loaded" in str(again)
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
