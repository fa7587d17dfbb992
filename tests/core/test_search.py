"""Catalog search on a real database: article forms, barcode, name words, paging, price, stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.catalog import search
from core.catalog.search import search_products
from tests import factories as f


@pytest.fixture
async def catalog(session):
    dealer_pt = await f.price_type(session, "Дилерская")
    retail = await f.price_type(session, "Розничная")
    empty_pt = await f.price_type(session, "Пустая")
    north = await f.warehouse(session, "Север")
    south = await f.warehouse(session, "Юг")
    items = {
        "oc": await f.product(
            session,
            "OC 90",
            "Фильтр масляный KNECHT",
            barcode="4009026001234",
            prices={dealer_pt: "310.40", retail: "450"},
            stock={north: "7", south: "5"},
        ),
        "oc2": await f.product(
            session, "OC-905", "Фильтр масляный KNECHT большой", prices={dealer_pt: "500"}
        ),
        "w": await f.product(
            session,
            "W 712/75",
            "Фильтр масляный MANN",
            prices={dealer_pt: "420"},
            stock={north: "-3"},
        ),
        "pads": await f.product(
            session,
            "0 986 494 004",
            "Колодки тормозные передние BOSCH",
            prices={dealer_pt: "1999.99"},
            stock={south: "2"},
        ),
        "ru": await f.product(session, "ОС-1234", "Фильтр воздушный", prices={dealer_pt: "99"}),
        "old": await f.product(session, "OC 91", "Фильтр масляный снят", is_active=False),
    }
    await session.commit()
    return {"pt": dealer_pt, "retail": retail, "empty": empty_pt, **items}


async def test_article_in_any_form(session, catalog) -> None:
    for query in ("OC90", "oc 90", "oc-90", "o.c.90", "ос90", "ОС 90"):  # the last two are Cyrillic
        result = await search_products(session, query, price_type_id=catalog["pt"].id)
        assert result.kind == "article", query
        assert result.items[0].product_id == catalog["oc"].id, query
    # Cyrillic look-alikes in the stored article are found by Latin typing too.
    result = await search_products(session, "oc-1234", price_type_id=None)
    assert [h.product_id for h in result.items] == [catalog["ru"].id]


async def test_exact_article_first_then_prefix(session, catalog) -> None:
    result = await search_products(session, "OC90", price_type_id=None)
    assert [h.article for h in result.items] == ["OC 90", "OC-905"]  # the inactive OC 91 is hidden


async def test_barcode(session, catalog) -> None:
    result = await search_products(session, "4009026001234", price_type_id=catalog["pt"].id)
    assert result.kind == "barcode" and [h.product_id for h in result.items] == [catalog["oc"].id]


async def test_name_words_in_any_order_and_case(session, catalog) -> None:
    result = await search_products(session, "масляный фильтр", price_type_id=None)
    assert result.kind == "name"
    assert {h.article for h in result.items} == {"OC 90", "OC-905", "W 712/75"}
    result = await search_products(session, "ФИЛЬТР Mann", price_type_id=None)
    assert [h.article for h in result.items] == ["W 712/75"]
    result = await search_products(session, "тормозные bosch", price_type_id=None)
    assert [h.article for h in result.items] == ["0 986 494 004"]
    result = await search_products(session, "фильтр ос", price_type_id=None)  # a short word too
    assert {h.article for h in result.items} == {"ОС-1234"}


async def test_price_for_the_dealers_type_and_stock(session, catalog) -> None:
    hit = (await search_products(session, "OC 90", price_type_id=catalog["pt"].id)).items[0]
    assert hit.price == Decimal("310.40") and hit.currency == "RUB"
    assert hit.stock_total == Decimal("12")
    assert {s.warehouse: s.quantity for s in hit.stock} == {
        "Север": Decimal("7"),
        "Юг": Decimal("5"),
    }
    retail = (await search_products(session, "OC 90", price_type_id=catalog["retail"].id)).items[0]
    assert retail.price == Decimal("450")
    none = (await search_products(session, "OC 90", price_type_id=catalog["empty"].id)).items[0]
    assert none.price is None
    negative = (await search_products(session, "W71275", price_type_id=None)).items[0]
    assert negative.stock_total == Decimal("0")  # a negative 1C balance is no stock


async def test_paging(session, catalog) -> None:
    first = await search_products(session, "фильтр", price_type_id=None, page=0, page_size=2)
    second = await search_products(session, "фильтр", price_type_id=None, page=1, page_size=2)
    third = await search_products(session, "фильтр", price_type_id=None, page=2, page_size=2)
    assert first.has_more and second.has_more is False
    names = [h.name for h in first.items + second.items]
    assert len(names) == 4 and len(set(names)) == 4 and names == sorted(names)
    assert third.items == [] and third.kind == "name"


@pytest.mark.parametrize(
    "query", ["", "   ", '"', "%", "_", "\\", "' OR 1=1 --", "🙂", "x" * 5000, 'фильтр "масл']
)
async def test_hostile_queries_do_not_fail(session, catalog, query) -> None:
    result = await search_products(session, query, price_type_id=None)
    assert result.kind in {"empty", "name", "article"}
    if query.strip() in {"%", "_", "\\", "🙂"}:
        assert result.items == []


async def test_nothing_found(session, catalog) -> None:
    result = await search_products(session, "несуществующий товар", price_type_id=None)
    assert result.items == [] and not result.has_more


async def test_article_matches_come_before_name_matches(session, catalog) -> None:
    kyb = await f.product(session, "KYB-334", "Амортизатор задний")
    named = await f.product(session, "X-1", "Опора амортизатора kyb")
    await session.commit()
    result = await search_products(session, "kyb", price_type_id=None)
    assert result.kind == "article"
    assert [h.product_id for h in result.items] == [kyb.id, named.id]
    # Paging runs across the boundary without repeating or losing an item.
    first = await search_products(session, "kyb", price_type_id=None, page=0, page_size=1)
    second = await search_products(session, "kyb", price_type_id=None, page=1, page_size=1)
    assert first.has_more and not second.has_more
    assert [h.product_id for h in first.items + second.items] == [kyb.id, named.id]


async def test_digits_matching_an_article_are_not_searched_as_words(session, catalog) -> None:
    await f.product(session, "123-45", "Кронштейн")
    await f.product(session, "Z-9", "Хомут 12345 мм")
    await session.commit()
    result = await search_products(session, "12345", price_type_id=None)
    assert [h.article for h in result.items] == ["123-45"]
    result = await search_products(session, "хомут 12345", price_type_id=None)
    assert [h.article for h in result.items] == ["Z-9"]


async def test_has_more_only_when_another_page_exists(session, catalog) -> None:
    exact = await search_products(session, "фильтр", price_type_id=None, page=0, page_size=4)
    assert len(exact.items) == 4 and not exact.has_more
    deep = await search_products(session, "фильтр", price_type_id=None, page=10**12, page_size=5)
    assert deep.items == [] and not deep.has_more and deep.kind == "name"


async def test_inactive_items_are_hidden_from_every_kind(session, catalog) -> None:
    await f.product(session, "ZZ-1", "Свеча снятая", barcode="4601234567890", is_active=False)
    await session.commit()
    assert (await search_products(session, "4601234567890", price_type_id=None)).items == []
    assert (await search_products(session, "ZZ1", price_type_id=None)).items == []
    assert (await search_products(session, "свеча снятая", price_type_id=None)).items == []
    assert (await search_products(session, "снят", price_type_id=None)).items == []


async def test_unknown_barcode_falls_back_to_articles(session, catalog) -> None:
    item = await f.product(session, "12345678", "Датчик давления масла")
    await session.commit()
    result = await search_products(session, "12345678", price_type_id=None)
    assert result.kind == "article" and [h.product_id for h in result.items] == [item.id]


async def test_stock_by_warehouse_and_missing_stock(session, catalog) -> None:
    hit = (await search_products(session, "0986494004", price_type_id=None)).items[0]
    assert [(s.warehouse, s.quantity) for s in hit.stock] == [("Юг", Decimal("2"))]
    assert hit.stock_total == Decimal("2") and hit.price is None  # no price type given
    bare = (await search_products(session, "oc 905", price_type_id=catalog["pt"].id)).items[0]
    assert bare.stock == [] and bare.stock_total == Decimal("0") and bare.price == Decimal("500")


@pytest.mark.parametrize("query", ["фил%тр", "фил_тр", "ф\\ильтр", "масл% ос", "\x00фильтр\x00"])
async def test_like_wildcards_are_plain_characters(session, catalog, query) -> None:
    result = await search_products(session, query, price_type_id=None)
    if "\x00" in query:  # control characters are dropped, the rest is searched
        assert len(result.items) == 4
    else:
        assert result.items == [], query


async def test_odd_text_does_not_fail(session, catalog) -> None:
    for query in ("\ud800фильтр", "фильтр " * 100, "🙂 фильтр 🙂", "OR 1=1; DROP TABLE products"):
        await search_products(session, query, price_type_id=None)
    long_query = await search_products(session, "фильтр масляный " + "х" * 1000, price_type_id=None)
    assert long_query.items == []
    spaced = await search_products(session, "  Фильтр   МАСЛЯНЫЙ  ", price_type_id=None)
    assert len(spaced.items) == 3


async def test_barcode_with_spaces_and_invisible_characters(session, catalog) -> None:
    for query in ("4 009026 001234", " 4009026001234\u200b", "\ufeff4009026001234"):
        result = await search_products(session, query, price_type_id=None)
        assert result.kind == "barcode" and [h.article for h in result.items] == ["OC 90"], query


async def test_words_of_marks_only_filter_but_do_not_search(session, catalog) -> None:
    await f.product(session, "K-1", "Кольцо --- уплотнительное")
    await session.commit()
    assert (await search_products(session, "---", price_type_id=None)).items == []
    assert (await search_products(session, "🙂🙂🙂", price_type_id=None)).items == []
    found = await search_products(session, "кольцо ---", price_type_id=None)
    assert [h.article for h in found.items] == ["K-1"]
    assert (await search_products(session, "фильтр ---", price_type_id=None)).items == []


async def test_pages_stop_at_max_offset(session, catalog, monkeypatch) -> None:
    for n in range(12):
        await f.product(session, f"PG-{n:02d}", f"Прокладка {n:02d}")
    await session.commit()
    monkeypatch.setattr(search, "MAX_OFFSET", 8)
    page = await search_products(session, "прокладка", price_type_id=None, page=1, page_size=4)
    assert [h.article for h in page.items] == ["PG-04", "PG-05", "PG-06", "PG-07"]
    assert not page.has_more  # twelve items match, but the next page would start at 8
    beyond = await search_products(session, "прокладка", price_type_id=None, page=2, page_size=4)
    assert beyond.items == [] and not beyond.has_more and beyond.kind == "name"
