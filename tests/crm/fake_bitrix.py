"""A fake Bitrix24 portal on localhost: the incoming-webhook REST methods the adapter calls.

POST /rest/<user>/<code>/<method> with a JSON body, answered in Bitrix24's shapes (`result`,
`time`; `batch` with `result`/`result_error` and `$result[name]` substitution). Switches:
`fail_503` answers the next N calls 503, `limit` the next N calls 503 QUERY_LIMIT_EXCEEDED,
`wrong_webhook` answers 401 INVALID_CREDENTIALS, `hold_after` makes a method do its work and
then never answer (the client is cut off after the portal accepted it).
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

CODE = "secretcode42"
_KEY = re.compile(r"([^\[\]]+)|\[([^\]]*)\]")


def php_query(query: str) -> dict[str, Any]:
    """`fields[TITLE]=x&rows[0][PRICE]=1` -> nested dicts/lists, as PHP's parse_str does."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        parts = [a or b for a, b in _KEY.findall(key)]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(out)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


class FakePortal:
    """In-memory CRM: companies, requisites, contacts, deals with rows, activities."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        self.rows: dict[int, list[dict[str, Any]]] = {}
        self.calls: list[str] = []  # every method, batch commands included
        self.requests = 0  # HTTP requests
        self.fail_503 = 0
        self.limit = 0
        self.wrong_webhook = False
        self.hold_after: str | None = None
        self.held = asyncio.Event()
        self._ids = 0
        self._last_methods: list[str] = []

    # ---------------------------------------------------------------- HTTP
    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.wrong_webhook or request.match_info["code"] != CODE:
            return web.json_response(
                {
                    "error": "INVALID_CREDENTIALS",
                    "error_description": "Invalid request credentials",
                },
                status=401,
            )
        if self.fail_503 > 0:
            self.fail_503 -= 1
            return web.Response(status=503, text="Service Unavailable")
        if self.limit > 0:
            self.limit -= 1
            return web.json_response(
                {"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"},
                status=503,
            )
        method = request.match_info["method"].removesuffix(".json")
        params = await request.json() if request.can_read_body else {}
        if method == "batch":
            body = self.batch(params)
        else:
            try:
                body = {"result": self.run(method, params)}
            except KeyError as error:
                return web.json_response(
                    {"error": "ERROR_METHOD_NOT_FOUND", "error_description": str(error)}, status=400
                )
        body["time"] = {"operating": 0.001}
        if self.hold_after is not None and self.hold_after in self._last_methods:
            self.held.set()
            await asyncio.Event().wait()  # the portal did it; the answer never comes
        return web.json_response(body)

    def batch(self, params: dict[str, Any]) -> dict[str, Any]:
        results: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        self._last_methods = []
        for name, command in params.get("cmd", {}).items():
            method, _, query = command.partition("?")
            for ref, value in results.items():
                query = query.replace(f"%24result%5B{ref}%5D", str(value))
                query = query.replace(f"$result[{ref}]", str(value))
            try:
                results[name] = self.run(method, php_query(query), batched=True)
            except KeyError as error:
                errors[name] = {"error": "ERROR_METHOD_NOT_FOUND", "error_description": str(error)}
                if str(params.get("halt", 0)) == "1":
                    break
        return {"result": {"result": results, "result_error": errors or []}}

    # ---------------------------------------------------------------- methods
    def run(self, method: str, params: dict[str, Any], *, batched: bool = False) -> Any:
        self.calls.append(method)
        if not batched:
            self._last_methods = [method]
        else:
            self._last_methods.append(method)
        entity, _, action = method.removeprefix("crm.").rpartition(".")
        if method == "crm.deal.productrows.set":
            self.rows[int(params["id"])] = list(params.get("rows") or [])
            return True
        if method == "crm.deal.productrows.get":
            return self.rows.get(int(params["id"]), [])
        if method == "crm.activity.todo.add":
            fields = {
                "OWNER_TYPE_ID": str(params["ownerTypeId"]),
                "OWNER_ID": str(params["ownerId"]),
                "SUBJECT": params["title"],
                "DESCRIPTION": params.get("description", ""),
                "RESPONSIBLE_ID": str(params.get("responsibleId", "")),
            }
            return {"id": self._add("activity", fields)}
        if entity not in {"company", "requisite", "contact", "deal", "activity"}:
            raise KeyError(method)
        if action == "add":
            return self._add(entity, params["fields"])
        if action == "update":
            self.tables[entity][int(params["id"])].update(params["fields"])
            return True
        if action == "list":
            wanted = params.get("filter") or {}
            return [
                {"ID": str(i), **row}
                for i, row in self.tables[entity].items()
                if all(str(row.get(k)) == str(v) for k, v in wanted.items())
            ]
        raise KeyError(method)

    def _add(self, entity: str, fields: dict[str, Any]) -> int:
        self._ids += 1
        self.tables[entity][self._ids] = {k: v for k, v in fields.items()}
        return self._ids

    # ---------------------------------------------------------------- for tests
    def of(self, entity: str) -> list[dict[str, Any]]:
        return [{"ID": str(i), **row} for i, row in self.tables[entity].items()]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/rest/{user}/{code}/{method}", self.handle)
        return app
