"""Who a broadcast reaches: an audience rule (stored as JSON) and the recipients it selects.

A rule is `{"kind": ..., "ids": [...], "values": [...], "days": N}`:

- `all`: every dealer;
- `waves` (`ids`: pilot wave ids), `dealers` (`ids`), `managers` (`ids`: the managers' user ids);
- `regions` (`values`: region names, compared case-insensitively, spaces trimmed);
- `tags` (`values`: a dealer has tag X when X is a key of `dealers.tags` with a truthy value);
- `active` / `inactive` (`days`): a dealer is *active in N days* when it placed at least one
  order through the bot (orders.source = 'bot') in the last N days; inactive is every other
  dealer. Orders known only from 1C do not count: the question is whether they use the bot.

Recipients are the people bound to the chosen dealers who can be reached: role dealer, active,
with a Telegram id, and not known to have blocked the bot. One person is one recipient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import sandbox
from core.access.rule import broadcast_refusal
from core.errors import InvalidInput
from core.models import Dealer, DealerStatus, Order, OrderSource, Role, User, utcnow

KINDS = ("all", "waves", "dealers", "managers", "regions", "tags", "active", "inactive")


@dataclass(frozen=True)
class Audience:
    """A validated audience rule."""

    kind: str = "all"
    ids: tuple[int, ...] = ()
    values: tuple[str, ...] = ()
    days: int = 30

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> Audience:
        """The rule from its JSON form; InvalidInput when it selects nothing meaningful."""
        raw = raw or {}
        kind = str(raw.get("kind") or "all")
        if kind not in KINDS:
            raise InvalidInput("broadcast.audience_unknown", kind=kind)
        try:
            ids = tuple(sorted({int(i) for i in raw.get("ids") or []}))
            days = int(raw["days"]) if raw.get("days") not in (None, "") else 30
        except (TypeError, ValueError) as error:
            raise InvalidInput("broadcast.audience_bad_numbers") from error
        values = tuple(sorted({str(v).strip() for v in raw.get("values") or [] if str(v).strip()}))
        if kind in ("waves", "dealers", "managers") and not ids:
            raise InvalidInput("broadcast.audience_empty_choice")
        if kind in ("regions", "tags") and not values:
            raise InvalidInput("broadcast.audience_empty_values")
        if kind in ("active", "inactive") and not 1 <= days <= 3650:
            raise InvalidInput("broadcast.audience_bad_days")
        return cls(kind, ids, values, days)

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ids": list(self.ids),
            "values": list(self.values),
            "days": self.days,
        }


@dataclass(frozen=True)
class Recipient:
    """One person a broadcast goes to."""

    user_id: int
    telegram_id: int
    language: str
    dealer_id: int
    refused: str | None = None  # core.access.rule.broadcast_refusal: queued as skipped, why


@dataclass
class AudienceSize:
    """What the admin sees before sending."""

    dealers: int
    recipients: int
    unreachable: dict[str, int] = field(default_factory=dict)


async def dealer_ids(
    session: AsyncSession, audience: Audience, now: datetime | None = None
) -> set[int]:
    """The dealers a rule chooses."""
    now = now or utcnow()
    query: Select[tuple[int]] = select(Dealer.id)
    kind = audience.kind
    if kind == "waves":
        query = query.where(Dealer.wave_id.in_(audience.ids))
    elif kind == "dealers":
        query = query.where(Dealer.id.in_(audience.ids))
    elif kind == "managers":
        query = query.where(Dealer.manager_id.in_(audience.ids))
    elif kind == "regions":  # compared in Python: SQLite's lower() knows only ASCII
        wanted = {v.strip().casefold() for v in audience.values}
        regions = (await session.execute(select(Dealer.id, Dealer.region))).all()
        return {d for d, region in regions if (region or "").strip().casefold() in wanted}
    elif kind == "tags":
        wanted_tags = set(audience.values)
        rows = (await session.execute(select(Dealer.id, Dealer.tags))).all()
        return {
            dealer_id
            for dealer_id, tags in rows
            if isinstance(tags, dict) and any(tags.get(t) for t in wanted_tags)
        }
    elif kind in ("active", "inactive"):
        since = now - timedelta(days=audience.days)
        active = (
            select(Order.dealer_id)
            .where(Order.source == OrderSource.BOT, Order.placed_at >= since)
            .distinct()
        )
        query = query.where(Dealer.id.in_(active) if kind == "active" else Dealer.id.not_in(active))
    return set(await session.scalars(query))


async def recipients(
    session: AsyncSession,
    audience: Audience,
    now: datetime | None = None,
    *,
    with_refused: bool = False,
) -> list[Recipient]:
    """The reachable people of the chosen dealers, ordered by user id; with `with_refused`
    also those core.access refuses a broadcast (revoked, paused dealer), each with the reason."""
    dealers = await dealer_ids(session, audience, now)
    if not dealers:
        return []
    out: list[Recipient] = []
    chunk = sorted(dealers)
    for start in range(0, len(chunk), 5000):
        part = set(chunk[start : start + 5000])
        rows = await session.execute(
            select(
                User.id,
                User.telegram_id,
                User.language,
                User.dealer_id,
                User.is_active,
                User.revoked_at,
                Dealer.status,
            )
            .join(Dealer, Dealer.id == User.dealer_id)
            .where(
                User.dealer_id.in_(part),
                User.role == Role.DEALER,
                User.telegram_id.is_not(None),
                User.blocked_bot_at.is_(None),
                sandbox.real_people(),  # sandbox people are never recipients
            )
            .order_by(User.id)
        )
        for user_id, telegram_id, language, dealer_id, active, revoked_at, status in rows:
            refused = broadcast_refusal(
                active=bool(active), revoked=revoked_at is not None, dealer_status=status
            )
            if (refused is not None and not with_refused) or telegram_id is None:
                continue
            out.append(
                Recipient(user_id, int(telegram_id), language or "ru", int(dealer_id or 0), refused)
            )
    out.sort(key=lambda r: r.user_id)
    return out


async def size(
    session: AsyncSession, audience: Audience, now: datetime | None = None
) -> AudienceSize:
    """Dealers chosen, people reachable, and why the others are not (blocked, no Telegram)."""
    dealers = await dealer_ids(session, audience, now)
    reachable = await recipients(session, audience, now)
    unreachable = {"blocked": 0, "inactive": 0, "paused": 0}
    if dealers:
        chunk = sorted(dealers)
        for start in range(0, len(chunk), 5000):
            part = set(chunk[start : start + 5000])
            blocked = await session.scalar(
                select(func.count())
                .select_from(User)
                .where(
                    User.dealer_id.in_(part),
                    User.role == Role.DEALER,
                    User.telegram_id.is_not(None),
                    User.blocked_bot_at.is_not(None),
                )
            )
            inactive = await session.scalar(
                select(func.count())
                .select_from(User)
                .where(
                    User.dealer_id.in_(part),
                    User.role == Role.DEALER,
                    User.is_active.is_(False),
                    User.blocked_bot_at.is_(None),
                )
            )
            paused = await session.scalar(
                select(func.count())
                .select_from(User)
                .join(Dealer, Dealer.id == User.dealer_id)
                .where(
                    User.dealer_id.in_(part),
                    User.role == Role.DEALER,
                    User.is_active.is_(True),
                    User.revoked_at.is_(None),
                    User.blocked_bot_at.is_(None),
                    Dealer.status == DealerStatus.PAUSED,
                )
            )
            unreachable["paused"] += int(paused or 0)
            unreachable["blocked"] += int(blocked or 0)
            unreachable["inactive"] += int(inactive or 0)
    return AudienceSize(len(dealers), len(reachable), unreachable)
