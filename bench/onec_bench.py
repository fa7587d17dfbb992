"""1C exchange benchmark: `python -m bench.onec_bench [--items 100000] [--small 20000]`.

Generates import.xml + offers.xml (N items, 3 price types, 5 warehouses) from dealerbot.fakedata,
runs the whole exchange through the HTTP protocol (checkauth, init, file in 16 MB chunks, import
polled until success) against a server in a subprocess writing to PostgreSQL
(BENCH_DATABASE_URL, default database dealerbot_onec_bench), and measures in the same run:
plain lxml iterparse of the same files, PostgreSQL COPY of the same rows into scratch tables,
the total exchange time, and the server's peak RSS (VmHWM) for two catalog sizes; then a
second full exchange of the same items with every price and quantity changed ("repeat").
"""

# ruff: noqa: E501  (XML templates read best on one line)
from __future__ import annotations

import argparse
import asyncio
import base64
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
import asyncpg
from lxml import etree

from dealerbot.fakedata import iter_groups, iter_products, price_for, stock_for

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/dealerbot_onec_bench"
PRICE_TYPES = ("Розничная", "Оптовая", "Дилерская")
WAREHOUSES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань")
LOGIN, PASSWORD = "bench", "bench-password-1"
PORT = 8931


def generate(folder: Path, count: int, shift: int = 0) -> list[tuple[str, Path]]:
    """Write import.xml and offers.xml for `count` items; `shift` is added to every price and
    quantity (a later exchange in which all of them changed)."""
    groups = [g for g in iter_groups()]
    head = '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08" ДатаФормирования="2026-11-23T10:00:00">\n'
    products = list(iter_products(count))
    imp = folder / "import.xml"
    with imp.open("w", encoding="utf-8") as out:
        out.write(head)
        out.write("<Классификатор><Ид>cls</Ид><Наименование>Каталог</Наименование><Группы>\n")
        # a flat list is enough for the bench; the tree is covered by the tests
        for g in groups:
            out.write(
                f"<Группа><Ид>{g.onec_id}</Ид><Наименование>{escape(g.name)}</Наименование></Группа>\n"
            )
        out.write(
            '</Группы></Классификатор>\n<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид>'
            "<ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование><Товары>\n"
        )
        for p in products:
            out.write(
                f"<Товар><Ид>{p.onec_id}</Ид><Штрихкод>{p.barcode}</Штрихкод><Артикул>{escape(p.article)}</Артикул>"
                f"<Наименование>{escape(p.name)}</Наименование>"
                f'<БазоваяЕдиница Код="{p.unit_code}" НаименованиеКраткое="{p.unit}">{p.unit}</БазоваяЕдиница>'
                f"<Группы><Ид>{p.group_onec_id}</Ид></Группы>"
                f"<Изготовитель><Ид>{escape(p.brand)}</Ид><Наименование>{escape(p.brand)}</Наименование></Изготовитель>"
                "</Товар>\n"
            )
        out.write("</Товары></Каталог></КоммерческаяИнформация>\n")
    off = folder / "offers.xml"
    with off.open("w", encoding="utf-8") as out:
        out.write(head)
        out.write(
            '<ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><Наименование>П</Наименование>'
            "<ИдКаталога>cat</ИдКаталога><ТипыЦен>\n"
        )
        for i, name in enumerate(PRICE_TYPES):
            out.write(
                f"<ТипЦены><Ид>pt-{i}</Ид><Наименование>{name}</Наименование><Валюта>RUB</Валюта></ТипЦены>\n"
            )
        out.write("</ТипыЦен><Склады>\n")
        for i, name in enumerate(WAREHOUSES):
            out.write(f"<Склад><Ид>wh-{i}</Ид><Наименование>{name}</Наименование></Склад>\n")
        out.write("</Склады><Предложения>\n")
        for p in products:
            prices = "".join(
                f"<Цена><ИдТипаЦены>pt-{i}</ИдТипаЦены><ЦенаЗаЕдиницу>{price_for(p, i) + shift}</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>"
                for i in range(len(PRICE_TYPES))
            )
            rests = "".join(
                f"<Остаток><Склад><Ид>wh-{i}</Ид><Количество>{stock_for(p, i % 3) + shift}</Количество></Склад></Остаток>"
                for i in range(len(WAREHOUSES))
            )
            out.write(
                f"<Предложение><Ид>{p.onec_id}</Ид><Цены>{prices}</Цены><Остатки>{rests}</Остатки></Предложение>\n"
            )
        out.write("</Предложения></ПакетПредложений></КоммерческаяИнформация>\n")
    return [("import.xml", imp), ("offers.xml", off)]


def iterparse_seconds(files: list[tuple[str, Path]]) -> float:
    """Plain lxml iterparse of the files, elements cleared (the floor for any reader)."""
    started = time.perf_counter()
    for _, path in files:
        for _, elem in etree.iterparse(str(path), events=("end",)):
            elem.clear()
            parent = elem.getparent()
            while parent is not None and elem.getprevious() is not None:
                del parent[0]
    return time.perf_counter() - started


async def copy_seconds(dsn: str, count: int) -> float:
    """COPY of the same rows (items, prices, stock) into scratch tables shaped like ours."""
    products = list(iter_products(count))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "DROP TABLE IF EXISTS s_products, s_prices, s_stock;"
            "CREATE UNLOGGED TABLE s_products (id int primary key, onec_id text unique, article text,"
            " article_norm text, name text, search_text text, unit text, unit_code text, barcode text,"
            " group_id int, is_active bool);"
            "CREATE UNLOGGED TABLE s_prices (product_id int, price_type_id int, value numeric(14,2),"
            " currency text, primary key (product_id, price_type_id));"
            "CREATE UNLOGGED TABLE s_stock (product_id int, warehouse_id int, quantity numeric(14,3),"
            " primary key (product_id, warehouse_id));"
        )
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "s_products",
            records=[
                (
                    i,
                    p.onec_id,
                    p.article,
                    p.article,
                    p.name,
                    p.name,
                    p.unit,
                    p.unit_code,
                    p.barcode,
                    1,
                    True,
                )
                for i, p in enumerate(products)
            ],
        )
        await conn.copy_records_to_table(
            "s_prices",
            records=[
                (i, t, price_for(p, t), "RUB") for i, p in enumerate(products) for t in range(3)
            ],
        )
        await conn.copy_records_to_table(
            "s_stock",
            records=[
                (i, w, Decimal(stock_for(p, w % 3)))
                for i, p in enumerate(products)
                for w in range(5)
            ],
        )
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE s_products, s_prices, s_stock")
        return elapsed
    finally:
        await conn.close()


SERVER = """
import asyncio, sys
from pathlib import Path
from aiohttp import web
from core.db import create_engine, create_sessionmaker
from core.settings import get_settings
from integrations.onec.http import setup_onec_routes
url, folder, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = get_settings(environment="test", onec_username="%s", onec_password="%s")
engine = create_engine(url)
app = web.Application()
setup_onec_routes(app, settings=settings, sessionmaker=create_sessionmaker(engine), storage_dir=Path(folder))
web.run_app(app, host="127.0.0.1", port=port, print=None)
""".replace("%s", LOGIN, 1).replace("%s", PASSWORD, 1)


def backend_cpu_seconds(database: str) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends connected to `database`.

    Read from /proc, so only for a server on this machine (None when no backend is seen): the
    database's share of the work, which the exchange cannot take less time than.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if not cmdline.startswith(b"postgres") or f" {database} ".encode() not in cmdline:
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / tick
        found = True
    return total if found else None


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a process (user + system)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """Peak resident set size of a process (VmHWM from /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def exchange(files: list[tuple[str, Path]], phases: dict[str, float]) -> float:
    """The whole catalog exchange over HTTP, as 1C does it; returns seconds.

    `phases` receives the seconds spent uploading and importing each file.
    """
    token = base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    base = f"http://127.0.0.1:{PORT}/1c/exchange"
    started = time.perf_counter()
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(base, params={"type": "catalog", "mode": "checkauth"}) as r:
            lines = (await r.text()).split("\n")
        assert lines[0] == "success", lines
        cookie = {"Cookie": f"{lines[1]}={lines[2]}"}
        async with http.get(base, params={"type": "catalog", "mode": "init"}, headers=cookie) as r:
            limit = int((await r.text()).split("file_limit=")[1])
        for name, path in files:
            mark = time.perf_counter()
            with path.open("rb") as fh:
                while chunk := fh.read(limit):
                    async with http.post(
                        base,
                        params={"type": "catalog", "mode": "file", "filename": name},
                        data=chunk,
                        headers=cookie,
                    ) as r:
                        assert (await r.text()).startswith("success")
            phases[f"upload {name}"] = time.perf_counter() - mark
            mark = time.perf_counter()
            while True:
                async with http.get(
                    base,
                    params={"type": "catalog", "mode": "import", "filename": name},
                    headers=cookie,
                ) as r:
                    text = await r.text()
                if not text.startswith("progress"):
                    assert text.startswith("success"), text
                    break
                await asyncio.sleep(0.2)
            phases[f"import {name}"] = time.perf_counter() - mark
        async with http.get(
            base, params={"type": "catalog", "mode": "complete"}, headers=cookie
        ) as r:
            assert (await r.text()).startswith("success")
    return time.perf_counter() - started


async def run_size(url: str, count: int) -> dict[str, Any]:
    from sqlalchemy import text

    from core import migrate
    from core.db import create_engine

    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await migrate.upgrade(url)
    database = url.rsplit("/", 1)[1].split("?")[0]
    with tempfile.TemporaryDirectory(prefix="onec-bench-") as tmp:
        folder = Path(tmp)
        files = generate(folder, count)
        size_mb = sum(p.stat().st_size for _, p in files) / 1e6
        parse = iterparse_seconds(files)
        copy = await copy_seconds(url.replace("+asyncpg", ""), count)
        server = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-c", SERVER, url, str(folder / "store"), str(PORT)]
        )
        try:
            for _ in range(100):
                try:
                    async with (
                        aiohttp.ClientSession() as http,
                        http.get(f"http://127.0.0.1:{PORT}/1c/exchange"),
                    ):
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            phases: dict[str, float] = {}
            db_before = backend_cpu_seconds(database) or 0.0  # the server connects lazily
            server_cpu = process_cpu_seconds(server.pid)
            total = await exchange(files, phases)
            rss = peak_rss_mb(server.pid)
            server_cpu = process_cpu_seconds(server.pid) - server_cpu
            db_after = backend_cpu_seconds(database)
            db_cpu = float("nan") if db_after is None else db_after - db_before
            # a later full exchange: the same items, every price and quantity changed
            repeat = await exchange(generate(folder, count, shift=1), {})
        finally:
            server.terminate()
            server.wait()
    return {
        "items": count,
        "mb": size_mb,
        "iterparse": parse,
        "copy": copy,
        "exchange": total,
        "rss": rss,
        "server_cpu": server_cpu,
        "db_cpu": db_cpu,
        "phases": phases,
        "repeat": repeat,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    results = [await run_size(url, size) for size in (args.small, args.items)]
    print(
        f"{'items':>8} {'files MB':>9} {'iterparse s':>12} {'COPY s':>8} {'exchange s':>11} {'ratio':>6} {'peak RSS MB':>12} {'server CPU s':>13} {'PG CPU s':>9} {'repeat s':>9}"
    )
    for r in results:
        ratio = r["exchange"] / (r["iterparse"] + r["copy"])
        print(
            f"{r['items']:>8} {r['mb']:>9.1f} {r['iterparse']:>12.2f} {r['copy']:>8.2f} {r['exchange']:>11.2f} {ratio:>6.2f} {r['rss']:>12.1f} {r['server_cpu']:>13.2f} {r['db_cpu']:>9.2f} {r['repeat']:>9.2f}"
        )
    for r in results:
        print(f"{r['items']:>8}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r["phases"].items()))
    big = results[-1]
    ratio = big["exchange"] / (big["iterparse"] + big["copy"])
    print(
        f"targets: ratio <= 2 ({ratio:.2f}), exchange <= 30 s ({big['exchange']:.1f}), "
        f"peak RSS <= 150 MB ({big['rss']:.0f}, small {results[0]['rss']:.0f})"
    )


if __name__ == "__main__":
    asyncio.run(main())
