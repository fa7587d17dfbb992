"""The JSON API for CRM/BI under /api/v1: read-only, token auth (Authorization: Bearer ...).

Every call reads in its token's scope (core.access.scope.owner_scope): an admin's token sees
every dealer; a manager's token only that manager's dealers and their orders, claims, legal
entities and invitations (anything else answers 404 like a missing one) and no metrics (403).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.accounts import check_api_token
from admin.keys import METRICS_CACHE, SESSIONMAKER, SETTINGS
from admin.metrics_figures import (
    after_hours_json,
    days_period,
    parse_days,
    parse_filters,
    rollout_json,
)
from admin.openapi import openapi_document
from admin.queries import dealer_text_match
from core.access.scope import owner_scope
from core.calendar import load_calendar
from core.catalog.normalize import normalize_article
from core.catalog.offers import load_offers
from core.catalog.search import MAX_PAGE_SIZE as SEARCH_MAX_PAGE
from core.catalog.search import MAX_QUERY_CHARS, search_products
from core.claims.service import get_claim
from core.dealers.invitations import deep_link
from core.errors import DomainError, Forbidden, InvalidInput, NotFound
from core.metrics.after_hours import after_hours_stats
from core.metrics.rollout import rollout_dashboard
from core.models import (
    Claim,
    ClaimStatus,
    Dealer,
    DealerStatus,
    Invitation,
    LegalEntity,
    Order,
    OrderStatus,
    PriceType,
    Product,
    utcnow,
)
from core.orders.queries import get_order_any_dealer

log = logging.getLogger("admin.api")
routes = web.RouteTableDef()
DB = web.RequestKey("api_db", AsyncSession)


@dataclass(frozen=True)
class Scope:
    """What the calling token may read: `dealers` is None for every dealer."""

    dealers: ColumnElement[bool] | None

    def restrict(self, query: Any, dealer_column: Any) -> Any:
        """`query` limited to rows whose `dealer_column` is a dealer of this scope."""
        if self.dealers is None:
            return query
        return query.where(dealer_column.in_(select(Dealer.id).where(self.dealers)))


SCOPE = web.RequestKey("api_scope", Scope)
MAX_LIMIT = 500
MAX_ID = 2_147_483_647
MAX_TEXT = 100
PUBLIC = frozenset({"/api/v1/openapi.json"})
TOUCH_EVERY = timedelta(minutes=1)
SEARCH_CHARS = MAX_QUERY_CHARS
SEARCH_PAGE = SEARCH_MAX_PAGE


def _error(status: int, key: str, **params: Any) -> web.Response:
    return web.json_response({"error": key, "params": params}, status=status)


@web.middleware
async def api_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Token check, one DB session per call, domain errors as JSON."""
    if request.path in PUBLIC:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    async with request.app[SESSIONMAKER]() as session:
        row = await check_api_token(session, token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            response = _error(401, "api.unauthorized")
            response.headers["WWW-Authenticate"] = 'Bearer realm="dealerbot"'
            return response
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
            row.last_used_at = now
            await session.commit()
        request[DB] = session
        request[SCOPE] = Scope(await owner_scope(session, row.role, row.user_id))
        try:
            return await handler(request)
        except NotFound as error:
            return _error(404, error.key)
        except Forbidden as error:
            return _error(403, error.key)
        except DomainError as error:
            return _error(400, error.key, **_plain(error.params))


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, int | str | float | bool) else str(v) for k, v in params.items()}


# --- query parameters ------------------------------------------------------------------------


def _int(
    request: web.Request, name: str, *, default: int | None = None, low: int = 1, high: int = MAX_ID
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput("api.bad_parameter", name=name) from None
    if not low <= value <= high:
        raise InvalidInput("api.bad_parameter", name=name)
    return value


def _has_control(raw: str) -> bool:
    return any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in raw)


def _text(request: web.Request, name: str) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if len(raw) > MAX_TEXT or _has_control(raw):
        raise InvalidInput("api.bad_parameter", name=name)
    raw = raw.strip()
    return raw or None


def _choice(request: web.Request, name: str, allowed: set[str]) -> str | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise InvalidInput("api.bad_parameter", name=name)
    return raw


def _since(request: web.Request) -> datetime | None:
    raw = request.query.get("since")
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("api.bad_parameter", name="since") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidInput("api.bad_parameter", name="since") from None


def _page(request: web.Request) -> tuple[int, int]:
    limit = _int(request, "limit", default=100, low=1, high=MAX_LIMIT)
    offset = _int(request, "offset", default=0, low=0, high=1_000_000)
    assert limit is not None and offset is not None
    return limit, offset


def _path_id(request: web.Request, name: str) -> int:
    value = int(request.match_info[name])
    if not 1 <= value <= MAX_ID:
        raise NotFound("api.not_found")
    return value


def _listing(items: list[dict[str, Any]], limit: int, offset: int, total: int) -> web.Response:
    return web.json_response({"items": items, "limit": limit, "offset": offset, "total": total})


# --- serializers ------------------------------------------------------------------------------


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def dealer_json(dealer: Dealer) -> dict[str, Any]:
    """A dealer as the API shows it."""
    return {
        "id": dealer.id,
        "name": dealer.name,
        "inn": dealer.inn,
        "onec_id": dealer.onec_id,
        "city": dealer.city,
        "region": dealer.region,
        "status": dealer.status,
        "price_type_id": dealer.price_type_id,
        "manager_id": dealer.manager_id,
        "wave_id": dealer.wave_id,
        "features": dealer.features or {},
        "onboarded_at": _time(dealer.onboarded_at),
        "created_at": _time(dealer.created_at),
    }


def entity_json(entity: LegalEntity) -> dict[str, Any]:
    """A legal entity as the API shows it."""
    return {
        "id": entity.id,
        "dealer_id": entity.dealer_id,
        "name": entity.name,
        "inn": entity.inn,
        "kpp": entity.kpp,
        "onec_id": entity.onec_id,
        "is_active": entity.is_active,
    }


def order_json(order: Order, *, lines: bool = False) -> dict[str, Any]:
    """An order (with lines when asked)."""
    data: dict[str, Any] = {
        "id": order.id,
        "number": order.number,
        "dealer_id": order.dealer_id,
        "legal_entity_id": order.legal_entity_id,
        "status": order.status,
        "source": order.source,
        "placed_at": _time(order.placed_at),
        "is_after_hours": order.is_after_hours,
        "confirmed_at": _time(order.confirmed_at),
        "rejected_reason": order.rejected_reason,
        "comment": order.comment,
        "desired_date": order.desired_date.isoformat() if order.desired_date else None,
        "dealer_po": order.dealer_po,
        "delivery_address": order.delivery_address,
        "currency": order.currency,
        "total": _money(order.total),
        "onec_number": order.onec_number,
        "sync_state": order.sync_state,
        "exported_at": _time(order.exported_at),
        "updated_at": _time(order.updated_at),
    }
    if lines:
        data["lines"] = [
            {
                "line_no": line.line_no,
                "product_id": line.product_id,
                "article": line.article,
                "name": line.name,
                "unit": line.unit,
                "price": _money(line.price),
                "quantity": _qty(line.quantity),
                "amount": _money(line.amount),
            }
            for line in order.lines
        ]
    return data


def claim_json(claim: Claim, *, details: bool = False) -> dict[str, Any]:
    """A claim (with lines and attachments when asked)."""
    data: dict[str, Any] = {
        "id": claim.id,
        "number": claim.number,
        "dealer_id": claim.dealer_id,
        "order_id": claim.order_id,
        "status": claim.status,
        "comment": claim.comment,
        "created_at": _time(claim.created_at),
        "decided_at": _time(claim.decided_at),
        "decision_note": claim.decision_note,
    }
    if details:
        data["lines"] = [
            {
                "order_line_id": line.order_line_id,
                "reason": line.reason,
                "quantity": _qty(line.quantity),
                "comment": line.comment,
            }
            for line in claim.lines
        ]
        data["attachments"] = len(claim.attachments)
    return data


# --- scope --------------------------------------------------------------------------------------


async def _require_dealer(request: web.Request, dealer_id: int, missing: NotFound) -> None:
    """Raise `missing` (as for an id that does not exist) when the dealer is out of scope."""
    query = request[SCOPE].restrict(select(Dealer.id).where(Dealer.id == dealer_id), Dealer.id)
    if await request[DB].scalar(query) is None:
        raise missing


def _require_all_dealers(request: web.Request) -> None:
    """Figures over all dealers are for admin tokens only."""
    if request[SCOPE].dealers is not None:
        raise Forbidden("api.forbidden")


# --- routes ------------------------------------------------------------------------------------


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI 3.0 document of this API."""
    return web.json_response(openapi_document())


async def _count(db: AsyncSession, query: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(query.subquery())) or 0)


@routes.get("/dealers")
async def dealers(request: web.Request) -> web.Response:
    """Dealers, filtered by text, wave, status."""
    db = request[DB]
    limit, offset = _page(request)
    query = request[SCOPE].restrict(select(Dealer), Dealer.id)
    if q := _text(request, "q"):
        query = query.where(dealer_text_match(q))
    if (wave_id := _int(request, "wave_id")) is not None:
        query = query.where(Dealer.wave_id == wave_id)
    if status := _choice(request, "status", set(DealerStatus)):
        query = query.where(Dealer.status == status)
    rows = await db.scalars(query.order_by(Dealer.id).offset(offset).limit(limit))
    return _listing([dealer_json(d) for d in rows], limit, offset, await _count(db, query))


@routes.get("/dealers/{dealer_id:\\d+}")
async def dealer(request: web.Request) -> web.Response:
    """One dealer with its legal entities."""
    db = request[DB]
    query = select(Dealer).where(Dealer.id == _path_id(request, "dealer_id"))
    item = await db.scalar(request[SCOPE].restrict(query, Dealer.id))
    if item is None:
        raise NotFound("dealer.not_found")
    entities = await db.scalars(
        select(LegalEntity).where(LegalEntity.dealer_id == item.id).order_by(LegalEntity.id)
    )
    return web.json_response(
        {**dealer_json(item), "legal_entities": [entity_json(e) for e in entities]}
    )


@routes.get("/legal-entities")
async def legal_entities(request: web.Request) -> web.Response:
    """Legal entities, by dealer or INN."""
    db = request[DB]
    limit, offset = _page(request)
    query = request[SCOPE].restrict(select(LegalEntity), LegalEntity.dealer_id)
    if (dealer_id := _int(request, "dealer_id")) is not None:
        query = query.where(LegalEntity.dealer_id == dealer_id)
    if inn := _text(request, "inn"):
        query = query.where(LegalEntity.inn == inn)
    rows = await db.scalars(query.order_by(LegalEntity.id).offset(offset).limit(limit))
    return _listing([entity_json(e) for e in rows], limit, offset, await _count(db, query))


@routes.get("/invitations")
async def invitations(request: web.Request) -> web.Response:
    """Invitations with their deep links and use counts."""
    db = request[DB]
    limit, offset = _page(request)
    query = request[SCOPE].restrict(select(Invitation), Invitation.dealer_id)
    if (dealer_id := _int(request, "dealer_id")) is not None:
        query = query.where(Invitation.dealer_id == dealer_id)
    username = request.app[SETTINGS].bot_username
    rows = await db.scalars(query.order_by(Invitation.id).offset(offset).limit(limit))
    items = [
        {
            "id": inv.id,
            "dealer_id": inv.dealer_id,
            "role": inv.role,
            "link": deep_link(username, inv.token),
            "max_uses": inv.max_uses,
            "uses": inv.uses,
            "expires_at": _time(inv.expires_at),
            "revoked_at": _time(inv.revoked_at),
            "created_at": _time(inv.created_at),
        }
        for inv in rows
    ]
    return _listing(items, limit, offset, await _count(db, query))


@routes.get("/orders")
async def orders(request: web.Request) -> web.Response:
    """Orders, by dealer, status and update time (for incremental pulls)."""
    db = request[DB]
    limit, offset = _page(request)
    query = request[SCOPE].restrict(select(Order), Order.dealer_id)
    if (dealer_id := _int(request, "dealer_id")) is not None:
        query = query.where(Order.dealer_id == dealer_id)
    if status := _choice(request, "status", set(OrderStatus)):
        query = query.where(Order.status == status)
    if (since := _since(request)) is not None:
        query = query.where(Order.updated_at >= since)
    rows = await db.scalars(query.order_by(Order.id).offset(offset).limit(limit))
    return _listing([order_json(o) for o in rows], limit, offset, await _count(db, query))


@routes.get("/orders/{order_id:\\d+}")
async def order(request: web.Request) -> web.Response:
    """One order with its lines."""
    order_id = _path_id(request, "order_id")
    item = await get_order_any_dealer(request[DB], order_id)
    await _require_dealer(request, item.dealer_id, NotFound("order.not_found", order_id=order_id))
    return web.json_response(order_json(item, lines=True))


@routes.get("/products")
async def products(request: web.Request) -> web.Response:
    """Active products with the price of a price type and stock by warehouse."""
    db = request[DB]
    limit, offset = _page(request)
    price_type_id = _int(request, "price_type_id")
    if price_type_id is not None and await db.get(PriceType, price_type_id) is None:
        raise NotFound("price_type.not_found")
    query = select(Product).where(Product.is_active.is_(True))
    if article := _text(request, "article"):
        query = query.where(Product.article_norm == normalize_article(article))
    if (group_id := _int(request, "group_id")) is not None:
        query = query.where(Product.group_id == group_id)
    rows = list(await db.scalars(query.order_by(Product.id).offset(offset).limit(limit)))
    offers = await load_offers(db, [p.id for p in rows], price_type_id)
    items = []
    for product in rows:
        offer = offers[product.id]
        items.append(
            {
                "id": product.id,
                "onec_id": product.onec_id,
                "article": product.article,
                "name": product.name,
                "unit": product.unit,
                "barcode": product.barcode,
                "group_id": product.group_id,
                "price": _money(offer.price),
                "currency": offer.currency,
                "stock_total": _qty(offer.stock_total),
                "stock": [
                    {
                        "warehouse_id": s.warehouse_id,
                        "warehouse": s.warehouse,
                        "quantity": _qty(s.quantity),
                    }
                    for s in offer.stock
                ],
            }
        )
    return _listing(items, limit, offset, await _count(db, query))


@routes.get("/products/search")
async def product_search(request: web.Request) -> web.Response:
    """The bot's catalog search (barcode, article, name words) with price and stock."""
    db = request[DB]
    raw = request.query.get("q", "")
    if not raw.strip() or len(raw) > SEARCH_CHARS or _has_control(raw):
        raise InvalidInput("api.bad_parameter", name="q")
    price_type_id = _int(request, "price_type_id")
    if price_type_id is not None and await db.get(PriceType, price_type_id) is None:
        raise NotFound("price_type.not_found")
    page = _int(request, "page", default=0, low=0, high=1000)
    size = _int(request, "page_size", default=20, low=1, high=SEARCH_PAGE)
    assert page is not None and size is not None
    found = await search_products(db, raw, price_type_id=price_type_id, page=page, page_size=size)
    items = [
        {
            "id": hit.product_id,
            "onec_id": hit.onec_id,
            "article": hit.article,
            "name": hit.name,
            "unit": hit.unit,
            "barcode": hit.barcode,
            "price": _money(hit.price),
            "currency": hit.currency,
            "stock_total": _qty(hit.stock_total),
            "stock": [
                {
                    "warehouse_id": s.warehouse_id,
                    "warehouse": s.warehouse,
                    "quantity": _qty(s.quantity),
                }
                for s in hit.stock
            ],
        }
        for hit in found.items
    ]
    return web.json_response(
        {
            "items": items,
            "page": found.page,
            "page_size": found.page_size,
            "has_more": found.has_more,
            "kind": found.kind,
        }
    )


@routes.get("/claims")
async def claims(request: web.Request) -> web.Response:
    """Claims, by dealer and status."""
    db = request[DB]
    limit, offset = _page(request)
    query = request[SCOPE].restrict(select(Claim), Claim.dealer_id)
    if (dealer_id := _int(request, "dealer_id")) is not None:
        query = query.where(Claim.dealer_id == dealer_id)
    if status := _choice(request, "status", set(ClaimStatus)):
        query = query.where(Claim.status == status)
    rows = await db.scalars(query.order_by(Claim.id).offset(offset).limit(limit))
    return _listing([claim_json(c) for c in rows], limit, offset, await _count(db, query))


@routes.get("/claims/{claim_id:\\d+}")
async def claim(request: web.Request) -> web.Response:
    """One claim with its lines."""
    claim_id = _path_id(request, "claim_id")
    item = await get_claim(request[DB], None, claim_id)
    await _require_dealer(request, item.dealer_id, NotFound("claim.not_found", claim_id=claim_id))
    return web.json_response(claim_json(item, details=True))


@routes.get("/metrics/rollout")
async def metrics_rollout(request: web.Request) -> web.Response:
    """The rollout dashboard: each metric's baseline, checkpoints, target, current value, status."""
    _require_all_dealers(request)
    settings = request.app[SETTINGS]
    filters = parse_filters(request.query)
    now = utcnow()
    days = parse_days(request.query, settings.zone, now, default=False)
    values = await rollout_dashboard(
        request[DB],
        filters,
        now=now,
        period=days_period(days, settings.zone) if days else None,
        zone=settings.zone,
        cache=request.app[METRICS_CACHE],
    )
    return web.json_response(rollout_json(values, filters, now))


@routes.get("/metrics/after-hours")
async def metrics_after_hours(request: web.Request) -> web.Response:
    """After-hours orders: share, weekday x hour heatmap, time to confirm, morning backlog."""
    _require_all_dealers(request)
    settings = request.app[SETTINGS]
    filters = parse_filters(request.query)
    now = utcnow()
    days = parse_days(request.query, settings.zone, now, default=True)
    assert days is not None
    calendar = await load_calendar(request[DB], settings)
    stats = await after_hours_stats(
        request[DB], calendar, days_period(days, settings.zone), filters, now=now
    )
    return web.json_response(after_hours_json(stats, filters))


def build_api_app() -> web.Application:
    """The /api/v1 sub-application."""
    app = web.Application(middlewares=[api_middleware])
    app.add_routes(routes)
    return app
