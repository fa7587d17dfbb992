"""The fake portal on a free localhost port, and a CRM worker pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp.test_utils import TestServer

from core.settings import Settings
from integrations.crm.bitrix24 import Bitrix24
from integrations.crm.worker import CrmWorker
from tests.crm.fake_bitrix import CODE, FakePortal


@pytest.fixture
async def portal() -> AsyncIterator[tuple[FakePortal, str]]:
    fake = FakePortal()
    server = TestServer(fake.app(), host="127.0.0.1", port=0)
    await server.start_server()
    yield fake, f"http://127.0.0.1:{server.port}/rest/1/{CODE}/"
    await server.close()


@pytest.fixture
async def make_worker(db, portal) -> AsyncIterator[Callable[..., CrmWorker]]:
    made: list[Bitrix24] = []

    def build(**overrides: object) -> CrmWorker:
        settings = Settings(bitrix24_webhook_url=portal[1], **overrides)  # type: ignore[arg-type]
        assert settings.bitrix24_webhook_url is not None
        adapter = Bitrix24(
            settings.bitrix24_webhook_url.get_secret_value(),
            requests_per_second=50,
            claims_category_id=settings.bitrix24_claims_category_id,
        )
        made.append(adapter)
        return CrmWorker(db, adapter, settings)

    yield build
    for adapter in made:
        await adapter.close()
