"""The weekly digest for the head of sales: the rollout metrics against their targets and last
week's after-hours orders, as one Telegram message per recipient.

* **when**: once per ISO week, at a weekday and local time kept in admin_settings
  (``metrics.weekly_digest``; Monday 09:00 by default, can be switched off). A scheduler job
  calls `queue_weekly_digest` every few minutes; it queues nothing before this week's moment.
* **who**: the head of sales is not a role of its own; the digest goes to every active admin:
  staff accounts with the admin role (their linked bot user's Telegram id, else the account's
  own ``telegram_id``) and bot users with the admin role. One message per chat.
* **once**: the delivery's dedupe key is ``weekly:<ISO year>-W<week>:<chat id>``, so repeated
  runs, restarts and several processes queue each chat's message for a week once.
* **what**: the figures are computed when the message is queued and kept in the delivery's
  params (a snapshot: the message says what the dashboard said at that moment); the sender
  renders the text from them by kind (`WEEKLY_DIGEST`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import display
from core.calendar import WorkingCalendar
from core.errors import InvalidInput
from core.metrics.after_hours import after_hours_stats
from core.metrics.rollout import Period, rollout_dashboard
from core.models import Delivery, Role, StaffAccount, User
from core.models.admin import get_setting, set_setting

WEEKLY_DIGEST = "metrics.weekly"
CONFIG_KEY = "metrics.weekly_digest"
STATUS_MARK = {"met": "✅", "behind": "⚠️", "no_data": "▫️", "no_target": "▫️"}


@dataclass(frozen=True)
class WeeklyDigestConfig:
    """When the digest goes out: ISO weekday (1 = Monday) and local time; on or off."""

    enabled: bool = True
    weekday: int = 1
    at: time = time(9, 0)


async def load_weekly_config(session: AsyncSession) -> WeeklyDigestConfig:
    """The stored schedule, or the default (Monday 09:00, on)."""
    raw = await get_setting(session, CONFIG_KEY)
    if not raw:
        return WeeklyDigestConfig()
    data = json.loads(raw)
    return WeeklyDigestConfig(
        enabled=bool(data.get("enabled", True)),
        weekday=int(data.get("weekday", 1)),
        at=time.fromisoformat(data.get("at", "09:00")),
    )


async def save_weekly_config(
    session: AsyncSession, config: WeeklyDigestConfig, *, staff_id: int | None = None
) -> None:
    """Store the schedule (flushed). Error: weekly.bad_weekday (outside 1..7)."""
    if not 1 <= config.weekday <= 7:
        raise InvalidInput("weekly.bad_weekday", weekday=config.weekday)
    text = json.dumps(
        {"enabled": config.enabled, "weekday": config.weekday, "at": config.at.strftime("%H:%M")}
    )
    await set_setting(session, CONFIG_KEY, text, staff_id=staff_id)


def week_slot(
    now: datetime, calendar: WorkingCalendar, config: WeeklyDigestConfig
) -> tuple[str, datetime]:
    """The ISO week of `now` (local) as "2026-W10" and the moment its digest is due (aware)."""
    local = now.astimezone(calendar.zone)
    year, week, weekday = local.isocalendar()
    day = local.date() + timedelta(days=config.weekday - weekday)
    return f"{year}-W{week:02d}", datetime.combine(day, config.at, calendar.zone)


async def recipients(session: AsyncSession) -> list[tuple[int | None, int, str]]:
    """(user id or None, chat id, locale) of every active admin with a Telegram chat, by chat."""
    found: dict[int, tuple[int | None, int, str]] = {}
    staff = await session.execute(
        select(StaffAccount.telegram_id, User.id, User.telegram_id, User.language, User.is_active)
        .outerjoin(User, User.id == StaffAccount.user_id)
        .where(StaffAccount.role == Role.ADMIN, StaffAccount.is_active.is_(True))
        .order_by(StaffAccount.id)
    )
    for own_chat, user_id, user_chat, language, active in staff:
        if user_chat is not None and active:
            found.setdefault(user_chat, (user_id, user_chat, language or "ru"))
        elif own_chat is not None:
            found.setdefault(own_chat, (None, own_chat, "ru"))
    people = await session.execute(
        select(User.id, User.telegram_id, User.language)
        .where(
            User.role == Role.ADMIN,
            User.is_active.is_(True),
            User.telegram_id.is_not(None),
            User.blocked_bot_at.is_(None),
        )
        .order_by(User.id)
    )
    for user_id, chat, language in people:
        if chat is not None:
            found.setdefault(chat, (user_id, chat, language or "ru"))
    return list(found.values())


async def digest_figures(
    session: AsyncSession, calendar: WorkingCalendar, *, now: datetime
) -> dict[str, Any]:
    """The figures of the message, JSON-friendly: every metric (current, target, status) for
    all dealers, and the after-hours orders of the 7 local days before today."""
    metrics = await rollout_dashboard(session, now=now, zone=calendar.zone)
    today = now.astimezone(calendar.zone).date()
    start = datetime.combine(today - timedelta(days=7), time(0), calendar.zone)
    week = Period(start, datetime.combine(today, time(0), calendar.zone))
    stats = await after_hours_stats(session, calendar, week, now=now)

    def dec(value: Any) -> str | None:
        return f"{value:.2f}" if value is not None else None

    return {
        "from": (today - timedelta(days=7)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
        "metrics": [
            {
                "key": m.key,
                "title_ru": m.title_ru,
                "title_en": m.title_en,
                "unit": m.unit,
                "current": dec(m.current),
                "target": dec(m.target),
                "status": m.status,
            }
            for m in metrics
        ],
        "after_hours": {
            "orders": stats.orders,
            "after_hours_orders": stats.after_hours_orders,
            "share": dec(stats.share),
            "waiting_total": stats.waiting_total,
            "waiting_max": stats.waiting_max,
        },
    }


async def queue_weekly_digest(
    session: AsyncSession, calendar: WorkingCalendar, *, now: datetime
) -> int:
    """Queue this week's digest for every recipient who has none yet, once the week's moment
    has come; returns how many deliveries were added (flushed, not committed)."""
    config = await load_weekly_config(session)
    week, due = week_slot(now, calendar, config)
    if not config.enabled or now < due:
        return 0
    prefix = f"weekly:{week}:"
    done = set(
        await session.scalars(
            select(Delivery.dedupe_key).where(
                Delivery.kind == WEEKLY_DIGEST, Delivery.dedupe_key.like(f"{prefix}%")
            )
        )
    )
    todo = [r for r in await recipients(session) if f"{prefix}{r[1]}" not in done]
    if not todo:
        return 0
    params = {"week": week, **await digest_figures(session, calendar, now=now)}
    session.add_all(
        Delivery(
            kind=WEEKLY_DIGEST,
            dedupe_key=f"{prefix}{chat}",
            chat_id=chat,
            user_id=user_id,
            locale=locale if locale in ("ru", "en") else "ru",
            params=params,
            available_at=now,
            created_at=now,
        )
        for user_id, chat, locale in todo
    )
    await session.flush()
    return len(todo)


TEXTS = {
    "ru": {
        "title": "📊 Сводка внедрения за неделю {week}",
        "metrics": "Метрики (текущее / цель):",
        "target": "цель",
        "no_target": "цели нет",
        "after": (
            "Нерабочее время {start}–{end}: {after} из {orders} заказов ({share}); "
            "ждали начала рабочего дня: {waiting}, максимум за утро {most}."
        ),
        "no_orders": "Нерабочее время {start}–{end}: заказов не было.",
    },
    "en": {
        "title": "📊 Rollout digest, week {week}",
        "metrics": "Metrics (current / target):",
        "target": "target",
        "no_target": "no target",
        "after": (
            "After hours {start}–{end}: {after} of {orders} orders ({share}); "
            "waiting at the start of the working day: {waiting}, at most {most} a morning."
        ),
        "no_orders": "After hours {start}–{end}: no orders.",
    },
}


def _figure(value: str | None, unit: str, locale: str) -> str:
    return display.figure(None if value is None else Decimal(value), unit, locale)


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d.%m")


def weekly_digest_text(params: dict[str, Any], locale: str) -> str:
    """The message for the params `queue_weekly_digest` stored (Russian or English)."""
    t = TEXTS.get(locale, TEXTS["ru"])
    lines = [t["title"].format(week=params.get("week", "")), "", t["metrics"]]
    for m in params.get("metrics", []):
        title = m["title_en"] if locale == "en" else m["title_ru"]
        target = (
            f"{t['target']} {_figure(m['target'], m['unit'], locale)}"
            if m.get("target") is not None and m.get("status") != "no_target"
            else t["no_target"]
        )
        mark = STATUS_MARK.get(m.get("status", ""), "▫️")
        lines.append(f"{mark} {title}: {_figure(m.get('current'), m['unit'], locale)} / {target}")
    after = params.get("after_hours") or {}
    days = {"start": _day(params["from"]), "end": _day(params["to"])} if "from" in params else {}
    lines.append("")
    if after.get("orders"):
        lines.append(
            t["after"].format(
                **days,
                after=after["after_hours_orders"],
                orders=after["orders"],
                share=_figure(after.get("share"), "%", locale),
                waiting=after["waiting_total"],
                most=after["waiting_max"],
            )
        )
    elif days:
        lines.append(t["no_orders"].format(**days))
    return "\n".join(lines)[:4000]
