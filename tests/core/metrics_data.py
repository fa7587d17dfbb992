"""A hand-built rollout data set for the metric tests; every expected figure is worked out in
the tests from the rows listed here.

Window P = [2026-03-01, 2026-04-01) UTC (31 days). Waves: W1 (pilot, starts 2026-02-01) and W2
(starts 2026-03-15). Managers M1, M2.

dealer  wave manager onboarded          orders (source, placed, total, lines, confirm min, status)
A       W1   M1      02-01 10:00        a0 bot 02-15 12:00 800 1 15 | a1 bot 03-02 10:00 1000 2 30
                                        a2 bot 03-05 20:00 3000 4 600 after-hours
                                        a3 bot 03-10 11:00 500 1 - rejected | a4 bot 04-02 700 1
B       W1   M2      02-10 10:00        b0 1C 01-20 12:00 1000 1 12 | b00 bot 02-20 12:00 900 1 -
                                        b1 1C 03-03 12:00 2000 3 10
                                        b2 bot 03-20 22:00 4000 5 90 after-hours, cancelled
C       W2   M2      03-16 09:00 (mid)  c1 1C 03-04 12:00 1500 2 5 | c2 bot 03-18 12:00 2500 3 20
D       -    M1      never              d_start 1C 03-01 00:00 1000 1 - after-hours
                                        d1 1C 03-06 12:00 6000 6 - | d_end 1C 04-01 00:00 100 1 -
E       -    -       never              (no orders)
G       W1   M1      02-05 10:00        g0 bot 02-06 10:00 400 1 -

claims: k1 on a0 03-08 (wrong_item + defect), k2 on b1 03-12 (shortage), k3 on a1 03-25
(wrong_item), k4 on c2 04-05 (wrong_item, after P).
satisfaction: a0 by uA1 5 @03-03, b00 by uB 3 @03-07, c2 by uC 2 @03-25, a1 by uA1 4 @04-03.
NPS: uA1 10 @03-05 (round r1) then 6 @03-20 (r2); uA2 9 @03-06; uB 8 @03-07; uG 3 @03-10;
uC 10 @04-05.

manager work (add_manager_work): ManagerAction rows by the dealer's manager at the order's
confirmed_at: "order.confirm" on a0 a1 a2 a4 (M1) and b0 b1 b2 c1 c2 (M2); "order.reject" a3 by M1
at 03-10 12:00; "claim.accepted" k1 by M1 at 03-09 12:00 and k2 by M2 at 03-12 12:30;
"claim.in_review" k3 by an admin (role admin) at 03-25 12:45.
Contacts (each with its "contact.logged" action at the same time): M1 on A 03-04 12:00 prices 10
min; M1 on D 03-07 12:00 stock (no duration); M2 on B 03-15 12:00 order 20 min; M2 on C 02-20
12:00 prices 5 min (before P); M1 on A 04-03 12:00 prices 15 min (after P).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Claim,
    ClaimLine,
    Dealer,
    DealerContact,
    ManagerAction,
    NpsResponse,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    PilotWave,
    Role,
    SatisfactionResponse,
    User,
)

P_START = datetime(2026, 3, 1, tzinfo=UTC)
P_END = datetime(2026, 4, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    """Ids of what was built, by the names used in the module docstring."""

    waves: dict[str, int] = field(default_factory=dict)
    managers: dict[str, int] = field(default_factory=dict)
    dealers: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    admin_id: int = 0


async def build(session: AsyncSession) -> World:
    world = World()
    for name, starts in (("W1", date(2026, 2, 1)), ("W2", date(2026, 3, 15))):
        wave = PilotWave(name=name, starts_on=starts, created_at=at(1, 1))
        session.add(wave)
        await session.flush()
        world.waves[name] = wave.id
    for n, name in enumerate(("M1", "M2")):
        manager = User(telegram_id=900 + n, role=Role.MANAGER, full_name=name, created_at=at(1, 1))
        session.add(manager)
        await session.flush()
        world.managers[name] = manager.id
    plan = {
        "A": ("W1", "M1", at(2, 1, 10)),
        "B": ("W1", "M2", at(2, 10, 10)),
        "C": ("W2", "M2", at(3, 16, 9)),
        "D": (None, "M1", None),
        "E": (None, None, None),
        "G": ("W1", "M1", at(2, 5, 10)),
    }
    for name, (wave, manager, onboarded) in plan.items():
        dealer = Dealer(
            name=f"Дилер {name}",
            wave_id=world.waves[wave] if wave else None,
            manager_id=world.managers[manager] if manager else None,
            onboarded_at=onboarded,
            created_at=at(1, 1),
            features={},
            tags={},
        )
        session.add(dealer)
        await session.flush()
        world.dealers[name] = dealer.id
    for name, dealer in (("uA1", "A"), ("uA2", "A"), ("uB", "B"), ("uC", "C"), ("uG", "G")):
        person = User(
            telegram_id=1000 + len(world.users),
            role=Role.DEALER,
            dealer_id=world.dealers[dealer],
            full_name=name,
            created_at=at(1, 1),
        )
        session.add(person)
        await session.flush()
        world.users[name] = person
    bot, onec = OrderSource.BOT, OrderSource.ONEC
    done, new = OrderStatus.COMPLETED, OrderStatus.NEW
    orders = [
        # name, dealer, source, placed, total, lines, confirm minutes, status, after hours
        ("a0", "A", bot, at(2, 15, 12), 800, 1, 15, done, False),
        ("a1", "A", bot, at(3, 2, 10), 1000, 2, 30, done, False),
        ("a2", "A", bot, at(3, 5, 20), 3000, 4, 600, OrderStatus.CONFIRMED, True),
        ("a3", "A", bot, at(3, 10, 11), 500, 1, None, OrderStatus.REJECTED, False),
        ("a4", "A", bot, at(4, 2, 12), 700, 1, 5, OrderStatus.CONFIRMED, False),
        ("b0", "B", onec, at(1, 20, 12), 1000, 1, 12, done, False),
        ("b00", "B", bot, at(2, 20, 12), 900, 1, None, done, False),
        ("b1", "B", onec, at(3, 3, 12), 2000, 3, 10, done, False),
        ("b2", "B", bot, at(3, 20, 22), 4000, 5, 90, OrderStatus.CANCELLED, True),
        ("c1", "C", onec, at(3, 4, 12), 1500, 2, 5, done, False),
        ("c2", "C", bot, at(3, 18, 12), 2500, 3, 20, done, False),
        ("d_start", "D", onec, at(3, 1, 0), 1000, 1, None, new, True),
        ("d1", "D", onec, at(3, 6, 12), 6000, 6, None, new, False),
        ("d_end", "D", onec, at(4, 1, 0), 100, 1, None, new, True),
        ("g0", "G", bot, at(2, 6, 10), 400, 1, None, new, False),
    ]
    for name, dealer, source, placed, total, lines, confirm, status, after in orders:
        order = Order(
            number=f"T-{name}",
            dealer_id=world.dealers[dealer],
            source=source,
            status=status,
            placed_at=placed,
            is_after_hours=after,
            confirmed_at=placed + timedelta(minutes=confirm) if confirm is not None else None,
            total=Decimal(total),
            updated_at=placed,
        )
        session.add(order)
        await session.flush()
        world.orders[name] = order.id
        share = Decimal(total) / lines
        session.add_all(
            OrderLine(
                order_id=order.id,
                line_no=n,
                name=f"Товар {n}",
                price=share,
                quantity=Decimal(1),
                amount=share,
            )
            for n in range(1, lines + 1)
        )
    await session.flush()
    first_line = {
        name: await session.scalar(
            OrderLine.__table__.select()
            .with_only_columns(OrderLine.id)
            .where(OrderLine.order_id == oid)
            .order_by(OrderLine.id)
            .limit(1)
        )
        for name, oid in world.orders.items()
    }
    claims = [
        ("k1", "a0", at(3, 8, 12), ("wrong_item", "defect")),
        ("k2", "b1", at(3, 12, 12), ("shortage",)),
        ("k3", "a1", at(3, 25, 12), ("wrong_item",)),
        ("k4", "c2", at(4, 5, 12), ("wrong_item",)),
    ]
    for number, order_name, created, reasons in claims:
        order = await session.get(Order, world.orders[order_name])
        assert order is not None
        claim = Claim(
            number=number, dealer_id=order.dealer_id, order_id=order.id, created_at=created
        )
        session.add(claim)
        await session.flush()
        world.claims[number] = claim.id
        session.add_all(
            ClaimLine(
                claim_id=claim.id,
                order_line_id=first_line[order_name],
                reason=reason,
                quantity=Decimal(1),
            )
            for reason in reasons
        )
    polls = [
        ("a0", "uA1", 5, at(3, 3, 12)),
        ("b00", "uB", 3, at(3, 7, 12)),
        ("c2", "uC", 2, at(3, 25, 12)),
        ("a1", "uA1", 4, at(4, 3, 12)),
    ]
    for order_name, person, score, when in polls:
        session.add(
            SatisfactionResponse(
                order_id=world.orders[order_name],
                user_id=world.users[person].id,
                score=score,
                created_at=when,
            )
        )
    answers = [
        ("uA1", "r1", 10, at(3, 5, 12)),
        ("uA1", "r2", 6, at(3, 20, 12)),
        ("uA2", "r1", 9, at(3, 6, 12)),
        ("uB", "r1", 8, at(3, 7, 12)),
        ("uG", "r1", 3, at(3, 10, 12)),
        ("uC", "r2", 10, at(4, 5, 12)),
    ]
    for person, survey, score, when in answers:
        user = world.users[person]
        assert user.dealer_id is not None
        session.add(
            NpsResponse(
                survey=survey,
                user_id=user.id,
                dealer_id=user.dealer_id,
                score=score,
                comment="",
                created_at=when,
                updated_at=when,
            )
        )
    await add_manager_work(session, world)
    await session.commit()
    return world


async def add_manager_work(session: AsyncSession, world: World) -> None:
    """The managers' actions and contacts listed in the module docstring."""
    admin = User(telegram_id=990, role=Role.ADMIN, full_name="Admin", created_at=at(1, 1))
    session.add(admin)
    await session.flush()
    world.admin_id = admin.id
    m1, m2 = world.managers["M1"], world.managers["M2"]
    for name in ("a0", "a1", "a2", "a4", "b0", "b1", "b2", "c1", "c2"):
        order = await session.get(Order, world.orders[name])
        assert order is not None and order.confirmed_at is not None
        who = m1 if name.startswith("a") else m2
        session.add(
            ManagerAction(
                user_id=who, action="order.confirm", order_id=order.id, at=order.confirmed_at
            )
        )
    session.add_all(
        [
            ManagerAction(
                user_id=m1, action="order.reject", order_id=world.orders["a3"], at=at(3, 10, 12)
            ),
            ManagerAction(
                user_id=m1, action="claim.accepted", claim_id=world.claims["k1"], at=at(3, 9, 12)
            ),
            ManagerAction(
                user_id=m2,
                action="claim.accepted",
                claim_id=world.claims["k2"],
                at=at(3, 12, 12, 30),
            ),
            ManagerAction(
                user_id=admin.id,
                action="claim.in_review",
                claim_id=world.claims["k3"],
                at=at(3, 25, 12, 45),
            ),
        ]
    )
    contacts = [
        ("M1", "A", at(3, 4, 12), "prices", 10),
        ("M1", "D", at(3, 7, 12), "stock", None),
        ("M2", "B", at(3, 15, 12), "order", 20),
        ("M2", "C", at(2, 20, 12), "prices", 5),
        ("M1", "A", at(4, 3, 12), "prices", 15),
    ]
    for manager, dealer, when, topic, minutes in contacts:
        contact = DealerContact(
            dealer_id=world.dealers[dealer],
            manager_id=world.managers[manager],
            channel="call",
            topic=topic,
            duration_minutes=minutes,
            note="",
            occurred_at=when,
            created_at=when,
        )
        session.add(contact)
        await session.flush()
        session.add(
            ManagerAction(
                user_id=world.managers[manager],
                action="contact.logged",
                contact_id=contact.id,
                at=when,
            )
        )
    await session.flush()
