"""1C exchange log, settings (calendar, managers' chat, after-hours policy), staff, API tokens,
the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from admin.accounts import create_api_token
from admin.audit_labels import ACTIONS, OBJECTS
from admin.exchange_view import KINDS, present
from admin.keys import SETTINGS
from admin.web import (
    DB,
    PREFIX,
    STAFF,
    admin_only,
    audit,
    field,
    flash,
    form,
    int_field,
    is_tls,
    query_int,
    redirect,
    render,
)
from core import throttle
from core.calendar import DAY_KINDS
from core.dealers.staff import create_staff_account
from core.display import LABELS
from core.errors import InvalidInput, NotFound
from core.holidays import load_russian_holidays
from core.models import (
    ApiToken,
    AuditEntry,
    CalendarDay,
    ExchangeSession,
    Role,
    StaffAccount,
    User,
    utcnow,
)
from core.models.admin import get_setting, set_setting
from core.notify_settings import CHAT_KEY, POLICIES, POLICY_KEY, load_notify_settings

routes = web.RouteTableDef()
DAY_LABELS = LABELS["day_kind"]
POLICY_LABELS = {
    "immediate": "сразу, в любое время",
    "digest": "утренней сводкой в начале рабочего дня",
}


@routes.get("/exchange")
@admin_only
async def exchange_log(request: web.Request) -> web.Response:
    """1C exchange sessions, newest first, and what to type into 1C."""
    db = request[DB]
    query = select(ExchangeSession)
    if (kind := request.query.get("type", "")) in ("catalog", "sale", "offline"):
        query = query.where(ExchangeSession.exchange_type == kind)
    if request.query.get("errors") == "1":
        query = query.where(ExchangeSession.error.is_not(None))
    page = max(query_int(request, "page") or 0, 0)
    total = await db.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        await db.scalars(query.order_by(ExchangeSession.id.desc()).offset(page * 50).limit(50))
    )
    scheme = "https" if is_tls(request) else "http"
    settings = request.app[SETTINGS]
    total = int(await db.scalar(select(func.count()).select_from(query.subquery())) or 0)
    context = {
        "sessions": [present(row) for row in rows],
        "kinds": KINDS,
        "page": page,
        "pages": max((total or 0) - 1, 0) // 50 + 1,
        "total": total,
        "endpoint": f"{scheme}://{request.host}/1c/exchange",
        "onec_login": settings.onec_username,
    }
    return await render(request, "system/exchange.html", context)


@routes.get("/settings")
@admin_only
async def settings_page(request: web.Request) -> web.Response:
    """Working calendar, managers' group chat, after-hours policy."""
    db = request[DB]
    settings = request.app[SETTINGS]
    in_force = await load_notify_settings(db)
    days = list(
        await db.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(utcnow().year - 1, 1, 1))
            .order_by(CalendarDay.day)
        )
    )
    months: dict[str, list[CalendarDay]] = {}
    for row in days:
        months.setdefault(format_date(row.day, "LLLL yyyy", locale="ru").capitalize(), []).append(
            row
        )
    context = {
        "days": days,
        "months": months,
        "day_kinds": DAY_LABELS,
        "chat": await get_setting(db, CHAT_KEY) or "",
        "policy": in_force.after_hours_policy,
        "chat_in_force": in_force.managers_chat_id,
        "policies": POLICY_LABELS,
        "settings": settings,
        "year": utcnow().year,
    }
    return await render(request, "system/settings.html", context)


@routes.post("/settings/notify")
@admin_only
async def save_notify(request: web.Request) -> web.StreamResponse:
    """Save the managers' group chat and the after-hours policy."""
    data = await form(request)
    chat = field(data, "managers_chat_id")
    if chat:
        try:
            int(chat)
        except ValueError:
            raise InvalidInput("settings.bad_chat") from None
    policy = field(data, "after_hours_policy")
    if policy not in POLICIES:
        raise InvalidInput("notify.bad_policy", policy=policy)
    db, staff = request[DB], request[STAFF]
    await set_setting(db, CHAT_KEY, chat, staff_id=staff.id)
    await set_setting(db, POLICY_KEY, policy, staff_id=staff.id)
    audit(request, "settings.notify", "settings", "notify", managers_chat_id=chat, policy=policy)
    await db.commit()
    await flash(request, "Настройки уведомлений сохранены.")
    raise redirect(f"{PREFIX}/settings")


@routes.post("/settings/calendar")
@admin_only
async def add_day(request: web.Request) -> web.StreamResponse:
    """Add or change a calendar day (holiday, shortened day, working weekend)."""
    data = await form(request)
    try:
        day = date.fromisoformat(field(data, "day"))
    except ValueError:
        raise InvalidInput("calendar.bad_day") from None
    kind = field(data, "kind")
    if kind not in DAY_KINDS:
        raise InvalidInput("calendar.bad_kind", kind=kind)
    note = field(data, "note")[:200]
    db = request[DB]
    row = await db.get(CalendarDay, day)
    if row is None:
        db.add(CalendarDay(day=day, kind=kind, note=note))
    else:
        row.kind, row.note = kind, note
    audit(request, "calendar.set", "calendar_day", day.isoformat(), kind=kind, note=note)
    await db.commit()
    await flash(request, f"{day:%d.%m.%Y}: {DAY_LABELS[kind]}.")
    raise redirect(f"{PREFIX}/settings")


@routes.post("/settings/calendar/holidays")
@admin_only
async def add_holidays(request: web.Request) -> web.StreamResponse:
    """Load a year's Russian public holidays and shortened days."""
    data = await form(request)
    year = int_field(data, "year") or utcnow().year
    db = request[DB]
    stored = await load_russian_holidays(db, year)
    audit(request, "calendar.holidays", "calendar_day", str(year), added=len(stored))
    await db.commit()
    await flash(request, f"Праздники {year} года загружены: добавлено дней — {len(stored)}.")
    raise redirect(f"{PREFIX}/settings")


@routes.post("/settings/calendar/{day}/delete")
@admin_only
async def delete_day(request: web.Request) -> web.StreamResponse:
    """Remove a calendar day (the weekly schedule applies again)."""
    try:
        day = date.fromisoformat(request.match_info["day"])
    except ValueError:
        raise NotFound("calendar.bad_day") from None
    db = request[DB]
    row = await db.get(CalendarDay, day)
    if row is not None:
        await db.delete(row)
        audit(request, "calendar.delete", "calendar_day", day.isoformat())
        await db.commit()
    raise redirect(f"{PREFIX}/settings")


# --- staff -------------------------------------------------------------------------------


@routes.get("/staff")
@admin_only
async def staff_list(request: web.Request) -> web.Response:
    """Staff logins with their lock state, and the form for a new one."""
    db = request[DB]
    rows = (
        await db.execute(
            select(StaffAccount, User)
            .outerjoin(User, User.id == StaffAccount.user_id)
            .order_by(StaffAccount.login)
        )
    ).all()
    people = list(
        await db.scalars(
            select(User).where(User.role.in_([Role.MANAGER, Role.ADMIN])).order_by(User.full_name)
        )
    )
    locks = await throttle.account_locks(db)
    return await render(
        request,
        "system/staff.html",
        {"rows": rows, "people": people, "now": utcnow(), "locks": locks},
    )


@routes.post("/staff")
@admin_only
async def staff_create(request: web.Request) -> web.StreamResponse:
    """A new admin or manager login, optionally bound to a person known in Telegram."""
    data = await form(request)
    db = request[DB]
    role = field(data, "role") or Role.MANAGER
    user_id = int_field(data, "user_id")
    user = None
    if user_id is not None:
        user = await db.get(User, user_id)
        if user is None:
            raise InvalidInput("staff.user_not_found")
    account = await create_staff_account(
        db, login=field(data, "login"), password=data.get("password", "") or "", role=role
    )
    if user is not None:
        account.user_id = user.id
    elif role == Role.MANAGER and field(data, "full_name"):
        person = User(telegram_id=None, role=Role.MANAGER, full_name=field(data, "full_name")[:255])
        db.add(person)
        await db.flush()
        account.user_id = person.id
    await db.flush()
    audit(request, "staff.create", "staff", account.id, login=account.login, role=role)
    await db.commit()
    await flash(request, f"Логин «{account.login}» создан.")
    raise redirect(f"{PREFIX}/staff")


async def _staff(request: web.Request) -> StaffAccount:
    account = await request[DB].get(StaffAccount, int(request.match_info["staff_id"]))
    if account is None:
        raise NotFound("staff.not_found")
    return account


@routes.post("/staff/{staff_id:\\d+}/unlock")
@admin_only
async def staff_unlock(request: web.Request) -> web.StreamResponse:
    """Lift a lockout."""
    account = await _staff(request)
    account.locked_until = None
    account.failed_logins = 0
    await throttle.clear_account(request[DB], account.login)
    audit(request, "staff.unlock", "staff", account.id, login=account.login)
    await request[DB].commit()
    await flash(request, f"Логин «{account.login}» разблокирован.")
    raise redirect(f"{PREFIX}/staff")


@routes.post("/staff/{staff_id:\\d+}/toggle")
@admin_only
async def staff_toggle(request: web.Request) -> web.StreamResponse:
    """Disable a login (its sessions end at once) or enable it again."""
    account = await _staff(request)
    if account.id == request[STAFF].id:
        raise InvalidInput("staff.cannot_disable_self")
    account.is_active = not account.is_active
    audit(request, "staff.toggle", "staff", account.id, active=account.is_active)
    await request[DB].commit()
    raise redirect(f"{PREFIX}/staff")


# --- API tokens -----------------------------------------------------------------------------


@routes.get("/api-tokens")
@admin_only
async def tokens(request: web.Request) -> web.Response:
    """API tokens (only their prefixes are known after creation)."""
    return await render(request, "system/tokens.html", await _tokens_page(request[DB], None))


@routes.post("/api-tokens")
@admin_only
async def token_create(request: web.Request) -> web.Response:
    """Create a token and show it once."""
    data = await form(request)
    db = request[DB]
    owner = field(data, "manager_id")
    if owner and not owner.isdigit():
        raise InvalidInput("api_token.owner_invalid")
    row, token = await create_api_token(
        db,
        field(data, "name"),
        created_by_id=request[STAFF].id,
        manager_id=int(owner) if owner else None,
    )
    audit(
        request,
        "api_token.create",
        "api_token",
        row.id,
        name=row.name,
        prefix=row.prefix,
        role=row.role,
        manager_id=row.user_id,
    )
    await db.commit()
    return await render(request, "system/tokens.html", await _tokens_page(db, token))


async def _tokens_page(db: AsyncSession, new_token: str | None) -> dict[str, Any]:
    """The tokens, the managers a token may belong to, and whose each token is."""
    rows = list(await db.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
    managers = list(
        await db.scalars(
            select(User)
            .where(User.role == Role.MANAGER, User.revoked_at.is_(None))
            .order_by(User.full_name, User.id)
        )
    )
    ids = {t.user_id for t in rows if t.user_id is not None}
    people = {u.id: u for u in await db.scalars(select(User).where(User.id.in_(ids)))}
    owners = {
        t.id: (
            "администратор (все дилеры)"
            if t.role == Role.ADMIN
            else "менеджер " + (people[t.user_id].full_name if t.user_id in people else "—")
        )
        for t in rows
    }
    return {"tokens": rows, "new_token": new_token, "managers": managers, "owners": owners}


@routes.post("/api-tokens/{token_id:\\d+}/revoke")
@admin_only
async def token_revoke(request: web.Request) -> web.StreamResponse:
    """Revoke a token: calls with it are refused from now on."""
    row = await request[DB].get(ApiToken, int(request.match_info["token_id"]))
    if row is None:
        raise NotFound("api_token.not_found")
    row.revoked_at = row.revoked_at or utcnow()
    audit(request, "api_token.revoke", "api_token", row.id, name=row.name)
    await request[DB].commit()
    await flash(request, f"Токен «{row.name}» отозван.")
    raise redirect(f"{PREFIX}/api-tokens")


# --- audit log ------------------------------------------------------------------------------


@routes.get("/audit")
@admin_only
async def audit_log(request: web.Request) -> web.Response:
    """Every change made through the admin, newest first."""
    db = request[DB]
    query = select(AuditEntry)
    if action := request.query.get("action", "").strip():
        query = query.where(AuditEntry.action.like(f"{action}%"))
    if login := request.query.get("login", "").strip():
        query = query.where(AuditEntry.staff_login == login.lower())
    page = max(query_int(request, "page") or 0, 0)
    total = await db.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        await db.scalars(query.order_by(AuditEntry.id.desc()).offset(page * 100).limit(100))
    )
    context = {
        "entries": rows,
        "total": total,
        "page": page,
        "pages": max((total or 0) - 1, 0) // 100 + 1,
        "actions": ACTIONS,
        "objects": OBJECTS,
    }
    return await render(request, "system/audit.html", context)
