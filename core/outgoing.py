"""One outgoing Telegram message as data: what the bot builds and the sender delivers.

`bot/` renders a delivery row into an `Outgoing` (texts, buttons); `integrations/telegram/`
sends it (rate limit, retries, 403). The keyboard is plain data, so neither side imports the
other; the composition root hands the bot's renderer to the sender.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Delivery


@dataclass(frozen=True)
class Button:
    """An inline button: a callback (`callback_data`) or a link (`url`)."""

    text: str
    callback_data: str | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Outgoing:
    """One Bot API call: send a text, send photos, or edit a message already sent."""

    method: str  # "text" | "photos" | "edit" | "photo" (one photo, `text` as its caption)
    text: str = ""
    keyboard: Keyboard | None = None
    photos: tuple[str, ...] = field(default_factory=tuple)
    message_id: int | None = None  # the message an edit changes
    parse_mode: str | None = None  # "HTML" for broadcasts, composed with Telegram's HTML
    upload_of: int | None = None  # the broadcast whose uploaded photo the sender sends


class Renderer(Protocol):
    """Builds the message for a delivery row, or None when there is nothing left to send."""

    async def __call__(self, session: AsyncSession, delivery: Delivery) -> Outgoing | None: ...
