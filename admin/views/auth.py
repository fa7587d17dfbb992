"""Login, logout and the start page."""

from __future__ import annotations

from typing import Any

import aiohttp_session
from aiohttp import web
from sqlalchemy import func, select

from admin.accounts import LoginRefused, authenticate, dealer_scope
from admin.messages import error_text
from admin.web import (
    DB,
    PREFIX,
    STAFF,
    _pw_tag,
    _safe_next,
    audit,
    client_address,
    csrf_token,
    field,
    form,
    local_time,
    public,
    redirect,
    render,
)
from core.models import (
    Application,
    Claim,
    ClaimStatus,
    Dealer,
    Order,
    OrderStatus,
    Role,
)
from core.pilot import wave_funnels

routes = web.RouteTableDef()


@routes.get("/login")
@public
async def login_page(request: web.Request) -> web.Response:
    """The login form."""
    return await render(request, "login.html", {"next": _safe_next(request.query.get("next", ""))})


@routes.post("/login")
@public
async def login(request: web.Request) -> web.StreamResponse:
    """Check the password (with lockout), start a fresh session."""
    data = await form(request)
    db = request[DB]
    next_path = _safe_next(field(data, "next"))
    try:
        staff = await authenticate(
            db, field(data, "login"), field(data, "password"), ip=client_address(request)
        )
    except LoginRefused as error:
        await db.commit()  # keep the failure count and its audit entry
        params = dict(error.params)
        if "until" in params:
            params["until"] = local_time(params["until"], request)
        message = error_text(LoginRefused(error.key, **params))
        context = {"error": message, "login": field(data, "login"), "next": next_path}
        return await render(request, "login.html", context, status=401)
    request[STAFF] = staff
    audit(request, "auth.login", "staff", staff.id)
    await db.commit()
    cookie = await aiohttp_session.new_session(request)
    cookie["staff_id"] = staff.id
    cookie["pw"] = _pw_tag(staff)
    await csrf_token(request)
    raise redirect(next_path)


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    """End the session."""
    cookie = await aiohttp_session.get_session(request)
    cookie.invalidate()
    raise redirect(f"{PREFIX}/login")


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    """Counts that need attention, and the pilot funnel for admins."""
    db, staff = request[DB], request[STAFF]
    scope = dealer_scope(staff)
    dealers_q = select(func.count(Dealer.id))
    orders_q = select(func.count(Order.id)).where(Order.status == OrderStatus.NEW)
    claims_q = select(func.count(Claim.id)).where(Claim.status == ClaimStatus.NEW)
    if scope is not None:
        dealers_q = dealers_q.where(scope)
        orders_q = orders_q.join(Dealer, Dealer.id == Order.dealer_id).where(scope)
        claims_q = claims_q.join(Dealer, Dealer.id == Claim.dealer_id).where(scope)
    context: dict[str, Any] = {
        "dealers": await db.scalar(dealers_q),
        "new_orders": await db.scalar(orders_q),
        "new_claims": await db.scalar(claims_q),
        "new_applications": None,
        "funnels": [],
    }
    if staff.role == Role.ADMIN:
        context["new_applications"] = await db.scalar(
            select(func.count(Application.id)).where(Application.status == "new")
        )
        context["funnels"] = await wave_funnels(db)
    return await render(request, "home.html", context)
