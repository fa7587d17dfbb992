"""Demo data, second part: what a running pilot leaves behind besides orders.

Applications in the queue, invitations in every state (agreeing with the pilot funnel), two NPS
rounds with answers, broadcasts (sent with failed recipients, scheduled, draft, cancelled),
claims in every status with photos, a 1C exchange log with successes, a failure and a refused
login, audit entries, managers' actions, and enough prospects, claims, exchange sessions and audit
entries for a second page on every admin list. `dealerbot.demo.load_demo` calls `load_activity`
after the order history, in the same transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Application,
    AuditEntry,
    Broadcast,
    BroadcastState,
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimReason,
    ClaimStatus,
    ClaimStatusEvent,
    Dealer,
    DealerStatus,
    Delivery,
    DeliveryAddress,
    DeliveryState,
    ExchangeSession,
    Invitation,
    InvitationUse,
    LegalEntity,
    ManagerAction,
    NpsResponse,
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusEvent,
    Role,
    User,
)
from core.orders.numbers import claim_number
from dealerbot.fakedata import fake_dealers, fake_telegram_id, inn10, person_name

PROSPECTS = 56  # companies of the 1C client base not in the pilot: a second page of dealers
MIN_CLAIMS = 60  # a second page of claims
EXCHANGE_DAYS = 62  # a catalog and an orders exchange a day: a second page of the exchange log
DEMO_PHOTO = "demo-photo:"  # claim photos of the demo: admin/views/orders.py draws them
CS = ClaimStatus


@dataclass(frozen=True)
class DealerInfo:
    """What the activity needs to know of a demo dealer."""

    id: int
    manager_id: int
    wave_id: int | None
    onboarded_at: datetime | None
    user_ids: tuple[int, ...]
    user_joined: tuple[datetime, ...]


async def load_activity(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    *,
    dealers: Sequence[DealerInfo],
    wave_ids: Sequence[int],
    admin_id: int | None,
    price_type_id: int,
    seed: int,
) -> dict[str, int]:
    """Insert the activity rows; returns their counts (named as in DemoSummary)."""
    counts: dict[str, int] = {}
    counts["prospects"], prospect_ids = await _prospects(session, rng, now, seed, price_type_id)
    counts["invitations"] = await _invitations(
        session, rng, now, dealers, wave_ids, prospect_ids, admin_id
    )
    counts["applications"] = await _applications(session, rng, now, seed, prospect_ids, admin_id)
    counts["claims_added"], counts["claim_photos"] = await _more_claims(session, rng, now)
    counts["manager_actions"] = await _manager_actions(session)
    counts["nps_answers"] = await _nps(session, rng, now, dealers, wave_ids)
    counts["broadcasts"], counts["broadcast_deliveries"] = await _broadcasts(
        session, rng, now, dealers, wave_ids
    )
    counts["exchange_sessions"] = await _exchange_log(session, rng, now)
    counts["audit_entries"] = await _audit(session, rng, now, [d.id for d in dealers])
    return counts


async def _ids(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows one statement each (they are few) and return their ids in order."""
    ids = []
    for row in rows:
        ids.append(
            int((await session.execute(insert(model).returning(model.id), row)).scalar_one())
        )
    return ids


# -- prospects, invitations, applications ------------------------------------------------------


async def _prospects(
    session: AsyncSession, rng: random.Random, now: datetime, seed: int, price_type_id: int
) -> tuple[int, list[int]]:
    """Companies known from 1C that are not in the pilot yet (status prospect)."""
    companies = fake_dealers(PROSPECTS, seed + 101)
    managers = list(await session.scalars(select(User.id).where(User.role == Role.MANAGER)))
    taken = set(await session.scalars(select(LegalEntity.inn)))
    rows, entities = [], []
    for n, company in enumerate(companies):
        entity = company.legal_entities[0]
        if entity.inn in taken:
            continue
        taken.add(entity.inn)
        rows.append(
            {
                "name": company.name,
                "inn": entity.inn,
                "onec_id": company.onec_id,
                "city": company.city,
                "region": company.region,
                "price_type_id": price_type_id,
                "manager_id": managers[n % len(managers)] if managers else None,
                "status": DealerStatus.PROSPECT,
                "features": {},
                "tags": {"из 1С": True} if n % 4 else {"из 1С": True, "крупный": True},
                "created_at": now - timedelta(days=400 - n),
            }
        )
        entities.append(entity)
    ids = await _ids(session, Dealer, rows)
    if ids:
        await session.execute(
            insert(LegalEntity),
            [
                {
                    "dealer_id": dealer_id,
                    "name": e.name,
                    "inn": e.inn,
                    "kpp": e.kpp,
                    "onec_id": e.onec_id,
                    "is_active": True,
                }
                for dealer_id, e in zip(ids, entities, strict=True)
            ],
        )
        await session.execute(
            insert(DeliveryAddress),
            [
                {"dealer_id": dealer_id, "address": company.addresses[0], "is_default": True}
                for dealer_id, company in zip(ids, companies, strict=False)
            ],
        )
    return len(ids), ids


async def _invitations(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    dealers: Sequence[DealerInfo],
    wave_ids: Sequence[int],
    prospect_ids: Sequence[int],
    admin_id: int | None,
) -> int:
    """Every joined dealer redeemed one invitation (its people are its uses); three prospects
    of wave 2 were invited and have not joined: one link still open, one expired, one revoked;
    a manager invitation was used; one open multi-use link was used once."""
    rows: list[dict[str, Any]] = []
    uses: list[list[tuple[int, datetime]]] = []
    for n, dealer in enumerate(dealers):
        if dealer.onboarded_at is None:
            continue
        made = dealer.onboarded_at - timedelta(days=rng.randrange(1, 6), hours=rng.randrange(8))
        people = len(dealer.user_ids)
        if n % 2 == 0:  # used up: as many uses as the dealer has people, no expiry
            row = _invitation(n, dealer.id, made, max_uses=people, admin=admin_id)
            row["expires_at"] = None
        else:  # room for more people, but its 30 days are over
            row = _invitation(n, dealer.id, made, max_uses=people + 2, admin=admin_id)
        row["uses"] = people
        rows.append(row)
        uses.append(list(zip(dealer.user_ids, dealer.user_joined, strict=True)))
    wave2 = wave_ids[-1] if wave_ids else None
    invited = list(prospect_ids[:3])
    if invited and wave2 is not None:
        await session.execute(update(Dealer).where(Dealer.id.in_(invited)).values(wave_id=wave2))
    states = (
        {"expires_at": now + timedelta(days=12)},  # open
        {"expires_at": now - timedelta(days=3)},  # expired
        {"revoked_at": now - timedelta(days=9)},  # revoked
    )
    for k, (dealer_id, state) in enumerate(zip(invited, states, strict=False)):
        rows.append(
            {**_invitation(100 + k, dealer_id, now - timedelta(days=20 - k), 1, admin_id), **state}
        )
        uses.append([])
    managers = list(await session.scalars(select(User.id).where(User.role == Role.MANAGER)))
    if managers:
        manager_row = _invitation(200, None, now - timedelta(days=300), 1, admin_id)
        manager_row.update(role=Role.MANAGER, uses=1)
        rows.append(manager_row)
        uses.append([(managers[0], now - timedelta(days=299))])
    joined = [d for d in dealers if d.onboarded_at is not None and len(d.user_ids) > 1]
    if joined:
        extra = _invitation(300, joined[0].id, now - timedelta(days=30), 5, admin_id)
        extra["expires_at"] = now + timedelta(days=60)
        rows.append(extra)
        uses.append([])  # open, nobody used it yet
    ids = await _ids(session, Invitation, rows)
    use_rows = [
        {"invitation_id": iid, "user_id": user_id, "used_at": at}
        for iid, people in zip(ids, uses, strict=True)
        for user_id, at in people
    ]
    if use_rows:
        await session.execute(insert(InvitationUse), use_rows)
    return len(ids)


def _invitation(
    n: int, dealer_id: int | None, made: datetime, max_uses: int, admin: int | None
) -> dict[str, Any]:
    return {
        "token": f"demo-invitation-{n:04d}",
        "dealer_id": dealer_id,
        "role": Role.DEALER,
        "max_uses": max_uses,
        "uses": 0,
        "expires_at": made + timedelta(days=30),
        "revoked_at": None,
        "created_by_id": admin,
        "created_at": made,
    }


async def _applications(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    seed: int,
    prospect_ids: Sequence[int],
    admin_id: int | None,
) -> int:
    """Nine new applications in the queue, six approved (their dealers exist), five rejected."""
    companies = fake_dealers(20, seed + 202)
    approved_dealers = list(prospect_ids[3:9])
    dealer_inns: dict[int, str | None] = {
        dealer_id: inn
        for dealer_id, inn in await session.execute(
            select(Dealer.id, Dealer.inn).where(Dealer.id.in_(approved_dealers))
        )
    }
    rows = []
    notes = (
        "Не наш регион доставки",
        "Розничный покупатель, не дилер",
        "Дубль заявки",
        "Нет договора поставки",
        "Компания ликвидирована",
    )
    for n, company in enumerate(companies):
        status = "new" if n < 9 else "approved" if n < 15 else "rejected"
        created = now - timedelta(days=(n - 8) * 6 if n >= 9 else n // 2, hours=rng.randrange(9))
        dealer_id = (
            approved_dealers[n - 9]
            if status == "approved" and n - 9 < len(approved_dealers)
            else None
        )
        inn = dealer_inns.get(dealer_id, "") if dealer_id else company.legal_entities[0].inn
        rows.append(
            {
                "telegram_id": fake_telegram_id(5000 + n),
                "company": company.legal_entities[0].name,
                "inn": inn or inn10(f"77{rng.randrange(10**7):07d}"),
                "city": company.city,
                "contact_name": person_name(rng),
                "phone": f"+7 9{rng.randrange(10, 99)} {rng.randrange(100, 999)}-"
                f"{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
                "language": "ru",
                "status": status,
                "dealer_id": dealer_id,
                "decided_by_id": admin_id if status != "new" else None,
                "decided_at": created + timedelta(hours=5) if status != "new" else None,
                "decision_note": notes[n - 15] if status == "rejected" else "",
                "created_at": created,
            }
        )
    await session.execute(insert(Application), rows)
    return len(rows)


# -- claims and managers' actions --------------------------------------------------------------

_REASONS = list(ClaimReason)
_NOTES: dict[str, str] = {
    CS.ACCEPTED: "Признали, готовим замену",
    CS.REJECTED: "Не подтвердилось: на фото другой артикул клиента",
    CS.RESOLVED: "Замена отправлена",
}


async def _more_claims(session: AsyncSession, rng: random.Random, now: datetime) -> tuple[int, int]:
    """Claims on more completed bot orders: every status present, at least MIN_CLAIMS in all;
    about half of all claims carry photos."""
    existing = int(await session.scalar(select(func.count()).select_from(Claim)) or 0)
    claimed = set(await session.scalars(select(Claim.order_id)))
    candidates = [
        row
        for row in (
            await session.execute(
                select(Order.id, Order.dealer_id, Order.author_id, Order.updated_at)
                .where(
                    Order.status == OrderStatus.COMPLETED,
                    Order.source == OrderSource.BOT,
                    Order.updated_at < now - timedelta(days=2),
                )
                .order_by(Order.updated_at.desc())
            )
        ).all()
        if row.id not in claimed
    ]
    managers: dict[int, int | None] = {
        dealer_id: manager_id
        for dealer_id, manager_id in await session.execute(select(Dealer.id, Dealer.manager_id))
    }
    wanted = max(MIN_CLAIMS - existing, 0) + len(CS)
    chosen = candidates[: wanted * 3 : 3] if len(candidates) >= wanted * 3 else candidates[:wanted]
    added = 0
    for k, order in enumerate(chosen):
        # the five newest get one status each, oldest-decided last; the rest age into decisions
        status = list(CS)[k] if k < len(CS) else rng.choice((CS.ACCEPTED, CS.REJECTED, CS.RESOLVED))
        created = min(order.updated_at + timedelta(days=1, hours=rng.randrange(1, 9)), now)
        if status in (CS.NEW, CS.IN_REVIEW):
            created = max(order.updated_at + timedelta(hours=2), now - timedelta(hours=20))
        await _claim(session, rng, now, order, managers.get(order.dealer_id), status, created)
        added += 1
    fresh = (CS.NEW, CS.IN_REVIEW)
    claim_ids = [
        cid
        for cid, status in await session.execute(select(Claim.id, Claim.status).order_by(Claim.id))
        if cid % 2 == 0 or status in fresh
    ]
    photos = [
        {
            "claim_id": cid,
            "telegram_file_id": f"{DEMO_PHOTO}{cid}-{n}",
            "file_unique_id": f"demo-{cid}-{n}",
            "kind": "photo",
        }
        for cid in claim_ids
        for n in range(1 + cid % 3)
    ]
    if photos:
        await session.execute(insert(ClaimAttachment), photos)
    return added, len(photos)


async def _claim(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    order: Any,
    manager_id: int | None,
    status: str,
    created: datetime,
) -> None:
    line = (
        await session.execute(
            select(OrderLine.id, OrderLine.quantity)
            .where(OrderLine.order_id == order.id)
            .order_by(OrderLine.line_no)
            .limit(1)
        )
    ).one()
    reason = rng.choice(_REASONS[:4])
    history: list[tuple[str | None, str, datetime, int | None, str]] = [
        (None, CS.NEW, created, order.author_id, "")
    ]
    review = min(created + timedelta(hours=rng.randrange(1, 6)), now)
    if status != CS.NEW:
        history.append((CS.NEW, CS.IN_REVIEW, review, manager_id, ""))
    decided = status not in (CS.NEW, CS.IN_REVIEW)
    if decided:
        history.append(
            (CS.IN_REVIEW, status, min(review + timedelta(days=1), now), manager_id, _NOTES[status])
        )
    comment = {
        ClaimReason.WRONG_ITEM: "Пересорт: пришёл другой артикул",
        ClaimReason.DEFECT: "Брак, течь по корпусу",
        ClaimReason.SHORTAGE: "Недовложение одной позиции",
        ClaimReason.DAMAGE: "Коробка смята, деталь треснула",
    }[ClaimReason(reason)]
    (claim_id,) = await _ids(
        session,
        Claim,
        [
            {
                "number": f"demo-extra-claim-{order.id}",
                "dealer_id": order.dealer_id,
                "order_id": order.id,
                "author_id": order.author_id,
                "status": status,
                "comment": comment,
                "created_at": created,
                "decided_at": history[-1][2] if decided else None,
                "decided_by_id": manager_id if decided else None,
                "decision_note": history[-1][4] if decided else "",
            }
        ],
    )
    await session.execute(
        update(Claim).where(Claim.id == claim_id).values(number=claim_number(claim_id))
    )
    quantity = line.quantity if line.quantity <= 1 else Decimal(1)
    await session.execute(
        insert(ClaimLine),
        [
            {
                "claim_id": claim_id,
                "order_line_id": line.id,
                "reason": reason,
                "quantity": quantity,
                "comment": comment,
            }
        ],
    )
    await session.execute(
        insert(ClaimStatusEvent),
        [
            {
                "claim_id": claim_id,
                "from_status": a,
                "to_status": b,
                "at": at,
                "actor_id": who,
                "note": note,
            }
            for a, b, at, who, note in history
        ],
    )


async def _manager_actions(session: AsyncSession) -> int:
    """A manager's action for each decision in the histories (one in five from the admin)."""
    channel = case((OrderStatusEvent.id % 5 == 0, literal("admin")), else_=literal("bot"))
    action = case(
        (OrderStatusEvent.to_status == OrderStatus.REJECTED, literal("order.reject")),
        else_=literal("order.confirm"),
    )
    orders = select(
        OrderStatusEvent.actor_id, action, OrderStatusEvent.order_id, channel, OrderStatusEvent.at
    ).where(
        OrderStatusEvent.actor_kind == "manager",
        OrderStatusEvent.to_status.in_((OrderStatus.CONFIRMED, OrderStatus.REJECTED)),
    )
    await session.execute(
        insert(ManagerAction).from_select(
            ["user_id", "action", "order_id", "channel", "at"], orders
        )
    )
    claim_channel = case((ClaimStatusEvent.id % 5 == 0, literal("admin")), else_=literal("bot"))
    claims = select(
        ClaimStatusEvent.actor_id,
        literal("claim.") + ClaimStatusEvent.to_status,
        ClaimStatusEvent.claim_id,
        claim_channel,
        ClaimStatusEvent.at,
    ).where(ClaimStatusEvent.from_status.is_not(None), ClaimStatusEvent.actor_id.is_not(None))
    await session.execute(
        insert(ManagerAction).from_select(
            ["user_id", "action", "claim_id", "channel", "at"], claims
        )
    )
    return int(await session.scalar(select(func.count()).select_from(ManagerAction)) or 0)


# -- NPS, broadcasts ------------------------------------------------------------------------


async def _people(session: AsyncSession, dealer_ids: Sequence[int]) -> list[Any]:
    return list(
        (
            await session.execute(
                select(User.id, User.telegram_id, User.dealer_id)
                .where(User.role == Role.DEALER, User.dealer_id.in_(dealer_ids))
                .order_by(User.id)
            )
        ).all()
    )


async def _nps(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    dealers: Sequence[DealerInfo],
    wave_ids: Sequence[int],
) -> int:
    """Two rounds for the pilot wave's people, asked 75 and 20 days ago; most answered."""
    pilot = [d.id for d in dealers if wave_ids and d.wave_id == wave_ids[0]]
    people = await _people(session, pilot)
    deliveries, answers = [], []
    for days in (75, 20):
        asked = now - timedelta(days=days)
        survey = asked.strftime("%Y-%m")
        for person in people:
            deliveries.append(
                {
                    "kind": "nps.question",
                    "dedupe_key": f"nps:{survey}:{person.id}",
                    "chat_id": person.telegram_id,
                    "user_id": person.id,
                    "locale": "ru",
                    "params": {"survey": survey},
                    "state": DeliveryState.SENT,
                    "attempts": 1,
                    "available_at": asked,
                    "created_at": asked,
                    "sent_at": asked + timedelta(seconds=5),
                }
            )
            if rng.random() < 0.8:
                at = asked + timedelta(hours=rng.randrange(1, 72))
                answers.append(
                    {
                        "survey": survey,
                        "user_id": person.id,
                        "dealer_id": person.dealer_id,
                        "score": rng.choices(range(11), weights=(1, 1, 1, 1, 1, 2, 3, 5, 9, 9, 8))[
                            0
                        ],
                        "comment": rng.choice(("", "", "Удобно заказывать вечером", "Мало фото")),
                        "created_at": at,
                        "updated_at": at,
                    }
                )
    if deliveries:
        await session.execute(insert(Delivery), deliveries)
    if answers:
        await session.execute(insert(NpsResponse), answers)
    return len(answers)


_BROADCASTS = (
    (
        "Новый прайс на фильтры",
        "<b>С 1-го числа — новый прайс на фильтры MANN и MAHLE.</b>\n"
        "Цены в боте уже обновлены, остатки — в реальном времени.",
        {"kind": "all"},
        BroadcastState.DONE,
        -40,
    ),
    (
        "Пилот: спасибо за отзывы",
        "Спасибо, что заказываете через бота! Теперь можно <i>повторить прошлый заказ</i> одной "
        "кнопкой.",
        {"kind": "waves", "ids": ["wave1"]},
        BroadcastState.DONE,
        -12,
    ),
    (
        "Новогодний график отгрузок",
        "<b>График отгрузок на праздники</b>: последняя отгрузка 29 декабря, первая — 9 января.",
        {"kind": "all"},
        BroadcastState.SCHEDULED,
        3,
    ),
    (
        "Акция на масла",
        "Скидка 7% на моторные масла до конца месяца.",
        {"kind": "all"},
        BroadcastState.DRAFT,
        0,
    ),
    ("Опрос по доставке", "Как вам доставка?", {"kind": "all"}, BroadcastState.CANCELLED, -5),
)
_FAILURES = (
    "Forbidden: bot was blocked by the user",
    "Bad Request: chat not found",
)


async def _broadcasts(
    session: AsyncSession,
    rng: random.Random,
    now: datetime,
    dealers: Sequence[DealerInfo],
    wave_ids: Sequence[int],
) -> tuple[int, int]:
    joined = [d.id for d in dealers if d.onboarded_at is not None]
    pilot = [d.id for d in dealers if wave_ids and d.wave_id == wave_ids[0]]
    deliveries = 0
    for title, text, rule, state, days in _BROADCASTS:
        audience: dict[str, Any] = dict(rule)
        if audience.get("ids") == ["wave1"]:
            audience = {"kind": "waves", "ids": list(wave_ids[:1])}
        at = now + timedelta(days=days)
        done = state == BroadcastState.DONE
        (broadcast_id,) = await _ids(
            session,
            Broadcast,
            [
                {
                    "title": title,
                    "text": text,
                    "audience": audience,
                    "state": state,
                    "scheduled_at": at if state == BroadcastState.SCHEDULED else None,
                    "started_at": at if done else None,
                    "queued_at": at if done else None,
                    "finished_at": at + timedelta(minutes=2) if done else None,
                    "cancelled_at": at if state == BroadcastState.CANCELLED else None,
                    "created_at": at - timedelta(days=1),
                    "updated_at": at,
                }
            ],
        )
        if not done:
            continue
        people = await _people(session, pilot if audience["kind"] == "waves" else joined)
        rows = []
        for n, person in enumerate(people):
            failure = _FAILURES[n % 2] if n in (1, 4) else None
            rows.append(
                {
                    "kind": "broadcast",
                    "dedupe_key": f"bc:{broadcast_id}:{person.id}",
                    "chat_id": person.telegram_id,
                    "user_id": person.id,
                    "broadcast_id": broadcast_id,
                    "locale": "ru",
                    "params": {},
                    "state": DeliveryState.FAILED if failure else DeliveryState.SENT,
                    "attempts": 1,
                    "available_at": at,
                    "created_at": at,
                    "sent_at": None if failure else at + timedelta(seconds=n),
                    "error": failure,
                }
            )
        if rows:
            await session.execute(insert(Delivery), rows)
        failed = [r for r in rows if r["state"] == DeliveryState.FAILED]
        blocked = sum(1 for r in failed if "blocked" in (r["error"] or ""))
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(
                recipients=len(rows),
                sent=len(rows) - len(failed),
                failed=len(failed) - blocked,
                blocked=blocked,
            )
        )
        deliveries += len(rows)
    return len(_BROADCASTS), deliveries


# -- exchange log, audit -------------------------------------------------------------------


async def _exchange_log(session: AsyncSession, rng: random.Random, now: datetime) -> int:
    """A catalog and an orders exchange every day; one catalog exchange failed, and 1C once
    came with an old password."""
    orders = list(
        (
            await session.execute(
                select(Order.id, Order.number, Order.exported_at)
                .where(Order.exported_at.is_not(None), Order.exported_at > now - timedelta(days=70))
                .order_by(Order.exported_at)
            )
        ).all()
    )
    rows: list[dict[str, Any]] = []
    for day in range(EXCHANGE_DAYS, 0, -1):
        start = (now - timedelta(days=day)).replace(hour=3, minute=0, second=0, microsecond=0)
        failed = day == 9
        import_size = 3_400_000 + rng.randrange(200_000)
        offers_size = 1_100_000 + rng.randrange(90_000)
        files: dict[str, Any] = {
            "import0_1.xml": {
                "size": import_size,
                "state": "uploaded",
                "job": "done",
                "counts": {"groups": 64, "products": 5000},
            },
            "offers0_1.xml": {"size": offers_size, "state": "uploaded", "job": "done"},
        }
        error = None
        if failed:
            error = "offers0_1.xml: файл оборван на строке 18231 (нет закрывающего тега)"
            files["offers0_1.xml"] = {**files["offers0_1.xml"], "job": "failed", "error": error}
        rows.append(
            {
                "exchange_type": "catalog",
                "cookie": f"demo-catalog-{day}",
                "status": "done",
                "started_at": start,
                "finished_at": start + timedelta(seconds=rng.randrange(35, 140)),
                "files": files,
                "counts": {"import0_1.xml": {"groups": 64, "products": 5000}}
                | ({} if failed else {"offers0_1.xml": {"prices": 15000, "stock": 15000}}),
                "error": error,
                "remote_addr": "10.0.0.15",
            }
        )
        sale_start = start + timedelta(hours=6, minutes=30)
        batch = [o for o in orders if sale_start - timedelta(days=1) < o.exported_at <= sale_start]
        rows.append(
            {
                "exchange_type": "sale",
                "cookie": f"demo-sale-{day}",
                "status": "done",
                "started_at": sale_start,
                "finished_at": sale_start + timedelta(seconds=rng.randrange(2, 9)),
                "files": {},
                "counts": {
                    "offered": [o.id for o in batch],
                    "orders": [o.number for o in batch],
                    "exported": len(batch),
                },
                "error": None,
                "remote_addr": "10.0.0.15",
            }
        )
    refused_at = now - timedelta(days=20, hours=2)
    rows.append(
        {
            "exchange_type": "catalog",
            "cookie": None,
            "status": "refused",
            "started_at": refused_at,
            "finished_at": refused_at,
            "files": {},
            "counts": {},
            "error": "неверный логин или пароль обмена (логин «1c»)",
            "remote_addr": "10.0.0.15",
        }
    )
    rows.sort(key=lambda row: row["started_at"])
    await session.execute(insert(ExchangeSession), rows)
    return len(rows)


async def _audit(
    session: AsyncSession, rng: random.Random, now: datetime, dealer_ids: Sequence[int]
) -> int:
    """Logins, edits, invitations, broadcasts and a few refused logins over half a year."""
    rows = []
    for day in range(180, 0, -1):
        at = (now - timedelta(days=day)).replace(hour=9, minute=rng.randrange(60))
        if at.weekday() >= 5:
            continue
        rows.append(_entry(at, "admin", "auth.login", "staff", "1", {}))
        roll = rng.random()
        if roll < 0.25 and dealer_ids:
            dealer_id = rng.choice(dealer_ids)
            rows.append(
                _entry(
                    at + timedelta(minutes=4),
                    "admin",
                    "dealer.update",
                    "dealer",
                    dealer_id,
                    {"изменено": "город, теги"},
                )
            )
        elif roll < 0.35:
            rows.append(
                _entry(
                    at + timedelta(minutes=6),
                    "admin",
                    "settings.notify",
                    "settings",
                    "notify",
                    {"managers_chat_id": "-1001234567890", "policy": "digest"},
                )
            )
        if day % 45 == 0:
            rows.append(
                _entry(
                    at - timedelta(hours=6),
                    "director",
                    "auth.login_failed",
                    "staff",
                    "",
                    {"причина": "неверный логин или пароль"},
                    remote="203.0.113.7",
                )
            )
    rows.append(
        _entry(
            now - timedelta(days=20, hours=2),
            "1c",
            "onec.login_failed",
            "exchange",
            "",
            {"обмен": "каталог"},
            remote="10.0.0.15",
        )
    )
    rows.sort(key=lambda row: row["at"])
    await session.execute(insert(AuditEntry), rows)
    return len(rows)


def _entry(
    at: datetime,
    login: str,
    action: str,
    object_type: str,
    object_id: object,
    details: dict[str, Any],
    remote: str = "10.0.0.21",
) -> dict[str, Any]:
    return {
        "at": at,
        "staff_id": None,
        "staff_login": login,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "details": details,
        "remote_addr": remote,
    }
