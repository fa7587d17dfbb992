"""A fake Telegram Bot API server on 127.0.0.1 that the real aiogram Dispatcher polls.

Every request the bot makes is recorded and checked against the official Bot API schema
(`../shared/fixtures/telegram-bot-api/api.json`): the method exists, required fields are there,
no unknown fields, values of plausible types, callback_data <= 64 bytes, text <= 4096 and
caption <= 1024 characters. Violations are collected; the test fixture asserts there are none.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "telegram-bot-api"
SCHEMA_FILE = SCHEMA_PATH / "api.json"
BOT_ID = 900_000_001
BOT_USERNAME = "dealer_test_bot"

# Limits the schema states only in prose; these are the ones a bot like ours can break.
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("sendMessage", "text"): 4096,
    ("editMessageText", "text"): 4096,
    ("answerCallbackQuery", "text"): 200,
}
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
_MUST_BE = re.compile(r"must be (?:\*)?([a-z_]+)", re.IGNORECASE)


# --------------------------------------------------------------------------- schema validation


class Schema:
    """The Bot API schema: validates a method call's parameters; returns a list of problems."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.methods: dict[str, Any] = data["methods"]
        self.types: dict[str, Any] = data["types"]

    @classmethod
    def load(cls, path: Path = SCHEMA_FILE) -> Schema:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def check_call(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> list[str]:
        """Problems with a call whose form values are raw strings (or uploaded files)."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such method in the Bot API"]
        problems: list[str] = []
        fields = {f["name"]: f for f in spec.get("fields", [])}
        for name, f in fields.items():
            if f["required"] and name not in params:
                problems.append(f"{method}: required field {name!r} missing")
        for name, raw in params.items():
            f = fields.get(name)
            if f is None:
                problems.append(f"{method}: unknown field {name!r}")
                continue
            if not any(self._raw_ok(t, raw, files) for t in f["types"]):
                problems.append(f"{method}.{name}: {raw!r:.80} is not {' or '.join(f['types'])}")
                continue
            limit = TEXT_LIMITS.get((method, name)) or (CAPTION_LIMIT if name == "caption" else 0)
            if limit and isinstance(raw, str) and len(raw) > limit:
                problems.append(f"{method}.{name}: {len(raw)} characters > {limit}")
            if isinstance(raw, str) and name in {"text", "caption"} and not raw.strip():
                problems.append(f"{method}.{name}: empty")
            if not any(t in ("String", "Integer", "Boolean", "Float") for t in f["types"]):
                value = _loads(raw)
                for t in f["types"]:
                    sub = self._value_problems(t, value, f"{method}.{name}")
                    if not sub:
                        break
                else:
                    problems.extend(self._value_problems(f["types"][0], value, f"{method}.{name}"))
        return problems

    def _raw_ok(self, type_name: str, raw: Any, files: dict[str, bytes]) -> bool:
        if isinstance(raw, bytes):
            return type_name == "InputFile"
        if type_name == "String":
            return True
        if type_name == "InputFile":
            return raw.startswith("attach://") and raw[9:] in files
        if type_name == "Integer":
            return re.fullmatch(r"-?\d+", raw) is not None
        if type_name in ("Float", "Float number"):
            try:
                float(raw)
            except ValueError:
                return False
            return True
        if type_name == "Boolean":
            return raw in ("true", "false")
        value = _loads(raw)
        if type_name.startswith("Array of "):
            return isinstance(value, list)
        return isinstance(value, dict)

    def _value_problems(self, type_name: str, value: Any, path: str) -> list[str]:
        """Problems of a JSON value against a schema type (recursive)."""
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected an array"]
            inner = type_name[len("Array of ") :]
            out: list[str] = []
            for i, item in enumerate(value):
                out.extend(self._value_problems(inner, item, f"{path}[{i}]"))
            return out
        scalar = {
            "String": lambda v: isinstance(v, str),
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "True": lambda v: v is True,
            "InputFile": lambda v: isinstance(v, str),
        }
        if type_name in scalar:
            return [] if scalar[type_name](value) else [f"{path}: {value!r:.60} is not {type_name}"]
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{path}: unknown type {type_name}"]
        if spec.get("subtypes"):
            candidates = list(spec["subtypes"])
            if isinstance(value, dict) and "type" in value:
                narrowed = [s for s in candidates if self._discriminator(s) == value["type"]]
                candidates = narrowed or candidates
            best: list[str] | None = None
            for sub in candidates:
                problems = self._value_problems(sub, value, path)
                if not problems:
                    return []
                if best is None or len(problems) < len(best):
                    best = problems
            return best or [f"{path}: matches no subtype of {type_name}"]
        fields = {f["name"]: f for f in spec.get("fields", [])}
        if not fields:
            return []
        if not isinstance(value, dict):
            return [f"{path}: expected {type_name} object"]
        out = []
        for name, f in fields.items():
            if f["required"] and name not in value:
                out.append(f"{path}: {type_name}.{name} required")
        for name, item in value.items():
            f = fields.get(name)
            if f is None:
                out.append(f"{path}: unknown field {type_name}.{name}")
                continue
            if all(self._value_problems(t, item, f"{path}.{name}") for t in f["types"]):
                out.extend(self._value_problems(f["types"][0], item, f"{path}.{name}"))
            if name == "callback_data" and len(str(item).encode()) > CALLBACK_DATA_LIMIT:
                out.append(f"{path}.callback_data: {len(str(item).encode())} bytes > 64")
            if name == "message_text" and isinstance(item, str) and len(item) > 4096:
                out.append(f"{path}.message_text: {len(item)} characters > 4096")
            if name == "caption" and isinstance(item, str) and len(item) > CAPTION_LIMIT:
                out.append(f"{path}.caption: {len(item)} characters > {CAPTION_LIMIT}")
        return out

    def _discriminator(self, type_name: str) -> str | None:
        for f in self.types.get(type_name, {}).get("fields", []):
            if f["name"] == "type":
                match = _MUST_BE.search(f.get("description", ""))
                return match.group(1) if match else None
        return None


def _loads(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


# --------------------------------------------------------------------------- people and records


@dataclass(frozen=True)
class TgUser:
    """A Telegram person writing to the bot in a private chat (chat id = user id)."""

    id: int
    first_name: str = "Иван"
    username: str | None = None
    language_code: str = "ru"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, uploaded files."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    result: Any = None
    at: float = field(default_factory=time.monotonic)  # when the request arrived
    status: int = 200

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Inline buttons as (text, callback_data or url or switch query)."""
        markup = self.params.get("reply_markup") or {}
        out = []
        for row in markup.get("inline_keyboard", []):
            for b in row:
                out.append((b["text"], b.get("callback_data") or b.get("url") or ""))
        return out

    @property
    def keyboard(self) -> list[str]:
        """Reply keyboard button texts."""
        markup = self.params.get("reply_markup") or {}
        return [b["text"] for row in markup.get("keyboard", []) for b in row]

    def button(self, starts: str) -> str:
        """callback_data of the first button whose text starts with `starts`."""
        for text, data in self.buttons:
            if text.startswith(starts):
                return data
        raise AssertionError(f"no button starting {starts!r} in {self.buttons}")

    @property
    def message_id(self) -> int | None:
        if isinstance(self.result, dict):
            return self.result.get("message_id")
        return None


# --------------------------------------------------------------------------- the server


class FakeTelegram:
    """The fake Bot API: feed updates in, read recorded calls out."""

    def __init__(
        self,
        schema: Schema,
        *,
        token: str = "123456:TEST-token",
        validate: bool = True,
        rate_limit: int | None = None,
    ) -> None:
        self.schema = schema
        # Telegram's flood control, when asked for: more than `rate_limit` messages sent or
        # edited within any second are answered 429 with retry_after (and not delivered)
        self.rate_limit = rate_limit
        self.too_many = 0  # 429s answered
        self._recent: deque[float] = deque()
        self.validate = validate
        self.counts: dict[str, int] = {}
        self.token = token
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.blocked_chats: set[int] = set()
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.url = ""
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._acked = 0  # highest update id confirmed by a later getUpdates offset
        self._closing = False
        self._runner: web.AppRunner | None = None

    # lifecycle ------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        self._closing = True
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # feeding updates --------------------------------------------------------------------------
    async def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue one update of `kind` (message, callback_query, inline_query, ...); its id."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: payload})
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def wait_acked(self, update_id: int, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until the bot has fetched `update_id` and asked for the next ones."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self._acked >= update_id)

    def message(self, user: TgUser, **content: Any) -> dict[str, Any]:
        """A private message from `user` with the given content fields."""
        return {
            "message_id": self._next_message_id(user.id),
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_dict(),
            **content,
        }

    def callback_query(self, user: TgUser, data: str, message_id: int) -> dict[str, Any]:
        """A button press by `user` on the bot's message `message_id`."""
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME},
            "text": "…",
        }
        return {
            "id": f"cq{next(self._file_ids)}",
            "from": user.as_dict(),
            "chat_instance": f"ci{user.id}",
            "message": message,
            "data": data,
        }

    def add_file(self, content: bytes, file_name: str = "file.bin") -> tuple[str, str]:
        """Store a file the person uploads; returns (file_id, file_unique_id)."""
        n = next(self._file_ids)
        file_id = f"FILE{n:06d}"
        self.files[file_id] = (f"documents/{n}_{file_name}", content)
        return file_id, f"U{n:06d}"

    # reading calls ---------------------------------------------------------------------------
    def calls_of(self, method: str, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda _c: True,
        timeout: float = 10,  # noqa: ASYNC109 - the helper's documented signature
        *,
        since: int = 0,
    ) -> Call:
        """The first call of `method` (at index >= since) matching `predicate`, waiting for it."""

        def find() -> Call | None:
            for c in self.calls[since:]:
                if c.method == method and predicate(c):
                    return c
            return None

        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: find() is not None)
        found = find()
        assert found is not None
        return found

    async def wait_count(self, method: str, count: int, timeout: float = 600) -> None:  # noqa: ASYNC109
        """Wait until the bot has called `method` `count` times in all."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.counts.get(method, 0) >= count)

    # HTTP handlers ---------------------------------------------------------------------------
    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for file_path, content in self.files.values():
            if file_path == path:
                return web.Response(body=content)
        return web.Response(status=404)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _fail(401, "Unauthorized")
        method = request.match_info["method"]
        raw: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:  # type: ignore[union-attr]
                    files[part.name or ""] = await part.read()  # type: ignore[union-attr]
                else:
                    raw[part.name or ""] = await part.text()  # type: ignore[union-attr]
        elif request.content_type == "application/json":
            raw = {
                k: v if isinstance(v, str) else json.dumps(v)
                for k, v in (await request.json()).items()
            }
        else:
            raw = dict(await request.post())  # type: ignore[arg-type]
        if self.validate:
            self.violations.extend(self.schema.check_call(method, raw, files))
        params = {name: self._decode(method, name, value) for name, value in raw.items()}
        if method == "getUpdates":
            return await self._get_updates(params)
        call = Call(method, params, files)
        if self._flooded(method, call.at):
            self.too_many += 1
            status, result = 429, "Too Many Requests: retry after 1"
        else:
            status, result = self._answer(call)
        call.result, call.status = result, status
        self.calls.append(call)
        self.counts[method] = self.counts.get(method, 0) + 1
        async with self._changed:
            self._changed.notify_all()
        if status == 429:
            return _fail(status, str(result), {"retry_after": 1})
        if status != 200:
            return _fail(status, str(result))
        return web.json_response({"ok": True, "result": result})

    def _flooded(self, method: str, at: float) -> bool:
        """Over the rate limit: a message call beyond `rate_limit` within the last second."""
        if self.rate_limit is None or not is_message_call(method):
            return False
        while self._recent and self._recent[0] <= at - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return True
        self._recent.append(at)
        return False

    def _decode(self, method: str, name: str, value: Any) -> Any:
        spec = {f["name"]: f for f in self.schema.methods.get(method, {}).get("fields", [])}
        types = spec.get(name, {}).get("types", ["String"])
        if not isinstance(value, str) or types == ["String"]:
            return value
        if "Integer" in types and re.fullmatch(r"-?\d+", value):
            return int(value)
        return _loads(value)

    async def _get_updates(self, params: dict[str, Any]) -> web.StreamResponse:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if offset - 1 > self._acked:
                self._acked = offset - 1
                async with self._changed:
                    self._changed.notify_all()
        timeout = min(float(params.get("timeout") or 0), 25.0)
        if not self._updates and timeout and not self._closing:
            try:
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
            except TimeoutError:
                pass
        limit = int(params.get("limit") or 100)
        return web.json_response({"ok": True, "result": self._updates[:limit]})

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _bot_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Dealer"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bot", "username": BOT_USERNAME},
            **content,
        }

    def _answer(self, call: Call) -> tuple[int, Any]:
        p = call.params
        chat_id = call.chat_id
        if chat_id is not None and chat_id in self.blocked_chats:
            return 403, "Forbidden: bot was blocked by the user"
        markup = p.get("reply_markup")
        inline = (
            {"reply_markup": markup}
            if isinstance(markup, dict) and "inline_keyboard" in markup
            else {}
        )
        m = call.method
        if m == "getMe":
            return 200, {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Dealer Bot",
                "username": BOT_USERNAME,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if m == "sendMessage":
            return 200, self._bot_message(int(p["chat_id"]), text=p.get("text", ""), **inline)
        if m == "sendPhoto":
            # An upload ("attach://<part>") gets a new file_id, as on Telegram; a file_id or URL
            # is answered with itself.
            photo = str(p.get("photo") or "")
            if photo.startswith("attach://") and photo[9:] in call.files:
                file_id, unique_id = self.add_file(call.files[photo[9:]], "photo.jpg")
            else:
                file_id, unique_id = photo or "P1", f"U{photo or 'P1'}"[:64]
            return 200, self._bot_message(
                int(p["chat_id"]),
                photo=[{"file_id": file_id, "file_unique_id": unique_id, "width": 1, "height": 1}],
                caption=p.get("caption", ""),
            )
        if m == "sendDocument":
            name = next(iter(call.files), "file")
            return 200, self._bot_message(
                int(p["chat_id"]),
                document={"file_id": f"D{name}", "file_unique_id": f"UD{name}"},
                caption=p.get("caption", ""),
            )
        if m == "sendMediaGroup":
            return 200, [
                self._bot_message(
                    int(p["chat_id"]),
                    photo=[{"file_id": "P1", "file_unique_id": "UP1", "width": 1, "height": 1}],
                )
                for _ in p.get("media", [])
            ]
        if m in ("editMessageText", "editMessageReplyMarkup", "editMessageCaption"):
            if "inline_message_id" in p:
                return 200, True
            return 200, {
                "message_id": int(p.get("message_id") or 0),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Dealer"},
                "text": p.get("text", "…"),
                **inline,
            }
        if m == "getFile":
            entry = self.files.get(str(p.get("file_id")))
            if entry is None:
                return 400, "Bad Request: invalid file_id"
            return 200, {
                "file_id": p["file_id"],
                "file_unique_id": f"U{p['file_id']}",
                "file_size": len(entry[1]),
                "file_path": entry[0],
            }
        if m == "getWebhookInfo":
            return 200, {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return 200, True


def is_message_call(method: str) -> bool:
    """A call Telegram's messages-per-second limit counts: sending, copying, forwarding or
    editing a message."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "copy", "forward", "edit"))


def _fail(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def texts(calls: Iterable[Call]) -> list[str]:
    """The texts (or captions) of calls, for readable assertions."""
    return [c.text for c in calls if c.text]
