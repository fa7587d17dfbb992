"""Editing a dealer's people, legal entities, delivery addresses, tags and approval settings.

Each form is its own page; a refused form is shown again with the message and what was typed,
and nothing is saved (the rules are core.dealers.editing's). Every saved change is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from admin.messages import error_text
from admin.views.dealers import ROLE_LABELS, visible_dealer
from admin.web import (
    DB,
    PREFIX,
    STAFF,
    admin_only,
    audit,
    client_address,
    field,
    flash,
    form,
    redirect,
    render,
)
from core.access.lifecycle import Actor, set_person_access
from core.dealers import editing
from core.errors import InvalidInput
from core.models import Dealer

routes = web.RouteTableDef()
D = "/dealers/{dealer_id:\\d+}"


def _id(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


async def _dealer(request: web.Request) -> Dealer:
    return await visible_dealer(request, _id(request, "dealer_id"))


def _back(dealer: Dealer, anchor: str) -> web.HTTPSeeOther:
    return redirect(f"{PREFIX}/dealers/{dealer.id}#{anchor}")


async def _save_or_show(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    save: Callable[[Mapping[str, Any]], Awaitable[str]],
) -> web.StreamResponse:
    """Run `save` on the posted form; on InvalidInput show the form again with the message and
    the values typed (status 400). Nothing is committed then: core.dealers.editing checks all
    input before it changes anything, and the request's session closes without a commit."""
    data = await form(request)
    try:
        message = await save(data)
    except InvalidInput as error:
        values = {k: v for k, v in data.items() if isinstance(v, str) and k != "csrf_token"}
        context = {**context, "error": error_text(error), "values": values}
        return await render(request, template, context, status=400)
    await request[DB].commit()
    await flash(request, message)
    raise _back(context["dealer"], context["anchor"])


# --------------------------------------------------------------------------- people


@routes.get(D + "/people/{user_id:\\d+}/edit")
@admin_only
async def person_page(request: web.Request) -> web.Response:
    """The form of one of the dealer's people."""
    dealer = await _dealer(request)
    person = await editing.person_of(request[DB], dealer, _id(request, "user_id"))
    values = {
        "full_name": person.full_name,
        "phone": person.phone or "",
        "dealer_role": person.dealer_role,
        "is_active": "on" if person.is_active and person.revoked_at is None else "",
    }
    context = {"dealer": dealer, "person": person, "roles": ROLE_LABELS, "values": values}
    return await render(request, "dealers/person_form.html", context)


@routes.post(D + "/people/{user_id:\\d+}/edit")
@admin_only
async def person_save(request: web.Request) -> web.StreamResponse:
    """Save a person: name, phone (+7...), role inside the dealer, active."""
    dealer = await _dealer(request)
    db = request[DB]
    person = await editing.person_of(db, dealer, _id(request, "user_id"))

    async def save(data: Mapping[str, Any]) -> str:
        _, changes = await editing.update_person(
            db,
            dealer,
            person.id,
            full_name=field(data, "full_name"),
            phone=field(data, "phone"),
            dealer_role=field(data, "dealer_role"),
        )
        audit(request, "person.update", "user", person.id, dealer_id=dealer.id, changes=changes)
        staff = request[STAFF]
        actor = Actor(login=staff.login, staff_id=staff.id, remote_addr=client_address(request))
        active = data.get("is_active") == "on"
        if await set_person_access(db, person, active, actor, reason="форма сотрудника"):
            state = "доступ восстановлен" if active else "доступ закрыт"
            return f"Сотрудник «{person.full_name}» сохранён, {state}."
        return f"Сотрудник «{person.full_name}» сохранён."

    context = {"dealer": dealer, "person": person, "roles": ROLE_LABELS, "anchor": "people"}
    return await _save_or_show(request, "dealers/person_form.html", context, save)


# --------------------------------------------------------------------------- legal entities


@routes.get(D + "/legal-entities/new")
@routes.get(D + "/legal-entities/{entity_id:\\d+}/edit")
@admin_only
async def entity_page(request: web.Request) -> web.Response:
    """The form of a new or existing legal entity."""
    dealer = await _dealer(request)
    entity = None
    values = {"name": "", "inn": "", "kpp": "", "approval_threshold": ""}
    if "entity_id" in request.match_info:
        entity = await editing.entity_of(request[DB], dealer, _id(request, "entity_id"))
        values = {
            "name": entity.name,
            "inn": entity.inn,
            "kpp": entity.kpp or "",
            "approval_threshold": editing.threshold_text(entity.approval_threshold),
        }
    context = {"dealer": dealer, "entity": entity, "values": values}
    return await render(request, "dealers/entity_form.html", context)


@routes.post(D + "/legal-entities/new")
@routes.post(D + "/legal-entities/{entity_id:\\d+}/edit")
@admin_only
async def entity_save(request: web.Request) -> web.StreamResponse:
    """Save a legal entity: name, INN (checksum), KPP (9 characters), approval threshold."""
    dealer = await _dealer(request)
    db = request[DB]
    entity_id = _id(request, "entity_id") if "entity_id" in request.match_info else None
    entity = await editing.entity_of(db, dealer, entity_id) if entity_id else None

    async def save(data: Mapping[str, Any]) -> str:
        saved, changes = await editing.save_legal_entity(
            db,
            dealer,
            entity_id,
            name=field(data, "name"),
            inn=field(data, "inn"),
            kpp=field(data, "kpp"),
            approval_threshold=field(data, "approval_threshold"),
        )
        action = "legal_entity.update" if entity_id else "legal_entity.create"
        audit(request, action, "legal_entity", saved.id, dealer_id=dealer.id, changes=changes)
        return f"Юрлицо «{saved.name}» сохранено."

    context = {"dealer": dealer, "entity": entity, "anchor": "entities"}
    return await _save_or_show(request, "dealers/entity_form.html", context, save)


# --------------------------------------------------------------------------- addresses


@routes.get(D + "/addresses/new")
@routes.get(D + "/addresses/{address_id:\\d+}/edit")
@admin_only
async def address_page(request: web.Request) -> web.Response:
    """The form of a new or existing delivery address."""
    dealer = await _dealer(request)
    row = None
    values = {"address": "", "is_default": ""}
    if "address_id" in request.match_info:
        row = await editing.address_of(request[DB], dealer, _id(request, "address_id"))
        values = {"address": row.address, "is_default": "on" if row.is_default else ""}
    context = {"dealer": dealer, "address": row, "values": values}
    return await render(request, "dealers/address_form.html", context)


@routes.post(D + "/addresses/new")
@routes.post(D + "/addresses/{address_id:\\d+}/edit")
@admin_only
async def address_save(request: web.Request) -> web.StreamResponse:
    """Save a delivery address (the default one unmarks the others)."""
    dealer = await _dealer(request)
    db = request[DB]
    address_id = _id(request, "address_id") if "address_id" in request.match_info else None
    row = await editing.address_of(db, dealer, address_id) if address_id else None

    async def save(data: Mapping[str, Any]) -> str:
        saved, changes = await editing.save_address(
            db,
            dealer,
            address_id,
            address=field(data, "address"),
            is_default=data.get("is_default") == "on",
        )
        action = "address.update" if address_id else "address.create"
        audit(request, action, "address", saved.id, dealer_id=dealer.id, changes=changes)
        return "Адрес сохранён."

    context = {"dealer": dealer, "address": row, "anchor": "addresses"}
    return await _save_or_show(request, "dealers/address_form.html", context, save)


@routes.post(D + "/addresses/{address_id:\\d+}/delete")
@admin_only
async def address_delete(request: web.Request) -> web.StreamResponse:
    """Remove a delivery address (orders keep their copy)."""
    dealer = await _dealer(request)
    text = await editing.delete_address(request[DB], dealer, _id(request, "address_id"))
    audit(
        request,
        "address.delete",
        "address",
        request.match_info["address_id"],
        dealer_id=dealer.id,
        address=text,
    )
    await request[DB].commit()
    await flash(request, "Адрес удалён.")
    raise _back(dealer, "addresses")


# --------------------------------------------------------------------------- tags, approval


@routes.get(D + "/roles")
@admin_only
async def roles_page(request: web.Request) -> web.Response:
    """Tags, the approval threshold and the people limit of the dealer."""
    dealer = await _dealer(request)
    values = {
        "tags": "\n".join(sorted(k for k, v in (dealer.tags or {}).items() if v)),
        "approval_threshold": editing.threshold_text(dealer.approval_threshold),
        "max_people": str(dealer.max_people),
    }
    return await render(request, "dealers/roles_form.html", {"dealer": dealer, "values": values})


@routes.post(D + "/roles")
@admin_only
async def roles_save(request: web.Request) -> web.StreamResponse:
    """Save the tags (for the broadcasts' tag segment), threshold and people limit."""
    dealer = await _dealer(request)

    async def save(data: Mapping[str, Any]) -> str:
        changes = editing.set_dealer_settings(
            dealer,
            tags=field(data, "tags"),
            threshold=field(data, "approval_threshold"),
            max_people=field(data, "max_people"),
        )
        audit(request, "dealer.roles", "dealer", dealer.id, changes=changes)
        return "Теги и согласование сохранены."

    context = {"dealer": dealer, "anchor": "roles"}
    return await _save_or_show(request, "dealers/roles_form.html", context, save)
