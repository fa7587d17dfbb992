"""Staff accounts of the web admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Role, StaffAccount
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
