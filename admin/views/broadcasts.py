"""Broadcasts: compose, preview, audience and its size, test send to yourself, send now or
schedule, live progress, cancel, the report with CSV export. Admins only; every action is in
the audit log. The work is core.broadcasts'; the Telegram sender delivers the rows."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import select

from admin.keys import SETTINGS
from admin.messages import error_text
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
    paged,
    query_int,
    redirect,
    render,
)
from core.broadcasts import audience as aud
from core.broadcasts import photos, service
from core.broadcasts.content import Content, check, preview_html
from core.broadcasts.markup import to_markup, to_telegram_html
from core.display import LABELS
from core.errors import InvalidInput
from core.models import Broadcast, Dealer, PilotWave, Role, User, utcnow

routes = web.RouteTableDef()
KIND_LABELS = {
    "all": "Все дилеры",
    "waves": "Волны",
    "dealers": "Выбранные дилеры",
    "managers": "По менеджеру",
    "regions": "По региону",
    "tags": "По тегу",
    "active": "Активные за N дней",
    "inactive": "Неактивные за N дней",
}
STATE_LABELS: dict[str, str] = LABELS["broadcast_state"]
PAGE = 200


def _lines(value: str) -> list[str]:
    return [v.strip() for v in value.replace(",", "\n").splitlines() if v.strip()]


def _audience_from(data: Mapping[str, Any]) -> dict[str, Any]:
    kind = field(data, "kind") or "all"
    ids: list[str] = []
    if kind in ("waves", "managers", "dealers"):
        getall = getattr(data, "getall", None)
        chosen = getall(f"{kind}_ids", []) if getall else []
        ids = [str(v) for v in chosen] + _lines(field(data, f"{kind}_extra"))
    values = _lines(field(data, "values")) if kind in ("regions", "tags") else []
    return {"kind": kind, "ids": ids, "values": values, "days": field(data, "days") or "30"}


def _content_from(data: Mapping[str, Any]) -> Content:
    """The posted form's content; its text is the simple markup, stored as Telegram HTML."""
    return Content(
        text=to_telegram_html(str(data.get("text") or "").replace("\r\n", "\n")),
        photo=field(data, "photo") or None,
        button_text=field(data, "button_text") or None,
        button_url=field(data, "button_url") or None,
    )


async def _choices(request: web.Request) -> dict[str, Any]:
    db = request[DB]
    waves = (await db.execute(select(PilotWave.id, PilotWave.name).order_by(PilotWave.id))).all()
    managers = (
        await db.execute(
            select(User.id, User.full_name)
            .where(User.role.in_([Role.MANAGER, Role.ADMIN]), User.is_active.is_(True))
            .order_by(User.full_name)
        )
    ).all()
    dealers = (
        await db.execute(select(Dealer.id, Dealer.name).order_by(Dealer.name).limit(2000))
    ).all()
    # The smaller of Telegram's limit for a photo and the admin's for a request.
    photo_max = min(photos.MAX_BYTES, request.app[SETTINGS].max_upload_bytes) / (1024 * 1024)
    return {
        "waves": waves,
        "managers": managers,
        "dealers": dealers,
        "bot_off": request.app[SETTINGS].bot_token is None,
        "kinds": KIND_LABELS,
        "photo_max_mb": f"{photo_max:g}",
    }


async def _get(request: web.Request) -> Broadcast:
    try:
        broadcast_id = int(request.match_info["id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    return await service.get(request[DB], broadcast_id)


def _own_chat(staff: Any, user_chat: int | None) -> int | None:
    return staff.telegram_id or user_chat


async def _staff_chat(request: web.Request) -> int | None:
    staff = request[STAFF]
    linked = None
    if staff.user_id is not None:
        linked = await request[DB].scalar(select(User.telegram_id).where(User.id == staff.user_id))
    return _own_chat(staff, linked)


@routes.get("/broadcasts")
@admin_only
async def index(request: web.Request) -> web.Response:
    rows, pager = await paged(request, select(Broadcast).order_by(Broadcast.id.desc()))
    context = {"items": [row[0] for row in rows], "states": STATE_LABELS, **pager}
    return await render(request, "broadcasts/index.html", context)


@routes.get("/broadcasts/new")
@admin_only
async def new(request: web.Request) -> web.Response:
    context = {
        "item": None,
        "markup": "",
        "rule": {"kind": "all", "ids": [], "values": [], "days": 30},
    }
    return await render(request, "broadcasts/compose.html", {**context, **await _choices(request)})


@routes.post("/broadcasts")
@admin_only
async def create(request: web.Request) -> web.Response:
    item = await _save(request, None, "broadcast.create")
    await request[DB].commit()
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


async def _save(request: web.Request, item: Broadcast | None, action: str) -> Broadcast:
    """Create or change a draft from the posted form (an uploaded photo included); audited."""
    data = await form(request)
    saved = await service.save_draft(
        request[DB],
        item,
        title=field(data, "title"),
        content=_content_from(data),
        audience=_audience_from(data),
        staff_id=request[STAFF].id,
        upload=_upload_from(data),
        remove_upload=field(data, "photo_remove") == "1",
    )
    audit(
        request,
        action,
        "broadcast",
        saved.id,
        title=saved.title,
        audience=saved.audience,
        photo_file=saved.photo_file_name,
    )
    return saved


def _upload_from(data: Mapping[str, Any]) -> tuple[bytes, str] | None:
    """The photo file posted with the form: (bytes, file name), or None if none was chosen."""
    value = data.get("photo_file")
    if not isinstance(value, web.FileField):
        return None
    content = value.file.read()
    if not content and not value.filename:
        return None  # the file input was left empty
    # Browsers and clients percent-encode some characters of the name (quotes, line breaks;
    # aiohttp's client everything outside ASCII); control characters are dropped.
    name = unquote(value.filename or "")
    return content, "".join(ch for ch in name if unicodedata.category(ch) != "Cc")


@routes.post("/broadcasts/preview")
@admin_only
async def preview(request: web.Request) -> web.Response:
    """The compose form's live preview: the markup as the dealer will see it, or what is wrong."""
    content = _content_from(await form(request))
    if not content.text.strip():
        return web.json_response({"html": "", "error": ""})
    try:
        check(Content(text=content.text))
    except InvalidInput as error:
        return web.json_response({"html": preview_html(content.text), "error": error_text(error)})
    return web.json_response({"html": preview_html(content.text), "error": ""})


@routes.get("/broadcasts/{id}/edit")
@admin_only
async def edit(request: web.Request) -> web.Response:
    item = await _get(request)
    context = {"item": item, "markup": to_markup(item.text), "rule": item.audience}
    return await render(request, "broadcasts/compose.html", {**context, **await _choices(request)})


@routes.post("/broadcasts/{id}")
@admin_only
async def update(request: web.Request) -> web.Response:
    item = await _save(request, await _get(request), "broadcast.update")
    await request[DB].commit()
    await flash(request, "Рассылка сохранена.")
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.get("/broadcasts/{id}/photo")
@admin_only
async def photo(request: web.Request) -> web.Response:
    """The uploaded photo, for the preview."""
    found = await photos.image(request[DB], (await _get(request)).id)
    if found is None:
        raise web.HTTPNotFound()
    content, content_type = found
    return web.Response(
        body=content, content_type=content_type, headers={"Cache-Control": "private, no-cache"}
    )


@routes.get("/broadcasts/{id}")
@admin_only
async def show(request: web.Request) -> web.Response:
    """Preview, audience size, test send, send or schedule, progress, cancel."""
    item = await _get(request)
    db = request[DB]
    rule = aud.Audience.parse(item.audience)
    size = await aud.size(db, rule)
    tally = await service.tally(db, item.id)
    zone = request.app[SETTINGS].zone
    return await render(
        request,
        "broadcasts/show.html",
        {
            "item": item,
            "preview": preview_html(item.text),
            "rule": rule,
            "rule_text": await _rule_text(request, rule),
            "size": size,
            "tally": tally,
            "states": STATE_LABELS,
            "own_chat": await _staff_chat(request),
            "bot_off": request.app[SETTINGS].bot_token is None,
            "now_local": utcnow().astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        },
    )


async def _rule_text(request: web.Request, rule: aud.Audience) -> str:
    db = request[DB]
    label = KIND_LABELS[rule.kind]
    if rule.kind == "waves":
        waves = await db.scalars(select(PilotWave.name).where(PilotWave.id.in_(rule.ids)))
        return f"{label}: {', '.join(waves)}"
    if rule.kind == "managers":
        managers = await db.scalars(select(User.full_name).where(User.id.in_(rule.ids)))
        return f"{label}: {', '.join(managers)}"
    if rule.kind == "dealers":
        names = list(await db.scalars(select(Dealer.name).where(Dealer.id.in_(rule.ids)).limit(20)))
        more = len(rule.ids) - len(names)
        return f"{label}: {', '.join(names)}" + (f" и ещё {more}" if more > 0 else "")
    if rule.kind in ("regions", "tags"):
        return f"{label}: {', '.join(rule.values)}"
    if rule.kind in ("active", "inactive"):
        return label.replace("N", str(rule.days)) + " (заказ через бота)"
    return label


@routes.post("/broadcasts/{id}/test")
@admin_only
async def test_send(request: web.Request) -> web.Response:
    """Queue the message to the admin's own Telegram (the id is remembered on the account)."""
    item = await _get(request)
    data = await form(request)
    staff = request[STAFF]
    chat = int_field(data, "telegram_id") or await _staff_chat(request)
    if chat is None:
        raise InvalidInput("broadcast.no_own_chat")
    if staff.telegram_id != chat:
        staff.telegram_id = chat
    await service.test_send(request[DB], item, chat)
    audit(request, "broadcast.test_send", "broadcast", item.id, chat_id=chat)
    await request[DB].commit()
    await flash(request, f"Тестовое сообщение поставлено в очередь для Telegram id {chat}.")
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.post("/broadcasts/{id}/send")
@admin_only
async def send_now(request: web.Request) -> web.Response:
    """Start now: the recipients' rows are made here; the sender delivers them."""
    item = await _get(request)
    db = request[DB]
    now = utcnow()
    if (await aud.size(db, aud.Audience.parse(item.audience))).recipients == 0:
        raise InvalidInput("broadcast.no_recipients")
    await service.schedule(db, item, now, now)
    audit(request, "broadcast.send", "broadcast", item.id, audience=item.audience)
    await db.commit()
    await service.start(db, item.id, now)
    await flash(request, "Рассылка запущена.")
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.post("/broadcasts/{id}/schedule")
@admin_only
async def schedule(request: web.Request) -> web.Response:
    """Start at a moment given in the configured zone (stored in UTC)."""
    item = await _get(request)
    data = await form(request)
    zone = request.app[SETTINGS].zone
    try:
        at = datetime.fromisoformat(field(data, "at")).replace(tzinfo=zone)
    except ValueError:
        raise InvalidInput("broadcast.bad_time") from None
    await service.schedule(request[DB], item, at)
    audit(request, "broadcast.schedule", "broadcast", item.id, at=at)
    await request[DB].commit()
    await flash(request, "Рассылка запланирована.")
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.post("/broadcasts/{id}/unschedule")
@admin_only
async def unschedule(request: web.Request) -> web.Response:
    item = await _get(request)
    await service.unschedule(request[DB], item)
    audit(request, "broadcast.unschedule", "broadcast", item.id)
    await request[DB].commit()
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.post("/broadcasts/{id}/cancel")
@admin_only
async def cancel(request: web.Request) -> web.Response:
    item = await _get(request)
    skipped = await service.cancel(request[DB], item)
    audit(request, "broadcast.cancel", "broadcast", item.id, skipped=skipped)
    await request[DB].commit()
    await flash(request, f"Рассылка отменена; не отправлено: {skipped}.")
    raise redirect(f"{PREFIX}/broadcasts/{item.id}")


@routes.get("/broadcasts/{id}/progress")
@admin_only
async def progress(request: web.Request) -> web.Response:
    """Live progress for the page's polling: state and counts."""
    item = await _get(request)
    tally = await service.tally(request[DB], item.id)
    return web.json_response(
        {"state": item.state, "state_label": STATE_LABELS[item.state], **tally.as_json()}
    )


@routes.get("/broadcasts/{id}/report")
@admin_only
async def report(request: web.Request) -> web.Response:
    item = await _get(request)
    status = request.query.get("status") or None
    page = max(query_int(request, "page") or 1, 1)
    rows = await service.report(
        request[DB], item.id, status=status, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    tally = await service.tally(request[DB], item.id)
    return await render(
        request,
        "broadcasts/report.html",
        {
            "item": item,
            "rows": rows[:PAGE],
            "more": len(rows) > PAGE,
            "page": page,
            "status": status or "",
            "labels": service.STATUS_LABELS,
            "tally": tally,
        },
    )


@routes.get("/broadcasts/{id}/report.csv")
@admin_only
async def report_csv(request: web.Request) -> web.Response:
    item = await _get(request)
    rows = await service.report(request[DB], item.id)
    body = service.report_csv(rows, request.app[SETTINGS].zone)
    audit(request, "broadcast.export", "broadcast", item.id, rows=len(rows))
    await request[DB].commit()
    return web.Response(
        body=body.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="broadcast-{item.id}.csv"'},
    )
