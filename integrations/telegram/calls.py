"""The Bot API calls the sender makes for one message (text, photos, edit, uploaded photo)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.broadcasts import photos
from core.locks import BROADCAST_PHOTO, shared_lock
from core.outgoing import Keyboard, Outgoing

# Bad Request texts about the photo itself (not the chat): an upload refused with one of these
# is refused for every recipient, so it is not tried again for each of them.
_PHOTO_REFUSED = ("PHOTO_", "IMAGE_PROCESS_FAILED", "wrong file", "file must be non-empty")


def _markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    """The Bot API keyboard for the plain buttons the bot built."""
    if not keyboard:
        return None
    rows = [
        [InlineKeyboardButton(text=b.text, callback_data=b.callback_data, url=b.url) for b in row]
        for row in keyboard
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


class BotCalls:
    """Sends `core.outgoing.Outgoing` messages through `bot`; one instance per sender."""

    def __init__(self, bot: Bot, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        # A broadcast's uploaded photo goes up once: the first message uploads it (holding
        # core.locks.shared_lock), messages rendered meanwhile, in any process, wait for it and
        # send the file_id Telegram returned.
        self._refused_uploads: dict[tuple[int, int], TelegramBadRequest] = {}

    async def request(self, chat_id: int, out: Outgoing) -> int | None:
        """One Bot API call; the id of the (first) message it made or changed."""
        if out.method == "edit":
            assert out.message_id is not None
            edited = await self.bot.edit_message_text(
                text=out.text,
                chat_id=chat_id,
                message_id=out.message_id,
                reply_markup=_markup(out.keyboard),
            )
            return edited.message_id if isinstance(edited, Message) else out.message_id
        if out.method == "photo" and out.upload_of is not None:
            return await self._upload(chat_id, out, out.upload_of)
        if out.method == "photo":
            photo = await self.bot.send_photo(
                chat_id,
                out.photos[0],
                caption=out.text or None,
                parse_mode=out.parse_mode,
                reply_markup=_markup(out.keyboard),
            )
            return photo.message_id
        if out.method == "photos":
            if len(out.photos) == 1:
                photo = await self.bot.send_photo(chat_id, out.photos[0])
                return photo.message_id
            media: list[Any] = [InputMediaPhoto(media=file_id) for file_id in out.photos[:10]]
            album = await self.bot.send_media_group(chat_id, media)
            return album[0].message_id if album else None
        sent = await self.bot.send_message(
            chat_id, out.text, parse_mode=out.parse_mode, reply_markup=_markup(out.keyboard)
        )
        return sent.message_id

    async def _upload(self, chat_id: int, out: Outgoing, broadcast_id: int) -> int | None:
        """A broadcast message with its uploaded photo, read now: the bytes the first time,
        then the file_id Telegram gave them (kept in the database for later messages and
        restarts). A photo Telegram refused is not uploaded again for every recipient."""
        async with (
            self.sessionmaker() as lock_session,
            shared_lock(lock_session, BROADCAST_PHOTO, broadcast_id),
        ):  # across processes on PostgreSQL: the second uploader finds the file_id
            async with self.sessionmaker() as session:
                photo = await photos.to_send(session, broadcast_id)
            if photo is None:  # removed from the draft since the message was rendered
                return await self.request(chat_id, replace(out, method="text", upload_of=None))
            refused = self._refused_uploads.get((broadcast_id, photo.version))
            if refused is not None:
                raise refused
            upload = photo.file_id or BufferedInputFile(photo.content or b"", photo.file_name)
            try:
                sent = await self.bot.send_photo(
                    chat_id,
                    upload,
                    caption=out.text or None,
                    parse_mode=out.parse_mode,
                    reply_markup=_markup(out.keyboard),
                )
            except TelegramBadRequest as error:
                if photo.file_id is None and any(m in str(error) for m in _PHOTO_REFUSED):
                    self._refused_uploads[(broadcast_id, photo.version)] = error
                raise
            if photo.file_id is None and sent.photo:
                async with self.sessionmaker() as session:
                    await photos.remember_file_id(
                        session, broadcast_id, photo.version, sent.photo[-1].file_id
                    )
                    await session.commit()
        return sent.message_id
