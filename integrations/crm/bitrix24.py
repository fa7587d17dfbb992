"""The Bitrix24 adapter on fast-bitrix24 (async, aiohttp): incoming-webhook REST calls.

fast-bitrix24 keeps within the portal's leaky bucket (`requests_per_second`, 2 by default as
Bitrix24's own limit) and retries 5xx answers (QUERY_LIMIT_EXCEEDED comes as a 503) a few
times with growing pauses; what still fails here becomes CrmRetryable for the worker's later
retry. 401/403 and the auth error codes become CrmAuthError (the worker pauses). Several calls
that depend on each other go in one `batch` request ($result[...] links them).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from fast_bitrix24 import BitrixAsync
from fast_bitrix24.srh import ServerError
from fast_bitrix24.utils import http_build_query

from integrations.crm.port import (
    CrmAuthError,
    CrmFailure,
    CrmRetryable,
    DealerCard,
    NoteCard,
    OrderCard,
)

ORIGINATOR = "dealerbot"
COMPANY = 4  # CRM entity type id of a company (requisites and activities hang on it)
AUTH_CODES = {
    "NO_AUTH_FOUND",
    "INVALID_CREDENTIALS",
    "insufficient_scope",
    "expired_token",
    "invalid_token",
    "ACCESS_DENIED",
    "WRONG_AUTH_TYPE",
    "INVALID_REQUEST",
}
RETRY_CODES = {"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT", "INTERNAL_SERVER_ERROR"}


async def _raise_for_status(response: aiohttp.ClientResponse) -> None:
    """Raise on an HTTP error with Bitrix24's error code as the message (the body is lost
    otherwise)."""
    if response.status < 400:
        return
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        body = {}
    code = str(body.get("error", "")) if isinstance(body, dict) else ""
    raise aiohttp.ClientResponseError(
        response.request_info,
        response.history,
        status=response.status,
        message=code or (response.reason or ""),
        headers=response.headers,
    )


def _failure(code: str, text: str, status: int | None = None) -> CrmFailure:
    if code in AUTH_CODES or status in (401, 403):
        return CrmAuthError(f"{code or status}: {text}".strip(": "))
    if code in RETRY_CODES or (status is not None and status >= 500):
        return CrmRetryable(f"{code or status}: {text}".strip(": "))
    return CrmFailure(f"{code or status}: {text}".strip(": "))


def _q(method: str, params: dict[str, Any]) -> str:
    return f"{method}?{http_build_query(params)}".rstrip("&")


class Bitrix24:
    """CrmPort for one portal, reached by its incoming webhook base URL."""

    def __init__(
        self,
        webhook_url: str,
        *,
        requests_per_second: float = 2.0,
        claims_category_id: int | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._http = aiohttp.ClientSession(
            raise_for_status=_raise_for_status,
            timeout=aiohttp.ClientTimeout(total=timeout),
        )
        self._b24 = BitrixAsync(
            webhook_url,
            verbose=False,
            requests_per_second=float(requests_per_second),
            request_pool_size=max(int(requests_per_second * 5), 1),
            client=self._http,
        )
        self.claims_category_id = claims_category_id

    async def close(self) -> None:
        await self._http.close()

    # ------------------------------------------------------------------ one request
    async def call(self, method: str, params: dict[str, Any]) -> Any:
        """One REST method; its `result`, or a CrmFailure."""
        try:
            answer = await self._b24.call(method, params, raw=True)
        except aiohttp.ClientResponseError as error:
            raise _failure(error.message, "", error.status) from error
        except ServerError as error:
            cause = error.__cause__
            code = cause.message if isinstance(cause, aiohttp.ClientResponseError) else ""
            raise CrmRetryable(f"{code or 'server error'}") from error
        except (TimeoutError, aiohttp.ClientError, RuntimeError) as error:
            # RuntimeError: fast-bitrix24 gave up after its own retries
            raise CrmRetryable(f"{type(error).__name__}: {error}") from error
        if not isinstance(answer, dict):
            raise CrmFailure(f"unexpected answer to {method}")
        if answer.get("error"):
            raise _failure(str(answer["error"]), str(answer.get("error_description", "")))
        return answer.get("result")

    async def batch(self, commands: dict[str, str]) -> dict[str, Any]:
        """Several commands in one request (halt on the first error); results by name."""
        result = await self.call("batch", {"halt": 1, "cmd": commands})
        errors = result.get("result_error") or {}
        if errors:
            name, error = next(iter(errors.items()))
            code = str(error.get("error", "")) if isinstance(error, dict) else str(error)
            text = str(error.get("error_description", "")) if isinstance(error, dict) else ""
            raise _failure(code, f"{name}: {text}")
        return dict(result.get("result") or {})

    # ------------------------------------------------------------------ the port
    async def sync_company(self, dealer: DealerCard, known_id: str | None) -> str:
        inns = [r.inn for r in dealer.requisites]
        main_inn = dealer.inn or (inns[0] if inns else None)
        company_id = known_id or await self._find_company(dealer, main_inn)
        if company_id is None:
            return await self._create_company(dealer, main_inn)
        await self._add_missing_requisites(dealer, company_id, main_inn)
        return company_id

    async def _find_company(self, dealer: DealerCard, inn: str | None) -> str | None:
        commands = {
            "own": _q(
                "crm.company.list",
                {
                    "filter": {"ORIGIN_ID": f"dealer-{dealer.id}", "ORIGINATOR_ID": ORIGINATOR},
                    "select": ["ID"],
                },
            )
        }
        if inn:
            commands["inn"] = _q(
                "crm.requisite.list",
                {"filter": {"RQ_INN": inn, "ENTITY_TYPE_ID": COMPANY}, "select": ["ENTITY_ID"]},
            )
        found = await self.batch(commands)
        if found.get("own"):
            return str(found["own"][0]["ID"])
        if found.get("inn"):
            return str(found["inn"][0]["ENTITY_ID"])
        return None

    def _requisite(self, name: str, inn: str, kpp: str | None, company: str) -> str:
        fields = {"ENTITY_TYPE_ID": COMPANY, "ENTITY_ID": company, "PRESET_ID": 1}
        fields |= {"NAME": name, "RQ_INN": inn, "RQ_COMPANY_NAME": name}
        if kpp:
            fields["RQ_KPP"] = kpp
        return _q("crm.requisite.add", {"fields": fields})

    def _entities(self, dealer: DealerCard, main_inn: str | None) -> list[tuple[str, str, Any]]:
        entities = [(r.name, r.inn, r.kpp) for r in dealer.requisites]
        if main_inn and main_inn not in {inn for _, inn, _ in entities}:
            entities.insert(0, (dealer.name, main_inn, None))
        return entities

    async def _create_company(self, dealer: DealerCard, main_inn: str | None) -> str:
        fields: dict[str, Any] = {
            "TITLE": dealer.name,
            "ORIGIN_ID": f"dealer-{dealer.id}",
            "ORIGINATOR_ID": ORIGINATOR,
            "COMPANY_TYPE": "CUSTOMER",
        }
        if dealer.city:
            fields["ADDRESS_CITY"] = dealer.city
        if dealer.responsible:
            fields["ASSIGNED_BY_ID"] = dealer.responsible
        commands = {"company": _q("crm.company.add", {"fields": fields})}
        for n, (name, inn, kpp) in enumerate(self._entities(dealer, main_inn)):
            commands[f"rq{n}"] = self._requisite(name, inn, kpp, "$result[company]")
        return str((await self.batch(commands))["company"])

    async def _add_missing_requisites(
        self, dealer: DealerCard, company_id: str, main_inn: str | None
    ) -> None:
        have = await self.call(
            "crm.requisite.list",
            {
                "filter": {"ENTITY_TYPE_ID": COMPANY, "ENTITY_ID": company_id},
                "select": ["RQ_INN"],
            },
        )
        present = {str(r.get("RQ_INN")) for r in have or []}
        commands = {
            f"rq{n}": self._requisite(name, inn, kpp, company_id)
            for n, (name, inn, kpp) in enumerate(self._entities(dealer, main_inn))
            if inn not in present
        }
        if commands:
            await self.batch(commands)

    async def sync_people(
        self, dealer: DealerCard, company_id: str, known: dict[int, str]
    ) -> dict[int, str]:
        ids = dict(known)
        missing = [p for p in dealer.people if p.id not in ids]
        if not missing:
            return ids
        found = await self.batch(
            {
                f"p{p.id}": _q(
                    "crm.contact.list",
                    {
                        "filter": {"ORIGIN_ID": f"user-{p.id}", "ORIGINATOR_ID": ORIGINATOR},
                        "select": ["ID"],
                    },
                )
                for p in missing
            }
        )
        adds: dict[str, str] = {}
        for person in missing:
            rows = found.get(f"p{person.id}") or []
            if rows:
                ids[person.id] = str(rows[0]["ID"])
                continue
            fields: dict[str, Any] = {
                "NAME": person.name or f"#{person.id}",
                "COMPANY_ID": company_id,
                "ORIGIN_ID": f"user-{person.id}",
                "ORIGINATOR_ID": ORIGINATOR,
            }
            if person.phone:
                fields["PHONE"] = [{"VALUE": person.phone, "VALUE_TYPE": "WORK"}]
            adds[f"p{person.id}"] = _q("crm.contact.add", {"fields": fields})
        if adds:
            for key, value in (await self.batch(adds)).items():
                ids[int(key[1:])] = str(value)
        return ids

    def _rows(self, order: OrderCard) -> list[dict[str, Any]]:
        return [
            {
                "PRODUCT_NAME": f"{row.article} {row.name}".strip(),
                "PRICE": str(row.price),
                "QUANTITY": str(row.quantity),
            }
            for row in order.rows
        ]

    async def sync_deal(self, order: OrderCard, company_id: str, known_id: str | None) -> str:
        deal_id = known_id or await self._find_by_origin("crm.deal.list", f"order-{order.id}")
        fields: dict[str, Any] = {
            "TITLE": f"Заказ {order.number}",
            "COMPANY_ID": company_id,
            "STAGE_ID": order.stage,
            "CURRENCY_ID": order.currency,
            "OPPORTUNITY": str(order.total),
            "COMMENTS": order.comment,
        }
        if order.responsible:
            fields["ASSIGNED_BY_ID"] = order.responsible
        rows = self._rows(order)
        if deal_id is None:
            fields |= {"ORIGIN_ID": f"order-{order.id}", "ORIGINATOR_ID": ORIGINATOR}
            done = await self.batch(
                {
                    "deal": _q("crm.deal.add", {"fields": fields}),
                    "rows": _q(
                        "crm.deal.productrows.set",
                        {"id": "$result[deal]", "rows": self._rows(order)},
                    ),
                }
            )
            return str(done["deal"])
        await self.batch(
            {
                "deal": _q("crm.deal.update", {"id": deal_id, "fields": fields}),
                "rows": _q("crm.deal.productrows.set", {"id": deal_id, "rows": rows}),
            }
        )
        return deal_id

    async def _find_by_origin(self, method: str, origin: str) -> str | None:
        rows = await self.call(
            method,
            {"filter": {"ORIGIN_ID": origin, "ORIGINATOR_ID": ORIGINATOR}, "select": ["ID"]},
        )
        return str(rows[0]["ID"]) if rows else None

    async def move_stage(self, deal_id: str, stage: str) -> None:
        await self.call("crm.deal.update", {"id": deal_id, "fields": {"STAGE_ID": stage}})

    async def add_note(self, note: NoteCard, company_id: str, known_id: str | None) -> str:
        if known_id:
            return known_id
        if note.entity == "claim" and self.claims_category_id is not None:
            return await self._claim_deal(note, company_id)
        found = await self.call(
            "crm.activity.list",
            {
                "filter": {"OWNER_TYPE_ID": COMPANY, "OWNER_ID": company_id, "SUBJECT": note.title},
                "select": ["ID"],
            },
        )
        if found:
            return str(found[0]["ID"])
        params: dict[str, Any] = {
            "ownerTypeId": COMPANY,
            "ownerId": company_id,
            "deadline": note.at.isoformat(),
            "title": note.title,
            "description": note.text,
        }
        if note.responsible:
            params["responsibleId"] = note.responsible
        added = await self.call("crm.activity.todo.add", params)
        return str(added["id"] if isinstance(added, dict) else added)

    async def _claim_deal(self, note: NoteCard, company_id: str) -> str:
        origin = f"claim-{note.id}"
        found = await self._find_by_origin("crm.deal.list", origin)
        if found:
            return found
        fields: dict[str, Any] = {
            "TITLE": note.title,
            "COMPANY_ID": company_id,
            "CATEGORY_ID": self.claims_category_id,
            "COMMENTS": note.text,
            "ORIGIN_ID": origin,
            "ORIGINATOR_ID": ORIGINATOR,
        }
        if note.responsible:
            fields["ASSIGNED_BY_ID"] = note.responsible
        return str(await self.call("crm.deal.add", {"fields": fields}))
