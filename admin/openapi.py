"""The OpenAPI 3.0 document of the JSON API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from functools import cache
from typing import Any

from core.models import ClaimStatus, DealerStatus, OrderStatus

MAX_ID = 2_147_483_647


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "decimal, 2 places"}
QTY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal quantity"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


DEALER = _object(
    {
        "id": INT,
        "name": STR,
        "inn": _nullable(STR),
        "onec_id": _nullable(STR),
        "city": STR,
        "region": STR,
        "status": {"type": "string", "enum": sorted(DealerStatus)},
        "price_type_id": _nullable(INT),
        "manager_id": _nullable(INT),
        "wave_id": _nullable(INT),
        "features": {"type": "object"},
        "onboarded_at": _nullable(TIME),
        "created_at": TIME,
    }
)
ENTITY = _object(
    {
        "id": INT,
        "dealer_id": INT,
        "name": STR,
        "inn": STR,
        "kpp": _nullable(STR),
        "onec_id": _nullable(STR),
        "is_active": BOOL,
    }
)
INVITATION = _object(
    {
        "id": INT,
        "dealer_id": _nullable(INT),
        "role": STR,
        "link": STR,
        "max_uses": INT,
        "uses": INT,
        "expires_at": _nullable(TIME),
        "revoked_at": _nullable(TIME),
        "created_at": TIME,
    }
)
ORDER_LINE = _object(
    {
        "line_no": INT,
        "product_id": _nullable(INT),
        "article": STR,
        "name": STR,
        "unit": STR,
        "price": MONEY,
        "quantity": QTY,
        "amount": MONEY,
    }
)
ORDER_FIELDS: dict[str, Any] = {
    "id": INT,
    "number": STR,
    "dealer_id": INT,
    "legal_entity_id": _nullable(INT),
    "status": {"type": "string", "enum": sorted(OrderStatus)},
    "source": STR,
    "placed_at": TIME,
    "is_after_hours": BOOL,
    "confirmed_at": _nullable(TIME),
    "rejected_reason": _nullable(STR),
    "comment": STR,
    "desired_date": _nullable({"type": "string", "format": "date"}),
    "dealer_po": _nullable(STR),
    "delivery_address": _nullable(STR),
    "currency": STR,
    "total": MONEY,
    "onec_number": _nullable(STR),
    "sync_state": STR,
    "exported_at": _nullable(TIME),
    "updated_at": TIME,
}
ORDER = _object(ORDER_FIELDS)
ORDER_DETAIL = _object({**ORDER_FIELDS, "lines": {"type": "array", "items": ORDER_LINE}})
STOCK = _object({"warehouse_id": INT, "warehouse": STR, "quantity": QTY})
PRODUCT = _object(
    {
        "id": INT,
        "onec_id": STR,
        "article": STR,
        "name": STR,
        "unit": STR,
        "barcode": _nullable(STR),
        "group_id": _nullable(INT),
        "price": _nullable(MONEY),
        "currency": STR,
        "stock_total": QTY,
        "stock": {"type": "array", "items": STOCK},
    }
)
SEARCH_PAGE = _object(
    {
        "items": {
            "type": "array",
            "items": _object({k: v for k, v in PRODUCT["properties"].items() if k != "group_id"}),
        },
        "page": INT,
        "page_size": INT,
        "has_more": BOOL,
        "kind": {"type": "string", "enum": ["barcode", "article", "name", "empty"]},
    }
)
CLAIM_FIELDS: dict[str, Any] = {
    "id": INT,
    "number": STR,
    "dealer_id": INT,
    "order_id": INT,
    "status": {"type": "string", "enum": sorted(ClaimStatus)},
    "comment": STR,
    "created_at": TIME,
    "decided_at": _nullable(TIME),
    "decision_note": STR,
}
CLAIM = _object(CLAIM_FIELDS)
CLAIM_LINE = _object({"order_line_id": INT, "reason": STR, "quantity": QTY, "comment": STR})
CLAIM_DETAIL = _object(
    {
        **CLAIM_FIELDS,
        "lines": {"type": "array", "items": CLAIM_LINE},
        "attachments": INT,
    }
)
FIGURE = _nullable({**MONEY, "description": "figure, 2 places"})
PERIOD = _object({"start": TIME, "end": TIME})
METRIC_FILTERS = _object(
    {"wave_id": _nullable(INT), "manager_id": _nullable(INT), "dealer_id": _nullable(INT)}
)
METRIC_STATUS = {"type": "string", "enum": ["behind", "met", "no_data", "no_target"]}
CHECKPOINT = _object(
    {
        "name": STR,
        "due": {"type": "string", "format": "date"},
        "scope": {"type": "string", "enum": ["all", "pilot"]},
        "value": FIGURE,
        "target": FIGURE,
        "status": {"type": "string", "enum": ["behind", "met", "no_data", "no_target", "pending"]},
    }
)
METRIC = _object(
    {
        "key": STR,
        "title_ru": STR,
        "title_en": STR,
        "unit": STR,
        "direction": {"type": "string", "enum": ["down", "up"]},
        "baseline": FIGURE,
        "baseline_source": _nullable({"type": "string", "enum": ["manual", "period"]}),
        "baseline_period": _nullable(PERIOD),
        "target": FIGURE,
        "target_source": _nullable({"type": "string", "enum": ["default", "manual"]}),
        "current": FIGURE,
        "current_period": PERIOD,
        "status": METRIC_STATUS,
        "checkpoints": {"type": "array", "items": CHECKPOINT},
        "detail": {"type": "object"},
    }
)
ROLLOUT = _object(
    {"now": TIME, "filters": METRIC_FILTERS, "metrics": {"type": "array", "items": METRIC}}
)
MATRIX = {
    "type": "array",
    "minItems": 7,
    "maxItems": 7,
    "description": "weekday (0 = Monday) x hour (0..23) in the configured zone",
    "items": {"type": "array", "minItems": 24, "maxItems": 24, "items": INT},
}
CONFIRM_TIMES = _object({"orders": INT, "confirmed": INT, "median_min": FIGURE, "p90_min": FIGURE})
AFTER_HOURS = _object(
    {
        "period": PERIOD,
        "zone": STR,
        "filters": METRIC_FILTERS,
        "orders": INT,
        "after_hours_orders": INT,
        "share": FIGURE,
        "heatmap": MATRIX,
        "heatmap_all": MATRIX,
        "after_hours": CONFIRM_TIMES,
        "in_hours": CONFIRM_TIMES,
        "backlog": _object(
            {
                "mornings": INT,
                "waiting_total": INT,
                "waiting_max": INT,
                "waiting_avg": FIGURE,
                "days": {
                    "type": "array",
                    "items": _object(
                        {
                            "day": {"type": "string", "format": "date"},
                            "opens_at": TIME,
                            "after_hours_orders": INT,
                            "waiting": INT,
                        }
                    ),
                },
            }
        ),
    }
)
ERROR = {
    "type": "object",
    "properties": {"error": STR, "params": {"type": "object"}},
    "required": ["error"],
}


def _param(name: str, schema: dict[str, Any], description: str, where: str = "query") -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
    }


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
PAGING = [
    _param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}, "page size"),
    _param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}, "skip"),
]
TEXT = {"type": "string", "maxLength": 100}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "bad parameter",
        401: "no or wrong token",
        403: "a manager's token (figures over all dealers are for admin tokens)",
        404: "not found",
    }
    return {
        str(code): {
            "description": texts[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def _list(
    name: str, summary: str, params: list[dict[str, Any]], errors: tuple[int, ...] = (400, 401)
) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": f"list_{name}",
            "parameters": [*params, *PAGING],
            "responses": {
                "200": {
                    "description": "a page of items",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": f"#/components/schemas/{name}"},
                                    },
                                    "limit": INT,
                                    "offset": INT,
                                    "total": INT,
                                },
                                "required": ["items", "limit", "offset", "total"],
                            }
                        }
                    },
                },
                **_errors(*errors),
            },
        }
    }


def _one(name: str, summary: str, id_name: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": f"get_{name}",
            "parameters": [_param(id_name, ID, "id", "path")],
            "responses": {
                "200": {
                    "description": "the item",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                **_errors(401, 404),
            },
        }
    }


@cache
def _metrics(name: str, summary: str, dates: str) -> dict[str, Any]:
    day = {"type": "string", "format": "date"}
    return {
        "get": {
            "summary": summary,
            "operationId": f"get_{name}",
            "parameters": [
                _param("wave_id", ID, "pilot wave"),
                _param("manager_id", ID, "manager (user id)"),
                _param("dealer_id", ID, "dealer"),
                _param("from", day, f"first local day; {dates}"),
                _param("to", day, "last local day (included); at most 366 days after `from`"),
            ],
            "responses": {
                "200": {
                    "description": "the figures",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                    },
                },
                **_errors(400, 401, 403),
            },
        }
    }


def openapi_document() -> dict[str, Any]:
    """The document (built once)."""
    dealer_detail = {
        **DEALER,
        "properties": {
            **DEALER["properties"],
            "legal_entities": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/LegalEntity"},
            },
        },
        "required": sorted([*DEALER["required"], "legal_entities"]),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "DealerBot API",
            "version": "1.0.0",
            "description": (
                "Read-only data for CRM/BI. Send `Authorization: Bearer <token>`; tokens are "
                "made on the admin's API tokens page, either an admin's (every dealer) or a "
                "manager's (only that manager's dealers, their orders, claims, legal entities "
                "and invitations; other ids answer 404 like missing ones). Money and "
                "quantities are decimal strings, times are ISO 8601 in UTC."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/dealers": _list(
                "Dealer",
                "Dealers",
                [
                    _param("q", TEXT, "part of the name, or the exact INN"),
                    _param("wave_id", ID, "pilot wave"),
                    _param("status", {"type": "string", "enum": sorted(DealerStatus)}, "status"),
                ],
            ),
            "/dealers/{dealer_id}": _one("DealerDetail", "A dealer", "dealer_id"),
            "/legal-entities": _list(
                "LegalEntity",
                "Legal entities",
                [_param("dealer_id", ID, "dealer"), _param("inn", TEXT, "exact INN")],
            ),
            "/invitations": _list("Invitation", "Invitations", [_param("dealer_id", ID, "dealer")]),
            "/orders": _list(
                "Order",
                "Orders",
                [
                    _param("dealer_id", ID, "dealer"),
                    _param("status", {"type": "string", "enum": sorted(OrderStatus)}, "status"),
                    _param("since", {"type": "string", "format": "date-time"}, "updated since"),
                ],
            ),
            "/orders/{order_id}": _one("OrderDetail", "An order with lines", "order_id"),
            "/products": _list(
                "Product",
                "Products with price and stock",
                [
                    _param("price_type_id", ID, "price type for `price`"),
                    _param("article", TEXT, "article (compared normalised)"),
                    _param("group_id", ID, "product group"),
                ],
                errors=(400, 401, 404),
            ),
            "/products/search": {
                "get": {
                    "summary": "Catalog search as in the bot: barcode, article, words of the name",
                    "operationId": "search_products",
                    "parameters": [
                        {
                            **_param(
                                "q", {"type": "string", "minLength": 1, "maxLength": 200}, "query"
                            ),
                            "required": True,
                        },
                        _param("price_type_id", ID, "price type for `price`"),
                        _param("page", {"type": "integer", "minimum": 0, "maximum": 1000}, "page"),
                        _param(
                            "page_size",
                            {"type": "integer", "minimum": 1, "maximum": 50},
                            "page size",
                        ),
                    ],
                    "responses": {
                        "200": {
                            "description": "a page of hits",
                            "content": {"application/json": {"schema": SEARCH_PAGE}},
                        },
                        **_errors(400, 401, 404),
                    },
                }
            },
            "/claims": _list(
                "Claim",
                "Claims",
                [
                    _param("dealer_id", ID, "dealer"),
                    _param("status", {"type": "string", "enum": sorted(ClaimStatus)}, "status"),
                ],
            ),
            "/claims/{claim_id}": _one("ClaimDetail", "A claim with lines", "claim_id"),
            "/metrics/rollout": _metrics(
                "RolloutDashboard",
                "The rollout dashboard: each metric's baseline, checkpoints, target, current value",
                "without `from`/`to` the current value is over the configured window before now",
            ),
            "/metrics/after-hours": _metrics(
                "AfterHoursStats",
                "After-hours orders: share, heatmap, time to confirm, morning backlog",
                "without `from`/`to` the last 30 days up to today",
            ),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Dealer": DEALER,
                "DealerDetail": dealer_detail,
                "LegalEntity": ENTITY,
                "Invitation": INVITATION,
                "Order": ORDER,
                "OrderDetail": ORDER_DETAIL,
                "Product": PRODUCT,
                "Claim": CLAIM,
                "ClaimDetail": CLAIM_DETAIL,
                "RolloutDashboard": ROLLOUT,
                "AfterHoursStats": AFTER_HOURS,
                "Error": ERROR,
            },
        },
    }
