"""Pause / resume a dealer and revoke / restore one of its people (admin only, audited).

The rules are core.access.lifecycle's; these handlers parse the form, call it and go back to
the dealer card, whose "Доступ" section (dealers/access.html) shows the state and the audit.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.web import (
    DB,
    PREFIX,
    STAFF,
    admin_only,
    client_address,
    field,
    flash,
    form,
    redirect,
)
from core.access.lifecycle import (
    Actor,
    dealer_audit,
    pause_dealer,
    person_by_id,
    restore_person,
    resume_dealer,
    revoke_person,
)
from core.models import Dealer, User

routes = web.RouteTableDef()
ACTION_LABELS = {
    "dealer.pause": "Дилер приостановлен",
    "dealer.resume": "Дилер возобновлён",
    "user.revoke": "Доступ закрыт",
    "user.restore": "Доступ восстановлен",
    "user.manager_group": "Группа менеджера",
    "dealer.update": "Карточка изменена",
    "dealer.create": "Дилер создан",
}


def _actor(request: web.Request) -> Actor:
    staff = request[STAFF]
    return Actor(login=staff.login, staff_id=staff.id, remote_addr=client_address(request))


def _dealer_id(request: web.Request) -> int:
    return int(request.match_info["dealer_id"])


async def access_context(
    request: web.Request, dealer: Dealer, people: list[User]
) -> dict[str, Any]:
    """What the card's access section shows: the audit of the dealer and its people."""
    return {
        "access_audit": await dealer_audit(request[DB], dealer.id),
        "access_labels": ACTION_LABELS,
        "access_people": {p.id: p for p in people},
    }


@routes.post("/dealers/{dealer_id:\\d+}/pause")
@admin_only
async def pause(request: web.Request) -> web.StreamResponse:
    """Pause the dealer with a reason its people will read."""
    data = await form(request)
    dealer = await pause_dealer(
        request[DB], _dealer_id(request), _actor(request), reason=field(data, "reason")
    )
    await request[DB].commit()
    await flash(request, f"Дилер «{dealer.name}» приостановлен: цены и заказы в боте закрыты.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.post("/dealers/{dealer_id:\\d+}/resume")
@admin_only
async def resume(request: web.Request) -> web.StreamResponse:
    """Let the dealer's people back."""
    data = await form(request)
    dealer = await resume_dealer(
        request[DB], _dealer_id(request), _actor(request), reason=field(data, "reason")
    )
    await request[DB].commit()
    await flash(request, f"Дилер «{dealer.name}» снова работает.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.post("/dealers/{dealer_id:\\d+}/people/{user_id:\\d+}/revoke")
@admin_only
async def revoke(request: web.Request) -> web.StreamResponse:
    """Cut one person of the dealer off at once."""
    data = await form(request)
    db, dealer_id = request[DB], _dealer_id(request)
    person = await person_by_id(db, int(request.match_info["user_id"]), dealer_id)
    await revoke_person(db, person, _actor(request), reason=field(data, "reason"))
    await db.commit()
    await flash(request, f"Доступ «{person.full_name}» закрыт.")
    raise redirect(f"{PREFIX}/dealers/{dealer_id}")


@routes.post("/dealers/{dealer_id:\\d+}/people/{user_id:\\d+}/restore")
@admin_only
async def restore(request: web.Request) -> web.StreamResponse:
    """Re-admit a revoked person (the only way back)."""
    data = await form(request)
    db, dealer_id = request[DB], _dealer_id(request)
    person = await person_by_id(db, int(request.match_info["user_id"]), dealer_id)
    await restore_person(db, person, _actor(request), reason=field(data, "reason"))
    await db.commit()
    await flash(request, f"Доступ «{person.full_name}» восстановлен.")
    raise redirect(f"{PREFIX}/dealers/{dealer_id}")
