"""CRM sync in the admin: the pause and the last errors (paged), "Отправить ещё раз" for a
dealer or an order, and the badge the dealer and order pages show."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from admin.web import DB, PREFIX, admin_only, audit, flash, paged, redirect, render
from core import crm_sync
from core.models import CrmError, Dealer, Order
from core.settings import Settings

routes = web.RouteTableDef()


async def crm_badge(request: web.Request, entity: str, local_id: int) -> dict[str, Any]:
    """What the dealer / order page shows of its CRM sync (state, CRM id, last error)."""
    settings = _settings(request)
    db = request[DB]
    link = await crm_sync.link(db, entity, local_id)
    paused = await crm_sync.pause(db)
    return {
        "configured": settings.bitrix24_webhook_url is not None,
        "entity": entity,
        "id": local_id,
        "state": "paused"
        if paused and (link is None or link.state != "synced")
        else (link.state if link else "pending"),
        "crm_id": link.crm_id if link else None,
        "error": link.last_error if link else "",
        "synced_at": link.synced_at if link else None,
    }


def _settings(request: web.Request) -> Settings:
    from admin.keys import SETTINGS

    return request.app[SETTINGS]


@routes.get("/crm")
@admin_only
async def crm_page(request: web.Request) -> web.Response:
    """The sync's state and the last errors, newest first."""
    rows, pager = await paged(request, select(CrmError).order_by(CrmError.id.desc()))
    context = {
        "errors": [row[0] for row in rows],
        "paused": await crm_sync.pause(request[DB]),
        "configured": _settings(request).bitrix24_webhook_url is not None,
        **pager,
    }
    return await render(request, "crm/errors.html", context)


@routes.post("/crm/resume")
@admin_only
async def crm_resume(request: web.Request) -> web.StreamResponse:
    """The admin fixed the webhook: the paused rows go out again."""
    db = request[DB]
    if await crm_sync.resume(db):
        audit(request, "crm.resume", "crm", 0)
        await db.commit()
        await flash(request, "Синхронизация с CRM возобновлена.")
    raise redirect(f"{PREFIX}/crm")


@routes.post("/crm/resend/{entity:(dealer|order)}/{local_id:\\d+}")
@admin_only
async def crm_resend(request: web.Request) -> web.StreamResponse:
    """ "Отправить ещё раз": a new CRM row for this dealer or order."""
    db = request[DB]
    entity = request.match_info["entity"]
    local_id = int(request.match_info["local_id"])
    if await db.get(Dealer if entity == "dealer" else Order, local_id) is None:
        raise web.HTTPNotFound()
    await crm_sync.resend(db, entity, local_id)
    audit(request, "crm.resend", entity, local_id)
    await db.commit()
    await flash(request, "Поставлено в очередь отправки в CRM.")
    raise redirect(f"{PREFIX}/{entity}s/{local_id}")
