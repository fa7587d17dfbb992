"""POST /1c/finance over real HTTP: what a push changes in the database, and what it does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import (
    ExchangeSession,
    FinanceContract,
    FinanceDocument,
    FinanceDocumentFile,
    OutboxEvent,
)
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
from tests import finance_data as fd
from tests.onec.conftest import LOGIN, PASSWORD, TEST_LIMITS, basic

LIMIT = 10 * 1024 * 1024
AS_OF = "2026-12-01T18:00:00"


@pytest.fixture
async def client(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = get_settings(
        environment="test", onec_username=LOGIN, onec_password=PASSWORD, timezone="Europe/Moscow"
    )
    app = web.Application()
    setup_onec_routes(
        app, settings=settings, sessionmaker=db, storage_dir=tmp_path / "1c", limits=TEST_LIMITS
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def known(db: async_sessionmaker[AsyncSession]) -> fd.Known:
    async with db() as session, session.begin():
        return await fd.seed(session)


async def post(client: TestClient, data: bytes, **headers: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post("/1c/finance", data=data, headers={**basic(), **headers})
    return resp.status, await resp.json()


async def state(db: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """Everything a push may change, comparable across calls."""
    async with db() as session:
        contracts = sorted(
            (c.inn, c.kpp, c.number, c.credit_limit, c.debt, c.overdue, c.is_active, c.as_of)
            for c in await session.scalars(select(FinanceContract))
        )
        documents = sorted(
            (d.kind, d.number, d.doc_date, d.amount, d.order_id, d.file_size, d.file_sha256)
            for d in await session.scalars(select(FinanceDocument))
        )
        files = await session.scalar(select(func.count()).select_from(FinanceDocumentFile))
        outbox = await session.scalar(select(func.count()).select_from(OutboxEvent))
    return {"contracts": contracts, "documents": documents, "files": files, "outbox": outbox}


async def log_rows(db: async_sessionmaker[AsyncSession]) -> list[ExchangeSession]:
    async with db() as session:
        query = select(ExchangeSession).order_by(ExchangeSession.id)
        return list((await session.scalars(query)).all())


async def test_good_push_applies_figures_documents_and_pdf(
    client: TestClient, db: async_sessionmaker[AsyncSession], known: fd.Known
) -> None:
    status, answer = await post(client, fd.body(fd.push(fd.party())))
    assert status == 200, answer
    assert answer["status"] == "ok"
    assert (answer["counterparties"], answer["contracts"], answer["documents_new"]) == (1, 1, 2)
    assert (answer["files"], answer["shipment_notices"], answer["unknown"]) == (1, 1, [])
    async with db() as session:
        contract = await session.scalar(select(FinanceContract))
        assert contract is not None
        assert contract.legal_entity_id == known.entity_a.id
        assert contract.dealer_id == known.dealer.id
        assert contract.credit_limit == Decimal("500000.00")
        assert contract.debt == Decimal("320000.50")
        assert contract.deferral_days == 14
        assert contract.price_type_id == known.price_type.id
        assert contract.as_of.isoformat() == "2026-12-01T15:00:00+00:00"  # +03:00 kept as UTC
        shipment = await session.scalar(
            select(FinanceDocument).where(FinanceDocument.kind == "shipment")
        )
        assert shipment is not None
        assert shipment.order_id == known.order.id
        assert shipment.file_name == "УПД РТ-004512.pdf"
        stored = await session.get(FinanceDocumentFile, shipment.id)
        assert stored is not None and stored.content.startswith(b"%PDF-")
        assert shipment.file_size == len(stored.content)
        payment = await session.scalar(
            select(FinanceDocument).where(FinanceDocument.kind == "payment")
        )
        assert payment is not None and payment.file_size == 0 and payment.order_id is None
        events = list((await session.scalars(select(OutboxEvent))).all())
        assert [(e.kind, e.payload["order_id"]) for e in events] == [
            ("order.shipment", known.order.id)
        ]
    (row,) = await log_rows(db)
    assert (row.exchange_type, row.status) == ("finance", "done")
    assert row.counts["documents_new"] == 2 and row.error is None

    # the same push again: nothing new, the shipment is not told twice, the PDF not rewritten
    before = await state(db)
    status, again = await post(client, fd.body(fd.push(fd.party())))
    assert status == 200
    assert (again["documents_new"], again["documents_updated"]) == (0, 2)
    assert (again["files"], again["shipment_notices"]) == (0, 0)
    assert await state(db) == before


async def test_partial_push_replaces_only_the_named_counterparty(
    client: TestClient, db: async_sessionmaker[AsyncSession], known: fd.Known
) -> None:
    both = fd.push(
        fd.party(fd.INN_A, fd.KPP_A, fd.contract(), fd.contract("Д-2", documents=[])),
        fd.party(fd.INN_B, "", fd.contract("ИП-1", debt="1000.00", documents=[])),
    )
    assert (await post(client, fd.body(both)))[0] == 200
    later = fd.push(
        fd.party(fd.INN_A, fd.KPP_A, fd.contract(debt="10000.00", documents=[])),
        as_of="2026-12-02T09:00:00+03:00",
    )
    status, answer = await post(client, fd.body(later))
    assert status == 200 and answer["contracts_closed"] == 1
    async with db() as session:
        rows = {c.number: c for c in await session.scalars(select(FinanceContract))}
    assert rows["Д-15/2025"].debt == Decimal("10000.00") and rows["Д-15/2025"].is_active
    assert rows["Д-2"].is_active is False  # not named again for its counterparty
    # the ИП was not named: its figures and date stay as they were
    assert rows["ИП-1"].debt == Decimal("1000.00") and rows["ИП-1"].is_active
    assert rows["ИП-1"].as_of.isoformat() == "2026-12-01T15:00:00+00:00"
    assert rows["ИП-1"].legal_entity_id == known.entity_b.id
    async with db() as session:  # documents of the earlier push stay
        assert await session.scalar(select(func.count()).select_from(FinanceDocument)) == 2


async def test_unknown_inn_is_reported_and_the_known_applied(
    client: TestClient, db: async_sessionmaker[AsyncSession], known: fd.Known
) -> None:
    data = fd.push(fd.party(), fd.party(fd.INN_UNKNOWN, "", fd.contract("Д-чужой")))
    status, answer = await post(client, fd.body(data))
    assert status == 200
    assert answer["unknown"] == [{"inn": fd.INN_UNKNOWN, "kpp": ""}]
    assert answer["counterparties"] == 1
    async with db() as session:
        numbers = set((await session.scalars(select(FinanceContract.number))).all())
    assert numbers == {"Д-15/2025"}  # nothing stored for the unknown INN
    (row,) = await log_rows(db)
    assert row.status == "done" and row.error and fd.INN_UNKNOWN in row.error


def _mutations() -> list[tuple[str, bytes, str]]:
    good = fd.body(fd.push(fd.party()))

    def with_contract(**over: Any) -> bytes:
        return fd.body(fd.push(fd.party(fd.INN_A, fd.KPP_A, fd.contract(**over))))

    def with_document(**over: Any) -> bytes:
        document = {"kind": "invoice", "number": "СЧ-1", "date": "2026-11-20", "amount": "10.00"}
        return with_contract(documents=[{**document, **over}])

    return [
        ("truncated", good[: len(good) // 2], "неверный JSON"),
        ("not utf-8", "{}".encode("utf-16"), "UTF-8"),
        ("counterparties object", fd.body({"as_of": AS_OF, "counterparties": {}}), "массив"),
        ("deferral string", with_contract(deferral_days="14"), "deferral_days"),
        ("debt bool", with_contract(debt=True), "debt"),
        ("bad decimal", with_contract(debt="12,345.6.7"), "не сумма"),
        ("three decimals", with_contract(credit_limit="1.005"), "двух знаков"),
        ("negative limit", with_contract(credit_limit="-1"), "отрицательной"),
        ("bad as_of", fd.body(fd.push(fd.party(), as_of="вчера")), "as_of"),
        ("bad date", with_document(date="2026-13-40"), "не дата"),
        ("bad kind", with_document(kind="bill"), "неизвестный вид"),
        ("bad base64", with_document(file_base64="%%%notbase64"), "Base64"),
        ("not a pdf", with_document(file_base64=fd.b64(b"GIF89a....")), "не PDF"),
        ("bad inn", fd.body(fd.push(fd.party("12345", ""))), "ИНН"),
    ]


@pytest.mark.parametrize(("case", "raw", "reason"), _mutations(), ids=[m[0] for m in _mutations()])
async def test_malformed_push_answers_400_and_changes_nothing(
    client: TestClient,
    db: async_sessionmaker[AsyncSession],
    known: fd.Known,
    case: str,
    raw: bytes,
    reason: str,
) -> None:
    assert (await post(client, fd.body(fd.push(fd.party()))))[0] == 200
    before = await state(db)
    # the bad push would also change the debt, if anything of it were applied
    status, answer = await post(client, raw)
    assert status == 400, (case, answer)
    assert answer["status"] == "error" and reason in answer["error"], answer
    assert await state(db) == before
    rows = await log_rows(db)
    assert rows[-1].status == "failed" and reason in (rows[-1].error or "")


async def test_body_over_the_limit_is_refused_unread(
    client: TestClient, db: async_sessionmaker[AsyncSession], known: fd.Known
) -> None:
    big = fd.contract(documents=[])
    big["padding"] = "x" * (LIMIT + 10)
    raw = fd.body(fd.push(fd.party(fd.INN_A, fd.KPP_A, big)))
    assert len(raw) > LIMIT
    status, answer = await post(client, raw)
    assert status == 400 and "ONEC_FINANCE_MAX_BYTES" in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
        for start in range(0, len(raw), 1024 * 1024):
            yield raw[start : start + 1024 * 1024]

    resp = await client.post("/1c/finance", data=chunks(), headers=basic())
    assert resp.status == 400 and "ONEC_FINANCE_MAX_BYTES" in (await resp.json())["error"]
    assert await state(db) == {"contracts": [], "documents": [], "files": 0, "outbox": 0}
    assert [r.status for r in await log_rows(db)] == ["failed", "failed"]


async def test_wrong_or_missing_login_answers_401(
    client: TestClient, db: async_sessionmaker[AsyncSession], known: fd.Known
) -> None:
    raw = fd.body(fd.push(fd.party()))
    resp = await client.post("/1c/finance", data=raw, headers=basic(LOGIN, "wrong"))
    assert resp.status == 401
    assert "неверный логин или пароль" in (await resp.json())["error"]
    resp = await client.post("/1c/finance", data=raw)
    assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
    assert await state(db) == {"contracts": [], "documents": [], "files": 0, "outbox": 0}
    assert [(r.exchange_type, r.status) for r in await log_rows(db)] == [("finance", "refused")]


async def test_finance_file_through_the_exchange_file_and_import_steps(
    db: async_sessionmaker[AsyncSession], known: fd.Known, tmp_path: Path
) -> None:
    from tests.onec.conftest import onec_app

    async with onec_app(db, tmp_path) as onec:
        await onec.checkauth("sale")
        name = "finance_2026-12-01.json"
        assert (await onec.upload(name, fd.body(fd.push(fd.party())), kind="sale")).startswith(
            "success"
        )
        answer = await onec.import_(name, kind="sale")
        assert answer.startswith("success"), answer
        bad = "finance_bad.json"
        await onec.upload(bad, b'{"as_of": "2026-12-01T18:00:00", "counterparties": [', kind="sale")
        refused = await onec.import_(bad, kind="sale")
        assert refused.startswith("failure") and "неверный JSON" in refused
    after = await state(db)
    assert [c[2] for c in after["contracts"]] == ["Д-15/2025"] and after["files"] == 1


def test_cli_import_of_a_finance_file(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dealerbot.cli import main

    monkeypatch.chdir(tmp_path)
    cli_env = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", cli_env)

    assert main(["db", "upgrade"]) == 0
    assert main(["dealer", "create", "--name", "ООО Тест", "--inn", fd.INN_A]) == 0
    path = tmp_path / "finance.json"
    data = fd.push(fd.party(fd.INN_A, "", fd.contract(documents=[])))
    path.write_bytes(fd.body(data))
    capsys.readouterr()
    assert main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "finance.json" in out and "договоров 1" in out
    bad = tmp_path / "finance-broken.json"
    bad.write_text('{"as_of": 1}', encoding="utf-8")
    assert main(["import", str(bad)]) == 1
    assert "as_of" in capsys.readouterr().err
    import sqlite3

    with sqlite3.connect(cli_env.split("///", 1)[1]) as conn:
        rows = conn.execute("SELECT number, debt, dealer_id FROM finance_contracts").fetchall()
    assert [(r[0], str(r[1]), r[2]) for r in rows] == [("Д-15/2025", "320000.5", 1)]
