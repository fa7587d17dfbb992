"""/admin/sandbox: play any person of the bot in the browser (a chat view over JSON).

The bot behind it is the real one (bot.sandbox, wired by the composition root into SANDBOX);
this module only checks who may play whom (core.access's scope), passes the person's actions
on and returns the chat as JSON. Managers play their dealers' people and themselves, admins
anyone; "Сбросить песочницу" (admins) removes what the sandbox made (core.sandbox.reset).
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import or_, select

from admin.web import DB, PREFIX, STAFF, admin_only, audit, field, flash, form, redirect, render
from core import sandbox
from core.access.scope import scope_for
from core.models import Dealer, Role, SandboxFile, SandboxMessage, StaffAccount, User

routes = web.RouteTableDef()


class SandboxPort(Protocol):
    """What the page needs of the sandbox bot (bot.sandbox.feeder.Sandbox)."""

    async def say(self, chat_id: int, text: str) -> dict[str, Any]: ...
    async def press(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]: ...
    async def upload(self, chat_id: int, name: str, content: bytes) -> dict[str, Any]: ...
    async def inline(self, chat_id: int, query: str) -> list[Any]: ...
    async def deliver(self) -> int: ...


SANDBOX = web.AppKey("sandbox", SandboxPort)


def _port(request: web.Request) -> SandboxPort:
    port = request.config_dict.get(SANDBOX)
    if port is None:
        raise web.HTTPServiceUnavailable(text="песочница не подключена")
    return port


def _people_query(staff: StaffAccount) -> Any:
    query = select(User).where(sandbox.real_people(), User.sandbox_of_id.is_(None))
    scope = scope_for(staff.role, staff.user_id)
    if scope is not None:  # a manager: their dealers' people, and themselves
        dealers = select(Dealer.id).where(scope)
        query = query.where(or_(User.dealer_id.in_(dealers), User.id == staff.user_id))
    return query


async def _may_play(request: web.Request, chat_id: int) -> None:
    """404 unless the chat is a sandbox chat of a person in the login's scope (or a stranger)."""
    if not sandbox.is_sandbox_chat(chat_id):
        raise web.HTTPNotFound(text="нет такого чата песочницы")
    db, staff = request[DB], request[STAFF]
    person = await db.scalar(select(User).where(User.telegram_id == chat_id))
    if person is None or staff.role == Role.ADMIN:
        return
    original = person.sandbox_of_id or person.id
    allowed = await db.scalar(_people_query(staff).where(User.id == original))
    if allowed is None:
        raise web.HTTPNotFound(text="нет такого чата песочницы")


def _chat_id(request: web.Request) -> int:
    value = request.query.get("c", "")
    if not value.isdigit() or len(value) > 19:
        raise web.HTTPNotFound(text="нет такого чата песочницы")
    return int(value)


@routes.get("/sandbox")
async def sandbox_page(request: web.Request) -> web.Response:
    """The person picker and the chat views (two for the split view)."""
    q = request.query.get("q", "").strip()
    query = _people_query(request[STAFF]).order_by(User.role, User.dealer_id, User.id).limit(200)
    if q:
        query = query.where(User.full_name.ilike(f"%{q}%"))
    people = list(await request[DB].scalars(query))
    dealers = {d.id: d.name for d in await request[DB].scalars(select(Dealer))}
    return await render(
        request,
        "sandbox.html",
        {
            "people": people,
            "dealers": dealers,
            "q": q,
            "as_": request.query.get("as", ""),
            "with_": request.query.get("with", ""),
        },
    )


@routes.post("/sandbox/open")
async def open_chat(request: web.Request) -> web.Response:
    """The sandbox chat of a person (`user_id`) or of a new stranger (`stranger`)."""
    data = await form(request)
    db = request[DB]
    if field(data, "stranger"):
        return web.json_response({"chat_id": await sandbox.stranger_id(db), "name": "Незнакомец"})
    try:
        user_id = int(field(data, "user_id"))
    except ValueError:
        raise web.HTTPBadRequest(text="не указан человек") from None
    person = await db.scalar(_people_query(request[STAFF]).where(User.id == user_id))
    if person is None:
        raise web.HTTPNotFound(text="нет такого человека")
    stand_in = await sandbox.stand_in(db, person.id)
    await db.commit()
    return web.json_response({"chat_id": stand_in.telegram_id, "name": person.full_name})


@routes.get("/sandbox/chat")
async def chat_json(request: web.Request) -> web.Response:
    """The chat's messages (after delivering what waits for the sandbox's chats)."""
    chat_id = _chat_id(request)
    await _may_play(request, chat_id)
    await _port(request).deliver()
    db = request[DB]
    rows = await db.scalars(
        select(SandboxMessage)
        .where(SandboxMessage.chat_id == chat_id)
        .order_by(SandboxMessage.id.desc())
        .limit(200)
    )
    messages = [
        {
            "id": r.id,
            "message_id": r.message_id,
            "from_bot": r.from_bot,
            "kind": r.kind,
            "text": r.text,
            "markup": r.markup,
            "file_id": r.file_id,
            "file_name": r.file_name,
            "deleted": r.deleted,
        }
        for r in reversed(list(rows))
    ]
    return web.json_response({"chat_id": chat_id, "messages": messages})


@routes.post("/sandbox/chat/say")
async def say(request: web.Request) -> web.Response:
    """The person types a message."""
    chat_id = _chat_id(request)
    await _may_play(request, chat_id)
    text = field(await form(request), "text").strip()
    if not text:
        raise web.HTTPBadRequest(text="пустое сообщение")
    done = await _port(request).say(chat_id, text[:4096])
    return web.json_response({"toasts": done["toasts"]})


@routes.post("/sandbox/chat/press")
async def press(request: web.Request) -> web.Response:
    """The person taps an inline button."""
    chat_id = _chat_id(request)
    await _may_play(request, chat_id)
    data = await form(request)
    try:
        done = await _port(request).press(
            chat_id, int(field(data, "message_id")), field(data, "data")[:64]
        )
    except (LookupError, ValueError):
        raise web.HTTPBadRequest(text="нет такого сообщения") from None
    return web.json_response({"toasts": done["toasts"]})


@routes.post("/sandbox/chat/upload")
async def upload(request: web.Request) -> web.Response:
    """The person sends a file (an Excel cart, say)."""
    chat_id = _chat_id(request)
    await _may_play(request, chat_id)
    upload = (await form(request)).get("file")
    if not isinstance(upload, web.FileField):
        raise web.HTTPBadRequest(text="файл не выбран")
    done = await _port(request).upload(chat_id, upload.filename or "file", upload.file.read())
    return web.json_response({"toasts": done["toasts"]})


@routes.post("/sandbox/chat/inline")
async def inline(request: web.Request) -> web.Response:
    """The person types into the inline-mode box: the bot's results."""
    chat_id = _chat_id(request)
    await _may_play(request, chat_id)
    results = await _port(request).inline(chat_id, field(await form(request), "query")[:256])
    return web.json_response({"results": results})


@routes.get("/sandbox/file")
async def download(request: web.Request) -> web.Response:
    """A file of the sandbox (one the bot sent or one uploaded)."""
    row = await request[DB].scalar(
        select(SandboxFile).where(SandboxFile.file_id == request.query.get("id", ""))
    )
    if row is None:
        raise web.HTTPNotFound(text="нет такого файла")
    disposition = f"attachment; filename*=UTF-8''{_quote(row.name)}"
    return web.Response(
        body=row.content,
        content_type="application/octet-stream",
        headers={"Content-Disposition": disposition},
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@routes.post("/sandbox/reset")
@admin_only
async def reset(request: web.Request) -> web.StreamResponse:
    """Remove everything the sandbox made (audited)."""
    await form(request)
    counts = await sandbox.reset(request[DB])
    audit(request, "sandbox.reset", "sandbox", "", **counts)
    await request[DB].commit()
    await flash(
        request, f"Песочница сброшена: заказов {counts['orders']}, людей {counts['people']}."
    )
    raise redirect(f"{PREFIX}/sandbox")
