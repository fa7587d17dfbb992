"""The dealer's finance tab: figures with their age, documents (page 2), PDF download, held
orders, the credit policy (admin only, audited), another manager's dealer hidden."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.finance.push import (
    FinancePush,
    PushedContract,
    PushedCounterparty,
    PushedDocument,
    apply_push,
)
from core.models import AuditEntry, Dealer, DocumentKind, FinanceDocument, LegalEntity, Order
from tests.admin.conftest import Browser, World, new_browser
from tests.finance_data import tiny_pdf


async def seed(db: async_sessionmaker[AsyncSession], dealer: Dealer, documents: int) -> None:
    async with db() as s:
        entity = LegalEntity(dealer_id=dealer.id, name="ООО Финансы", inn="7701234567", kpp="")
        s.add(entity)
        await s.flush()
        docs = tuple(
            PushedDocument(
                kind=DocumentKind.INVOICE,
                number=f"СЧ-{n:03d}",
                doc_date=datetime(2026, 1, 1).date() + timedelta(days=n),
                amount=Decimal("100.00"),
                file_name=f"Счёт {n}.pdf",
                pdf=tiny_pdf(f"invoice {n}") if n == 0 else None,
            )
            for n in range(documents)
        )
        contract = PushedContract(
            number="Д-1",
            credit_limit=Decimal("500000"),
            debt=Decimal("320000.50"),
            overdue=Decimal("15000"),
            deferral_days=14,
            price_type="Дилерская",
            documents=docs,
        )
        moment = datetime.now(UTC) - timedelta(days=2)
        party = PushedCounterparty(inn="7701234567", kpp="", contracts=(contract,))
        await apply_push(s, FinancePush(as_of=moment, counterparties=(party,)))
        s.add(
            Order(
                number=f"HOLD-{dealer.id}",
                dealer_id=dealer.id,
                status="awaiting_approval",
                total=Decimal("777.00"),
            )
        )
        await s.commit()


async def test_finance_tab_pages_download_and_policy(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    dealer = world.dealer_a
    await seed(db, dealer, documents=25)
    path = f"/admin/dealers/{dealer.id}/finance"
    status, card = await admin.get(f"/admin/dealers/{dealer.id}")
    assert status == 200 and path in card
    status, page = await admin.get(path)
    assert status == 200
    assert "Д-1" in page and "320\xa0000,50" in page and "179\xa0999,50" in page
    assert "устарели" in page and "2 дн" in page  # the figures' age
    assert "страница 1 из 2" in page and "СЧ-024" in page and "СЧ-000" not in page
    assert "777,00" in page and f"HOLD-{dealer.id}" in page  # the order awaiting approval
    assert "предупреждать" in page and "None" not in page and "2026-01" not in page
    status, second = await admin.get(f"{path}?page=1")
    assert status == 200 and "страница 2 из 2" in second
    assert "СЧ-000" in second and "СЧ-024" not in second

    async with db() as s:
        with_pdf = await s.scalar(select(FinanceDocument.id).where(FinanceDocument.file_size > 0))
        without = await s.scalar(select(FinanceDocument.id).where(FinanceDocument.file_size == 0))
    response = await admin.client.get(f"{path}/documents/{with_pdf}")
    assert response.status == 200 and (await response.read()).startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    assert (await admin.client.get(f"{path}/documents/{without}")).status == 404
    other = f"/admin/dealers/{world.dealer_b.id}/finance/documents/{with_pdf}"
    assert (await admin.client.get(other)).status == 404  # the id of another dealer's document

    status, _, location = await admin.post(f"{path}/policy", {"credit_policy": "hold"})
    assert status == 303 and location.endswith("/finance")
    status, body, location = await admin.post(f"{path}/policy", {"credit_policy": "nonsense"})
    told = body if status == 400 else (await admin.follow(location))[1]
    assert "Неизвестная кредитная политика «nonsense»" in told
    async with db() as s:
        stored = await s.get(Dealer, dealer.id)
        assert stored is not None and stored.credit_policy == "hold"
        entries = list(
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "dealer.credit_policy"))
        )
    assert [e.details["changes"] for e in entries] == [
        {"credit_policy": ["предупреждать", "отправлять на согласование"]}
    ]


async def test_manager_sees_only_own_dealers_tab_and_cannot_change_policy(
    db: async_sessionmaker[AsyncSession], world: World, server: object
) -> None:
    await seed(db, world.dealer_a, documents=1)
    anna = await new_browser(server)  # type: ignore[arg-type]
    assert (await anna.login("anna"))[0] == 303
    assert (await anna.get(f"/admin/dealers/{world.dealer_a.id}/finance"))[0] == 200
    assert (await anna.get(f"/admin/dealers/{world.dealer_b.id}/finance"))[0] == 404
    status, _, _ = await anna.post(
        f"/admin/dealers/{world.dealer_a.id}/finance/policy", {"credit_policy": "block"}
    )
    assert status in (403, 404)
    async with db() as s:
        stored = await s.get(Dealer, world.dealer_a.id)
        assert stored is not None and stored.credit_policy == "warn"
    await anna.client.close()


async def test_finance_pushes_in_the_exchange_log(
    db: async_sessionmaker[AsyncSession], world: World, admin: Browser
) -> None:
    from zoneinfo import ZoneInfo

    from integrations.onec.finance import FinanceRefused, apply_raw
    from tests import finance_data as fd

    async with db() as s:
        s.add(LegalEntity(dealer_id=world.dealer_a.id, name="ООО А", inn=fd.INN_A, kpp=fd.KPP_A))
        await s.commit()
    zone = ZoneInfo("Europe/Moscow")
    good = fd.push(fd.party(), fd.party(fd.INN_UNKNOWN, "", fd.contract("Д-9")))
    await apply_raw(db, fd.body(good), zone=zone, source="/1c/finance")
    with pytest.raises(FinanceRefused):
        await apply_raw(db, b'{"as_of": "2026-12-01', zone=zone, source="/1c/finance")
    status, body = await admin.get("/admin/exchange")
    assert status == 200
    for text in (
        "взаиморасчёты (долг, лимиты, документы)",
        "договоров: 1",
        "новых документов: 2",
        "неизвестных ИНН: 1",
        f"неизвестные ИНН: {fd.INN_UNKNOWN}",
        "неверный JSON",
    ):
        assert text in body, text
