"""Playing 1C's side of the exchange over real HTTP against a bare aiohttp app."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Price, PriceType, Product, ProductGroup, Stock, Warehouse
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from integrations.onec.safety import Limits
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "commerceml"
LOGIN, PASSWORD = "1c-exchange", "s3cret-pass"
TEST_LIMITS = Limits(
    chunk_bytes=1024 * 1024,
    max_file_bytes=8 * 1024 * 1024,
    max_unpacked_bytes=16 * 1024 * 1024,
    max_archive_files=100,
)


def need_fixtures() -> Path:
    """The shared CommerceML folder, or a visible skip."""
    if not FIXTURES.is_dir():
        pytest.skip(f"shared CommerceML fixtures are absent ({FIXTURES})")
    return FIXTURES


def basic(login: str = LOGIN, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class OneC:
    """What 1C does, request by request."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cookie: str | None = None

    async def call(
        self, kind: str, mode: str, *, data: bytes | None = None, auth: bool = True, **extra: str
    ) -> tuple[int, bytes]:
        headers = basic() if auth else {}
        if self.cookie:
            headers["Cookie"] = f"dealerbot_1c={self.cookie}"
        params = {"type": kind, "mode": mode, **extra}
        method = "POST" if data is not None else "GET"
        resp = await self.client.request(
            method, "/1c/exchange", params=params, data=data, headers=headers
        )
        return resp.status, await resp.read()

    async def text(self, kind: str, mode: str, **kw: Any) -> str:
        status, body = await self.call(kind, mode, **kw)
        assert status == 200
        return body.decode("utf-8")

    async def checkauth(self, kind: str = "catalog") -> str:
        self.cookie = None
        answer = await self.text(kind, "checkauth")
        lines = answer.split("\n")
        assert lines[0] == "success", answer
        assert lines[1] == "dealerbot_1c"
        self.cookie = lines[2]
        return answer

    async def upload(
        self, name: str, data: bytes, *, chunk: int | None = None, kind: str = "catalog"
    ) -> str:
        step = chunk or max(len(data), 1)
        answer = ""
        for start in range(0, max(len(data), 1), step):
            answer = await self.text(kind, "file", filename=name, data=data[start : start + step])
            if not answer.startswith("success"):
                return answer
        return answer

    async def import_(self, name: str, kind: str = "catalog") -> str:
        for _ in range(2000):
            answer = await self.text(kind, "import", filename=name)
            if not answer.startswith("progress"):
                return answer
            await asyncio.sleep(0.02)
        raise AssertionError(f"import of {name} never finished")

    async def exchange(
        self, files: list[tuple[str, bytes]], *, chunk: int | None = None
    ) -> list[str]:
        """A whole catalog exchange: checkauth, init, then file+import per file, complete."""
        await self.checkauth()
        init = await self.text("catalog", "init")
        assert init.startswith("zip=yes\nfile_limit=")
        limit = int(init.split("file_limit=")[1])  # 1C splits files at this size
        answers = []
        for name, data in files:
            assert (await self.upload(name, data, chunk=chunk or limit)).startswith("success")
            answers.append(await self.import_(name))
        return answers


@asynccontextmanager
async def onec_app(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[OneC]:
    """A running exchange endpoint (storage under `tmp_path`) and a 1C speaking to it."""
    settings = get_settings(
        environment="test", onec_username=LOGIN, onec_password=PASSWORD, timezone="Europe/Moscow"
    )
    app = web.Application()
    setup_onec_routes(
        app, settings=settings, sessionmaker=db, storage_dir=tmp_path / "1c", limits=TEST_LIMITS
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield OneC(client)


@pytest.fixture
async def onec(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[OneC]:
    async with onec_app(db, tmp_path) as client:
        yield client


async def snapshot(session: AsyncSession) -> dict[str, Any]:
    """The catalog as comparable data (by 1C ids, not our row ids)."""
    groups = {
        g.onec_id: (g.name, g.is_active, g.parent_id is not None)
        for g in await session.scalars(select(ProductGroup))
    }
    products = {
        p.id: p
        for p in await session.scalars(select(Product).execution_options(populate_existing=True))
    }
    by_id = {pid: p.onec_id for pid, p in products.items()}
    items = {
        p.onec_id: (
            p.name,
            p.article,
            p.article_norm,
            p.search_text,
            p.unit,
            p.unit_code,
            p.barcode,
            p.is_active,
            by_id.get(p.parent_id or 0),
            p.properties,
            p.updated_at,
        )
        for p in products.values()
    }
    types = dict((await session.execute(select(PriceType.id, PriceType.onec_id))).all())
    houses = dict((await session.execute(select(Warehouse.id, Warehouse.onec_id))).all())
    prices = {
        (by_id[r.product_id], types[r.price_type_id]): (r.value, r.currency)
        for r in await session.scalars(select(Price))
    }
    stock = {
        (by_id[r.product_id], houses[r.warehouse_id]): r.quantity
        for r in await session.scalars(select(Stock))
    }
    return {"groups": groups, "products": items, "prices": prices, "stock": stock}


def without_times(snap: dict[str, Any]) -> dict[str, Any]:
    return {**snap, "products": {k: v[:-1] for k, v in snap["products"].items()}}
