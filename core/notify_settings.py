"""Who gets manager notifications besides the dealer's manager, and what happens after hours.

Two runtime settings: the managers' group chat and the after-hours policy. The admin's
settings table (core.models.admin: keys `managers_chat_id`, `after_hours_policy`) wins when
it holds a value; otherwise they come from the environment: MANAGERS_CHAT_ID and AFTER_HOURS_POLICY
(`immediate`: send at once; `digest`: hold for the digest at the start of the next working day).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models.admin import get_setting

log = logging.getLogger("core.notify_settings")
IMMEDIATE = "immediate"
DIGEST = "digest"
POLICIES = (IMMEDIATE, DIGEST)
CHAT_KEY = "managers_chat_id"
POLICY_KEY = "after_hours_policy"


class NotifyEnv(BaseSettings):
    """The environment fallback of the two settings."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    managers_chat_id: int | None = None
    after_hours_policy: str = DIGEST


@dataclass(frozen=True)
class NotifySettings:
    """The values in force."""

    managers_chat_id: int | None = None
    after_hours_policy: str = DIGEST

    def __post_init__(self) -> None:
        if self.after_hours_policy not in POLICIES:
            raise InvalidInput("notify.bad_policy", policy=self.after_hours_policy)


async def load_notify_settings(
    session: AsyncSession, env: NotifyEnv | None = None
) -> NotifySettings:
    """The settings in force: the admin table's values, else the environment's."""
    env = env or NotifyEnv()
    chat, policy = env.managers_chat_id, env.after_hours_policy
    stored_chat = await get_setting(session, CHAT_KEY)
    stored_policy = await get_setting(session, POLICY_KEY)
    if stored_chat and stored_chat.strip().lstrip("-").isdigit():
        chat = int(stored_chat)
    if stored_policy in POLICIES:
        policy = str(stored_policy)
    return NotifySettings(managers_chat_id=chat, after_hours_policy=policy)
