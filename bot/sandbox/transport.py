"""An in-process Bot API: an aiogram session that answers the bot's calls and keeps what they
show in the sandbox's chats (core.models.SandboxMessage) instead of sending HTTP requests."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncGenerator
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import SandboxFile, SandboxMessage, utcnow

BOT_USER = {"id": 100000, "is_bot": True, "first_name": "DealerBot", "username": "sandbox_bot"}
# what the update being fed gets back besides messages: toasts, inline results (the feeder sets it)
CURRENT: ContextVar[dict[str, Any] | None] = ContextVar("sandbox_call", default=None)
SEND = {"sendMessage": "text", "sendPhoto": "photo", "sendDocument": "document"}
EDIT = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})


async def next_message_id(session: AsyncSession, chat_id: int) -> int:
    """The chat's next message id (the person's and the bot's messages share them)."""
    last = await session.scalar(
        select(func.max(SandboxMessage.message_id)).where(SandboxMessage.chat_id == chat_id)
    )
    return int(last or 0) + 1


def new_box(chat_id: int) -> dict[str, Any]:
    """What one fed update collects: writes to make after it, toasts, inline results."""
    return {"chat_id": chat_id, "toasts": [], "inline": None, "ops": [], "ids": {}, "rows": {}}


async def allot_id(session: AsyncSession, box: dict[str, Any], chat_id: int) -> int:
    """The chat's next message id, counting those not written yet."""
    ids: dict[int, int] = box["ids"]
    if chat_id not in ids:
        ids[chat_id] = await next_message_id(session, chat_id) - 1
    ids[chat_id] += 1
    return ids[chat_id]


async def apply(sessionmaker: async_sessionmaker[AsyncSession], box: dict[str, Any]) -> None:
    """Write what the box collected (new messages and files, edits) in one transaction."""
    ops, box["ops"] = box["ops"], []
    if not ops:
        return
    async with sessionmaker() as session:
        for op in ops:
            if op[0] == "add":
                session.add(op[1])
                await session.flush()
            else:
                _, chat_id, message_id, values = op
                await session.execute(
                    update(SandboxMessage)
                    .where(
                        SandboxMessage.chat_id == chat_id, SandboxMessage.message_id == message_id
                    )
                    .values(**values)
                )
        await session.commit()
    box["rows"].clear()


def message_json(row: SandboxMessage) -> dict[str, Any]:
    """The Bot API Message of a stored message."""
    out: dict[str, Any] = {
        "message_id": row.message_id,
        "date": int(row.created_at.timestamp()),
        "chat": {"id": row.chat_id, "type": "private"},
        "from": BOT_USER
        if row.from_bot
        else {"id": row.chat_id, "is_bot": False, "first_name": "-"},
    }
    if row.kind == "photo":
        out["photo"] = [
            {"file_id": row.file_id, "file_unique_id": row.file_id, "width": 1, "height": 1}
        ]
        out["caption"] = row.text
    elif row.kind == "document":
        out["document"] = {
            "file_id": row.file_id,
            "file_unique_id": row.file_id,
            "file_name": row.file_name,
        }
        out["caption"] = row.text
    else:
        out["text"] = row.text
    if row.markup and "inline_keyboard" in row.markup:
        out["reply_markup"] = row.markup
    return out


class SandboxSession(BaseSession):
    """Answers Bot API methods from the database (several admin workers see the same chats)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker

    async def close(self) -> None:
        """Nothing to close: no connection is held."""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        """Answer `method` as Telegram would, keeping its effect on the chat."""
        files: dict[str, InputFile] = {}
        params = {
            key: self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            for key, value in method.model_dump(warnings=False).items()
        }
        box = CURRENT.get()
        if box is None:  # outside a feed: write at once
            box = new_box(0)
            async with self.sessionmaker() as session:
                result = await self._answer(session, bot, method.__api_method__, params, files, box)
            await apply(self.sessionmaker, box)
        else:  # inside a feed the update's own transaction may hold SQLite's write lock:
            async with self.sessionmaker() as session:  # read now, write after the update
                result = await self._answer(session, bot, method.__api_method__, params, files, box)
        content = json.dumps({"ok": True, "result": result}, default=str)
        response = self.check_response(bot=bot, method=method, status_code=200, content=content)
        return response.result  # type: ignore[return-value]

    async def _answer(
        self,
        session: AsyncSession,
        bot: Bot,
        name: str,
        params: dict[str, Any],
        files: dict[str, InputFile],
        box: dict[str, Any],
    ) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in SEND:
            return message_json(await self._send(session, bot, SEND[name], params, files, box))
        if name == "sendMediaGroup":
            sent = []
            for item in params.get("media") or []:
                one = {
                    "chat_id": params["chat_id"],
                    "photo": item.get("media"),
                    "caption": item.get("caption", ""),
                }
                sent.append(message_json(await self._send(session, bot, "photo", one, files, box)))
            return sent
        if name in EDIT or name == "deleteMessage":
            row = await session.scalar(
                select(SandboxMessage).where(
                    SandboxMessage.chat_id == int(params.get("chat_id") or 0),
                    SandboxMessage.message_id == int(params.get("message_id") or 0),
                )
            )
            row = box["rows"].get(
                (int(params.get("chat_id") or 0), int(params.get("message_id") or 0)), row
            )
            if row is None:
                return True
            values: dict[str, Any] = {"markup": params.get("reply_markup")}
            if name == "deleteMessage":
                values = {"deleted": True}
            elif name in ("editMessageText", "editMessageCaption"):
                values["text"] = str(params.get("text") or params.get("caption") or "")
            for key, value in values.items():
                setattr(row, key, value)
            box["ops"].append(("edit", row.chat_id, row.message_id, values))
            return True if name == "deleteMessage" else message_json(row)
        if name == "answerCallbackQuery":
            if params.get("text") and box["chat_id"]:
                box["toasts"].append(str(params["text"]))
                toast = SandboxMessage(
                    chat_id=box["chat_id"], message_id=0, kind="toast", text=str(params["text"])
                )
                box["ops"].append(("add", toast))
            return True
        if name == "answerInlineQuery":
            box["inline"] = params.get("results") or []
            return True
        if name == "getFile":
            return {
                "file_id": params["file_id"],
                "file_unique_id": params["file_id"],
                "file_path": params["file_id"],
            }
        return True  # sendChatAction, setMyCommands, deleteWebhook, ...

    async def _send(
        self,
        session: AsyncSession,
        bot: Bot,
        kind: str,
        params: dict[str, Any],
        files: dict[str, InputFile],
        box: dict[str, Any],
    ) -> SandboxMessage:
        chat_id = int(params["chat_id"])
        file_id, file_name = None, None
        if kind != "text":
            value = params.get(kind)
            if isinstance(value, str) and value.startswith("attach://"):
                upload = files[value.removeprefix("attach://")]
                content = b"".join([chunk async for chunk in upload.read(bot)])
                file_id = "sbx-" + secrets.token_urlsafe(12)
                file_name = upload.filename or f"{kind}.bin"
                box["ops"].append(
                    ("add", SandboxFile(file_id=file_id, name=file_name, content=content))
                )
            else:  # a Telegram file_id, or one of ours sent again
                file_id = str(value)
                known = await session.scalar(
                    select(SandboxFile.name).where(SandboxFile.file_id == file_id)
                )
                file_name = known or f"{kind}"
        row = SandboxMessage(
            chat_id=chat_id,
            message_id=await allot_id(session, box, chat_id),
            from_bot=True,
            kind=kind,
            text=str(params.get("text") or params.get("caption") or ""),
            markup=params.get("reply_markup"),
            file_id=file_id,
            file_name=file_name,
            created_at=utcnow(),
        )
        box["ops"].append(("add", row))
        box["rows"][(chat_id, row.message_id)] = row
        return row

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        """A file's bytes: the last part of the file URL is our file_id."""
        file_id = url.rstrip("/").rsplit("/", 1)[-1]
        async with self.sessionmaker() as session:
            content = await session.scalar(
                select(SandboxFile.content).where(SandboxFile.file_id == file_id)
            )
        yield content or b""
