"""1C pushes the real CommerceML files of every source; the catalog matches the files."""

from __future__ import annotations

import gc
import io
import sys
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.importer import catalog_counts
from core.catalog.normalize import normalize_article
from core.models import ExchangeSession, Product
from integrations.onec.offline import import_files
from integrations.onec.sorting import import_order
from tests.conftest import wipe
from tests.onec.conftest import (
    FIXTURES,
    OneC,
    need_fixtures,
    onec_app,
    snapshot,
    without_times,
)

SOURCES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []


def source_files(name: str) -> list[tuple[str, Path]]:
    """The XML files of a source, relative names, in the order 1C sends them."""
    root = need_fixtures() / name
    files = [(str(p.relative_to(root)), p) for p in root.rglob("*.xml") if "xsd" not in p.parts]
    return import_order(files)


def _x(tree: etree._ElementTree, path: str) -> list[etree._Element]:
    return tree.xpath(path)


def L(name: str) -> str:
    return f"*[local-name()='{name}']"


def expected_counts(paths: Iterable[Path]) -> dict[str, int]:
    """Counts computed from whole-tree XPath, independently of the streaming reader."""
    groups: set[str] = set()
    products: set[str] = set()
    price_keys: set[tuple[str, str]] = set()
    stock_keys: set[tuple[str, str]] = set()
    for path in paths:
        tree = etree.parse(str(path))
        root = f"/{L('КоммерческаяИнформация')}"
        for ident in _x(tree, f"{root}/{L('Классификатор')}//{L('Группа')}/{L('Ид')}/text()"):
            groups.add(ident.strip())
        for ident in _x(tree, f"{root}/{L('Каталог')}/{L('Товары')}/{L('Товар')}/{L('Ид')}/text()"):
            products.add(ident.strip())
        offers = _x(tree, f"{root}/*/{L('Предложения')}/{L('Предложение')}")
        for offer in offers:
            ident = offer.xpath(f"{L('Ид')}/text()")[0].strip()
            if offer.xpath(f"{L('Наименование')}/text()"):
                products.add(ident)
        for offer in offers:
            ident = offer.xpath(f"{L('Ид')}/text()")[0].strip()
            if ident not in products:
                continue
            for price in offer.xpath(f"{L('Цены')}/{L('Цена')}"):
                value = price.xpath(f"{L('ЦенаЗаЕдиницу')}/text()")
                if value and value[0].strip():
                    price_keys.add((ident, price.xpath(f"{L('ИдТипаЦены')}/text()")[0].strip()))
            houses = [
                s.xpath(f"{L('Ид')}/text()")[0].strip()
                for s in offer.xpath(f"{L('Остатки')}/{L('Остаток')}/{L('Склад')}")
            ] + [s.get("ИдСклада").strip() for s in offer.xpath(f"{L('Склад')}[@ИдСклада]")]
            if houses:
                stock_keys.update((ident, h) for h in houses)
            elif offer.xpath(
                f"{L('Количество')} | {L('Остатки')}/{L('Остаток')}/{L('Количество')}"
            ):
                stock_keys.add((ident, "total"))
    return {
        "groups": len(groups),
        "products": len(products),
        "prices": len(price_keys),
        "stock": len(stock_keys),
    }


@pytest.mark.parametrize("source", SOURCES)
async def test_every_source_imports_and_a_second_run_changes_nothing(
    onec: OneC, db: async_sessionmaker[AsyncSession], source: str
) -> None:
    files = source_files(source)
    answers = await onec.exchange([(name, path.read_bytes()) for name, path in files])
    assert all(a.startswith("success") for a in answers), answers
    assert (await onec.text("catalog", "complete")).startswith("success")

    expected = expected_counts(path for _, path in files)
    async with db() as session:
        counts = await catalog_counts(session)
        first = await snapshot(session)
        log = (await session.scalars(select(ExchangeSession))).one()
    assert {k: counts[k] for k in expected} == expected
    assert log.status == "done" and log.error is None
    assert set(log.files) == {name for name, _ in files}
    for onec_id, row in first["products"].items():
        assert onec_id == onec_id.strip()
        assert row[2] == normalize_article(row[1])  # article_norm filled on every insert

    await onec.exchange([(name, path.read_bytes()) for name, path in files])
    async with db() as session:
        assert without_times(await snapshot(session)) == without_times(first)


@pytest.mark.parametrize("source", ["santechtula-1c-catalog", "irpsv-commerceml-bitrix6"])
async def test_a_second_identical_run_rewrites_no_row(
    onec: OneC, db: async_sessionmaker[AsyncSession], source: str
) -> None:
    files = [(name, path.read_bytes()) for name, path in source_files(source)]
    await onec.exchange(files)
    async with db() as session:
        first = await snapshot(session)
    answers = await onec.exchange(files)
    async with db() as session:
        assert await snapshot(session) == first  # updated_at included: nothing was rewritten
    assert all("changed" not in a for a in answers)


async def test_windows_1251_single_line_catalog_reads_names_and_units(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    files = source_files("santechtula-1c-catalog")
    await onec.exchange([(name, path.read_bytes()) for name, path in files])
    async with db() as session:
        products = list((await session.scalars(select(Product).limit(50))).all())
    assert products and all(p.name and "�" not in p.name for p in products)
    assert any(any("а" <= ch <= "я" for ch in p.name.lower()) for p in products)


async def test_trailing_spaces_in_unit_codes_are_dropped(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    files = source_files("dobromyslov-commerceml-parser")
    await onec.exchange([(name, path.read_bytes()) for name, path in files])
    async with db() as session:
        codes = set((await session.scalars(select(Product.unit_code))).all())
    assert "796" in codes and all(c is None or c == c.strip() for c in codes)


def _partial(import_xml: bytes, product_id: str, new_name: str) -> bytes:
    """A partial package naming one product, built from the real file."""
    tree = etree.parse(io.BytesIO(import_xml))
    catalog = tree.xpath(f"//{L('Каталог')}")[0]
    catalog.set("СодержитТолькоИзменения", "true")
    goods = catalog.xpath(f"{L('Товары')}")[0]
    for item in goods.xpath(L("Товар")):
        if item.xpath(f"{L('Ид')}/text()")[0].strip() != product_id:
            goods.remove(item)
        else:
            item.xpath(L("Наименование"))[0].text = new_name
    root = tree.getroot()
    for cls in root.xpath(L("Классификатор")):
        root.remove(cls)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


async def test_partial_package_changes_only_what_it_names(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    files = source_files("santechtula-1c-catalog")
    await onec.exchange([(name, path.read_bytes()) for name, path in files])
    async with db() as session:
        before = await snapshot(session)
    target = sorted(before["products"])[7]
    data = _partial(dict(files)["import.xml"].read_bytes(), target, "Новое имя товара")
    answers = await onec.exchange([("import___partial.xml", data)])
    assert answers[0].startswith("success"), answers
    async with db() as session:
        after = await snapshot(session)
    changed = {k for k in before["products"] if before["products"][k] != after["products"][k]}
    assert changed == {target}
    assert after["products"][target][0] == "Новое имя товара"
    assert after["products"][target][7] is True
    assert sum(1 for v in after["products"].values() if not v[7]) == sum(
        1 for v in before["products"].values() if not v[7]
    )
    assert after["prices"] == before["prices"] and after["stock"] == before["stock"]


async def test_full_package_deactivates_what_it_no_longer_lists(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    files = source_files("dobromyslov-commerceml-parser")
    plain = [(n, p.read_bytes()) for n, p in files if n == "import0_1.xml"]
    await onec.exchange(plain)
    async with db() as session:
        before = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
    tree = etree.parse(io.BytesIO(plain[0][1]))
    goods = tree.xpath(f"//{L('Каталог')}/{L('Товары')}")[0]
    dropped = goods.xpath(L("Товар"))[0]
    dropped_id = dropped.xpath(f"{L('Ид')}/text()")[0].strip()
    goods.remove(dropped)
    await onec.exchange(
        [("import0_1.xml", etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))]
    )
    async with db() as session:
        states = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
    assert before[dropped_id] is True and states[dropped_id] is False
    assert states == {**before, dropped_id: False}


async def test_deactivate_mode_turns_off_items_the_session_did_not_send(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    files = source_files("irpsv-commerceml-bitrix6")
    await onec.exchange([(n, p.read_bytes()) for n, p in files])
    async with db() as session:
        before = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
        session.add(Product(onec_id="stale-item", name="Снят с продажи"))
        await session.commit()
    await onec.exchange([(n, p.read_bytes()) for n, p in files if n.startswith("goods/")])
    assert (await onec.text("catalog", "deactivate")).startswith("success")
    async with db() as session:
        states = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
    assert states.pop("stale-item") is False
    assert states == before


async def test_deactivate_mode_after_a_restart_still_knows_what_the_session_sent(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    files = source_files("irpsv-commerceml-bitrix6")
    async with onec_app(db, tmp_path) as first:
        await first.exchange([(n, p.read_bytes()) for n, p in files])
        assert (await first.text("catalog", "complete")).startswith("success")
    async with db() as session:
        before = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
        session.add(Product(onec_id="stale-item", name="Снят с продажи"))
        await session.commit()
    async with onec_app(db, tmp_path) as first:
        await first.exchange([(n, p.read_bytes()) for n, p in files if n.startswith("goods/")])
        cookie = first.cookie
    # the service restarts between the uploads and mode=deactivate (same storage, same cookie)
    async with onec_app(db, tmp_path) as second:
        second.cookie = cookie
        answer = await second.text("catalog", "deactivate")
        assert answer.startswith("success") and "deactivated_products=1" in answer, answer
        assert (await second.text("catalog", "complete")).startswith("success")
    async with db() as session:
        states = dict((await session.execute(select(Product.onec_id, Product.is_active))).all())
    assert states.pop("stale-item") is False
    assert states == before
    assert not list((tmp_path / "1c").glob("*.seen"))  # gone with the session


async def test_chunked_upload_in_200_kb_pieces_equals_one_piece(
    onec: OneC, db: async_sessionmaker[AsyncSession], engine: object
) -> None:
    files = [(n, p.read_bytes()) for n, p in source_files("bogutski-1c-commerceml-to-json")]
    assert max(len(d) for _, d in files) > 1_000_000
    await onec.exchange(files, chunk=200 * 1024)
    async with db() as session:
        chunked = without_times(await snapshot(session))
    await wipe(engine)  # type: ignore[arg-type]
    await onec.exchange(files)
    async with db() as session:
        whole = without_times(await snapshot(session))
    assert chunked == whole and len(whole["products"]) > 500


async def test_zipped_package_equals_plain_files(
    onec: OneC, db: async_sessionmaker[AsyncSession], engine: object
) -> None:
    files = [(n, p.read_bytes()) for n, p in source_files("irpsv-commerceml-bitrix6")]
    await onec.exchange(files)
    async with db() as session:
        plain = without_times(await snapshot(session))
    await wipe(engine)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    await onec.checkauth()
    assert (await onec.upload("package.zip", buffer.getvalue(), chunk=64 * 1024)).startswith(
        "success"
    )
    for name, _ in files:  # 1C asks for each file of the archive by name
        assert (await onec.import_(name)).startswith("success")
    async with db() as session:
        zipped = without_times(await snapshot(session))
    assert zipped == plain and len(plain["stock"]) > 1000


async def test_offline_import_uses_the_same_code(
    db: async_sessionmaker[AsyncSession],
) -> None:
    files = source_files("carono-yii2-1c-exchange")
    result = await import_files(db, [p for _, p in files])
    assert result.ok, str(result)
    expected = expected_counts(p for _, p in files)
    async with db() as session:
        counts = await catalog_counts(session)
        log = (await session.scalars(select(ExchangeSession))).one()
    assert {k: counts[k] for k in expected} == expected
    assert log.exchange_type == "offline" and log.status == "done"


SPECIAL_IMPORT = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.08">
<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><Товары>
<Товар><Ид>a\\b\tc</Ид><Артикул>AB\\12\t3</Артикул>
<Наименование>Болт\tМ8 "оцинк." \\N
длинный</Наименование>
<ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Код\\"</Наименование>
<Значение>"1\\2"\t</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Товар>
</Товары></Каталог></КоммерческаяИнформация>
"""
SPECIAL_OFFERS = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.08">
<ПакетПредложений СодержитТолькоИзменения="false"><ТипыЦен><ТипЦены><Ид>т\\1</Ид>
<Наименование>Опт</Наименование><Валюта>руб</Валюта></ТипЦены></ТипыЦен>
<Склады><Склад><Ид>с\tк</Ид><Наименование>Склад</Наименование></Склад></Склады>
<Предложения><Предложение><Ид>a\\b\tc</Ид><Цены><Цена><ИдТипаЦены>т\\1</ИдТипаЦены>
<ЦенаЗаЕдиницу>1 234,50</ЦенаЗаЕдиницу></Цена></Цены>
<Остатки><Остаток><Склад><Ид>с\tк</Ид><Количество>7,125</Количество></Склад></Остаток>
</Остатки></Предложение>
<Предложение><Ид>нет такого</Ид><Цены><Цена><ИдТипаЦены>т\\1</ИдТипаЦены>
<ЦенаЗаЕдиницу>1</ЦенаЗаЕдиницу></Цена></Цены></Предложение>
</Предложения></ПакетПредложений></КоммерческаяИнформация>
"""


async def test_tabs_backslashes_and_newlines_in_ids_and_texts_are_stored_as_sent(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    answers = await onec.exchange(
        [("import.xml", SPECIAL_IMPORT.encode()), ("offers.xml", SPECIAL_OFFERS.encode())]
    )
    assert all(a.startswith("success") for a in answers), answers
    assert "unknown" not in answers[0]
    async with db() as session:
        snap = await snapshot(session)
    item = snap["products"]["a\\b\tc"]
    assert item[0] == 'Болт\tМ8 "оцинк." \\N\nдлинный'
    assert item[1] == "AB\\12\t3"
    assert item[9] == {"requisites": {'Код\\"': '"1\\2"'}}
    assert snap["prices"] == {("a\\b\tc", "т\\1"): (Decimal("1234.50"), "RUB")}
    assert snap["stock"] == {("a\\b\tc", "с\tк"): Decimal("7.125")}
    async with db() as session:
        log = (await session.scalars(select(ExchangeSession))).one()
    assert log.counts["offers.xml"]["unknown"] == {"prices": 1}


async def test_interpreter_settings_are_restored_after_imports(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    before = gc.get_threshold(), sys.getswitchinterval()
    truncated = tmp_path / "import.xml"
    truncated.write_text(SPECIAL_IMPORT[: len(SPECIAL_IMPORT) // 2], encoding="utf-8")
    good = tmp_path / "offers.xml"
    good.write_text(SPECIAL_OFFERS, encoding="utf-8")
    result = await import_files(db, [truncated, good])
    assert list(result.errors) == [str(truncated)] and list(result.files) == [str(good)]
    assert (gc.get_threshold(), sys.getswitchinterval()) == before
