"""Throttles on failed logins: a sliding window of failures per rule and key, in the database.

Every process reads and writes the same `throttle_hits` rows, so the limits hold across
workers. A key is blocked while it has `limit` failures in the last `window`; the block lifts
by itself when the oldest of them ages out. The rules (README: Security):

- admin login per account and IP: 5 failures in 15 minutes block that account from that IP
  only (a stranger's guesses never lock the real admin out from another address);
- admin login per IP: 20 failures in 15 minutes block the address for every account;
- 1C Basic auth per IP: 10 failures in 15 minutes block the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ThrottleHit, utcnow


@dataclass(frozen=True)
class Rule:
    """`limit` failures per key within `window` block the key."""

    name: str
    limit: int
    window: timedelta


ADMIN_ACCOUNT_IP = Rule("admin.account_ip", 5, timedelta(minutes=15))
ADMIN_IP = Rule("admin.ip", 20, timedelta(minutes=15))
ONEC_IP = Rule("onec.ip", 10, timedelta(minutes=15))


def account_ip_key(login: str, ip: str | None) -> str:
    """The key of one account tried from one address."""
    return f"{login.strip().lower()[:100]}|{ip or '-'}"


async def blocked_until(
    session: AsyncSession, rule: Rule, key: str, *, now: datetime | None = None
) -> datetime | None:
    """When `key` may try again, or None if it is not blocked now."""
    now = now or utcnow()
    recent = list(
        await session.scalars(
            select(ThrottleHit.at)
            .where(
                ThrottleHit.rule == rule.name,
                ThrottleHit.key == key,
                ThrottleHit.at > now - rule.window,
            )
            .order_by(ThrottleHit.at.desc())
            .limit(rule.limit)
        )
    )
    if len(recent) < rule.limit:
        return None
    return recent[-1] + rule.window  # the oldest counted failure leaves the window then


async def hit(
    session: AsyncSession, rule: Rule, key: str, *, now: datetime | None = None
) -> datetime | None:
    """Count one failure for `key`; returns when it may try again if this blocked it."""
    now = now or utcnow()
    await session.execute(
        delete(ThrottleHit).where(
            ThrottleHit.rule == rule.name, ThrottleHit.at <= now - rule.window
        )
    )
    session.add(ThrottleHit(rule=rule.name, key=key[:200], at=now))
    await session.flush()
    return await blocked_until(session, rule, key, now=now)


async def clear(session: AsyncSession, rule: Rule, key: str) -> None:
    """Forget the failures of `key` (a successful login, an admin's unlock)."""
    await session.execute(
        delete(ThrottleHit).where(ThrottleHit.rule == rule.name, ThrottleHit.key == key)
    )


async def clear_account(session: AsyncSession, login: str) -> None:
    """Forget one account's failures from every address (the admin's "unlock")."""
    prefix = f"{login.strip().lower()[:100]}|"
    await session.execute(
        delete(ThrottleHit).where(
            ThrottleHit.rule == ADMIN_ACCOUNT_IP.name, ThrottleHit.key.startswith(prefix)
        )
    )


async def account_locks(
    session: AsyncSession, *, now: datetime | None = None
) -> dict[str, datetime]:
    """Accounts blocked from some address now, with the latest time one may try again."""
    now = now or utcnow()
    keys = set(
        await session.scalars(
            select(ThrottleHit.key).where(
                ThrottleHit.rule == ADMIN_ACCOUNT_IP.name,
                ThrottleHit.at > now - ADMIN_ACCOUNT_IP.window,
            )
        )
    )
    locks: dict[str, datetime] = {}
    for key in keys:
        until = await blocked_until(session, ADMIN_ACCOUNT_IP, key, now=now)
        if until is not None:
            login = key.rsplit("|", 1)[0]
            locks[login] = max(until, locks.get(login, until))
    return locks
