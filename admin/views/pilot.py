"""The pilot: waves, invitations with deep links and QR codes, applications, the funnel."""

from __future__ import annotations

import io
from datetime import date

import segno
from aiohttp import web
from sqlalchemy import func, select

from admin.accounts import acting_user
from admin.keys import SETTINGS
from admin.views.dealers import visible_dealer
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
from core.dealers.invitations import create_invitation, deep_link, revoke_invitation
from core.errors import InvalidInput, NotFound
from core.models import (
    Application,
    Dealer,
    Invitation,
    InvitationUse,
    PilotWave,
    Role,
    User,
    utcnow,
)
from core.pilot import approve_application, reject_application, wave_funnels

routes = web.RouteTableDef()


# --- waves -------------------------------------------------------------------------------


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("calendar.bad_day") from None


async def _wave_values(request: web.Request, wave: PilotWave | None) -> dict[str, object]:
    data = await form(request)
    name = " ".join(field(data, "name").split())
    if not name:
        raise InvalidInput("wave.name_required")
    if len(name) > 100:
        raise InvalidInput("dealer.field_too_long", field="name", limit=100)
    taken = await request[DB].scalar(select(PilotWave.id).where(PilotWave.name == name))
    if taken is not None and (wave is None or taken != wave.id):
        raise InvalidInput("wave.name_taken", name=name)
    starts_on, ends_on = _date(field(data, "starts_on")), _date(field(data, "ends_on"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput("wave.bad_dates")
    return {
        "name": name,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "criteria": field(data, "criteria")[:5000],
        "thanks_text": field(data, "thanks_text")[:2000],
    }


@routes.get("/pilot/waves")
@admin_only
async def waves(request: web.Request) -> web.Response:
    """Waves with their dealer counts, and the form for a new one."""
    db = request[DB]
    counts = dict(
        (
            await db.execute(select(Dealer.wave_id, func.count(Dealer.id)).group_by(Dealer.wave_id))
        ).all()
    )
    rows = list(await db.scalars(select(PilotWave).order_by(PilotWave.id)))
    return await render(request, "pilot/waves.html", {"waves": rows, "counts": counts})


@routes.post("/pilot/waves")
@admin_only
async def wave_create(request: web.Request) -> web.StreamResponse:
    """Create a wave."""
    values = await _wave_values(request, None)
    wave = PilotWave(**values, created_at=utcnow())
    request[DB].add(wave)
    await request[DB].flush()
    audit(request, "wave.create", "wave", wave.id, name=wave.name)
    await request[DB].commit()
    await flash(request, f"Волна «{wave.name}» создана.")
    raise redirect(f"{PREFIX}/pilot/waves")


async def _wave(request: web.Request) -> PilotWave:
    wave = await request[DB].get(PilotWave, int(request.match_info["wave_id"]))
    if wave is None:
        raise NotFound("wave.not_found")
    return wave


@routes.get("/pilot/waves/{wave_id:\\d+}")
@admin_only
async def wave_edit_page(request: web.Request) -> web.Response:
    """A wave's form and its dealers."""
    wave = await _wave(request)
    dealers = list(
        await request[DB].scalars(
            select(Dealer).where(Dealer.wave_id == wave.id).order_by(Dealer.name)
        )
    )
    return await render(request, "pilot/wave.html", {"wave": wave, "dealers": dealers})


@routes.post("/pilot/waves/{wave_id:\\d+}")
@admin_only
async def wave_edit(request: web.Request) -> web.StreamResponse:
    """Save a wave."""
    wave = await _wave(request)
    values = await _wave_values(request, wave)
    for key, value in values.items():
        setattr(wave, key, value)
    audit(request, "wave.update", "wave", wave.id, **{k: str(v) for k, v in values.items()})
    await request[DB].commit()
    await flash(request, "Волна сохранена.")
    raise redirect(f"{PREFIX}/pilot/waves")


@routes.post("/pilot/waves/{wave_id:\\d+}/delete")
@admin_only
async def wave_delete(request: web.Request) -> web.StreamResponse:
    """Delete a wave; its dealers stay, in no wave."""
    wave = await _wave(request)
    audit(request, "wave.delete", "wave", wave.id, name=wave.name)
    await request[DB].delete(wave)
    await request[DB].commit()
    await flash(request, f"Волна «{wave.name}» удалена.")
    raise redirect(f"{PREFIX}/pilot/waves")


# --- invitations -------------------------------------------------------------------------


def invitation_state(invitation: Invitation) -> str:
    """active, used, expired or revoked."""
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at is not None and invitation.expires_at <= utcnow():
        return "expired"
    if invitation.uses >= invitation.max_uses:
        return "used"
    return "active"


@routes.get("/pilot/invitations")
@admin_only
async def invitations(request: web.Request) -> web.Response:
    """All invitations, newest first; the form to invite a dealer."""
    db = request[DB]
    query = select(Invitation, Dealer.name).outerjoin(Dealer, Dealer.id == Invitation.dealer_id)
    if (dealer_id := query_int(request, "dealer")) is not None:
        query = query.where(Invitation.dealer_id == dealer_id)
    rows, pager = await paged(request, query.order_by(Invitation.id.desc()))
    dealers = list(await db.scalars(select(Dealer).order_by(Dealer.name).limit(2000)))
    username = request.app[SETTINGS].bot_username
    items = [
        {
            "invitation": inv,
            "dealer": name,
            "state": invitation_state(inv),
            "link": deep_link(username, inv.token),
        }
        for inv, name in rows
    ]
    context = {"items": items, "dealers": dealers, **pager}
    return await render(request, "pilot/invitations.html", context)


@routes.post("/pilot/invitations")
async def invitation_create(request: web.Request) -> web.StreamResponse:
    """Invite a dealer (admins: any; a manager: their own dealers)."""
    data = await form(request)
    dealer_id = int_field(data, "dealer_id")
    if dealer_id is None:
        raise NotFound("dealer.not_found")
    dealer = await visible_dealer(request, dealer_id)
    db = request[DB]
    actor = await acting_user(db, request[STAFF])
    max_uses = int_field(data, "max_uses")
    invitation = await create_invitation(
        db,
        dealer_id=dealer.id,
        max_uses=1 if max_uses is None else max_uses,
        days=int_field(data, "days"),
        created_by_id=actor.id,
    )
    if dealer.status == "prospect":
        dealer.status = "invited"
    audit(
        request,
        "invitation.create",
        "invitation",
        invitation.id,
        dealer_id=dealer.id,
        max_uses=invitation.max_uses,
        expires_at=invitation.expires_at,
    )
    await db.commit()
    await flash(request, "Приглашение создано.")
    raise redirect(f"{PREFIX}/pilot/invitations/{invitation.id}")


async def _visible_invitation(request: web.Request) -> Invitation:
    invitation = await request[DB].get(Invitation, int(request.match_info["invitation_id"]))
    if invitation is None:
        raise NotFound("invitation.unknown")
    if invitation.dealer_id is None:  # a manager's invitation: the admins' business
        if request[STAFF].role != Role.ADMIN:
            raise NotFound("invitation.unknown")
        return invitation
    await visible_dealer(request, invitation.dealer_id)
    return invitation


@routes.get("/pilot/invitations/{invitation_id:\\d+}")
async def invitation_page(request: web.Request) -> web.Response:
    """The deep link and its QR code to print or send, and who redeemed it."""
    invitation = await _visible_invitation(request)
    db = request[DB]
    dealer = await db.get(Dealer, invitation.dealer_id) if invitation.dealer_id else None
    people = (
        await db.execute(
            select(User, InvitationUse.used_at)
            .join(InvitationUse, InvitationUse.user_id == User.id)
            .where(InvitationUse.invitation_id == invitation.id)
            .order_by(InvitationUse.used_at)
        )
    ).all()
    context = {
        "invitation": invitation,
        "dealer": dealer,
        "state": invitation_state(invitation),
        "link": deep_link(request.app[SETTINGS].bot_username, invitation.token),
        "people": people,
    }
    return await render(request, "pilot/invitation.html", context)


@routes.get("/pilot/invitations/{invitation_id:\\d+}/qr.png")
async def invitation_qr(request: web.Request) -> web.Response:
    """The deep link as a QR code PNG."""
    invitation = await _visible_invitation(request)
    link = deep_link(request.app[SETTINGS].bot_username, invitation.token)
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=8, border=2)
    return web.Response(
        body=buffer.getvalue(),
        content_type="image/png",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'inline; filename="invitation-{invitation.id}.png"',
        },
    )


@routes.post("/pilot/invitations/{invitation_id:\\d+}/revoke")
async def invitation_revoke(request: web.Request) -> web.StreamResponse:
    """Revoke an invitation; people who already joined stay."""
    invitation = await _visible_invitation(request)
    await revoke_invitation(request[DB], invitation.id)
    audit(request, "invitation.revoke", "invitation", invitation.id, dealer_id=invitation.dealer_id)
    await request[DB].commit()
    await flash(request, "Приглашение отозвано.")
    raise redirect(f"{PREFIX}/pilot/invitations/{invitation.id}")


# --- applications --------------------------------------------------------------------------


@routes.get("/pilot/applications")
@admin_only
async def applications(request: web.Request) -> web.Response:
    """The queue of applications: new first, then recent decisions."""
    db = request[DB]
    status = request.query.get("status", "new")
    query = select(Application)
    if status in ("new", "approved", "rejected"):
        query = query.where(Application.status == status)
    found, pager = await paged(
        request, query.order_by(Application.created_at.desc(), Application.id.desc())
    )
    waves = list(await db.scalars(select(PilotWave).order_by(PilotWave.id)))
    context = {"applications": [row[0] for row in found], "waves": waves, "status": status}
    return await render(request, "pilot/applications.html", {**context, **pager})


def _application_id(request: web.Request) -> int:
    return int(request.match_info["application_id"])


@routes.post("/pilot/applications/{application_id:\\d+}/approve")
@admin_only
async def application_approve(request: web.Request) -> web.StreamResponse:
    """Approve: dealer by INN or a new one, an invitation sent to the applicant in Telegram."""
    data = await form(request)
    db = request[DB]
    actor = await acting_user(db, request[STAFF])
    approval = await approve_application(
        db,
        _application_id(request),
        bot_username=request.app[SETTINGS].bot_username,
        decided_by=actor,
        wave_id=int_field(data, "wave_id"),
        days=30 if (days := int_field(data, "days")) is None else days,
    )
    audit(
        request,
        "application.approve",
        "application",
        approval.application.id,
        dealer_id=approval.dealer.id,
        dealer_created=approval.dealer_created,
        invitation_id=approval.invitation.id,
    )
    await db.commit()
    what = "создан" if approval.dealer_created else "найден по ИНН"
    await flash(
        request,
        f"Заявка одобрена: дилер «{approval.dealer.name}» {what}, "
        "приглашение отправляется заявителю в Telegram.",
    )
    raise redirect(f"{PREFIX}/pilot/applications")


@routes.post("/pilot/applications/{application_id:\\d+}/reject")
@admin_only
async def application_reject(request: web.Request) -> web.StreamResponse:
    """Reject with a message the applicant reads in Telegram."""
    data = await form(request)
    db = request[DB]
    actor = await acting_user(db, request[STAFF])
    application = await reject_application(
        db, _application_id(request), message=field(data, "message"), decided_by=actor
    )
    audit(request, "application.reject", "application", application.id)
    await db.commit()
    await flash(request, "Заявка отклонена, сообщение отправляется заявителю.")
    raise redirect(f"{PREFIX}/pilot/applications")


@routes.get("/pilot/funnel")
@admin_only
async def funnel(request: web.Request) -> web.Response:
    """invited -> joined -> first order -> repeat order per wave, with time to first order."""
    funnels = await wave_funnels(request[DB], include_unassigned=True)
    return await render(request, "pilot/funnel.html", {"funnels": funnels})
