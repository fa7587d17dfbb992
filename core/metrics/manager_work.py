"""Metrics of the managers' real work: operations per manager from `ManagerAction`, dealers'
requests outside the platform (logged contacts about prices and stock), and time with clients.

Definitions (window P = [start, end), scope = the dealers the filters select):

* **ops_per_manager**: manager actions (`ManagerAction`) by people whose role is manager, done
  in P on an order, claim or logged contact of a dealer in scope: confirmations, rejections,
  edits, claim decisions, contacts logged; divided by the managers with at least one, per 30 days.
* **contacts_outside**: contacts logged in P (`DealerContact.occurred_at`) about prices or stock,
  per 30 days; no value while no contact at all was logged in P (the log is not in use, so 0
  would be a false "nobody called").
* **client_time**: minutes a manager spent on a dealer, per dealer worked with, per 30 days.
  A dealer's minutes = the durations logged with their contacts in P, plus for each order placed
  and each claim filed in P the time from it to the last manager action on it (before P's end),
  at most REQUEST_CAP_MINUTES each (the rest is waiting, not work). Dealers worked with: those
  with a contact logged or a request acted on in P.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Float, case, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.metrics.compute import Values, _first, _in, dealer_scope, q, seconds_between
from core.metrics.rollout import MetricFilters, Period
from core.models import Claim, DealerContact, ManagerAction, Order, Role, User
from core.models.contacts import ContactTopic

REQUEST_CAP_MINUTES = 60
OUTSIDE_TOPICS = (ContactTopic.PRICES, ContactTopic.STOCK)
# ManagerAction.action prefixes -> the kinds shown in the detail
KINDS = {
    "confirmations": "order.confirm",
    "rejections": "order.reject",
    "edits": "order.edit",
    "claim_decisions": "claim.",
    "contacts": "contact.",
}


def _per_30_days(total: Decimal | int, whole: int, period: Period) -> Decimal | None:
    days = period.days
    if not whole or days <= 0:
        return None
    return q(Decimal(total) / whole * 30 / days)


async def ops_per_manager(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Manager actions in the window / managers who acted, per 30 days (see the module doc)."""
    dealer = func.coalesce(Order.dealer_id, Claim.dealer_id, DealerContact.dealer_id)
    kinds = [
        func.coalesce(func.sum(case((ManagerAction.action.startswith(p), 1), else_=0)), 0)
        for p in KINDS.values()
    ]
    row = await _first(
        session,
        select(func.count(func.distinct(ManagerAction.user_id)), func.count(), *kinds)
        .select_from(ManagerAction)
        .join(User, User.id == ManagerAction.user_id)
        .outerjoin(Order, Order.id == ManagerAction.order_id)
        .outerjoin(Claim, Claim.id == ManagerAction.claim_id)
        .outerjoin(DealerContact, DealerContact.id == ManagerAction.contact_id)
        .where(
            User.role == Role.MANAGER,
            _in(ManagerAction.at, period),
            dealer.is_not(None),
            *dealer_scope(dealer, filters),
        ),
    )
    managers, operations = int(row[0]), int(row[1])
    detail: dict[str, Any] = {"managers": managers, "operations": operations}
    detail.update({name: int(n) for name, n in zip(KINDS, row[2:], strict=True)})
    return {"ops_per_manager": (_per_30_days(operations, managers, period), detail)}


async def contacts_outside(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Contacts about prices or stock logged in the window, per 30 days."""
    topic = DealerContact.topic
    logged, prices, stock = await _first(
        session,
        select(
            func.count(),
            func.coalesce(func.sum(case((topic == ContactTopic.PRICES, 1), else_=0)), 0),
            func.coalesce(func.sum(case((topic == ContactTopic.STOCK, 1), else_=0)), 0),
        ).where(
            _in(DealerContact.occurred_at, period),
            *dealer_scope(DealerContact.dealer_id, filters),
        ),
    )
    outside = int(prices) + int(stock)
    value = _per_30_days(outside, 1, period) if logged else None
    detail = {
        "contacts": int(logged),
        "outside": outside,
        "prices": int(prices),
        "stock": int(stock),
    }
    return {"contacts_outside": (value, detail)}


def _capped(seconds: Any) -> Any:
    cap = REQUEST_CAP_MINUTES * 60
    return case((seconds > cap, cap), (seconds < 0, 0), else_=seconds)


async def client_time(
    session: AsyncSession, filters: MetricFilters, period: Period, keys: frozenset[str]
) -> Values:
    """Minutes per dealer worked with, per 30 days (see the module doc)."""
    acted = ManagerAction.at < period.end
    last_on_order = (
        select(ManagerAction.order_id.label("id"), func.max(ManagerAction.at).label("at"))
        .where(ManagerAction.order_id.is_not(None), acted)
        .group_by(ManagerAction.order_id)
        .subquery()
    )
    last_on_claim = (
        select(ManagerAction.claim_id.label("id"), func.max(ManagerAction.at).label("at"))
        .where(ManagerAction.claim_id.is_not(None), acted)
        .group_by(ManagerAction.claim_id)
        .subquery()
    )
    orders = (
        select(
            Order.dealer_id.label("dealer_id"),
            cast(
                _capped(seconds_between(session, last_on_order.c.at, Order.placed_at)), Float
            ).label("seconds"),
            literal(1).label("requests"),
        )
        .join(last_on_order, last_on_order.c.id == Order.id)
        .where(_in(Order.placed_at, period), *dealer_scope(Order.dealer_id, filters))
    )
    claims = (
        select(
            Claim.dealer_id.label("dealer_id"),
            cast(
                _capped(seconds_between(session, last_on_claim.c.at, Claim.created_at)), Float
            ).label("seconds"),
            literal(1).label("requests"),
        )
        .join(last_on_claim, last_on_claim.c.id == Claim.id)
        .where(_in(Claim.created_at, period), *dealer_scope(Claim.dealer_id, filters))
    )
    contacts = select(
        DealerContact.dealer_id.label("dealer_id"),
        cast(func.coalesce(DealerContact.duration_minutes, 0) * 60, Float).label("seconds"),
        literal(0).label("requests"),
    ).where(
        _in(DealerContact.occurred_at, period),
        *dealer_scope(DealerContact.dealer_id, filters),
    )
    both = union_all(orders, claims, contacts).subquery()
    dealers, seconds, requests, rows = await _first(
        session,
        select(
            func.count(func.distinct(both.c.dealer_id)),
            func.coalesce(func.sum(both.c.seconds), 0),
            func.coalesce(func.sum(both.c.requests), 0),
            func.count(),
        ),
    )
    minutes = Decimal(repr(float(seconds))) / 60
    logged = await session.scalar(
        select(func.coalesce(func.sum(DealerContact.duration_minutes), 0)).where(
            _in(DealerContact.occurred_at, period),
            *dealer_scope(DealerContact.dealer_id, filters),
        )
    )
    detail = {
        "dealers": int(dealers),
        "minutes": str(q(minutes)),
        "logged_minutes": int(logged or 0),
        "requests": int(requests),
        "contacts": int(rows) - int(requests),
    }
    return {"client_time": (_per_30_days(minutes, int(dealers), period), detail)}


RULES = (
    (("ops_per_manager",), ops_per_manager),
    (("contacts_outside",), contacts_outside),
    (("client_time",), client_time),
)
