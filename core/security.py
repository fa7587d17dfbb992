"""Password hashing for staff accounts (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput

_hasher = PasswordHasher()
MIN_PASSWORD = 10
COMMON_PASSWORDS = {
    "password",
    "password1",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "changeme123",
    "administrator",
    "adminadmin",
}


def check_new_password(password: str) -> str:
    """The one rule for a new staff password (CLI, admin pages): not blank, at least
    MIN_PASSWORD characters that are not spaces at either end, not a well-known password.

    Returns the password unchanged; raises InvalidInput `staff.password_blank`,
    `staff.password_too_short` (with `minimum`) or `staff.password_common`.
    """
    if not password or not password.strip():
        raise InvalidInput("staff.password_blank")
    if len(password.strip()) < MIN_PASSWORD:
        raise InvalidInput("staff.password_too_short", minimum=MIN_PASSWORD)
    if password.strip().lower() in COMMON_PASSWORDS:
        raise InvalidInput("staff.password_common")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
