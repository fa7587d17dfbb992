"""Cross numbers: the CSV (all lines or none, per-line reasons), groups that merge two-way and
transitively, search by a cross number however it is typed, analogs with price and stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.crosses import Number, analogs_of, cross_group_item_ids, link_pairs
from core.catalog.crosses_csv import import_crosses, parse_crosses
from core.catalog.search import search_products
from core.models import CrossGroup, CrossNumber, PriceType, Product
from tests import factories


async def _catalog(session: AsyncSession) -> tuple[PriceType, dict[str, Product]]:
    pt = await factories.price_type(session)
    main = await factories.warehouse(session, "Москва")
    items = {
        "OC 90": ("Фильтр масляный KNECHT", "350.00", "40", "KNECHT"),
        "W712/75": ("Фильтр масляный MANN", "512.50", "3", "MANN"),
        "LX 1006": ("Фильтр воздушный", "890.00", "0", ""),
        "SP-1": ("Свеча зажигания", "100.00", "7", "BOSCH"),
    }
    made = {}
    for article, (name, price, stock, brand) in items.items():
        product = await factories.product(
            session, article, name, prices={pt: price}, stock={main: stock}
        )
        if brand:
            product.properties = {"Производитель": brand}
        made[article] = product
    await session.flush()
    return pt, made


async def _numbers(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(CrossNumber)) or 0)


async def test_cp1251_semicolon_file_links_pairs(session: AsyncSession) -> None:
    _, items = await _catalog(session)
    data = (
        "article;brand;cross_article;cross_brand\r\n"
        "OC 90;Knecht;1109.AH;Пежо\r\n"
        "\r\n"
        "W 712/75;MANN;1109-ah;пежо\r\n"
    ).encode("cp1251")
    report = await import_crosses(session, data)
    assert report.imported, report.summary()
    assert (report.encoding, report.delimiter, report.lines) == ("Windows-1251", ";", 2)
    assert report.counts is not None and report.counts.numbers_added == 3
    assert "Загружено пар: 2" in report.summary()
    brands = set(await session.scalars(select(CrossNumber.brand)))
    assert "Пежо" in brands  # read as Windows-1251, not mojibake
    found = await cross_group_item_ids(session, "1109 AH")
    assert set(found) == {items["OC 90"].id, items["W712/75"].id}


async def test_utf8_comma_file_with_bom(session: AsyncSession) -> None:
    await _catalog(session)
    data = "\ufeffarticle,brand,cross_article,cross_brand\nOC 90,,X-1,\n".encode()
    report = await import_crosses(session, data)
    assert report.imported and (report.encoding, report.delimiter) == ("UTF-8", ",")


async def test_bad_lines_are_reported_and_nothing_is_imported(session: AsyncSession) -> None:
    await _catalog(session)
    data = (
        "article;brand;cross_article;cross_brand\n"
        "OC 90;KNECHT;1109AH;PEUGEOT\n"
        "W712/75;MANN;;\n"
        "LX 1006;;LX-1006;\n"
        "SP-1;BOSCH;F7;BOSCH;extra\n"
        "---;;ABC;\n"
        f"{'9' * 101};;ABC;\n"
        "SP-1;BOSCH;FR7DC;BOSCH\n"
    ).encode()
    report = await import_crosses(session, data)
    assert not report.imported
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "не указан кросс-номер"),
        (4, "артикул и кросс-номер — один и тот же номер"),
        (5, "ожидалось 4 колонки, в строке 5"),
        (6, "в поле «артикул» нет ни букв, ни цифр"),
        (7, "поле «артикул» длиннее 100 символов"),
    ]
    assert "Ничего не загружено: строк с ошибками — 5 из 7" in report.summary()
    assert await _numbers(session) == 0  # the good lines 2 and 8 were not imported either


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "Файл пустой."),
        (b"\x00\x01\x02PK\x03\x04" * 50, "Файл не похож на CSV"),
        ("артикул;кросс\nOC 90;X1\n".encode(), "Первая строка должна быть заголовком"),
        (b"article,brand,cross_article,cross_brand\n\n", "нет ни одной строки"),
    ],
)
async def test_broken_files_import_nothing_and_say_why(
    session: AsyncSession, data: bytes, says: str
) -> None:
    report = await import_crosses(session, data)
    assert not report.imported and report.file_error is not None
    assert says in report.summary()
    assert await _numbers(session) == 0


async def test_groups_merge_two_way_and_transitively(session: AsyncSession) -> None:
    _, items = await _catalog(session)
    first = await link_pairs(session, [(Number("OC 90"), Number("A-100"))], source="csv")
    second = await link_pairs(session, [(Number("LX 1006"), Number("C-200"))], source="csv")
    assert (first.groups_created, second.groups_created) == (1, 1)
    assert await session.scalar(select(func.count()).select_from(CrossGroup)) == 2
    # two-way: the cross number finds the item, the item's article finds the cross's group
    assert await cross_group_item_ids(session, "a100") == [items["OC 90"].id]
    assert await cross_group_item_ids(session, "oc90") == [items["OC 90"].id]

    merged = await link_pairs(session, [(Number("C200"), Number("a 100"))], source="csv")
    assert merged.groups_merged == 1 and merged.numbers_added == 0
    assert await session.scalar(select(func.count()).select_from(CrossGroup)) == 1
    whole = {items["OC 90"].id, items["LX 1006"].id}
    for query in ("A-100", "c 200", "OC90", "lx-1006"):
        assert set(await cross_group_item_ids(session, query)) == whole, query

    again = await link_pairs(session, [(Number("C200"), Number("a 100"))], source="csv")
    assert (again.numbers_added, again.groups_created, again.groups_merged) == (0, 0, 0)
    groups = set(await session.scalars(select(CrossNumber.group_id)))
    assert len(groups) == 1


async def test_many_pairs_in_one_file_chain_into_one_group(session: AsyncSession) -> None:
    await _catalog(session)
    lines = ["article,brand,cross_article,cross_brand"]
    lines += [f"N{i},,N{i + 1}," for i in range(300)]
    report = await import_crosses(session, "\n".join(lines).encode())
    assert report.imported and report.counts is not None
    assert report.counts.numbers_added == 301 and report.counts.groups_created == 1
    assert len(set(await session.scalars(select(CrossNumber.group_id)))) == 1


async def test_search_by_a_cross_number_in_any_spelling_finds_the_group(
    session: AsyncSession,
) -> None:
    pt, items = await _catalog(session)
    await link_pairs(
        session,
        [
            (Number("OC 90", "KNECHT"), Number("1109.AH", "PEUGEOT")),
            (Number("W712/75", "MANN"), Number("1109AH", "Peugeot")),
        ],
        source="csv",
    )
    group = {items["OC 90"].id, items["W712/75"].id}
    for query in ("1109.AH", "1109 ah", "1109-Ah", "  1109ah ", "1109АН"):  # last: Cyrillic А, Н
        page = await search_products(session, query, price_type_id=pt.id)
        assert {hit.product_id for hit in page.items} == group, query
        assert all(hit.price is not None for hit in page.items)
    # an exact article stays first, its group right after it
    page = await search_products(session, "oc 90", price_type_id=pt.id)
    assert [hit.article for hit in page.items][:2] == ["OC 90", "W712/75"]


async def test_a_brand_that_disagrees_keeps_an_item_out(session: AsyncSession) -> None:
    pt, items = await _catalog(session)
    other = await factories.product(session, "1109AH", "Чужой товар", prices={pt: "1"})
    other.properties = {"Производитель": "NONAME"}
    await link_pairs(
        session, [(Number("OC 90", "KNECHT"), Number("1109AH", "PEUGEOT"))], source="csv"
    )
    found = await cross_group_item_ids(session, "1109AH")
    assert found == [items["OC 90"].id]  # NONAME's 1109AH is not Peugeot's


async def test_analogs_are_in_stock_with_the_dealers_price(session: AsyncSession) -> None:
    pt, items = await _catalog(session)
    await link_pairs(
        session,
        [
            (Number("LX 1006"), Number("OC 90")),
            (Number("LX 1006"), Number("W712/75")),
            (Number("LX 1006"), Number("NOT-IN-CATALOG")),
        ],
        source="csv",
    )
    analogs = await analogs_of(session, [items["LX 1006"].id, items["SP-1"].id], pt.id)
    assert list(analogs) == [items["LX 1006"].id]  # SP-1 has no analogs
    listed = analogs[items["LX 1006"].id]
    assert [(a.article, a.price, a.stock_total) for a in listed] == [
        ("OC 90", Decimal("350.00"), Decimal("40")),
        ("W712/75", Decimal("512.50"), Decimal("3")),
    ]
    # LX 1006 itself has no stock: it is nobody's analog in stock
    back = await analogs_of(session, [items["OC 90"].id], pt.id)
    assert [a.article for a in back[items["OC 90"].id]] == ["W712/75"]


def test_parse_checks_without_a_database() -> None:
    report = parse_crosses(b'article,brand,cross_article,cross_brand\n"OC 90,,X1,\n')
    assert not report.imported and report.problem_count == 1
