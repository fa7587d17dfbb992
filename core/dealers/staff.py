"""Staff accounts of the web admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import AuditEntry, Role, StaffAccount, utcnow
from core.security import check_new_password, hash_password


async def create_staff_account(
    session: AsyncSession, *, login: str, password: str, role: str = Role.ADMIN
) -> StaffAccount:
    """A new admin or manager login with an argon2 password hash."""
    login = login.strip().lower()
    if not login:
        raise InvalidInput("staff.login_required")
    if role not in (Role.ADMIN, Role.MANAGER):
        raise InvalidInput("staff.bad_role", role=role)
    check_new_password(password)
    if await session.scalar(select(StaffAccount.id).where(StaffAccount.login == login)):
        raise InvalidInput("staff.login_taken", login=login)
    account = StaffAccount(login=login, password_hash=hash_password(password), role=role)
    session.add(account)
    await session.flush()
    return account


async def set_staff_password(
    session: AsyncSession, *, login: str, password: str, actor: str = ""
) -> StaffAccount:
    """Give a staff login a new password (a forgotten one is reset this way).

    Blank and short passwords are refused; the lockout after wrong passwords is lifted and the
    sessions made with the old password end (their tag no longer matches). The reset is written
    to the audit log with `actor` (e.g. "cli") as the one who did it.
    """
    login = login.strip().lower()
    account = await session.scalar(select(StaffAccount).where(StaffAccount.login == login))
    if account is None:
        raise NotFound("staff.not_found", login=login)
    check_new_password(password)
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    session.add(
        AuditEntry(
            at=utcnow(),
            staff_login=actor,
            action="staff.password_reset",
            object_type="staff",
            object_id=str(account.id),
            details={"login": login},
        )
    )
    await session.flush()
    return account
