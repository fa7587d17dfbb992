"""A broadcast's life: draft, schedule or send now, start (one delivery row per recipient),
progress, cancel, done; the report.

Delivery is the Telegram sender's: each recipient is one `deliveries` row of kind `broadcast`
with `broadcast_id` set and the dedupe key `bc:<broadcast>:<user>`, inserted with
ON CONFLICT DO NOTHING, so starting a broadcast twice (a restart in the middle of its start, two
senders) never makes a second row for anyone. What the sender does with a row whose request
may have reached Telegram before a crash is in integrations/telegram/README.md: a broadcast row
that was requested is not sent again (`unknown`); one that was claimed but never requested is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import display
from core.access.rule import broadcast_refusal
from core.broadcasts import photos
from core.broadcasts.audience import Audience, recipients
from core.broadcasts.content import Content, check
from core.db import is_postgres
from core.display import LABELS
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import Broadcast, BroadcastState, Dealer, Delivery, DeliveryState, User, utcnow

BROADCAST = "broadcast"
BROADCAST_TEST = "broadcast.test"
B = BroadcastState
D = DeliveryState
EDITABLE = (B.DRAFT, B.SCHEDULED)
CHUNK = 1000
BLOCKED_ERRORS = ("%blocked%", "%Forbidden%")  # the sender's 403 texts


def dedupe_key(broadcast_id: int, user_id: int) -> str:
    return f"bc:{broadcast_id}:{user_id}"


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast:
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast.not_found")
    return broadcast


async def save_draft(
    session: AsyncSession,
    broadcast: Broadcast | None,
    *,
    title: str,
    content: Content,
    audience: dict[str, Any],
    staff_id: int | None,
    upload: tuple[bytes, str] | None = None,
    remove_upload: bool = False,
    now: datetime | None = None,
) -> Broadcast:
    """Create or change a broadcast that has not started; the content and rule are checked.

    `upload` (bytes, file name) becomes its photo; a photo URL or file_id in `content` replaces
    an uploaded photo, as `remove_upload` removes it. Nothing changes if anything is wrong.
    """
    now = now or utcnow()
    if broadcast is not None:
        # Read the state again under a row lock: the sender may have started it since it was
        # loaded, and its start waits for this transaction (it updates the row by state).
        await session.refresh(broadcast, with_for_update=True)
        if broadcast.state not in EDITABLE:
            raise InvalidTransition("broadcast.not_editable", state=broadcast.state)
    if upload is not None:
        photos.inspect_photo(upload[0])
    kept = None if broadcast is None or remove_upload else broadcast.photo_file_name
    if (content.photo or "").strip() and upload is None:
        kept = None  # a link replaces the uploaded photo
    file_name = (upload[1] or "photo") if upload is not None else kept
    checked = check(replace(content, photo_file_name=file_name))
    rule = Audience.parse(audience)
    if broadcast is None:
        broadcast = Broadcast(created_by_id=staff_id, created_at=now, state=B.DRAFT)
        session.add(broadcast)
    broadcast.title = title.strip()[:200]
    broadcast.text = checked.text
    broadcast.photo = checked.photo
    broadcast.button_text = checked.button_text
    broadcast.button_url = checked.button_url
    broadcast.audience = rule.as_json()
    broadcast.updated_at = now
    await session.flush()
    if upload is not None:
        await photos.attach(session, broadcast, *upload)
    elif kept is None and broadcast.photo_file_name is not None:
        await photos.detach(session, broadcast)
    return broadcast


def content_of(broadcast: Broadcast) -> Content:
    return Content(
        broadcast.text,
        broadcast.photo,
        broadcast.button_text,
        broadcast.button_url,
        broadcast.photo_file_name,
    )


async def schedule(
    session: AsyncSession, broadcast: Broadcast, at: datetime, now: datetime | None = None
) -> None:
    """Start it at `at` (a past moment means: at the next drain). The row is the schedule, so a
    restart of the service still starts it (see `start_due`)."""
    now = now or utcnow()
    if broadcast.state not in EDITABLE:
        raise InvalidTransition("broadcast.not_editable", state=broadcast.state)
    if at < now - timedelta(minutes=1):
        raise InvalidInput("broadcast.schedule_past")
    check(content_of(broadcast))
    Audience.parse(broadcast.audience)
    broadcast.state = B.SCHEDULED
    broadcast.scheduled_at = max(at, now)
    broadcast.updated_at = now
    await session.flush()


async def unschedule(
    session: AsyncSession, broadcast: Broadcast, now: datetime | None = None
) -> None:
    """Back to draft (only before it starts)."""
    if broadcast.state != B.SCHEDULED:
        raise InvalidTransition("broadcast.not_scheduled", state=broadcast.state)
    broadcast.state = B.DRAFT
    broadcast.scheduled_at = None
    broadcast.updated_at = now or utcnow()
    await session.flush()


async def due(session: AsyncSession, now: datetime) -> list[int]:
    """Broadcasts to start now: scheduled and due, or started without all their rows yet."""
    return list(
        await session.scalars(
            select(Broadcast.id)
            .where(
                or_(
                    (Broadcast.state == B.SCHEDULED) & (Broadcast.scheduled_at <= now),
                    (Broadcast.state == B.SENDING) & Broadcast.queued_at.is_(None),
                )
            )
            .order_by(Broadcast.id)
        )
    )


async def start(session: AsyncSession, broadcast_id: int, now: datetime | None = None) -> int:
    """Make the recipients' delivery rows (idempotent) and mark the broadcast as sending.

    Commits: first the state (so a crash leaves `sending` without `queued_at`, which the next
    drain finishes), then each chunk of rows, then `queued_at`. Returns the rows it added.
    """
    now = now or utcnow()
    taken = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            or_(
                (Broadcast.state == B.SCHEDULED) & (Broadcast.scheduled_at <= now),
                (Broadcast.state == B.SENDING) & Broadcast.queued_at.is_(None),
            ),
        )
        .values(state=B.SENDING, started_at=func.coalesce(Broadcast.started_at, now))
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    await session.commit()
    broadcast = await get(session, broadcast_id)
    people = await recipients(session, Audience.parse(broadcast.audience), now, with_refused=True)
    added = 0
    for begin in range(0, len(people), CHUNK):
        rows: list[dict[str, Any]] = [
            {
                "kind": BROADCAST,
                "dedupe_key": dedupe_key(broadcast_id, person.user_id),
                "chat_id": person.telegram_id,
                "user_id": person.user_id,
                "broadcast_id": broadcast_id,
                "locale": person.language[:5],
                "params": {},
                "state": D.QUEUED if person.refused is None else D.SKIPPED,
                "error": person.refused,
                "attempts": 0,
                "available_at": now,
                "created_at": now,
            }
            for person in people[begin : begin + CHUNK]
        ]
        added += await _insert_new(session, rows)
        await session.commit()
    total = await session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
    )
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.state == B.SENDING)
        .values(queued_at=now, recipients=int(total or 0), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    return added


async def _insert_new(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING on both databases; rows inserted."""
    if not rows:
        return 0
    statement: Any
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(Delivery).on_conflict_do_nothing(index_elements=["dedupe_key"])
    else:  # SQLite, the only other database supported
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(Delivery).on_conflict_do_nothing(index_elements=["dedupe_key"])
    before = await _count(session, rows[0]["broadcast_id"])
    await session.execute(statement, rows)
    return await _count(session, rows[0]["broadcast_id"]) - before


async def _count(session: AsyncSession, broadcast_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.broadcast_id == broadcast_id)
        )
        or 0
    )


async def start_due(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Start every due broadcast (the sender's drain calls this); the ids started."""
    now = now or utcnow()
    started = []
    for broadcast_id in await due(session, now):
        await start(session, broadcast_id, now)
        started.append(broadcast_id)
    return started


async def cancel(session: AsyncSession, broadcast: Broadcast, now: datetime | None = None) -> int:
    """Stop it: rows not yet claimed become `skipped`; a row being sent right now finishes
    (the sender also skips any claimed row of a cancelled broadcast before its request)."""
    now = now or utcnow()
    if broadcast.state not in (B.DRAFT, B.SCHEDULED, B.SENDING):
        raise InvalidTransition("broadcast.not_cancellable", state=broadcast.state)
    broadcast.state = B.CANCELLED
    broadcast.cancelled_at = now
    broadcast.updated_at = now
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast.id, Delivery.state.in_([D.QUEUED, D.HELD]))
        .values(state=D.SKIPPED, error="cancelled")
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await _store_tally(session, broadcast)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class Tally:
    """Where a broadcast's rows stand."""

    total: int = 0
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    unknown: int = 0
    skipped: int = 0
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.queued == 0 and self.sending == 0

    def as_json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "queued": self.queued,
            "sending": self.sending,
            "sent": self.sent,
            "failed": self.failed,
            "blocked": self.blocked,
            "unknown": self.unknown,
            "skipped": self.skipped,
        }


def _is_blocked() -> Any:
    return or_(*(Delivery.error.like(pattern) for pattern in BLOCKED_ERRORS))


async def tally(session: AsyncSession, broadcast_id: int) -> Tally:
    """Counts by state, `blocked` apart from other failures."""
    rows = await session.execute(
        select(Delivery.state, func.count(), func.sum(case((_is_blocked(), 1), else_=0)))
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.state)
    )
    t = Tally()
    for state, count, blocked_count in rows:
        blocked = int(blocked_count or 0)
        t.total += count
        t.by_state[state] = t.by_state.get(state, 0) + count
        if state == D.FAILED:
            t.blocked += blocked
            t.failed += count - blocked
        elif state in (D.QUEUED, D.HELD):
            t.queued += count
        elif state == D.SENDING:
            t.sending += count
        elif state == D.SENT:
            t.sent += count
        elif state == D.UNKNOWN:
            t.unknown += count
        elif state == D.SKIPPED:
            t.skipped += count
    return t


async def _store_tally(session: AsyncSession, broadcast: Broadcast) -> Tally:
    t = await tally(session, broadcast.id)
    broadcast.recipients = max(broadcast.recipients, t.total)
    broadcast.sent, broadcast.failed = t.sent, t.failed + t.unknown
    broadcast.blocked, broadcast.skipped = t.blocked, t.skipped
    return t


async def settle(session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Mark sending broadcasts whose rows are all settled as done (counts stored)."""
    now = now or utcnow()
    done = []
    open_ones = list(
        await session.scalars(
            select(Broadcast).where(
                Broadcast.state.in_([B.SENDING, B.CANCELLED]),
                Broadcast.queued_at.is_not(None) | (Broadcast.state == B.CANCELLED),
                Broadcast.finished_at.is_(None),
            )
        )
    )
    for broadcast in open_ones:
        t = await _store_tally(session, broadcast)
        if t.finished:
            broadcast.finished_at = now
            if broadcast.state == B.SENDING:
                broadcast.state = B.DONE
            done.append(broadcast.id)
    await session.commit()
    return done


async def test_send(
    session: AsyncSession, broadcast: Broadcast, chat_id: int, now: datetime | None = None
) -> int:
    """Queue the message to one chat (the admin's own), outside the broadcast's report."""
    now = now or utcnow()
    check(content_of(broadcast))
    delivery = Delivery(
        kind=BROADCAST_TEST,
        chat_id=chat_id,
        params={"broadcast_id": broadcast.id},
        state=D.QUEUED,
        available_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery.id


def broadcast_id_of(delivery: Delivery) -> int:
    """The broadcast a row sends: its own for a recipient's row, the tested one for a test."""
    if delivery.kind == BROADCAST_TEST:
        return int(delivery.params.get("broadcast_id") or 0)
    return delivery.broadcast_id or 0


async def refusal_now(session: AsyncSession, delivery: Delivery) -> str | None:
    """Why a queued broadcast row must not go out now (core.access.rule.broadcast_refusal: its
    person was revoked or its dealer paused since it was queued), or None."""
    if delivery.kind != BROADCAST or delivery.user_id is None:
        return None
    row = (
        await session.execute(
            select(User.is_active, User.revoked_at, Dealer.status)
            .outerjoin(Dealer, Dealer.id == User.dealer_id)
            .where(User.id == delivery.user_id)
        )
    ).first()
    if row is None:
        return None
    active, revoked_at, status = row
    return broadcast_refusal(
        active=bool(active), revoked=revoked_at is not None, dealer_status=status
    )


async def for_delivery(session: AsyncSession, delivery: Delivery) -> Content | None:
    """What a broadcast row says, or None when there is nothing to send (cancelled, gone)."""
    broadcast = await session.get(Broadcast, broadcast_id_of(delivery))
    if broadcast is None:
        return None
    if delivery.kind != BROADCAST_TEST and broadcast.state == B.CANCELLED:
        return None
    return content_of(broadcast)


# ---------------------------------------------------------------------------- the report
STATUS_LABELS: dict[str, str] = LABELS["delivery_state"]


@dataclass(frozen=True)
class ReportRow:
    """One recipient's line of the report."""

    delivery_id: int
    user_id: int | None
    name: str
    telegram_id: int
    dealer: str
    status: str
    error: str
    sent_at: datetime | None


def status_of(state: str, error: str | None) -> str:
    if state == D.FAILED and error and ("blocked" in error or "Forbidden" in error):
        return "blocked"
    if state == D.HELD:
        return "queued"
    return state


async def report(
    session: AsyncSession,
    broadcast_id: int,
    *,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ReportRow]:
    """Per-recipient rows in the order they were queued (optionally one status only)."""
    query = (
        select(
            Delivery.id,
            Delivery.user_id,
            User.full_name,
            Delivery.chat_id,
            Dealer.name,
            Delivery.state,
            Delivery.error,
            Delivery.sent_at,
        )
        .outerjoin(User, User.id == Delivery.user_id)
        .outerjoin(Dealer, Dealer.id == User.dealer_id)
        .where(Delivery.broadcast_id == broadcast_id)
        .order_by(Delivery.id)
    )
    if status == "blocked":
        query = query.where(Delivery.state == D.FAILED, _is_blocked())
    elif status == "failed":
        query = query.where(Delivery.state == D.FAILED, ~_is_blocked())
    elif status == "queued":
        query = query.where(Delivery.state.in_([D.QUEUED, D.HELD]))
    elif status:
        query = query.where(Delivery.state == status)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    rows = await session.execute(query)
    return [
        ReportRow(
            delivery_id,
            user_id,
            name or "",
            int(chat_id),
            dealer or "",
            status_of(state, error),
            "" if state == D.SENT else (error or ""),
            sent_at,
        )
        for delivery_id, user_id, name, chat_id, dealer, state, error, sent_at in rows
    ]


REPORT_COLUMNS = ["Пользователь", "Имя", "Telegram id", "Дилер", "Статус", "Причина", "Отправлено"]


def report_csv(rows: Sequence[ReportRow], zone: ZoneInfo) -> str:
    """The report as CSV (UTF-8 with BOM so spreadsheet programs read the Cyrillic)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.user_id or "",
                _safe(row.name),
                row.telegram_id,
                _safe(row.dealer),
                STATUS_LABELS.get(row.status, row.status),
                _safe(display.telegram_error(row.error)),
                display.moment(row.sent_at, zone) if row.sent_at else "",
            ]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    """Cells starting with = + - @ are formulas to spreadsheet programs: quote them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
