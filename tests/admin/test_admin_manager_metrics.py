"""The rollout dashboard page shows the managers' metrics on the hand-built data of
tests/core/metrics_data.py (figures worked out in tests/core/test_metrics_rules.py), in Russian,
with the sentence that explains each; the JSON API gives the same numbers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from core.settings import Settings, get_settings
from tests.admin.conftest import Browser
from tests.core.metrics_data import build

# Local days = UTC days here, so the page's window is exactly March 2026 (31 days).
DAYS = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def admin_settings(database_url: str) -> Settings:
    return get_settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-for-admin-sessions",
        bot_username="dealer_test_bot",
        timezone="UTC",
        _env_file=None,
    )


def row_of(body: str, key: str) -> str:
    found = re.search(rf'<tr data-metric="{key}".*?</tr>', body, re.S)
    assert found, key
    return found.group(0)


async def test_dashboard_shows_the_managers_metrics(
    admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        await build(session)
    status, body = await admin.get(f"/admin/metrics?{DAYS}")
    assert status == 200
    ops = row_of(body, "ops_per_manager")
    assert "5,81 операций/мес." in ops and "подтверждения и отклонения заказов" in ops
    outside = row_of(body, "contacts_outside")
    assert "Обращения вне платформы: цены и остатки" in outside
    assert "1,94 обращений/мес." in outside and "меньше — лучше" in outside
    assert "узнать цены или остатки" in outside
    time_with = row_of(body, "client_time")
    assert "Время работы с клиентом" in time_with and "1 ч 39 мин" in time_with  # 99.19 min
    assert "не больше часа на каждую" in time_with
    # No contact was logged in the baseline period (before 2026-02-01): no baseline, no target.
    assert 'data-status="no_target"' in outside
    for row in (outside, time_with):
        assert "None" not in row and "contacts/month" not in row

    async with db() as session:
        _, token = await create_api_token(session, "BI")
        await session.commit()
    response = await admin.client.get(
        f"/api/v1/metrics/rollout?{DAYS}", headers={"Authorization": f"Bearer {token}"}
    )
    api = {m["key"]: m for m in (await response.json())["metrics"]}
    assert (api["contacts_outside"]["current"], api["client_time"]["current"]) == ("1.94", "99.19")
    assert api["ops_per_manager"]["detail"]["contacts"] == 3
    assert f'data-value="{api["client_time"]["current"]}"' in time_with

    series_status, series = await admin.get(f"/admin/metrics?{DAYS}&series=client_time")
    assert series_status == 200 and "Время работы с клиентом, мин" in series
