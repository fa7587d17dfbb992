"""Orders and claims: lists with filters, details, decisions through the core services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import Select

from admin.accounts import acting_user, dealer_scope
from admin.keys import SETTINGS
from admin.orders_export import ExportRow, orders_xlsx
from admin.views.crm import crm_badge
from admin.web import (
    DB,
    PREFIX,
    STAFF,
    audit,
    field,
    flash,
    form,
    query_int,
    redirect,
    render,
)
from core.claims.service import change_claim_status, get_claim
from core.display import LABELS
from core.errors import InvalidInput, NotFound
from core.models import (
    Claim,
    ClaimAttachment,
    ClaimLine,
    ClaimStatus,
    ClaimStatusEvent,
    Dealer,
    LegalEntity,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusEvent,
    SyncState,
    User,
    utcnow,
)
from core.orders.manager import confirm_order, reject_order
from core.orders.status import ALLOWED
from core.orders.status import change_status as change_order_status

routes = web.RouteTableDef()
PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000  # an export is a report, not a backup
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORDER_STATUSES: dict[str, str] = LABELS["order_status"]
SYNC_STATES: dict[str, str] = LABELS["sync_state"]
# not set through the plain status form: confirm/reject have their own buttons, and "new" out of
# "awaiting approval" is the dealer's approver's decision (core.orders.approval)
MANUAL_EXCLUDED = (OrderStatus.CONFIRMED, OrderStatus.REJECTED, OrderStatus.NEW)
CLAIM_STATUSES: dict[str, str] = LABELS["claim_status"]
CLAIM_REASONS: dict[str, str] = LABELS["claim_reason"]
CLAIM_NEXT = {
    ClaimStatus.NEW: [ClaimStatus.IN_REVIEW, ClaimStatus.ACCEPTED, ClaimStatus.REJECTED],
    ClaimStatus.IN_REVIEW: [ClaimStatus.ACCEPTED, ClaimStatus.REJECTED],
    ClaimStatus.ACCEPTED: [ClaimStatus.RESOLVED],
}


def _day(request: web.Request, name: str) -> date | None:
    try:
        value = request.query.get(name, "").strip()
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _scoped(request: web.Request, query: Any, dealer_column: Any) -> Any:
    query = query.join(Dealer, Dealer.id == dealer_column)
    scope = dealer_scope(request[STAFF])
    return query.where(scope) if scope is not None else query


def _period(request: web.Request, query: Select[Any], column: Any) -> Select[Any]:
    zone = request.app[SETTINGS].zone
    if (since := _day(request, "from")) is not None:
        query = query.where(column >= datetime.combine(since, time(0), zone))
    if (until := _day(request, "to")) is not None:
        query = query.where(column < datetime.combine(until + timedelta(days=1), time(0), zone))
    return query


def _order_filters(request: web.Request, query: Any) -> Any:
    """The list's filters (status, 1C sync state, dealer, number, after hours, period) and
    the staff login's dealer scope: one place for the page and its export."""
    query = _scoped(request, query, Order.dealer_id)
    if (status := request.query.get("status", "")) in ORDER_STATUSES:
        query = query.where(Order.status == status)
    if (sync := request.query.get("sync", "")) in SYNC_STATES:
        query = query.where(Order.sync_state == sync)
    if (dealer_id := query_int(request, "dealer")) is not None:
        query = query.where(Order.dealer_id == dealer_id)
    if number := request.query.get("q", "").strip():
        query = query.where(Order.number.like(f"%{number}%"))
    if request.query.get("after_hours") == "1":
        query = query.where(Order.is_after_hours.is_(True))
    return _period(request, query, Order.placed_at)


@routes.get("/orders")
async def order_list(request: web.Request) -> web.Response:
    """Orders with filters: status, 1C sync state, dealer, number, period."""
    query = _order_filters(request, select(Order, Dealer.name))
    page = max(query_int(request, "page") or 0, 0)
    total = await request[DB].scalar(select(func.count()).select_from(query.subquery()))
    rows = (
        await request[DB].execute(
            query.order_by(Order.placed_at.desc(), Order.id.desc())
            .offset(page * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max((total or 0) - 1, 0) // PAGE_SIZE + 1,
        "statuses": ORDER_STATUSES,
        "sync_states": SYNC_STATES,
    }
    return await render(request, "orders/list.html", context)


@routes.get("/orders/export.xlsx")
async def order_export(request: web.Request) -> web.Response:
    """The orders of the list's filters (and the login's scope) as an XLSX file."""
    lines = (
        select(func.count(OrderLine.id))
        .where(OrderLine.order_id == Order.id)
        .correlate(Order)
        .scalar_subquery()
    )
    query = _order_filters(
        request, select(Order, Dealer.name, LegalEntity.name, LegalEntity.inn, lines)
    ).outerjoin(LegalEntity, LegalEntity.id == Order.legal_entity_id)
    result = await request[DB].execute(
        query.order_by(Order.placed_at.desc(), Order.id.desc()).limit(MAX_EXPORT_ROWS)
    )
    body = orders_xlsx(
        (ExportRow(o, dealer, entity, inn, count) for o, dealer, entity, inn, count in result),
        zone=request.app[SETTINGS].zone,
        statuses=ORDER_STATUSES,
        sync_states=SYNC_STATES,
    )
    stamp = utcnow().astimezone(request.app[SETTINGS].zone).strftime("%Y-%m-%d_%H%M")
    return web.Response(
        body=body,
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="orders_{stamp}.xlsx"'},
    )


async def _visible_order(request: web.Request) -> Order:
    query = _scoped(
        request,
        select(Order).options(selectinload(Order.lines)),
        Order.dealer_id,
    ).where(Order.id == int(request.match_info["order_id"]))
    order = await request[DB].scalar(query)
    if order is None:
        raise NotFound("order.not_found")
    return order


@routes.get("/orders/{order_id:\\d+}")
async def order_page(request: web.Request) -> web.Response:
    """An order: lines, history, 1C sync state, and the actions allowed now."""
    db = request[DB]
    order = await _visible_order(request)
    events = (
        await db.execute(
            select(OrderStatusEvent, User.full_name)
            .outerjoin(User, User.id == OrderStatusEvent.actor_id)
            .where(OrderStatusEvent.order_id == order.id)
            .order_by(OrderStatusEvent.at, OrderStatusEvent.id)
        )
    ).all()
    next_statuses = [
        s for s in ORDER_STATUSES if s in ALLOWED[order.status] and s not in MANUAL_EXCLUDED
    ]
    context = {
        "order": order,
        "dealer": await db.get(Dealer, order.dealer_id),
        "entity": await db.get(LegalEntity, order.legal_entity_id)
        if order.legal_entity_id
        else None,
        "author": await db.get(User, order.author_id) if order.author_id else None,
        "events": events,
        "statuses": ORDER_STATUSES,
        "sync_states": SYNC_STATES,
        "next_statuses": next_statuses,
        "claims": list(await db.scalars(select(Claim).where(Claim.order_id == order.id))),
        "crm": await crm_badge(request, "order", order.id),
    }
    return await render(request, "orders/detail.html", context)


@routes.post("/orders/{order_id:\\d+}/confirm")
async def order_confirm(request: web.Request) -> web.StreamResponse:
    """Confirm through core (the dealer is notified)."""
    order = await _visible_order(request)
    db = request[DB]
    await confirm_order(db, order.id, await acting_user(db, request[STAFF]), channel="admin")
    audit(request, "order.confirm", "order", order.id, number=order.number)
    await db.commit()
    await flash(request, f"Заказ {order.number} подтверждён.")
    raise redirect(f"{PREFIX}/orders/{order.id}")


@routes.post("/orders/{order_id:\\d+}/reject")
async def order_reject(request: web.Request) -> web.StreamResponse:
    """Reject with a reason through core (the dealer is notified)."""
    data = await form(request)
    order = await _visible_order(request)
    db = request[DB]
    reason = field(data, "reason")
    actor = await acting_user(db, request[STAFF])
    await reject_order(db, order.id, actor, reason, channel="admin")
    audit(request, "order.reject", "order", order.id, number=order.number, reason=reason)
    await db.commit()
    await flash(request, f"Заказ {order.number} отклонён.")
    raise redirect(f"{PREFIX}/orders/{order.id}")


@routes.post("/orders/{order_id:\\d+}/status")
async def order_status(request: web.Request) -> web.StreamResponse:
    """Move an order along (in progress, shipped, completed, cancelled) through core."""
    data = await form(request)
    order = await _visible_order(request)
    to_status = field(data, "status")
    if to_status not in ORDER_STATUSES or to_status in MANUAL_EXCLUDED:
        raise InvalidInput("order.bad_transition", number=order.number, status=order.status)
    db = request[DB]
    actor = await acting_user(db, request[STAFF])
    before = order.status
    await change_order_status(
        db, order, to_status, actor_kind=actor.role, actor_id=actor.id, note=field(data, "note")
    )
    audit(request, "order.status", "order", order.id, number=order.number, to=[before, to_status])
    await db.commit()
    await flash(request, f"Статус заказа {order.number}: {ORDER_STATUSES[to_status]}.")
    raise redirect(f"{PREFIX}/orders/{order.id}")


@routes.post("/orders/{order_id:\\d+}/resend")
async def order_resend(request: web.Request) -> web.StreamResponse:
    """Offer the order to 1C again on its next exchange (sync state back to pending)."""
    order = await _visible_order(request)
    before = order.sync_state
    order.sync_state = SyncState.PENDING
    order.exported_at = None
    audit(request, "order.resend_1c", "order", order.id, number=order.number, sync_was=before)
    await request[DB].commit()
    await flash(request, f"Заказ {order.number} будет выгружен в 1С при следующем обмене.")
    raise redirect(f"{PREFIX}/orders/{order.id}")


# --- claims --------------------------------------------------------------------------------


@routes.get("/claims")
async def claim_list(request: web.Request) -> web.Response:
    """Claims with filters: status, reason, dealer, manager, period; 50 a page."""
    query = _scoped(
        request,
        select(Claim, Dealer.name, Order.number, Dealer.manager_id).join(
            Order, Order.id == Claim.order_id
        ),
        Claim.dealer_id,
    )
    if (status := request.query.get("status", "")) in CLAIM_STATUSES:
        query = query.where(Claim.status == status)
    if (reason := request.query.get("reason", "")) in CLAIM_REASONS:
        query = query.where(
            select(ClaimLine.id)
            .where(ClaimLine.claim_id == Claim.id, ClaimLine.reason == reason)
            .exists()
        )
    if (dealer_id := query_int(request, "dealer")) is not None:
        query = query.where(Claim.dealer_id == dealer_id)
    if (manager_id := query_int(request, "manager")) is not None:
        query = query.where(Dealer.manager_id == manager_id)
    query = _period(request, query, Claim.created_at)
    db = request[DB]
    page = max(query_int(request, "page") or 0, 0)
    total = int(await db.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = (
        await db.execute(
            query.order_by(Claim.created_at.desc(), Claim.id.desc())
            .offset(page * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    ).all()
    reasons: dict[int, list[str]] = {}
    for claim_id, line_reason in await db.execute(
        select(ClaimLine.claim_id, ClaimLine.reason)
        .where(ClaimLine.claim_id.in_([row[0].id for row in rows]))
        .order_by(ClaimLine.id)
    ):
        if line_reason not in reasons.setdefault(claim_id, []):
            reasons[claim_id].append(line_reason)
    scope = dealer_scope(request[STAFF])
    dealer_query = select(Dealer.id, Dealer.name).where(
        select(Claim.id).where(Claim.dealer_id == Dealer.id).exists()
    )
    if scope is not None:
        dealer_query = dealer_query.where(scope)
    managers = (
        await db.execute(
            select(User.id, User.full_name)
            .where(select(Dealer.id).where(Dealer.manager_id == User.id).exists())
            .order_by(User.full_name)
        )
    ).all()
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(total - 1, 0) // PAGE_SIZE + 1,
        "statuses": CLAIM_STATUSES,
        "reasons": CLAIM_REASONS,
        "claim_reasons": reasons,
        "dealers": (await db.execute(dealer_query.order_by(Dealer.name))).all(),
        "managers": managers,
        "manager_names": dict(managers),
    }
    return await render(request, "claims/list.html", context)


async def _visible_claim(request: web.Request) -> Claim:
    claim = await get_claim(request[DB], None, int(request.match_info["claim_id"]))
    query = _scoped(request, select(Claim.id), Claim.dealer_id).where(Claim.id == claim.id)
    if await request[DB].scalar(query) is None:
        raise NotFound("claim.not_found")
    return claim


@routes.get("/claims/{claim_id:\\d+}")
async def claim_page(request: web.Request) -> web.Response:
    """A claim: lines with reasons, photos, history, decision form."""
    db = request[DB]
    claim = await _visible_claim(request)
    lines = {
        line.id: line
        for line in await db.scalars(select(OrderLine).where(OrderLine.order_id == claim.order_id))
    }
    events = list(
        await db.scalars(
            select(ClaimStatusEvent)
            .where(ClaimStatusEvent.claim_id == claim.id)
            .order_by(ClaimStatusEvent.at, ClaimStatusEvent.id)
        )
    )
    context = {
        "claim": claim,
        "order": await db.get(Order, claim.order_id),
        "dealer": await db.get(Dealer, claim.dealer_id),
        "order_lines": lines,
        "events": events,
        "statuses": CLAIM_STATUSES,
        "next_statuses": CLAIM_NEXT.get(ClaimStatus(claim.status), []),
    }
    return await render(request, "claims/detail.html", context)


@routes.post("/claims/{claim_id:\\d+}/status")
async def claim_status(request: web.Request) -> web.StreamResponse:
    """Decide on a claim through core (the dealer is notified)."""
    data = await form(request)
    claim = await _visible_claim(request)
    to_status = field(data, "status")
    if to_status not in CLAIM_STATUSES:
        raise InvalidInput("claim.bad_transition", number=claim.number, status=claim.status)
    db = request[DB]
    actor = await acting_user(db, request[STAFF])
    note = field(data, "note")[:2000]
    before = claim.status
    await change_claim_status(db, claim.id, to_status, actor, note=note, channel="admin")
    audit(request, "claim.status", "claim", claim.id, number=claim.number, to=[before, to_status])
    await db.commit()
    await flash(request, f"Рекламация {claim.number}: {CLAIM_STATUSES[to_status]}.")
    raise redirect(f"{PREFIX}/claims/{claim.id}")


DEMO_PHOTO = "demo-photo:"  # demo data's claim photos: drawn here, no Telegram file behind them


def _demo_photo(attachment: ClaimAttachment) -> str:
    """A stand-in picture for a demo claim photo (a box with a label), as SVG."""
    hue = sum(attachment.telegram_file_id.encode()) % 360
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360" viewBox="0 0 480 360">'
        f'<rect width="480" height="360" fill="hsl({hue},35%,88%)"/>'
        f'<rect x="120" y="110" width="240" height="150" rx="8" fill="hsl({hue},40%,62%)"/>'
        '<path d="M120 150h240M240 110v150" stroke="#fff" stroke-width="6"/>'
        '<text x="240" y="320" font-family="sans-serif" font-size="22" text-anchor="middle"'
        ' fill="#333">Демо-фото рекламации</text></svg>'
    )


@routes.get("/claims/{claim_id:\\d+}/attachments/{attachment_id:\\d+}")
async def claim_photo(request: web.Request) -> web.StreamResponse:
    """A claim photo, fetched from Telegram through the Bot API (getFile, then the file)."""
    claim = await _visible_claim(request)
    attachment = await request[DB].get(ClaimAttachment, int(request.match_info["attachment_id"]))
    if attachment is None or attachment.claim_id != claim.id:
        raise NotFound("claim.not_found")
    if attachment.telegram_file_id.startswith(DEMO_PHOTO):
        return web.Response(text=_demo_photo(attachment), content_type="image/svg+xml")
    settings = request.app[SETTINGS]
    if settings.bot_token is None:
        raise NotFound("claim.photo_unavailable")
    token = settings.bot_token.get_secret_value()
    base = settings.telegram_api_url.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=20)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as client:
            async with client.get(
                f"{base}/bot{token}/getFile", params={"file_id": attachment.telegram_file_id}
            ) as response:
                payload = await response.json(content_type=None)
            path = (payload.get("result") or {}).get("file_path") if payload.get("ok") else None
            if not path:
                raise NotFound("claim.photo_unavailable")
            async with client.get(f"{base}/file/bot{token}/{path}") as response:
                if response.status != 200:
                    raise NotFound("claim.photo_unavailable")
                body = await response.read()
                content_type = response.content_type
    except (aiohttp.ClientError, TimeoutError, ValueError):
        raise NotFound("claim.photo_unavailable") from None
    if not content_type.startswith("image/"):
        content_type = "image/jpeg"
    return web.Response(
        body=body, content_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
    )
