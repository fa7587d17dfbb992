"""Every page renders for an admin, and the forms change what they say (with an audit entry)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import (
    AuditEntry,
    CalendarDay,
    Dealer,
    DeliveryAddress,
    ExchangeSession,
    LegalEntity,
    PilotWave,
    StaffAccount,
    utcnow,
)
from core.models.admin import get_setting
from core.notify_settings import NotifyEnv, load_notify_settings
from tests.admin.conftest import Browser, World


async def test_every_page_renders(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    async with db() as session:
        session.add(
            ExchangeSession(
                exchange_type="catalog",
                status="done",
                started_at=utcnow() - timedelta(seconds=12),
                finished_at=utcnow(),
                files={"import.xml": {"size": 1024}},
                counts={"products": 10},
            )
        )
        session.add(
            ExchangeSession(exchange_type="sale", status="failed", error="bad file", files={})
        )
        await session.commit()
    _, _, location = await admin.post(
        "/admin/pilot/invitations", {"dealer_id": world.dealer_a.id, "max_uses": 2, "days": 5}
    )
    pages = {
        "/admin/": "Сводка",
        "/admin/dealers": "ООО Бета",
        "/admin/dealers?q=альфа": "ООО Альфа",
        f"/admin/dealers/{world.dealer_a.id}": "Юрлица",
        f"/admin/dealers/{world.dealer_a.id}/edit": "Сохранить",
        "/admin/dealers/new": "Новый дилер",
        "/admin/dealers/import": "Импорт",
        "/admin/pilot/waves": "Пилот-1",
        f"/admin/pilot/waves/{world.wave.id}": "ООО Альфа",
        "/admin/pilot/invitations": "t.me/dealer_test_bot?start=",
        location: "QR-код",
        "/admin/pilot/applications": "ООО Гамма",
        "/admin/pilot/applications?status=all": "ООО Гамма",
        "/admin/pilot/funnel": "Пилот-1",
        "/admin/orders": world.order_b.number,
        "/admin/orders?status=confirmed&sync=pending&from=2000-01-01&to=2100-01-01": (
            world.order_a.number
        ),
        f"/admin/orders/{world.order_a.id}": "Фильтр масляный",
        "/admin/claims": world.claim_b.number,
        f"/admin/claims/{world.claim_a.id}": "брак",
        "/admin/exchange": "/1c/exchange",
        "/admin/exchange?errors=1": "bad file",
        "/admin/settings": "Производственный календарь",
        "/admin/staff": "anna",
        "/admin/api-tokens": "Создать токен",
        "/admin/audit": "invitation.create",
    }
    for path, expected in pages.items():
        status, body = await admin.get(path)
        assert status == 200, (path, body[:500])
        assert expected in body, path
        assert "/admin/static/admin.css" in body
    status, body = await admin.get("/admin/exchange")
    assert "http://127.0.0.1:" in body and ">1c<" in body  # what to type into 1C
    response = await admin.client.get("/admin/static/admin.css")
    assert response.status == 200 and "text/css" in response.headers["Content-Type"]


async def test_filters_narrow_the_dealer_list(world: World, admin: Browser) -> None:
    checks = {
        f"wave={world.wave.id}": ("ООО Альфа", "ООО Бета"),
        "wave=none": ("ООО Бета", "ООО Альфа"),
        "region=Московская+область": ("ООО Альфа", "ООО Бета"),
        f"manager={world.manager_b.user_id}": ("ООО Бета", "ООО Альфа"),
    }
    for query, (present, absent) in checks.items():
        _, body = await admin.get(f"/admin/dealers?{query}")
        assert present in body and absent not in body, query
    _, body = await admin.get("/admin/dealers?activity=recent")
    assert "ООО Альфа" in body and "ООО Бета" in body
    _, body = await admin.get("/admin/dealers?activity=never")
    assert "ООО Альфа" not in body and "Дилеров не найдено" in body
    _, body = await admin.get("/admin/dealers?status=paused")
    assert "Дилеров не найдено" in body


async def test_create_and_edit_a_dealer(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    status, body, location = await admin.post(
        "/admin/dealers/new",
        {"name": "ООО Дельта", "inn": "123", "city": "Тула", "status": "prospect"},
    )
    assert status == 303
    _, body = await admin.follow(location)
    assert "неверен" in body  # bad INN: the form says so
    status, _, location = await admin.post(
        "/admin/dealers/new",
        {
            "name": "ООО Дельта",
            "inn": "7701234567",
            "city": "Тула",
            "region": "Тульская область",
            "wave_id": str(world.wave.id),
            "manager_id": str(world.manager_a.user_id),
            "status": "prospect",
        },
    )
    assert status == 303
    _, body = await admin.follow(location)
    assert "ООО Дельта" in body and "Пилот-1" in body and "Анна Менеджер" in body
    dealer_id = int(location.rsplit("/", 1)[1])
    status, _, _ = await admin.post(
        f"/admin/dealers/{dealer_id}/edit",
        {"name": "ООО Дельта-Плюс", "inn": "7701234567", "city": "Тула", "status": "active"},
    )
    assert status == 303
    await admin.post(
        f"/admin/dealers/{dealer_id}/legal-entities",
        {"name": "ИП Дельтин", "inn": "500100732259", "kpp": ""},
    )
    await admin.post(
        f"/admin/dealers/{dealer_id}/addresses",
        {"address": "Тула, ул. Ленина, 1", "is_default": "on"},
    )
    await admin.post(f"/admin/dealers/{dealer_id}/features", {"feature_claims": "on"})
    _, body = await admin.get(f"/admin/dealers/{dealer_id}")
    assert "ООО Дельта-Плюс" in body and "ИП Дельтин" in body and "ул. Ленина" in body
    async with db() as session:
        dealer = await session.get(Dealer, dealer_id)
        assert dealer is not None
        assert (dealer.name, dealer.status, dealer.wave_id) == ("ООО Дельта-Плюс", "active", None)
        assert dealer.features["claims"] is True and dealer.features["reorder"] is False
        entities = set(
            await session.scalars(select(LegalEntity.inn).where(LegalEntity.dealer_id == dealer_id))
        )
        assert entities == {"7701234567", "500100732259"}
        assert await session.scalar(
            select(DeliveryAddress.is_default).where(DeliveryAddress.dealer_id == dealer_id)
        )
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == str(dealer_id))
            )
        )
    assert actions[:3] == ["dealer.create", "dealer.update", "dealer.features"] or set(actions) >= {
        "dealer.create",
        "dealer.update",
        "dealer.features",
    }


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_import_reports_each_bad_row_and_imports_the_rest(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    csv_text = (
        "Название;ИНН;Город;Регион;Волна;Юрлицо;ИНН юрлица;КПП\n"
        "ООО Восток;7801234567;Казань;Татарстан;Пилот-1;ООО Восток-Опт;7801234568;780101001\n"
        "ООО Кривой;12345;Казань;;;;;\n"
        "ООО Запад;7901234567;Калининград;;Нет такой волны;;;\n"
        ";7601234567;Ярославль;;;;;\n"
        "ООО Юг;7501234567;Сочи;Краснодарский край;;;;12\n"
        f"ООО Альфа новое имя;{world.dealer_a.inn};Москва;;;;;\n"
    )
    form = {"file": (io.BytesIO(csv_text.encode("cp1251")), "dealers.csv")}
    await admin.get("/admin/dealers/import")
    response = await admin.client.post(
        "/admin/dealers/import",
        data={"csrf_token": admin.csrf, "file": form["file"][0]},
    )
    body = await response.text()
    assert response.status == 200, body[:300]
    assert "<b>1</b> создано" in body and "<b>1</b> обновлено" in body
    for row, message in [
        (3, "ИНН «12345» неверен"),
        (4, "Волна «Нет такой волны» не найдена"),
        (5, "Новый дилер: нужно название"),
        (6, "Для юрлица нужен ИНН юрлица"),
    ]:
        assert f"<td>{row}</td>" in body and message in body, (row, message)
    async with db() as session:
        names = set(await session.scalars(select(Dealer.name)))
        assert "ООО Восток" in names and "ООО Альфа новое имя" in names
        assert not names & {"ООО Кривой", "ООО Запад", "ООО Юг"}
        vostok = await session.scalar(select(Dealer).where(Dealer.inn == "7801234567"))
        assert vostok is not None and vostok.wave_id == world.wave.id
        entity = await session.scalar(select(LegalEntity).where(LegalEntity.inn == "7801234568"))
        assert entity is not None and entity.kpp == "780101001" and entity.dealer_id == vostok.id
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "dealer.import"))
        assert audit is not None and audit.details["errors"] == 4


async def test_import_xlsx_and_a_bad_file(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    data = _xlsx(
        [["name", "inn", "city"], ["ООО Север", 7811111111, "Мурманск"], ["ООО Нет", "x", ""]]
    )
    await admin.get("/admin/dealers/import")
    response = await admin.client.post(
        "/admin/dealers/import", data={"csrf_token": admin.csrf, "file": _named(data, "d.xlsx")}
    )
    body = await response.text()
    assert "<b>1</b> создано" in body and "ИНН «x» неверен" in body
    response = await admin.client.post(
        "/admin/dealers/import",
        data={"csrf_token": admin.csrf, "file": _named(b"\x00\x01junk", "d.xlsx")},
        allow_redirects=True,
        headers={"Referer": "/admin/dealers/import"},
    )
    body = await response.text()
    assert "не читается" in body
    async with db() as session:
        assert await session.scalar(select(func.count(Dealer.id))) == 1


def _named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


async def test_waves_crud(db: async_sessionmaker[AsyncSession], admin: Browser) -> None:
    await admin.post(
        "/admin/pilot/waves",
        {"name": "Волна 2", "starts_on": "2026-03-01", "ends_on": "2026-02-01"},
        headers={"Referer": "/admin/pilot/waves"},
    )
    _, body = await admin.get("/admin/pilot/waves")
    assert "Дата окончания раньше даты начала" in body
    await admin.post(
        "/admin/pilot/waves",
        {
            "name": "Волна 2",
            "starts_on": "2026-03-01",
            "criteria": "Регионы",
            "thanks_text": "Спасибо",
        },
    )
    async with db() as session:
        wave = await session.scalar(select(PilotWave))
        assert wave is not None and wave.starts_on == date(2026, 3, 1)
    await admin.post(f"/admin/pilot/waves/{wave.id}", {"name": "Волна 2б", "criteria": "Все"})
    async with db() as session:
        edited = await session.get(PilotWave, wave.id)
        assert edited is not None and (edited.name, edited.criteria) == ("Волна 2б", "Все")
    await admin.post(f"/admin/pilot/waves/{wave.id}/delete")
    async with db() as session:
        assert await session.scalar(select(func.count(PilotWave.id))) == 0


async def test_settings_notify_and_calendar(
    db: async_sessionmaker[AsyncSession], admin: Browser
) -> None:
    await admin.get("/admin/settings")
    status, _, _ = await admin.post(
        "/admin/settings/notify",
        {"managers_chat_id": "-1001234567890", "after_hours_policy": "immediate"},
    )
    assert status == 303
    status, _, location = await admin.post(
        "/admin/settings/notify",
        {"managers_chat_id": "not a chat", "after_hours_policy": "immediate"},
        headers={"Referer": "/admin/settings"},
    )
    _, body = await admin.follow(location)
    assert "ID чата" in body
    async with db() as session:
        assert await get_setting(session, "managers_chat_id") == "-1001234567890"
        in_force = await load_notify_settings(session, NotifyEnv(_env_file=None))
        assert in_force.managers_chat_id == -1001234567890
        assert in_force.after_hours_policy == "immediate"
    await admin.post(
        "/admin/settings/calendar", {"day": "2026-12-31", "kind": "holiday", "note": "Новый год"}
    )
    await admin.post("/admin/settings/calendar", {"day": "2026-12-31", "kind": "bogus"})
    await admin.post("/admin/settings/calendar/holidays", {"year": "2026"})
    _, body = await admin.get("/admin/settings")
    assert "31.12.2026" in body and "Новый год" in body and "04.11.2026" in body
    async with db() as session:
        day = await session.get(CalendarDay, date(2026, 12, 31))
        assert day is not None and day.kind == "holiday"
    await admin.post("/admin/settings/calendar/2026-12-31/delete")
    async with db() as session:
        assert await session.get(CalendarDay, date(2026, 12, 31)) is None


async def test_staff_and_tokens(db: async_sessionmaker[AsyncSession], admin: Browser) -> None:
    await admin.get("/admin/staff")
    await admin.post(
        "/admin/staff",
        {
            "login": "Vera",
            "password": "long enough password",
            "role": "manager",
            "full_name": "Вера",
        },
    )
    status, _, location = await admin.post(
        "/admin/staff",
        {"login": "short", "password": "123", "role": "manager"},
        headers={"Referer": "/admin/staff"},
    )
    _, body = await admin.follow(location)
    assert "Пароль короче" in body and "vera" in body
    async with db() as session:
        vera = await session.scalar(select(StaffAccount).where(StaffAccount.login == "vera"))
        assert vera is not None and vera.role == "manager" and vera.user_id is not None
    status, body, _ = await admin.post("/admin/api-tokens", {"name": "BI"})
    assert status == 200 and 'id="new-token"' in body
    token = body.split('id="new-token"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert token.startswith("dbt_")
    response = await admin.client.get(
        "/api/v1/dealers", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 200
    _, body = await admin.get("/admin/api-tokens")
    assert token not in body  # shown once
    async with db() as session:
        from core.models import ApiToken

        row = await session.scalar(select(ApiToken))
        assert row is not None and row.token_hash != token and row.last_used_at is not None
    await admin.post(f"/admin/api-tokens/{row.id}/revoke")
    response = await admin.client.get(
        "/api/v1/dealers", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 401
