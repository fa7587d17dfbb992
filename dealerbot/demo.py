"""Demo data: an auto-parts distributor with a catalog, dealers, people and a year of orders.

`load_demo` fills an empty database only; on a database with products or dealers it does
nothing. Rows go in with bulk inserts inside one transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import display
from core.calendar import WorkingCalendar, calendar_from_settings
from core.catalog.normalize import normalize_article, search_text
from core.holidays import load_russian_holidays
from core.models import (
    CalendarDay,
    Claim,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ClaimStatusEvent,
    Dealer,
    DealerStatus,
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
    SyncState,
    User,
    Warehouse,
    utcnow,
)
from core.orders.cart import line_amount
from core.orders.numbers import claim_number, order_number
from core.settings import Settings
from dealerbot.demo_activity import DealerInfo, load_activity
from dealerbot.demo_contacts import load_contacts
from dealerbot.demo_finance import load_finance
from dealerbot.fakedata import (
    PRICE_TYPES,
    WAREHOUSES,
    FakeDealer,
    FakeProduct,
    fake_dealers,
    fake_telegram_id,
    iter_groups,
    iter_products,
    person_name,
    price_for,
    stock_for,
)

DEFAULT_ZONE = "Europe/Moscow"
DEALERS = 8
HISTORY_DAYS = 365
BATCH = 5000
CENT = Decimal("0.01")
MONTHLY_INFLATION = Decimal("0.008")  # prices in the history were this much lower per month
S = OrderStatus


@dataclass(frozen=True)
class DemoSummary:
    """What `load_demo` stored (all zero and `skipped` when the database already had data)."""

    skipped: bool = False
    groups: int = 0
    products: int = 0
    price_types: int = 0
    prices: int = 0
    warehouses: int = 0
    stock: int = 0
    waves: int = 0
    dealers: int = 0
    legal_entities: int = 0
    addresses: int = 0
    managers: int = 0
    users: int = 0
    calendar_days: int = 0
    orders: int = 0
    order_lines: int = 0
    after_hours_orders: int = 0
    reorders: int = 0
    status_events: int = 0
    claims: int = 0
    claim_lines: int = 0
    satisfaction: int = 0
    prospects: int = 0
    invitations: int = 0
    applications: int = 0
    claim_photos: int = 0
    manager_actions: int = 0
    nps_answers: int = 0
    broadcasts: int = 0
    broadcast_deliveries: int = 0
    exchange_sessions: int = 0
    audit_entries: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None

    def __str__(self) -> str:
        if self.skipped:
            return "Демо-данные не загружены: в базе уже есть товары или дилеры."
        counts = ", ".join(
            f"{display.label('demo_count', f.name)} {getattr(self, f.name)}"
            for f in fields(self)
            if isinstance(getattr(self, f.name), int)
            and not isinstance(getattr(self, f.name), bool)
        )
        return f"Демо-данные загружены: {counts}."


async def load_demo(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    items: int = 5000,
    seed: int = 1,
    now: datetime | None = None,
    calendar: WorkingCalendar | None = None,
    settings: Settings | None = None,
) -> DemoSummary:
    """Fill an empty database with demo data; does nothing if it has products or dealers.

    The after-hours flag of the history comes from `calendar` (default: Mon-Fri 9-18
    Europe/Moscow with the calendar days stored in the database, Russian holidays loaded for
    the years the history covers). The same `seed` and `now` give the same data.
    """
    if items < 1:
        raise ValueError("items must be positive")
    now = (now or utcnow()).astimezone(UTC)
    async with session_factory() as session, session.begin():
        has_data = await session.scalar(
            select(exists().where(Product.id.is_not(None)))
        ) or await session.scalar(select(exists().where(Dealer.id.is_not(None))))
        if has_data:
            return DemoSummary(skipped=True)
        loader = _Loader(session, random.Random(seed), now)
        calendar_days = await loader.calendar_days(calendar, settings)
        await loader.catalog(list(iter_products(items, seed)), seed)
        await loader.people(fake_dealers(DEALERS, seed))
        await loader.history()
        await loader.activity(seed)
        await load_finance(session, random.Random(seed), now)  # dealerbot.demo_finance
        await load_contacts(session, now, loader.dealers, seed)  # the managers' contact log
        return loader.summary(calendar_days)


async def _insert_ids(
    session: AsyncSession,
    model: Any,
    rows: Sequence[dict[str, Any]],
    key: tuple[str, ...] = ("onec_id",),
) -> list[int]:
    """Insert rows in batches; returns their ids in the order given.

    Ids are matched back through `key`, columns unique among the rows: SQLite does not promise
    RETURNING in parameter order, and asking SQLAlchemy to sort would insert row by row there.
    """
    columns = [getattr(model, name) for name in key]
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        batch = list(rows[start : start + BATCH])
        result = await session.execute(insert(model).returning(model.id, *columns), batch)
        by_key = {tuple(row[1:]): row[0] for row in result}
        ids.extend(by_key[tuple(row[name] for name in key)] for row in batch)
    return ids


async def _insert(session: AsyncSession, model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows in batches without reading anything back; returns how many."""
    batch: list[dict[str, Any]] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            await session.execute(insert(model), batch)
            count, batch = count + len(batch), []
    if batch:
        await session.execute(insert(model), batch)
        count += len(batch)
    return count


@dataclass
class _Item:
    id: int
    fake: FakeProduct
    active: bool


@dataclass
class _DealerPlan:
    id: int
    fake: FakeDealer
    price_type_index: int
    manager_id: int
    onboarded_at: datetime | None
    entity_ids: list[int]
    user_ids: list[int]
    rate: float
    favourites: list[int] = field(default_factory=list)


@dataclass
class _PlannedOrder:
    dealer: _DealerPlan
    placed_at: datetime
    source: str
    author_id: int | None
    legal_entity_id: int
    lines: list[tuple[_Item, Decimal, Decimal]]  # item, price, quantity
    reorder_of: int | None  # index into the planned list
    events: list[tuple[str | None, str, datetime, int | None, str, str]] = field(
        default_factory=list
    )  # from, to, at, actor id, actor kind, note
    confirmed_at: datetime | None = None
    confirmed_by_id: int | None = None
    rejected_reason: str | None = None
    comment: str = ""
    dealer_po: str | None = None
    desired_date: date | None = None
    delivery_address: str | None = None

    @property
    def status(self) -> str:
        return self.events[-1][1]


_REJECT_REASONS = (
    "Нет в наличии на складе, предложим замену",
    "Превышен кредитный лимит",
    "Дубль заказа",
    "Не согласована цена по позициям",
)
_CANCEL_NOTES = ("Отменён по просьбе клиента", "Клиент забрал самовывозом по другому заказу")
_COMMENTS = (
    "",
    "",
    "",
    "",
    "Доставка до 12:00",
    "Позвонить перед отгрузкой",
    "Срочно, машина на подъёмнике",
    "Отгрузить вместе с предыдущим заказом",
    "Самовывоз",
)
_CLAIM_COMMENTS = {
    ClaimReason.WRONG_ITEM: "Пришёл другой артикул, в коробке не то, что заказывали (пересорт)",
    ClaimReason.DEFECT: "Брак: деталь не подошла по посадочному месту / течь",
    ClaimReason.SHORTAGE: "Недовложение: в коробке меньше, чем в накладной",
    ClaimReason.DAMAGE: "Повреждена упаковка, деталь с трещиной",
    ClaimReason.OTHER: "Прошу принять возврат",
}
_POLL_COMMENTS = ("", "", "", "Всё отлично, спасибо!", "Быстро подтвердили", "Долго ждали отгрузку")


class _Loader:
    """Builds the demo rows; one instance per load."""

    def __init__(self, session: AsyncSession, rng: random.Random, now: datetime) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.calendar = WorkingCalendar(zone=ZoneInfo(DEFAULT_ZONE))
        self.counts: dict[str, Any] = {}
        self.items: list[_Item] = []
        self.dealers: list[_DealerPlan] = []
        self.managers: list[int] = []
        self.price_type_ids: list[int] = []
        self.admin_id: int | None = None
        self.wave_ids: list[int] = []
        self.user_joined: dict[int, datetime] = {}
        self.dealer_waves: dict[int, int | None] = {}
        self.first_at: datetime | None = None
        self.last_at: datetime | None = None

    # -- calendar, catalog, people ------------------------------------------------------------

    async def calendar_days(
        self, calendar: WorkingCalendar | None, settings: Settings | None
    ) -> int:
        """Load Russian holidays for the covered years; settle the calendar used for flags."""
        stored = 0
        for year in range(self.start.year, self.now.year + 2):
            stored += len(await load_russian_holidays(self.session, year))
        if calendar is None:
            rows = await self.session.execute(select(CalendarDay.day, CalendarDay.kind))
            overrides = {day: kind for day, kind in rows}
            calendar = (
                calendar_from_settings(settings, overrides)
                if settings is not None
                else WorkingCalendar(zone=ZoneInfo(DEFAULT_ZONE), overrides=overrides)
            )
        self.calendar = calendar
        return stored

    async def catalog(self, products: list[FakeProduct], seed: int) -> None:
        session, now = self.session, self.now
        group_ids: dict[str, int] = {}
        groups = iter_groups(seed)
        for depth in sorted({g.depth for g in groups}):
            level = [g for g in groups if g.depth == depth]
            ids = await _insert_ids(
                session,
                ProductGroup,
                [
                    {
                        "onec_id": g.onec_id,
                        "name": g.name,
                        "parent_id": group_ids[g.parent_onec_id] if g.parent_onec_id else None,
                        "is_active": True,
                    }
                    for g in level
                ],
            )
            group_ids.update(zip((g.onec_id for g in level), ids, strict=True))
        product_rows: list[dict[str, Any]] = [
            {
                "onec_id": p.onec_id,
                "article": p.article,
                "article_norm": normalize_article(p.article),
                "name": p.name,
                "search_text": search_text(p.article, p.name, p.barcode),
                "unit": p.unit,
                "unit_code": p.unit_code,
                "barcode": p.barcode,
                "group_id": group_ids[p.group_onec_id],
                "properties": {"Производитель": p.brand},
                # About one item in a hundred is no longer sold: it shows in old orders only.
                "is_active": index % 97 != 96,
                "updated_at": now,
            }
            for index, p in enumerate(products)
        ]
        ids = await _insert_ids(session, Product, product_rows)
        self.items = [
            _Item(pid, p, row["is_active"])
            for pid, p, row in zip(ids, products, product_rows, strict=True)
        ]
        type_ids = await _insert_ids(
            session,
            PriceType,
            [
                {"onec_id": f"demo-price-type-{i + 1}", "name": name, "currency": "RUB"}
                for i, name in enumerate(PRICE_TYPES)
            ],
        )
        self.price_type_ids = type_ids
        self.counts["prices"] = await _insert(
            session,
            Price,
            (
                {
                    "product_id": item.id,
                    "price_type_id": type_id,
                    "value": price_for(item.fake, index),
                    "currency": "RUB",
                }
                for item in self.items
                for index, type_id in enumerate(type_ids)
            ),
        )
        warehouse_ids = await _insert_ids(
            session,
            Warehouse,
            [
                {"onec_id": f"demo-warehouse-{i + 1}", "name": name, "is_active": True}
                for i, name in enumerate(WAREHOUSES)
            ],
        )
        self.counts["stock"] = await _insert(
            session,
            Stock,
            (
                {
                    "product_id": item.id,
                    "warehouse_id": wid,
                    "quantity": stock_for(item.fake, index),
                }
                for item in self.items
                for index, wid in enumerate(warehouse_ids)
            ),
        )
        self.counts.update(
            groups=len(groups),
            products=len(self.items),
            price_types=len(type_ids),
            warehouses=len(warehouse_ids),
        )

    async def people(self, dealers: list[FakeDealer]) -> None:
        session, rng, now = self.session, self.rng, self.now
        self.managers = await _insert_ids(
            session,
            User,
            [
                {
                    "role": Role.MANAGER if n < 3 else Role.ADMIN,
                    "telegram_id": fake_telegram_id(1 + n),
                    "full_name": person_name(rng),
                    "phone": _phone(rng, n),
                }
                for n in range(4)
            ],
            key=("phone",),
        )
        admin_id = self.managers.pop()
        # Wave 1 (the pilot) started about nine months ago, wave 2 two months ago; the last
        # dealer is not in the pilot yet and orders through its manager, as everyone did before.
        wave1_start = (now - timedelta(days=275)).date()
        wave2_start = (now - timedelta(days=62)).date()
        wave_ids = await _insert_ids(
            session,
            PilotWave,
            [
                {
                    "name": "Пилот: волна 1",
                    "starts_on": wave1_start,
                    "ends_on": wave1_start + timedelta(days=90),
                    "criteria": "Дилеры с заказами каждую неделю, готовые давать обратную связь",
                    "thanks_text": "Спасибо, что помогаете сделать заказ удобнее!",
                    "created_at": now - timedelta(days=290),
                },
                {
                    "name": "Волна 2",
                    "starts_on": wave2_start,
                    "ends_on": None,
                    "criteria": "Региональные дилеры",
                    "thanks_text": "Спасибо, что с нами!",
                    "created_at": now - timedelta(days=70),
                },
            ],
            key=("name",),
        )
        plans: list[tuple[int | None, datetime | None, str]] = []
        for index in range(len(dealers)):
            if index < 5:
                onboarded = _at(wave1_start + timedelta(days=rng.randrange(1, 20)), 11, rng)
                plans.append((wave_ids[0], onboarded, DealerStatus.ACTIVE))
            elif index < len(dealers) - 1:
                onboarded = _at(wave2_start + timedelta(days=rng.randrange(1, 12)), 14, rng)
                plans.append((wave_ids[1], onboarded, DealerStatus.ACTIVE))
            else:
                plans.append((None, None, DealerStatus.PROSPECT))
        dealer_price_types = [2 if i % 4 != 3 else 1 for i in range(len(dealers))]
        dealer_ids = await _insert_ids(
            session,
            Dealer,
            [
                {
                    "name": d.name,
                    "inn": d.legal_entities[0].inn,
                    "onec_id": d.onec_id,
                    "city": d.city,
                    "region": d.region,
                    "price_type_id": self.price_type_ids[dealer_price_types[i]],
                    "manager_id": self.managers[i % len(self.managers)],
                    "wave_id": plans[i][0],
                    "status": plans[i][2],
                    "features": {},
                    "tags": {},
                    "onboarded_at": plans[i][1],
                    "created_at": self.start - timedelta(days=30),
                }
                for i, d in enumerate(dealers)
            ],
        )
        entity_rows = [
            {
                "dealer_id": dealer_id,
                "name": e.name,
                "inn": e.inn,
                "kpp": e.kpp,
                "onec_id": e.onec_id,
                "is_active": True,
            }
            for dealer_id, d in zip(dealer_ids, dealers, strict=True)
            for e in d.legal_entities
        ]
        entity_ids = await _insert_ids(session, LegalEntity, entity_rows)
        self.counts["addresses"] = await _insert(
            session,
            DeliveryAddress,
            (
                {"dealer_id": dealer_id, "address": address, "is_default": n == 0}
                for dealer_id, d in zip(dealer_ids, dealers, strict=True)
                for n, address in enumerate(d.addresses)
            ),
        )
        user_rows: list[dict[str, Any]] = []
        for index, (dealer_id, (_, joined, _)) in enumerate(zip(dealer_ids, plans, strict=True)):
            if joined is None:
                continue
            first_entity = entity_ids[[r["dealer_id"] for r in entity_rows].index(dealer_id)]
            for n in range(1 + index % 3):
                user_rows.append(
                    {
                        "role": Role.DEALER,
                        "telegram_id": fake_telegram_id(100 + len(user_rows)),
                        "dealer_id": dealer_id,
                        "full_name": person_name(rng),
                        "phone": _phone(rng, 10 + len(user_rows)),
                        "language": "ru",
                        "active_legal_entity_id": first_entity,
                        "created_at": joined + timedelta(days=n * 9, minutes=7),
                    }
                )
        user_ids = await _insert_ids(session, User, user_rows, key=("phone",))
        for index, (dealer_id, fake) in enumerate(zip(dealer_ids, dealers, strict=True)):
            self.dealers.append(
                _DealerPlan(
                    id=dealer_id,
                    fake=fake,
                    price_type_index=dealer_price_types[index],
                    manager_id=self.managers[index % len(self.managers)],
                    onboarded_at=plans[index][1],
                    entity_ids=[
                        eid
                        for eid, row in zip(entity_ids, entity_rows, strict=True)
                        if row["dealer_id"] == dealer_id
                    ],
                    user_ids=[
                        uid
                        for uid, row in zip(user_ids, user_rows, strict=True)
                        if row["dealer_id"] == dealer_id
                    ],
                    rate=rng.uniform(0.35, 0.75),
                    favourites=rng.sample(range(len(self.items)), k=min(150, len(self.items))),
                )
            )
        self.counts.update(
            waves=len(wave_ids),
            dealers=len(dealer_ids),
            legal_entities=len(entity_ids),
            managers=len(self.managers),
            users=len(user_ids) + len(self.managers) + 1,
        )
        self.admin_id = admin_id
        self.wave_ids = wave_ids
        self.user_joined = {
            row_id: row["created_at"] for row_id, row in zip(user_ids, user_rows, strict=True)
        }
        self.dealer_waves = {
            dealer_id: plan[0] for dealer_id, plan in zip(dealer_ids, plans, strict=True)
        }

    # -- order history ------------------------------------------------------------------------

    def _plan_orders(self) -> list[_PlannedOrder]:
        rng, zone = self.rng, self.calendar.zone
        planned: list[_PlannedOrder] = []
        by_dealer: dict[int, list[int]] = {}
        day = self.start.astimezone(zone).date()
        last_day = self.now.astimezone(zone).date()
        while day <= last_day:
            working = self.calendar.hours(day) is not None
            today: list[_PlannedOrder] = []
            for dealer in self.dealers:
                bot_era = (
                    dealer.onboarded_at is not None
                    and day >= dealer.onboarded_at.astimezone(zone).date()
                )
                chance = dealer.rate if working else (dealer.rate * 0.15 if bot_era else 0.0)
                if rng.random() >= chance:
                    continue
                bot = bot_era and (rng.random() < 0.85 or not working)
                placed = self._placed_at(day, working, bot)
                if placed >= self.now or (
                    bot and dealer.onboarded_at is not None and placed <= dealer.onboarded_at
                ):
                    continue
                earlier = by_dealer.get(dealer.id, [])
                reorder_of = None
                if bot and earlier and rng.random() < 0.18:
                    reorder_of = rng.choice(earlier[-12:])
                source = OrderSource.BOT if bot else OrderSource.ONEC
                today.append(self._order(dealer, placed, source, planned, reorder_of))
            for order in sorted(today, key=lambda o: o.placed_at):
                by_dealer.setdefault(order.dealer.id, []).append(len(planned))
                planned.append(order)
            day += timedelta(days=1)
        return planned

    def _placed_at(self, day: date, working: bool, bot: bool) -> datetime:
        rng = self.rng
        if bot and (not working or rng.random() < 0.16):
            hour = rng.choice((7, 8, 18, 19, 20, 21, 22, 23) if working else tuple(range(9, 23)))
        else:
            hour = rng.choices(range(9, 18), weights=(4, 8, 9, 8, 5, 6, 8, 7, 4))[0]
        local = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
        return local.replace(tzinfo=self.calendar.zone).astimezone(UTC)

    def _order(
        self,
        dealer: _DealerPlan,
        placed: datetime,
        source: str,
        planned: list[_PlannedOrder],
        reorder_of: int | None,
    ) -> _PlannedOrder:
        rng = self.rng
        recent = self.now - placed < timedelta(days=60)
        if reorder_of is not None:
            picked = [item for item, _, _ in planned[reorder_of].lines]
            quantities = [qty for _, _, qty in planned[reorder_of].lines]
            keep = [
                (i, q) for i, q in zip(picked, quantities, strict=True) if rng.random() < 0.9
            ] or [(picked[0], quantities[0])]
        else:
            size = rng.choices((1, 2, 3, 5, 8, 12, 20), weights=(10, 14, 16, 20, 18, 12, 6))[0]
            chosen: dict[int, None] = {}
            for _ in range(size * 2):
                if len(chosen) >= size:
                    break
                pool = dealer.favourites if rng.random() < 0.8 else range(len(self.items))
                chosen.setdefault(rng.choice(pool), None)
            keep = [(self.items[i], _quantity(rng, self.items[i].fake.unit_code)) for i in chosen]
        if recent:
            keep = [(i, q) for i, q in keep if i.active] or [
                (next(i for i in self.items if i.active), Decimal(1))
            ]
        months = Decimal((self.now - placed).days) / 30
        factor = 1 - MONTHLY_INFLATION * months
        lines = [
            (
                item,
                (price_for(item.fake, dealer.price_type_index) * factor).quantize(
                    CENT, rounding=ROUND_HALF_UP
                ),
                qty,
            )
            for item, qty in keep
        ]
        entity = dealer.entity_ids[0] if rng.random() < 0.7 else rng.choice(dealer.entity_ids)
        author = rng.choice(dealer.user_ids) if source == OrderSource.BOT else None
        order = _PlannedOrder(
            dealer=dealer,
            placed_at=placed,
            source=source,
            author_id=author,
            legal_entity_id=entity,
            lines=lines,
            reorder_of=reorder_of,
            comment=rng.choice(_COMMENTS),
            dealer_po=f"ЗК-{rng.randrange(1000, 99999)}" if rng.random() < 0.3 else None,
            delivery_address=rng.choice(dealer.fake.addresses),
        )
        if rng.random() < 0.2:
            local = placed.astimezone(self.calendar.zone).date()
            order.desired_date = local + timedelta(days=rng.randrange(1, 6))
        self._timeline(order)
        return order

    def _timeline(self, order: _PlannedOrder) -> None:
        """Status events from placement on, stopping at `now`."""
        rng, cal, now = self.rng, self.calendar, self.now
        bot = order.source == OrderSource.BOT
        manager = order.dealer.manager_id
        placed = order.placed_at
        order.events.append((None, S.NEW, placed, order.author_id, "dealer" if bot else "1c", ""))
        if bot:
            opens = placed if cal.is_working_time(placed) else cal.next_working_start(placed)
            decided = opens + timedelta(minutes=rng.choice((3, 5, 8, 12, 20, 35, 60, 95)))
        else:
            decided = placed + timedelta(minutes=rng.randrange(1, 15))
        waiting = now - placed < timedelta(hours=4) and rng.random() < 0.6
        if decided > now or waiting:  # the newest orders wait for their manager
            return
        roll = rng.random()
        if bot and roll < 0.03:
            order.rejected_reason = rng.choice(_REJECT_REASONS)
            order.events.append(
                (S.NEW, S.REJECTED, decided, manager, "manager", order.rejected_reason)
            )
            return
        order.confirmed_at, order.confirmed_by_id = decided, manager
        order.events.append((S.NEW, S.CONFIRMED, decided, manager, "manager", ""))
        steps = (
            (S.IN_PROGRESS, timedelta(hours=rng.randrange(1, 6))),
            (S.SHIPPED, timedelta(days=rng.randrange(1, 3), hours=rng.randrange(0, 5))),
            (S.COMPLETED, timedelta(days=rng.randrange(1, 5), hours=rng.randrange(0, 8))),
        )
        at, current = decided, S.CONFIRMED
        cancel_at = 0 if roll > 0.07 else 1
        for number, (status, delay) in enumerate(steps, start=1):
            at += delay
            if at > now:
                return
            if number == cancel_at:
                order.events.append(
                    (current, S.CANCELLED, at, None, "1c", rng.choice(_CANCEL_NOTES))
                )
                return
            order.events.append((current, status, at, None, "1c", ""))
            current = status

    async def history(self) -> None:
        session, rng = self.session, self.rng
        planned = self._plan_orders()
        order_rows = []
        for n, order in enumerate(planned):
            bot = order.source == OrderSource.BOT
            last_at = order.events[-1][2]
            exported = order.placed_at + timedelta(minutes=rng.randrange(1, 10))
            acknowledged = not bot or exported < self.now
            order_rows.append(
                {
                    "number": f"demo-{n}",
                    "dealer_id": order.dealer.id,
                    "legal_entity_id": order.legal_entity_id,
                    "author_id": order.author_id,
                    "status": order.status,
                    "source": order.source,
                    "placed_at": order.placed_at,
                    "is_after_hours": not self.calendar.is_working_time(order.placed_at),
                    "confirmed_at": order.confirmed_at,
                    "confirmed_by_id": order.confirmed_by_id,
                    "rejected_reason": order.rejected_reason,
                    "comment": order.comment,
                    "desired_date": order.desired_date,
                    "dealer_po": order.dealer_po,
                    "delivery_address": order.delivery_address,
                    "currency": "RUB",
                    "total": sum(
                        (line_amount(price, qty) for _, price, qty in order.lines), Decimal("0")
                    ),
                    "onec_number": f"ТД00-{n + 1:06d}" if acknowledged else None,
                    "onec_id": str(_uuid(rng)) if acknowledged else None,
                    "sync_state": (
                        SyncState.PENDING
                        if not acknowledged
                        else SyncState.ACKNOWLEDGED
                        if bot
                        else SyncState.NOT_APPLICABLE
                    ),
                    "exported_at": exported if bot and acknowledged else None,
                    "is_paid": order.status == S.COMPLETED,
                    "updated_at": last_at,
                }
            )
        order_ids = await _insert_ids(session, Order, order_rows, key=("number",))
        if order_ids:
            await session.execute(
                update(Order),
                [
                    {
                        "id": oid,
                        "number": order_number(oid),
                        "reorder_of_id": (
                            order_ids[order.reorder_of] if order.reorder_of is not None else None
                        ),
                        "updated_at": row["updated_at"],
                    }
                    for oid, order, row in zip(order_ids, planned, order_rows, strict=True)
                ],
            )
        line_rows: list[dict[str, Any]] = [
            {
                "order_id": oid,
                "line_no": number,
                "product_id": item.id,
                "product_onec_id": item.fake.onec_id,
                "article": item.fake.article,
                "name": item.fake.name,
                "unit": item.fake.unit,
                "price": price,
                "quantity": qty,
                "amount": line_amount(price, qty),
            }
            for oid, order in zip(order_ids, planned, strict=True)
            for number, (item, price, qty) in enumerate(order.lines, start=1)
        ]
        line_ids = await _insert_ids(session, OrderLine, line_rows, key=("order_id", "line_no"))
        self.counts["status_events"] = await _insert(
            session,
            OrderStatusEvent,
            (
                {
                    "order_id": oid,
                    "from_status": from_status,
                    "to_status": to_status,
                    "actor_id": actor,
                    "actor_kind": kind,
                    "note": note,
                    "at": at,
                }
                for oid, order in zip(order_ids, planned, strict=True)
                for from_status, to_status, at, actor, kind, note in order.events
            ),
        )
        lines_of: dict[int, list[tuple[int, Decimal]]] = {}
        for lid, row in zip(line_ids, line_rows, strict=True):
            lines_of.setdefault(row["order_id"], []).append((lid, row["quantity"]))
        completed = [
            (oid, order)
            for oid, order in zip(order_ids, planned, strict=True)
            if order.status == S.COMPLETED and order.source == OrderSource.BOT
        ]
        await self._claims(completed, lines_of)
        await self._satisfaction(completed)
        self.counts.update(
            orders=len(order_ids),
            order_lines=len(line_ids),
            after_hours_orders=sum(1 for row in order_rows if row["is_after_hours"]),
            reorders=sum(1 for order in planned if order.reorder_of is not None),
        )
        if planned:
            self.first_at, self.last_at = planned[0].placed_at, planned[-1].placed_at

    async def _claims(
        self,
        completed: list[tuple[int, _PlannedOrder]],
        lines_of: dict[int, list[tuple[int, Decimal]]],
    ) -> None:
        rng, now, session = self.rng, self.now, self.session
        chosen = [pair for pair in completed if rng.random() < 0.03]
        reasons = list(ClaimReason)
        claims: list[dict[str, Any]] = []
        claim_lines: list[list[dict[str, Any]]] = []
        events: list[list[tuple[str | None, str, datetime, int | None, str]]] = []
        for n, (oid, order) in enumerate(chosen):
            done_at = order.events[-1][2]
            created = done_at + timedelta(days=rng.randrange(0, 9), hours=rng.randrange(1, 9))
            if created >= now:
                continue
            reason_list = [ClaimReason.WRONG_ITEM] if n % 3 == 0 else []
            lines = rng.sample(lines_of[oid], k=min(len(lines_of[oid]), rng.choice((1, 1, 2))))
            rows = []
            for k, (lid, qty) in enumerate(lines):
                reason = (
                    reason_list[k]
                    if k < len(reason_list)
                    else rng.choices(reasons, weights=(35, 25, 20, 15, 5))[0]
                )
                claimed = qty if qty <= 1 or rng.random() < 0.5 else Decimal(1)
                rows.append(
                    {
                        "order_line_id": lid,
                        "reason": reason,
                        "quantity": claimed,
                        "comment": _CLAIM_COMMENTS[reason],
                    }
                )
            manager = order.dealer.manager_id
            history: list[tuple[str | None, str, datetime, int | None, str]] = [
                (None, ClaimStatus.NEW, created, order.author_id, "")
            ]
            review = created + timedelta(hours=rng.randrange(1, 30))
            decided = review + timedelta(days=rng.randrange(1, 6))
            final = rng.choices(
                (ClaimStatus.ACCEPTED, ClaimStatus.REJECTED, ClaimStatus.RESOLVED),
                weights=(30, 15, 55),
            )[0]
            if review < now:
                history.append((ClaimStatus.NEW, ClaimStatus.IN_REVIEW, review, manager, ""))
            if decided < now and review < now:
                note = "Замена отправлена" if final != ClaimStatus.REJECTED else "Не подтвердилось"
                history.append((ClaimStatus.IN_REVIEW, final, decided, manager, note))
            last = history[-1]
            is_decided = last[1] in (
                ClaimStatus.ACCEPTED,
                ClaimStatus.REJECTED,
                ClaimStatus.RESOLVED,
            )
            claims.append(
                {
                    "number": f"demo-claim-{n}",
                    "dealer_id": order.dealer.id,
                    "order_id": oid,
                    "author_id": order.author_id,
                    "status": last[1],
                    "comment": rows[0]["comment"],
                    "created_at": created,
                    "decided_at": last[2] if is_decided else None,
                    "decided_by_id": manager if is_decided else None,
                    "decision_note": last[4] if is_decided else "",
                }
            )
            claim_lines.append(rows)
            events.append(history)
        claim_ids = await _insert_ids(session, Claim, claims, key=("number",))
        if claim_ids:
            await session.execute(
                update(Claim), [{"id": cid, "number": claim_number(cid)} for cid in claim_ids]
            )
        self.counts["claim_lines"] = await _insert(
            session,
            ClaimLine,
            (
                dict(row, claim_id=cid)
                for cid, rows in zip(claim_ids, claim_lines, strict=True)
                for row in rows
            ),
        )
        await _insert(
            session,
            ClaimStatusEvent,
            (
                {
                    "claim_id": cid,
                    "from_status": from_status,
                    "to_status": to_status,
                    "actor_id": actor,
                    "note": note,
                    "at": at,
                }
                for cid, history in zip(claim_ids, events, strict=True)
                for from_status, to_status, at, actor, note in history
            ),
        )
        self.counts["claims"] = len(claim_ids)

    async def _satisfaction(self, completed: list[tuple[int, _PlannedOrder]]) -> None:
        rng = self.rng
        rows = []
        for oid, order in completed:
            if order.author_id is None or rng.random() >= 0.12:
                continue
            at = order.events[-1][2] + timedelta(hours=rng.randrange(1, 30))
            if at >= self.now:
                continue
            rows.append(
                {
                    "order_id": oid,
                    "user_id": order.author_id,
                    "score": rng.choices((5, 4, 3, 2, 1), weights=(55, 30, 10, 3, 2))[0],
                    "comment": rng.choice(_POLL_COMMENTS),
                    "created_at": at,
                }
            )
        self.counts["satisfaction"] = await _insert(self.session, SatisfactionResponse, rows)

    async def activity(self, seed: int) -> None:
        """Applications, invitations, NPS, broadcasts, claims, exchange log, audit."""
        counts = await load_activity(
            self.session,
            self.rng,
            self.now,
            dealers=[
                DealerInfo(
                    id=d.id,
                    manager_id=d.manager_id,
                    wave_id=self.dealer_waves.get(d.id),
                    onboarded_at=d.onboarded_at,
                    user_ids=tuple(d.user_ids),
                    user_joined=tuple(self.user_joined[u] for u in d.user_ids),
                )
                for d in self.dealers
            ],
            wave_ids=self.wave_ids,
            admin_id=self.admin_id,
            price_type_id=self.price_type_ids[1],
            seed=seed,
        )
        self.counts["claims"] = self.counts.get("claims", 0) + counts.pop("claims_added")
        for name in ("dealers", "legal_entities", "addresses"):
            self.counts[name] = self.counts.get(name, 0) + counts["prospects"]
        self.counts.update(counts)

    def summary(self, calendar_days: int) -> DemoSummary:
        return DemoSummary(
            calendar_days=calendar_days,
            first_order_at=self.first_at,
            last_order_at=self.last_at,
            **self.counts,
        )


def _at(day: date, hour: int, rng: random.Random) -> datetime:
    local = datetime.combine(day, time(hour, rng.randrange(60)), ZoneInfo(DEFAULT_ZONE))
    return local.astimezone(UTC)


def _phone(rng: random.Random, n: int) -> str:
    """A mobile number; `n` makes it unique within the load."""
    digits = f"{rng.randrange(10**4):04d}{n:03d}"
    return f"+7 9{rng.randrange(10, 99)} {digits[:3]}-{digits[3:5]}-{digits[5:]}"


def _uuid(rng: random.Random) -> str:
    return "%08x-%04x-4%03x-a%03x-%012x" % (  # noqa: UP031 - a fixed-width GUID from a seeded rng
        rng.getrandbits(32),
        rng.getrandbits(16),
        rng.getrandbits(12),
        rng.getrandbits(12),
        rng.getrandbits(48),
    )


def _quantity(rng: random.Random, unit_code: str) -> Decimal:
    if unit_code == "112":  # litres
        return Decimal(rng.choice((4, 5, 10, 20, 60, 200)))
    if unit_code == "166":  # kilograms
        return Decimal(rng.choice(("0.5", "1", "2.5", "5", "10")))
    if unit_code == "006":  # metres
        return Decimal(rng.choice((5, 10, 20, 50)))
    return Decimal(rng.choices((1, 2, 4, 5, 10, 20), weights=(35, 25, 15, 10, 10, 5))[0])
