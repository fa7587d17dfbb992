"""Pasted lists and spreadsheets into the cart, with a per-line report."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput
from core.models import Cart, CartLine, Product, User
from core.orders import cart
from core.orders.cart_import import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ParsedLine,
    import_lines,
    parse_pasted_list,
    parse_spreadsheet,
)
from tests import factories as f

D = Decimal
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a0e1e8a50000000049454e44ae426082"
)


def pairs(lines: list[ParsedLine]) -> list[tuple[str, Decimal | None]]:
    return [(line.article, line.quantity) for line in lines]


# --- pasted lists ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "article", "quantity"),
    [
        ("W712/75 3", "W712/75", D(3)),
        ("W712/75\t3", "W712/75", D(3)),
        ("А-123;4", "А-123", D(4)),
        ("А-123 ; 4", "А-123", D(4)),
        ("W712/75,3", "W712/75", D(3)),
        ("0986452041×10", "0986452041", D(10)),
        ("0986452041x10", "0986452041", D(10)),
        ("0986452041 X 10", "0986452041", D(10)),
        ("OC 90 x 5", "OC 90", D(5)),
        ("OC 90 х 5", "OC 90", D(5)),  # Cyrillic х
        ("OC.90*5", "OC.90", D(5)),
        ("OC 90 * 5", "OC 90", D(5)),
        ("MX5", "MX5", D(1)),  # an x between letters is part of the article
        ("OIL-5W30 1,5", "OIL-5W30", D("1.5")),  # decimal comma
        ("OIL-5W30;2.5", "OIL-5W30", D("2.5")),
        ("W712/75 12 шт.", "W712/75", D(12)),
        ("  W712/75   7  ", "W712/75", D(7)),
        ("W712/75 3;", "W712/75", D(3)),
        ("W712/75", "W712/75", D(1)),  # no quantity: one
        ("ABC-3", "ABC-3", D(1)),  # a dash is part of the article
        ("ABC -3", "ABC", D(-3)),  # ...and a minus after a space is a (bad) quantity
    ],
)
def test_pasted_line(text: str, article: str, quantity: Decimal) -> None:
    assert pairs(parse_pasted_list(text)) == [(article, quantity)]


def test_pasted_list_skips_blanks_and_sums_duplicates() -> None:
    text = "\n  W712/75 3\n\nос-90;2\r\nw 712/75 x 4\n\t\nOC 90 * 1\nA-1 1\n"
    lines = parse_pasted_list(text)
    assert pairs(lines) == [("W712/75", D(7)), ("ос-90", D(3)), ("A-1", D(1))]
    assert [line.line_numbers for line in lines] == [(2, 5), (4, 7), (8,)]


def test_pasted_duplicate_with_a_bad_quantity_stays_bad() -> None:
    lines = parse_pasted_list("A1 2\nA1 abc 5\nA1 x 1.5.5")
    # "A1 abc 5" is article "A1 abc"; "A1 x 1.5.5" has no number at the end: article as written
    assert pairs(lines) == [("A1", D(2)), ("A1 abc", D(5)), ("A1 x 1.5.5", D(1))]


def test_empty_pasted_list() -> None:
    assert parse_pasted_list("") == []
    assert parse_pasted_list("\n \n\t\n") == []


def test_too_long_pasted_list() -> None:
    text = "\n".join(f"A{i} 1" for i in range(MAX_ROWS + 1))
    with pytest.raises(InvalidInput) as error:
        parse_pasted_list(text)
    assert error.value.key == "import.too_large"
    assert len(parse_pasted_list("\n".join(f"A{i} 1" for i in range(MAX_ROWS)))) == MAX_ROWS


# --- spreadsheets ------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_a_title_and_a_russian_header() -> None:
    data = xlsx(
        [
            ["Заказ ООО Автодеталь"],
            [],
            ["№", "Наименование", "Артикул", "Остаток", "Кол-во"],
            [1, "Фильтр", "W712/75", 10, 3],
            [2, "Масло", "OIL-5W30", 5, 1.5],
            [3, "Не нужен", "X-1", 7, None],  # empty quantity: not ordered
            [4, "Без артикула", None, 7, 2],
            [5, "Свеча", 986452041, 0, "2"],
            [6, "Фильтр ещё раз", "w-712/75", 0, 2],
        ]
    )
    lines = parse_spreadsheet(data, "заказ.xlsx")
    assert pairs(lines) == [("W712/75", D(5)), ("OIL-5W30", D("1.5")), ("986452041", D(2))]
    assert lines[0].line_numbers == (4, 9)


def test_xlsx_without_header_uses_the_first_two_columns() -> None:
    data = xlsx([["OC 90", 2], ["W712/75", "3"], ["ABC", "много"]])
    lines = parse_spreadsheet(data, "list.XLSX")
    assert pairs(lines) == [("OC 90", D(2)), ("W712/75", D(3)), ("ABC", None)]
    assert lines[2].quantity_text == "много"


def test_xlsx_with_an_english_header_and_one_column() -> None:
    assert pairs(parse_spreadsheet(xlsx([["SKU"], ["A1"], ["B2"]]), "a.xlsx")) == [
        ("A1", D(1)),
        ("B2", D(1)),
    ]
    data = xlsx([["Qty", "Part number"], [4, "A1"], [2, "B2"]])
    assert pairs(parse_spreadsheet(data, "order.xlsx")) == [("A1", D(4)), ("B2", D(2))]


def test_windows_1251_csv_with_semicolons_and_decimal_commas() -> None:
    text = "Артикул;Наименование;Количество\r\nА-123;Фильтр масляный;4\r\nOIL-5W30;Масло;1,5\r\n"
    lines = parse_spreadsheet(text.encode("cp1251"), "заказ.csv")
    assert pairs(lines) == [("А-123", D(4)), ("OIL-5W30", D("1.5"))]


def test_utf8_bom_csv_with_commas() -> None:
    data = codecs.BOM_UTF8 + 'sku,name,qty\nW712/75,"Filter, oil",3\nOC 90,Фильтр,2\n'.encode()
    assert pairs(parse_spreadsheet(data, "order.csv")) == [("W712/75", D(3)), ("OC 90", D(2))]


def test_tab_separated_utf16_text_from_excel() -> None:
    data = "Код\tКол-во\r\nA1\t2\r\nB2\t3\r\n".encode("utf-16")
    assert pairs(parse_spreadsheet(data, "export.txt")) == [("A1", D(2)), ("B2", D(3))]


def test_csv_without_header() -> None:
    assert pairs(parse_spreadsheet(b"A1;2\nB2;3\n", "list.csv")) == [("A1", D(2)), ("B2", D(3))]


@pytest.mark.parametrize(
    ("data", "filename", "key"),
    [
        (b"", "order.xlsx", "import.empty_file"),
        (b"", "order.csv", "import.empty_file"),
        (b"\n\n;;\n", "order.csv", "import.empty_file"),
        (PNG, "photo.png", "import.bad_file"),
        (PNG, "order.xlsx", "import.bad_file"),
        (PNG, "order.csv", "import.bad_file"),
        (b"\x00\x01\x02binary\x00junk" * 10, "order.csv", "import.bad_file"),
        (b"PK\x03\x04 not really a zip", "order.xlsx", "import.bad_file"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
            "old.xls",
            "import.unsupported_format",
        ),
        (b"x" * (MAX_FILE_BYTES + 1), "huge.csv", "import.too_large"),
    ],
)
def test_files_that_cannot_be_read(data: bytes, filename: str, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_spreadsheet(data, filename)
    assert error.value.key == key


def test_truncated_xlsx_is_a_bad_file() -> None:
    data = xlsx([["Артикул", "Количество"], ["A1", 1]])
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(InvalidInput) as error:
            parse_spreadsheet(data[:cut], "order.xlsx")
        assert error.value.key == "import.bad_file"


def test_zip_that_is_not_a_workbook_is_a_bad_file() -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(InvalidInput) as error:
        parse_spreadsheet(buffer.getvalue(), "order.xlsx")
    assert error.value.key == "import.bad_file"


def test_too_many_rows() -> None:
    body = "".join(f"A{i};1\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(InvalidInput) as error:
        parse_spreadsheet(("Артикул;Кол-во\n" + body).encode(), "big.csv")
    assert error.value.key == "import.too_large"


# --- into the cart -----------------------------------------------------------------------


@dataclass
class Shop:
    user: User
    filter: Product  # шт, 5 in stock
    oil: Product  # л, 10 in stock
    spaced: Product  # article "OC 90", written with a space


@pytest.fixture
async def shop(session: AsyncSession) -> Shop:
    pt = await f.price_type(session)
    wh = await f.warehouse(session)
    dealer = await f.dealer(session, price_type=pt)
    return Shop(
        user=await f.user(session, dealer=dealer),
        filter=await f.product(session, "W712/75", prices={pt: "450.50"}, stock={wh: "5"}),
        oil=await f.product(
            session, "OIL-5W30", prices={pt: "99.99"}, stock={wh: "10"}, unit="л", unit_code="112"
        ),
        spaced=await f.product(session, "OC 90", prices={pt: "10.00"}, stock={wh: "100"}),
    )


async def stored(session: AsyncSession, user: User) -> dict[int, Decimal]:
    rows = await session.execute(
        select(CartLine.product_id, CartLine.quantity)
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user.id)
    )
    return {pid: qty for pid, qty in rows}


async def test_import_reports_each_line_and_adds_only_good_ones(
    session: AsyncSession, shop: Shop
) -> None:
    text = "\n".join(
        [
            "W712/75 2",  # added
            "oil-5w30; 1,5",  # added (litres may be fractional)
            "NO-SUCH 3",  # unknown
            "w 712/75 x 4",  # the same filter again: summed to 6 > 5 in stock
            "OC 90",  # "OC" is unknown, but the line is the article "OC 90": one of it
        ]
    )
    lines = parse_pasted_list(text)
    report = await import_lines(session, shop.user, lines)

    by_article = {row.line.article: row for row in report.rows}
    assert len(report.rows) == 4
    assert by_article["W712/75"].status == "short_stock"
    assert by_article["W712/75"].quantity == 6
    assert by_article["W712/75"].warnings == ("short_stock",)
    assert by_article["oil-5w30"].status == "added"
    assert by_article["oil-5w30"].quantity == D("1.5")
    assert by_article["NO-SUCH"].status == "unknown_article"
    assert by_article["NO-SUCH"].error_key == "cart.unknown_article"
    assert by_article["OC"].status == "added"
    assert (by_article["OC"].product_id, by_article["OC"].quantity) == (shop.spaced.id, 1)
    assert report.counts == {"short_stock": 1, "added": 2, "unknown_article": 1}
    assert (report.added, report.failed) == (3, 1)

    assert await stored(session, shop.user) == {
        shop.filter.id: 6,
        shop.oil.id: D("1.5"),
        shop.spaced.id: 1,
    }
    # 450.50 * 6 + 99.99 * 1.5 (149.985 -> 149.99) + 10.00
    assert report.cart.total == D("2862.99")


async def test_bad_quantities_change_nothing(session: AsyncSession, shop: Shop) -> None:
    await cart.add_item(session, shop.user, shop.filter.id, 1)
    lines = parse_pasted_list("W712/75 1,5\nOIL-5W30 0\nOC 90;-2\nW712/75 много")
    # "W712/75 много" has no number: an article "W712/75 много" (unknown)
    report = await import_lines(session, shop.user, lines)
    assert [(row.status, row.error_key) for row in report.rows] == [
        ("bad_quantity", "cart.quantity_fractional"),
        ("bad_quantity", "cart.quantity_not_positive"),
        ("bad_quantity", "cart.quantity_not_positive"),
        ("unknown_article", "cart.unknown_article"),
    ]
    assert report.added == 0
    assert await stored(session, shop.user) == {shop.filter.id: 1}


async def test_import_adds_to_existing_lines_and_refuses_an_absurd_sum(
    session: AsyncSession, shop: Shop
) -> None:
    await cart.add_item(session, shop.user, shop.filter.id, 2)
    await cart.add_item(session, shop.user, shop.oil.id, 99_999)
    report = await import_lines(session, shop.user, parse_pasted_list("W712/75 1\nOIL-5W30 2"))
    assert [row.status for row in report.rows] == ["added", "bad_quantity"]
    assert report.rows[1].error_key == "cart.quantity_too_large"
    assert await stored(session, shop.user) == {shop.filter.id: 3, shop.oil.id: 99_999}


async def test_unknown_or_bad_quantity_from_a_spreadsheet(
    session: AsyncSession, shop: Shop
) -> None:
    data = xlsx(
        [
            ["Артикул", "Количество"],
            ["W712/75", 2],
            ["OIL-5W30", "abc"],
            ["OC-90", 3],
            ["ZZZ", 1],
        ]
    )
    report = await import_lines(session, shop.user, parse_spreadsheet(data, "order.xlsx"))
    assert [(row.line.article, row.status, row.error_key) for row in report.rows] == [
        ("W712/75", "added", None),
        ("OIL-5W30", "bad_quantity", "cart.quantity_not_number"),
        ("OC-90", "added", None),
        ("ZZZ", "unknown_article", "cart.unknown_article"),
    ]
    assert report.rows[1].line.line_numbers == (3,)
    assert await stored(session, shop.user) == {shop.filter.id: 2, shop.spaced.id: 3}


async def test_import_for_a_user_without_a_dealer(session: AsyncSession, shop: Shop) -> None:
    stranger = await f.user(session)
    with pytest.raises(Forbidden):
        await import_lines(session, stranger, parse_pasted_list("W712/75 1"))
    assert (await session.scalars(select(Cart))).all() == []


async def test_import_of_nothing(session: AsyncSession, shop: Shop) -> None:
    report = await import_lines(session, shop.user, [])
    assert report.rows == [] and report.added == 0 and report.cart.is_empty


async def test_lines_beyond_the_cart_limit_are_reported(
    session: AsyncSession, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cart, "MAX_CART_LINES", 2)
    report = await import_lines(
        session, shop.user, parse_pasted_list("W712/75 1\nOIL-5W30 1\nOC 90;1\nW712/75 1")
    )
    assert [(row.line.article, row.status) for row in report.rows] == [
        ("W712/75", "added"),
        ("OIL-5W30", "added"),
        ("OC 90", "cart_full"),
    ]
    assert report.rows[2].error_key == "cart.too_many_lines"
    assert await stored(session, shop.user) == {shop.filter.id: 2, shop.oil.id: 1}
    with pytest.raises(InvalidInput) as error:
        await cart.add_item(session, shop.user, shop.spaced.id, 1)
    assert error.value.key == "cart.too_many_lines"
