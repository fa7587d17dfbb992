"""The metrics pages and API: after-hours figures on known orders, dashboard settings through
the pages, CSV/XLSX exports, bad parameters."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.accounts import create_api_token
from core.metrics.rollout import METRIC_KEYS
from core.models import Order, Role
from tests import factories
from tests.admin.conftest import Browser

MSK = ZoneInfo("Europe/Moscow")  # the settings' default zone
# Wednesday 2026-03-04 and Thursday 2026-03-05, local time; UTC = local - 3 h.
EVENING = datetime(2026, 3, 4, 21, 0, tzinfo=MSK)  # after hours (working day ends 18:00)
NOON = datetime(2026, 3, 5, 12, 0, tzinfo=MSK)
QUERY = "from=2026-03-01&to=2026-03-07"


@pytest.fixture
async def token(db: async_sessionmaker[AsyncSession]) -> str:
    async with db() as session:
        dealer = await factories.dealer(session, "ООО Ночной")
        for placed, after_hours, minutes in ((EVENING, True, 780), (NOON, False, 10)):
            session.add(
                Order(
                    number=f"N-{minutes}",
                    dealer_id=dealer.id,
                    status="confirmed",
                    placed_at=placed.astimezone(UTC),
                    is_after_hours=after_hours,
                    confirmed_at=(placed + timedelta(minutes=minutes)).astimezone(UTC),
                )
            )
        _, plain = await create_api_token(session, "BI")
        await session.commit()
    return plain


async def _json(admin: Browser, token: str, path: str) -> tuple[int, dict]:
    response = await admin.client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


async def test_after_hours_api_and_page(admin: Browser, token: str) -> None:
    status, data = await _json(admin, token, f"/api/v1/metrics/after-hours?{QUERY}")
    assert status == 200
    assert data["zone"] == "Europe/Moscow"
    assert (data["orders"], data["after_hours_orders"], data["share"]) == (2, 1, "50.00")
    # Wednesday 21:00 local: weekday 2, hour 21; the noon order is Thursday 12.
    assert data["heatmap"][2][21] == 1 and sum(map(sum, data["heatmap"])) == 1
    assert data["heatmap_all"][3][12] == 1
    assert data["after_hours"]["median_min"] == "780.00"
    assert data["in_hours"]["median_min"] == "10.00"
    # Confirmed Thursday 10:00, after the working day opened at 09:00: one waiting.
    assert data["backlog"]["days"] == [
        {
            "day": "2026-03-05",
            "opens_at": "2026-03-05T06:00:00+00:00",
            "after_hours_orders": 1,
            "waiting": 1,
        }
    ]
    status, page = await admin.get(f"/admin/metrics/after-hours?{QUERY}")
    assert status == 200
    assert 'data-figure="share" data-value="50.00">50\xa0%<' in page
    assert "<svg" in page


async def test_bad_dates_are_refused(admin: Browser, token: str) -> None:
    for query in ("from=2026-03-07&to=2026-03-01", "from=2020-01-01&to=2022-01-01", "to=x"):
        status, data = await _json(admin, token, f"/api/v1/metrics/after-hours?{query}")
        assert status == 400 and data["error"] == "api.bad_parameter"


async def test_dashboard_settings_through_the_page(admin: Browser, token: str) -> None:
    status, page = await admin.get("/admin/metrics")
    assert status == 200 and 'id="progress-chart"' in page
    assert "<title>Дашборд внедрения · DealerBot, админка</title>" in page
    assert page.count('id="weekly-form"') == 1  # the weekly schedule form, once
    status, _, _ = await admin.post(
        "/admin/metrics/metric/avg_order_value",
        {"baseline_source": "manual", "baseline": "1000", "target": "", "target_pct": ""},
    )
    assert status == 303
    status, _, _ = await admin.post(
        "/admin/metrics/settings",
        {
            "launch_on": "2026-01-10",
            "window_days": "30",
            "cp_name_0": "пилот +3",
            "cp_scope_0": "pilot",
            "cp_months_0": "3",
            "cp_name_1": "все +9",
            "cp_scope_1": "all",
            "cp_months_1": "9",
        },
    )
    assert status == 303
    status, data = await _json(admin, token, "/api/v1/metrics/rollout")
    assert status == 200
    assert [m["key"] for m in data["metrics"]] == list(METRIC_KEYS)
    value = next(m for m in data["metrics"] if m["key"] == "avg_order_value")
    # Manual baseline 1000, default target +20 % -> 1200.
    assert (value["baseline"], value["baseline_source"], value["target"]) == (
        "1000.00",
        "manual",
        "1200.00",
    )
    assert [(c["name"], c["due"]) for c in value["checkpoints"]] == [
        ("пилот +3", "2026-04-10"),
        ("все +9", "2026-10-10"),
    ]
    # Back to the baseline from the period: no baseline without orders before the launch.
    await admin.post(
        "/admin/metrics/metric/avg_order_value",
        {"baseline_source": "period", "baseline": "1000"},
    )
    _, data = await _json(admin, token, "/api/v1/metrics/rollout")
    value = next(m for m in data["metrics"] if m["key"] == "avg_order_value")
    assert value["baseline_source"] is None and value["target"] is None


async def test_exports(admin: Browser, token: str) -> None:
    response = await admin.client.get(f"/admin/metrics/after-hours/export.csv?{QUERY}")
    text = (await response.read()).decode("utf-8-sig")
    assert response.status == 200
    assert "Доля, %;50\r\n" in text  # Excel in Russian: a decimal comma, no trailing zeros
    response = await admin.client.get(f"/admin/metrics/after-hours/export.xlsx?{QUERY}")
    book = load_workbook(io.BytesIO(await response.read()))
    assert book.sheetnames == ["Показатели", "Теплокарта", "Утро"]
    assert book["Теплокарта"].cell(row=4, column=23).value == 1  # Wednesday (row 4), 21:00
    response = await admin.client.get("/admin/metrics/export.xlsx")
    book = load_workbook(io.BytesIO(await response.read()))
    keys = [row[1] for row in book["Метрики"].iter_rows(min_row=2, values_only=True)]
    assert keys == list(METRIC_KEYS)
    response = await admin.client.get("/admin/metrics/export.csv")
    assert (await response.read()).decode("utf-8-sig").startswith("Метрика;Ключ;")


async def test_weekly_digest_schedule_through_the_page(
    admin: Browser, db: async_sessionmaker[AsyncSession]
) -> None:
    from datetime import time

    from core.metrics.weekly import WeeklyDigestConfig, load_weekly_config

    status, page = await admin.get("/admin/metrics")
    assert 'id="weekly-form"' in page and "сейчас таких чатов: 0" in page
    status, _, _ = await admin.post("/admin/metrics/weekly", {"weekday": "5", "at": "17:30"})
    assert status == 303
    async with db() as session:
        assert await load_weekly_config(session) == WeeklyDigestConfig(False, 5, time(17, 30))
    status, _, _ = await admin.post(
        "/admin/metrics/weekly", {"enabled": "1", "weekday": "9", "at": "17:30"}
    )
    assert status == 303  # refused with a message: weekday outside 1..7
    async with db() as session:
        assert (await load_weekly_config(session)).weekday == 5


async def test_monthly_chart_and_managers_refused(
    admin: Browser, token: str, db: async_sessionmaker[AsyncSession]
) -> None:
    status, page = await admin.get("/admin/metrics?series=avg_order_value")
    assert status == 200
    assert 'id="series-chart"><svg' in page
    assert '<option value="avg_order_value" selected>' in page
    from tests.admin.conftest import new_browser, staff

    await staff(db, "mira", Role.MANAGER)
    manager = await new_browser(admin.client.server)  # type: ignore[arg-type]
    assert (await manager.login("mira"))[0] == 303
    for path in ("/admin/metrics", "/admin/metrics/after-hours", "/admin/metrics/export.csv"):
        assert (await manager.get(path))[0] == 403
    await manager.client.close()


async def test_bad_settings_are_refused_with_a_message(admin: Browser, token: str) -> None:
    await admin.get("/admin/metrics")
    status, _, location = await admin.post(
        "/admin/metrics/settings",
        {"window_days": "0", "cp_name_0": "пилот +3", "cp_months_0": "3"},
        headers={"Referer": str(admin.client.make_url("/admin/metrics"))},
    )
    assert status == 303 and location.endswith("/admin/metrics")
    _, page = await admin.get(location)
    assert "Окно расчёта — от 1 до 366 дней (указано 0)." in page
    assert 'name="window_days" min="1" max="366" value="30"' in page  # nothing stored


async def test_closed_windows_are_kept_for_a_while_and_the_current_one_never(
    admin: Browser, token: str, db: async_sessionmaker[AsyncSession]
) -> None:
    """The pages and the API share one cache of closed windows (the baseline here): an old
    order recorded late shows after the entry expires or the dashboard settings are saved; a
    new order shows at once."""
    await admin.post("/admin/metrics/settings", {"launch_on": "2026-04-01", "window_days": "30"})

    def share(data: dict, field: str) -> str | None:
        return next(m for m in data["metrics"] if m["key"] == "after_hours_share")[field]

    status, _ = await admin.get("/admin/metrics")  # computes the baseline and keeps it
    assert status == 200

    async with db() as session:
        dealer = await factories.dealer(session, "ООО Поздний")
        for number, placed in (
            ("LATE-1", EVENING),
            ("NEW-1", datetime.now(UTC) - timedelta(days=1)),
        ):
            session.add(
                Order(
                    number=number,
                    dealer_id=dealer.id,
                    status="new",
                    placed_at=placed.astimezone(UTC),
                    is_after_hours=True,
                )
            )
        await session.commit()
    # The API answers from the page's entry: the baseline without the late order.
    _, data = await _json(admin, token, "/api/v1/metrics/rollout")
    assert (share(data, "baseline"), share(data, "current")) == ("50.00", "100.00")

    await admin.post("/admin/metrics/settings", {"launch_on": "2026-04-01", "window_days": "30"})
    _, data = await _json(admin, token, "/api/v1/metrics/rollout")
    assert share(data, "baseline") == "66.67"  # 2 of the 3 orders before the launch
