"""Catalog search on a real database: article forms, barcode, name words, paging, price, stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

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
