"""How long a finance push takes: parse + apply of N counterparties with documents and PDFs.

    python -m bench.finance_bench [--parties 200] [--documents 5] [--database-url URL]

SQLite file var/bench/finance.sqlite3 by default (migrated to head, wiped of finance rows first).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from core import migrate
from core.db import create_engine, create_sessionmaker
from core.models import Dealer, ExchangeSession, FinanceContract, LegalEntity
from integrations.onec.finance import apply_raw
from tests.finance_data import b64, tiny_pdf


def body(parties: int, documents: int) -> bytes:
    pdf = b64(tiny_pdf("bench"))
    return json.dumps(
        {
            "as_of": "2026-12-01T18:00:00+03:00",
            "counterparties": [
                {
                    "inn": f"77{n:08d}",
                    "kpp": "",
                    "contracts": [
                        {
                            "number": f"Д-{n}",
                            "credit_limit": "500000.00",
                            "debt": "1000.00",
                            "documents": [
                                {
                                    "kind": "shipment",
                                    "number": f"РТ-{n}-{k}",
                                    "date": "2026-11-20",
                                    "amount": "100.00",
                                    "file_base64": pdf,
                                }
                                for k in range(documents)
                            ],
                        }
                    ],
                }
                for n in range(parties)
            ],
        },
        ensure_ascii=False,
    ).encode()


async def main(args: argparse.Namespace) -> None:
    url = args.database_url or "sqlite+aiosqlite:///var/bench/finance.sqlite3"
    await migrate.upgrade(url)
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(FinanceContract))
        await session.execute(delete(ExchangeSession))
        await session.execute(delete(LegalEntity))
        await session.execute(delete(Dealer))
        for n in range(args.parties):
            dealer = Dealer(name=f"Дилер {n}", inn=f"77{n:08d}")
            session.add(dealer)
    raw = body(args.parties, args.documents)
    zone = ZoneInfo("Europe/Moscow")
    timings = {}
    for label in ("first push (inserts)", "same push again (upserts)"):
        started = time.perf_counter()
        result = await apply_raw(sessionmaker, raw, zone=zone, source="bench")
        timings[label] = round(time.perf_counter() - started, 2)
        print(f"{label}: {timings[label]} s, {result.counts()['documents_new']} new documents")
    await engine.dispose()
    size = round(len(raw) / 1024 / 1024, 2)
    summary = {"bytes_mib": size, "parties": args.parties, "documents": args.documents, **timings}
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--parties", type=int, default=200)
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--database-url")
    Path("var/bench").mkdir(parents=True, exist_ok=True)
    asyncio.run(main(parser.parse_args()))
