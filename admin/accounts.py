"""Staff logins with lockout, the person a staff login acts as, and JSON API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core import throttle
from core.access.scope import scope_for
from core.errors import Forbidden, InvalidInput
from core.models import ApiToken, AuditEntry, Role, StaffAccount, User, utcnow
from core.security import hash_password, verify_password

MAX_FAILED_LOGINS = throttle.ADMIN_ACCOUNT_IP.limit
LOCKOUT = throttle.ADMIN_ACCOUNT_IP.window
TOKEN_PREFIX = "dbt_"
_DUMMY_HASH = hash_password("not-a-real-password")  # equal work for unknown logins
log = logging.getLogger("admin.auth")


class LoginRefused(Forbidden):
    """Wrong login or password, or the account is locked or disabled."""


FAILURE_REASONS = {"bad_credentials": "неверный логин или пароль", "throttled": "вход заблокирован"}


def record_failed_login(session: AsyncSession, login: str, ip: str | None, reason: str) -> None:
    """The one record of a refused admin login: a log line and an audit entry
    (`auth.login_failed`, with the login tried, the reason and the address; never the
    password)."""
    log.warning("admin login refused login=%r ip=%s reason=%s", login[:100], ip, reason)
    session.add(
        AuditEntry(
            at=utcnow(),
            staff_login=login.strip().lower()[:100],
            action="auth.login_failed",
            object_type="staff",
            object_id="",
            details={"причина": FAILURE_REASONS.get(reason, reason)},
            remote_addr=ip,
        )
    )


async def authenticate(
    session: AsyncSession,
    login: str,
    password: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> StaffAccount:
    """The staff account for a login and password, within the throttles of core.throttle:
    MAX_FAILED_LOGINS wrong passwords for one account from one address block that account
    from that address for up to LOCKOUT (even the right password is refused meanwhile), and
    too many failures from one address block it for every account. The account itself is never
    locked for everyone, so a stranger cannot lock the real admin out.

    Raises LoginRefused `auth.bad_credentials` or `auth.locked` (with `until`). The caller
    commits, so the failures are counted and recorded.
    """
    now = now or utcnow()
    key = throttle.account_ip_key(login, ip)
    blocked = [
        until
        for until in (
            await throttle.blocked_until(session, throttle.ADMIN_IP, ip or "-", now=now),
            await throttle.blocked_until(session, throttle.ADMIN_ACCOUNT_IP, key, now=now),
        )
        if until is not None
    ]
    if blocked:
        log.warning("admin login throttled login=%r ip=%s", login[:100], ip)
        raise LoginRefused("auth.locked", until=max(blocked))
    account = await session.scalar(
        select(StaffAccount).where(StaffAccount.login == login.strip().lower())
    )
    held = account.locked_until if account is not None and account.is_active else None
    if held is not None and held > now:  # an old lock; nothing here locks an account any more
        raise LoginRefused("auth.locked", until=held)
    if account is None or not account.is_active:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(account.password_hash, password)
    if not ok or account is None:
        record_failed_login(session, login, ip, "bad_credentials")
        until = [
            u
            for u in (
                await throttle.hit(session, throttle.ADMIN_IP, ip or "-", now=now),
                await throttle.hit(session, throttle.ADMIN_ACCOUNT_IP, key, now=now),
            )
            if u is not None
        ]
        if until:
            record_failed_login(session, login, ip, "throttled")
            raise LoginRefused("auth.locked", until=max(until))
        raise LoginRefused("auth.bad_credentials")
    await throttle.clear(session, throttle.ADMIN_ACCOUNT_IP, key)
    account.failed_logins = 0
    account.locked_until = None
    await session.flush()
    return account


async def acting_user(session: AsyncSession, staff: StaffAccount) -> User:
    """The person a staff login acts as in core services (order and claim decisions).

    A login without one gets a User of its own role (no Telegram id), linked from now on.
    """
    if staff.user_id is not None:
        user = await session.get(User, staff.user_id)
        if user is not None:
            return user
    user = User(telegram_id=None, role=staff.role, full_name=staff.login)
    session.add(user)
    await session.flush()
    staff.user_id = user.id
    await session.flush()
    return user


def dealer_scope(staff: StaffAccount) -> ColumnElement[bool] | None:
    """The condition on Dealer a staff login may see: None (all) for an admin, their own
    dealers for a manager (none if the login is bound to no person): core.access's one rule."""
    return scope_for(staff.role, staff.user_id)


def token_hash(token: str) -> str:
    """The stored form of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_api_token(
    session: AsyncSession,
    name: str,
    *,
    created_by_id: int | None = None,
    manager_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A new API token; the plain token is returned once and never stored.

    Without `manager_id` the token reads as an admin (every dealer); with it, only what that
    manager may see (core.access.scope.owner_scope)."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("api_token.name_required")
    if len(name) > 100:
        raise InvalidInput("api_token.name_too_long", limit=100)
    if manager_id is not None:
        manager = await session.get(User, manager_id)
        if manager is None or manager.role != Role.MANAGER or manager.revoked_at is not None:
            raise InvalidInput("api_token.owner_invalid")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        token_hash=token_hash(token),
        prefix=token[:12],
        created_by_id=created_by_id,
        created_at=utcnow(),
        role=Role.MANAGER if manager_id is not None else Role.ADMIN,
        user_id=manager_id,
    )
    session.add(row)
    await session.flush()
    return row, token


async def check_api_token(session: AsyncSession, token: str) -> ApiToken | None:
    """The live token row for a presented token, or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def staff_roles() -> tuple[str, ...]:
    """Roles a staff login may have."""
    return (Role.ADMIN, Role.MANAGER)
