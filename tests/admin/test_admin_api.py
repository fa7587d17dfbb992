"""The JSON API: token auth, every route, and schemathesis against the OpenAPI document."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from admin.openapi import openapi_document
from core.dealers.invitations import create_invitation
from core.models import ApiToken, utcnow
from tests import factories
from tests.admin.conftest import Browser, World


@pytest.fixture
async def token(db: async_sessionmaker[AsyncSession], world: World) -> str:
    async with db() as session:
        _, plain = await create_api_token(session, "BI")
        pt = await factories.price_type(session, "Оптовая")
        wh = await factories.warehouse(session, "Склад Москва")
        await factories.product(
            session, "W 712/75", "Фильтр масляный", prices={pt: "512.40"}, stock={wh: "7"}
        )
        await factories.product(session, "OC 90", "Фильтр масляный OC", stock={wh: "-2"})
        await create_invitation(session, dealer_id=world.dealer_a.id)
        await session.commit()
        world.price_type_id = pt.id  # type: ignore[attr-defined]
    return plain


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_openapi_document_is_public(browser: Browser) -> None:
    response = await browser.client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.")
    assert {"/dealers", "/orders", "/products", "/claims", "/invitations"} <= set(document["paths"])


async def test_calls_without_or_with_a_wrong_token_are_refused(
    db: async_sessionmaker[AsyncSession], token: str, browser: Browser
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer dbt_wrong"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {token}"},
        {"Authorization": token},
    ):
        response = await browser.client.get("/api/v1/dealers", headers=headers)
        assert response.status == 401, headers
        assert (await response.json())["error"] == "api.unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    async with db() as session:
        row = await session.scalar(ApiToken.__table__.select())  # type: ignore[arg-type]
        assert row is not None
        stored = await session.get(ApiToken, row)
        assert stored is not None
        stored.revoked_at = utcnow()
        await session.commit()
    response = await browser.client.get("/api/v1/dealers", headers=_auth(token))
    assert response.status == 401


async def test_every_route_answers(world: World, token: str, browser: Browser) -> None:
    get = browser.client.get
    h = _auth(token)
    data = await (await get("/api/v1/dealers", headers=h)).json()
    assert data["total"] == 2 and {d["name"] for d in data["items"]} == {"ООО Альфа", "ООО Бета"}
    data = await (await get("/api/v1/dealers?q=Бета", headers=h)).json()
    assert [d["name"] for d in data["items"]] == ["ООО Бета"]
    data = await (
        await get(f"/api/v1/dealers?wave_id={world.wave.id}&status=active", headers=h)
    ).json()
    assert [d["id"] for d in data["items"]] == [world.dealer_a.id]
    data = await (await get(f"/api/v1/dealers/{world.dealer_a.id}", headers=h)).json()
    assert data["name"] == "ООО Альфа" and len(data["legal_entities"]) == 1
    data = await (
        await get(f"/api/v1/legal-entities?dealer_id={world.dealer_b.id}", headers=h)
    ).json()
    assert data["total"] == 1 and data["items"][0]["dealer_id"] == world.dealer_b.id
    data = await (await get("/api/v1/invitations", headers=h)).json()
    assert data["items"][0]["link"].startswith("https://t.me/dealer_test_bot?start=")
    data = await (await get("/api/v1/orders?status=confirmed&limit=1", headers=h)).json()
    assert data["total"] == 2 and len(data["items"]) == 1 and data["limit"] == 1
    data = await (await get(f"/api/v1/orders/{world.order_a.id}", headers=h)).json()
    assert data["number"] == world.order_a.number and data["total"] == "1500.00"
    assert data["lines"][0]["quantity"] == "1" and data["lines"][0]["name"] == "Фильтр масляный"
    data = await (await get("/api/v1/orders?since=2000-01-01T00:00:00Z", headers=h)).json()
    assert data["total"] == 2
    pt = world.price_type_id  # type: ignore[attr-defined]
    data = await (await get(f"/api/v1/products?price_type_id={pt}", headers=h)).json()
    by_article = {p["article"]: p for p in data["items"]}
    assert by_article["W 712/75"]["price"] == "512.40"
    assert by_article["W 712/75"]["stock"] == [
        {
            "warehouse_id": by_article["W 712/75"]["stock"][0]["warehouse_id"],
            "warehouse": "Склад Москва",
            "quantity": "7",
        }
    ]
    assert by_article["OC 90"]["price"] is None and by_article["OC 90"]["stock_total"] == "0"
    data = await (await get("/api/v1/products?article=w71275", headers=h)).json()
    assert [p["article"] for p in data["items"]] == ["W 712/75"]
    data = await (await get(f"/api/v1/products/search?q=w712&price_type_id={pt}", headers=h)).json()
    assert data["kind"] == "article" and [p["price"] for p in data["items"]] == ["512.40"]
    data = await (await get("/api/v1/products/search?q=масляный", headers=h)).json()
    assert {p["article"] for p in data["items"]} == {"W 712/75", "OC 90"}
    data = await (await get(f"/api/v1/claims?dealer_id={world.dealer_b.id}", headers=h)).json()
    assert [c["number"] for c in data["items"]] == [world.claim_b.number]
    data = await (await get(f"/api/v1/claims/{world.claim_a.id}", headers=h)).json()
    assert data["lines"][0]["reason"] == "defect" and data["attachments"] == 0
    for path in ("/api/v1/dealers/999999", "/api/v1/orders/999999", "/api/v1/claims/999999"):
        response = await get(path, headers=h)
        assert response.status == 404, path
    for path in (
        "/api/v1/dealers?limit=0",
        "/api/v1/dealers?limit=abc",
        "/api/v1/dealers?status=nope",
        "/api/v1/orders?since=yesterday",
        "/api/v1/products?price_type_id=999999",
        "/api/v1/dealers?q=%00",
        "/api/v1/products/search?q=",
    ):
        response = await get(path, headers=h)
        assert response.status in (400, 404), path
    assert Decimal(by_article["W 712/75"]["stock_total"]) == Decimal("7")


async def test_schemathesis_finds_no_server_error(
    world: World, token: str, server: TestServer
) -> None:
    """Generated calls for every operation of the document: no 5xx, responses match the schema."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks

    base_url = str(server.make_url("/api/v1"))
    schema = schemathesis.openapi.from_dict(openapi_document())
    chosen = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]

    def run() -> int:
        tested = 0
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(
                max_examples=25,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def check(case: object) -> None:
                case.call_and_validate(  # type: ignore[attr-defined]
                    base_url=base_url, headers=_auth(token), checks=chosen
                )

            check()
            tested += 1
        return tested

    assert await asyncio.to_thread(run) == len(
        [m for path in openapi_document()["paths"].values() for m in path]
    )
