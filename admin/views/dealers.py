"""Dealers: list with filters, card, create and edit, legal entities, addresses, import."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import exists, func, select
from sqlalchemy.sql import Select

from admin.accounts import dealer_scope
from admin.queries import dealer_text_match
from admin.views.access import access_context
from admin.views.contacts import contacts_context
from admin.views.crm import crm_badge
from admin.views.orders import ORDER_STATUSES, SYNC_STATES
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
    query_int,
    redirect,
    render,
)
from core.dealers import features
from core.dealers.editing import save_address, save_legal_entity
from core.dealers.importing import TEMPLATE_HEADERS, import_dealers, parse_dealer_file
from core.dealers.service import check_inn, create_dealer
from core.display import LABELS
from core.errors import InvalidInput, NotFound
from core.models import (
    Dealer,
    DealerStatus,
    DeliveryAddress,
    Invitation,
    LegalEntity,
    Order,
    PilotWave,
    PriceType,
    Role,
    User,
    utcnow,
)

routes = web.RouteTableDef()
PAGE_SIZE = 50
ACTIVE_DAYS = 30
FEATURES = {  # labels of core.dealers.features' switches
    features.CLAIMS: "Рекламации в боте",
    features.CART_IMPORT: "Загрузка корзины из файла",
    features.REORDER: "Повтор заказа",
    features.AFTER_HOURS_ORDERS: "Заказы в нерабочее время",
}
STATUS_LABELS: dict[str, str] = LABELS["dealer_status"]
ROLE_LABELS: dict[str, str] = LABELS["dealer_role"]  # core.dealers.roles.DealerRole
ACTIVITY = {
    "recent": f"заказывал за {ACTIVE_DAYS} дней",
    "idle": f"не заказывал {ACTIVE_DAYS} дней",
    "never": "ни одного заказа",
}


async def visible_dealer(request: web.Request, dealer_id: int) -> Dealer:
    """A dealer the staff login may see, or NotFound (another manager's looks missing)."""
    query = select(Dealer).where(Dealer.id == dealer_id)
    scope = dealer_scope(request[STAFF])
    if scope is not None:
        query = query.where(scope)
    dealer = await request[DB].scalar(query)
    if dealer is None:
        raise NotFound("dealer.not_found", dealer_id=dealer_id)
    return dealer


async def choices(request: web.Request) -> dict[str, Any]:
    """Options of the dealer form and filters."""
    db = request[DB]
    return {
        "waves": list(await db.scalars(select(PilotWave).order_by(PilotWave.id))),
        "managers": list(
            await db.scalars(
                select(User)
                .where(User.role.in_([Role.MANAGER, Role.ADMIN]), User.is_active.is_(True))
                .order_by(User.full_name)
            )
        ),
        "price_types": list(await db.scalars(select(PriceType).order_by(PriceType.name))),
        "regions": [
            r
            for r in await db.scalars(select(Dealer.region).distinct().order_by(Dealer.region))
            if r
        ],
        "statuses": STATUS_LABELS,
        "activity": ACTIVITY,
        "features": FEATURES,
    }


def filtered(request: web.Request) -> Select[Any]:
    """The dealers query with the list's filters and the staff login's scope."""
    query = select(Dealer)
    scope = dealer_scope(request[STAFF])
    if scope is not None:
        query = query.where(scope)
    q = request.query.get("q", "").strip()
    if q:
        query = query.where(dealer_text_match(q))
    wave = request.query.get("wave", "")
    if wave == "none":
        query = query.where(Dealer.wave_id.is_(None))
    elif (wave_id := query_int(request, "wave")) is not None:
        query = query.where(Dealer.wave_id == wave_id)
    if (manager_id := query_int(request, "manager")) is not None:
        query = query.where(Dealer.manager_id == manager_id)
    if region := request.query.get("region", "").strip():
        query = query.where(Dealer.region == region)
    if (status := request.query.get("status", "")) in STATUS_LABELS:
        query = query.where(Dealer.status == status)
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    recent = exists().where(Order.dealer_id == Dealer.id, Order.placed_at >= since)
    activity = request.query.get("activity", "")
    if activity == "recent":
        query = query.where(recent)
    elif activity == "idle":
        query = query.where(~recent)
    elif activity == "never":
        query = query.where(~exists().where(Order.dealer_id == Dealer.id))
    return query


@routes.get("/dealers")
async def dealer_list(request: web.Request) -> web.Response:
    """Dealers with search and filters."""
    db = request[DB]
    page = max(query_int(request, "page") or 0, 0)
    query = filtered(request)
    total = await db.scalar(select(func.count()).select_from(query.subquery()))
    dealers = list(
        await db.scalars(
            query.order_by(Dealer.name, Dealer.id).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
        )
    )
    ids = [d.id for d in dealers]
    last_orders = dict(
        (
            await db.execute(
                select(Order.dealer_id, func.max(Order.placed_at))
                .where(Order.dealer_id.in_(ids))
                .group_by(Order.dealer_id)
            )
        ).all()
    )
    context = {
        "dealers": dealers,
        "total": total,
        "page": page,
        "pages": max((total or 0) - 1, 0) // PAGE_SIZE + 1,
        "last_orders": last_orders,
        **await choices(request),
    }
    context["wave_names"] = {w.id: w.name for w in context["waves"]}
    context["manager_names"] = {u.id: u.full_name for u in context["managers"]}
    return await render(request, "dealers/list.html", context)


@routes.get("/dealers/new")
@admin_only
async def dealer_new(request: web.Request) -> web.Response:
    """The empty dealer form."""
    return await render(request, "dealers/form.html", {"dealer": None, **await choices(request)})


async def _apply_form(request: web.Request, dealer: Dealer, data: Any) -> None:
    """Validate and copy the form onto the dealer (InvalidInput on bad input)."""
    db = request[DB]
    for name, limit in (("city", 100), ("region", 100)):
        value = field(data, name)
        if len(value) > limit:
            raise InvalidInput("dealer.field_too_long", field=name, limit=limit)
        setattr(dealer, name, value)
    price_type_id = int_field(data, "price_type_id")
    if price_type_id is not None and await db.get(PriceType, price_type_id) is None:
        raise InvalidInput("dealer.unknown_price_type", name=price_type_id)
    dealer.price_type_id = price_type_id
    manager_id = int_field(data, "manager_id")
    if manager_id is not None:
        manager = await db.get(User, manager_id)
        if manager is None or manager.role not in (Role.MANAGER, Role.ADMIN):
            raise InvalidInput("dealer.bad_manager")
    dealer.manager_id = manager_id
    wave_id = int_field(data, "wave_id")
    if wave_id is not None and await db.get(PilotWave, wave_id) is None:
        raise InvalidInput("dealer.bad_wave")
    dealer.wave_id = wave_id
    status = field(data, "status") or DealerStatus.PROSPECT
    if status not in STATUS_LABELS:
        raise InvalidInput("dealer.bad_status", status=status)
    dealer.status = status


@routes.post("/dealers/new")
@admin_only
async def dealer_create(request: web.Request) -> web.StreamResponse:
    """Create a dealer (with a legal entity of the same name and INN)."""
    data = await form(request)
    db = request[DB]
    name = field(data, "name")
    if len(name) > 255:
        raise InvalidInput("dealer.field_too_long", field="name", limit=255)
    dealer = await create_dealer(db, name=name, inn=field(data, "inn"))
    await _apply_form(request, dealer, data)
    await db.flush()
    audit(request, "dealer.create", "dealer", dealer.id, name=dealer.name, inn=dealer.inn)
    await db.commit()
    await flash(request, f"Дилер «{dealer.name}» создан.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.get("/dealers/import")
@admin_only
async def import_page(request: web.Request) -> web.Response:
    """The import form and the columns it understands."""
    return await render(request, "dealers/import.html", {"report": None})


@routes.get("/dealers/import/template.xlsx")
@admin_only
async def import_template(request: web.Request) -> web.Response:
    """An XLSX to fill in: the header row, two example rows, and the allowed values."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    db = request[DB]
    price_types = list(await db.scalars(select(PriceType.name).order_by(PriceType.name)))
    waves = list(await db.scalars(select(PilotWave.name).order_by(PilotWave.id)))
    book = Workbook()
    sheet = book.active
    sheet.title = "Дилеры"
    sheet.append(list(TEMPLATE_HEADERS))
    example_price = price_types[0] if price_types else ""
    example_wave = waves[0] if waves else ""
    sheet.append(
        [
            "ООО «Автозапчасти»",
            "6901000007",
            "Тверь",
            "Тверская область",
            example_price,
            example_wave,
            "кандидат",
            "ООО «Автозапчасти»",
            "6901000007",
            "695001001",
        ]
    )
    sheet.append(
        [
            "",
            "6901000007",
            "",
            "",
            "",
            "",
            "",
            "ООО «Автозапчасти Север»",
            "6901000014",
            "690101001",
        ]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJ", (34, 14, 16, 22, 14, 18, 14, 30, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    help_sheet = book.create_sheet("Справочник")
    help_sheet.append(["Статус", "Тип цен", "Волна"])
    statuses = list(STATUS_LABELS.values())
    for n in range(max(len(statuses), len(price_types), len(waves))):
        help_sheet.append(
            [
                statuses[n] if n < len(statuses) else "",
                price_types[n] if n < len(price_types) else "",
                waves[n] if n < len(waves) else "",
            ]
        )
    out = BytesIO()
    book.save(out)
    return web.Response(
        body=out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="dealers-template.xlsx"'},
    )


@routes.post("/dealers/import")
@admin_only
async def import_file(request: web.Request) -> web.Response:
    """Import dealers and legal entities from a .xlsx/.csv file; show the per-row report."""
    data = await form(request)
    upload = data.get("file")
    if not isinstance(upload, web.FileField):
        raise InvalidInput("import.no_file")
    content = upload.file.read()
    rows = parse_dealer_file(content, upload.filename)
    db = request[DB]
    report = await import_dealers(db, rows)
    audit(
        request,
        "dealer.import",
        "file",
        upload.filename[:64],
        created=report.created,
        updated=report.updated,
        errors=len(report.errors),
    )
    await db.commit()
    return await render(request, "dealers/import.html", {"report": report})


@routes.get("/dealers/{dealer_id:\\d+}")
async def dealer_card(request: web.Request) -> web.Response:
    """Everything about one dealer."""
    db = request[DB]
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    context = {
        "dealer": dealer,
        "entities": list(
            await db.scalars(
                select(LegalEntity)
                .where(LegalEntity.dealer_id == dealer.id)
                .order_by(LegalEntity.id)
            )
        ),
        "addresses": list(
            await db.scalars(
                select(DeliveryAddress)
                .where(DeliveryAddress.dealer_id == dealer.id)
                .order_by(DeliveryAddress.is_default.desc(), DeliveryAddress.id)
            )
        ),
        "people": list(
            await db.scalars(select(User).where(User.dealer_id == dealer.id).order_by(User.id))
        ),
        "orders": list(
            await db.scalars(
                select(Order)
                .where(Order.dealer_id == dealer.id)
                .order_by(Order.placed_at.desc())
                .limit(20)
            )
        ),
        "invitations": list(
            await db.scalars(
                select(Invitation)
                .where(Invitation.dealer_id == dealer.id)
                .order_by(Invitation.id.desc())
            )
        ),
        "price_type": await db.get(PriceType, dealer.price_type_id)
        if dealer.price_type_id
        else None,
        "manager": await db.get(User, dealer.manager_id) if dealer.manager_id else None,
        "wave": await db.get(PilotWave, dealer.wave_id) if dealer.wave_id else None,
        "now": utcnow(),
        "order_statuses": ORDER_STATUSES,
        "sync_states": SYNC_STATES,
        "role_labels": ROLE_LABELS,
        "crm": await crm_badge(request, "dealer", dealer.id),
        **await choices(request),
    }
    context.update(await access_context(request, dealer, context["people"]))
    context.update(await contacts_context(request, dealer))  # the contact log
    return await render(request, "dealers/card.html", context)


@routes.get("/dealers/{dealer_id:\\d+}/edit")
@admin_only
async def dealer_edit_page(request: web.Request) -> web.Response:
    """The filled dealer form."""
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    return await render(request, "dealers/form.html", {"dealer": dealer, **await choices(request)})


@routes.post("/dealers/{dealer_id:\\d+}/edit")
@admin_only
async def dealer_edit(request: web.Request) -> web.StreamResponse:
    """Save the dealer form."""
    data = await form(request)
    db = request[DB]
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    name = field(data, "name")
    if not name:
        raise InvalidInput("dealer.name_required")
    if len(name) > 255:
        raise InvalidInput("dealer.field_too_long", field="name", limit=255)
    before = _snapshot(dealer)
    dealer.name = name
    dealer.inn = check_inn(field(data, "inn"))
    await _apply_form(request, dealer, data)
    after = _snapshot(dealer)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit(request, "dealer.update", "dealer", dealer.id, changes=changes)
    await db.commit()
    await flash(request, "Изменения сохранены.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


def _snapshot(dealer: Dealer) -> dict[str, Any]:
    names = ("name", "inn", "city", "region", "price_type_id", "manager_id", "wave_id", "status")
    return {name: getattr(dealer, name) for name in names}


@routes.post("/dealers/{dealer_id:\\d+}/features")
@admin_only
async def dealer_features(request: web.Request) -> web.StreamResponse:
    """Switch the dealer's features on or off."""
    data = await form(request)
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    features = dict(dealer.features or {})
    for key in FEATURES:
        features[key] = data.get(f"feature_{key}") == "on"
    dealer.features = features
    audit(request, "dealer.features", "dealer", dealer.id, features=features)
    await request[DB].commit()
    await flash(request, "Функции сохранены.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.post("/dealers/{dealer_id:\\d+}/legal-entities")
@admin_only
async def add_entity(request: web.Request) -> web.StreamResponse:
    """Add a legal entity to the dealer."""
    data = await form(request)
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    entity, _ = await save_legal_entity(
        request[DB],
        dealer,
        None,
        name=field(data, "name") or dealer.name,
        inn=field(data, "inn"),
        kpp=field(data, "kpp"),
    )
    audit(
        request,
        "legal_entity.create",
        "legal_entity",
        entity.id,
        dealer_id=dealer.id,
        inn=entity.inn,
    )
    await request[DB].commit()
    await flash(request, f"Юрлицо «{entity.name}» добавлено.")
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.post("/dealers/{dealer_id:\\d+}/legal-entities/{entity_id:\\d+}/toggle")
@admin_only
async def toggle_entity(request: web.Request) -> web.StreamResponse:
    """Switch a legal entity off (the bot stops offering it) or back on."""
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    entity = await request[DB].get(LegalEntity, int(request.match_info["entity_id"]))
    if entity is None or entity.dealer_id != dealer.id:
        raise NotFound("legal_entity.not_found")
    entity.is_active = not entity.is_active
    audit(request, "legal_entity.toggle", "legal_entity", entity.id, active=entity.is_active)
    await request[DB].commit()
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")


@routes.post("/dealers/{dealer_id:\\d+}/addresses")
@admin_only
async def add_address(request: web.Request) -> web.StreamResponse:
    """Add a delivery address."""
    data = await form(request)
    dealer = await visible_dealer(request, int(request.match_info["dealer_id"]))
    row, _ = await save_address(
        request[DB],
        dealer,
        None,
        address=field(data, "address"),
        is_default=data.get("is_default") == "on",
    )
    audit(request, "address.create", "address", row.id, dealer_id=dealer.id, address=row.address)
    await request[DB].commit()
    raise redirect(f"{PREFIX}/dealers/{dealer.id}")
