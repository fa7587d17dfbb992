"""Ranking: exact article > exact barcode > article prefix > words; priceless items last;
corrections are said; further candidate sources plug in at their tier."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.search import search_products, sources
from core.catalog.search.sources import Query
from tests import factories as f


@pytest.fixture
async def pt(session):
    return await f.price_type(session, "Дилерская")


async def test_an_exact_article_is_first_before_barcode_substrings(session, pt) -> None:
    for n in range(6):  # barcodes that hold the article's digits
        await f.product(
            session, f"B-{n}", "Фильтр 46007021", barcode=f"46007021{n:05d}", prices={pt: "1"}
        )
    exact = await f.product(session, "4600-7021", "Датчик", prices={pt: "5"})
    longer = await f.product(session, "46007021-X", "Датчик длинный", prices={pt: "5"})
    await session.commit()
    page = await search_products(session, "46007021", price_type_id=pt.id)
    assert [h.product_id for h in page.items] == [exact.id, longer.id]
    assert page.kind == "article"


async def test_exact_article_then_barcode_then_prefix_then_words(session, pt) -> None:
    words = await f.product(session, "Z-1", "Прокладка 12345678 клапанной", prices={pt: "1"})
    prefix = await f.product(session, "12345678-A", "Кольцо", prices={pt: "1"})
    barcode = await f.product(session, "Q-7", "Шайба", barcode="12345678", prices={pt: "1"})
    exact = await f.product(session, "1234-5678", "Болт")  # no price: an exact hit still first
    await session.commit()
    page = await search_products(session, "12345678", price_type_id=pt.id)
    assert [h.product_id for h in page.items] == [exact.id, barcode.id, prefix.id]
    assert page.items[0].price is None
    page = await search_products(session, "12345678 прокладка", price_type_id=pt.id)
    assert [h.product_id for h in page.items] == [words.id]


async def test_items_without_the_dealers_price_sort_last(session, pt) -> None:
    other = await f.price_type(session, "Розничная")
    bare = await f.product(session, "K-1", "Ремень ГРМ Аа", prices={other: "10"})
    priced = await f.product(session, "K-2", "Ремень ГРМ Яя", prices={pt: "100"})
    await session.commit()
    page = await search_products(session, "ремень грм", price_type_id=pt.id)
    assert [(h.product_id, h.price) for h in page.items] == [
        (priced.id, Decimal("100")),
        (bare.id, None),
    ]
    assert page.corrected is None


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("ремень гейтс", "ремень gates"),
        ("фильр масляный", "фильтр масляный"),
        ("fvjhnbpfnjh", "амортизатор"),
        ("ДА-1003", "lf-1003"),
        ("ремня грм", "ремень грм"),
    ],
)
async def test_a_corrected_query_is_said(session, pt, query, corrected) -> None:
    await f.product(session, "5565XS", "Ремень ГРМ Gates", prices={pt: "1"})
    await f.product(session, "W 712", "Фильтр масляный MANN", prices={pt: "1"})
    await f.product(session, "334-1", "Амортизатор передний", prices={pt: "1"})
    await f.product(session, "LF-1003", "Фильтр топливный", prices={pt: "1"})
    await session.commit()
    page = await search_products(session, query, price_type_id=pt.id)
    assert page.items and page.corrected == corrected


async def test_word_forms_need_no_correction(session, pt) -> None:
    plugs = await f.product(session, "BKR6E", "Свечи зажигания NGK", prices={pt: "1"})
    await session.commit()
    for query in ("свеча ngk", "NGK свечу", "свечей зажигания"):
        page = await search_products(session, query, price_type_id=pt.id)
        assert [h.product_id for h in page.items] == [plugs.id], query
        assert page.corrected is None


async def test_nothing_known_is_not_corrected(session, pt) -> None:
    await f.product(session, "K-2", "Ремень ГРМ", prices={pt: "1"})
    await session.commit()
    page = await search_products(session, "кофеварка", price_type_id=pt.id)
    assert page.items == [] and page.corrected is None


async def test_a_further_source_ranks_at_its_tier(session, pt, monkeypatch) -> None:
    exact = await f.product(session, "OC 90", "Фильтр масляный", prices={pt: "1"})
    cross = await f.product(session, "W 712/75", "Фильтр MANN", prices={pt: "1"})
    await session.commit()

    async def crosses(_session: AsyncSession, query: Query, _limit: int) -> Sequence[int]:
        return [cross.id] if "OC90" in query.norms else []

    monkeypatch.setattr(sources, "SOURCES", [])
    sources.register_source(20, crosses)
    page = await search_products(session, "oc-90", price_type_id=pt.id)
    assert [h.product_id for h in page.items] == [exact.id, cross.id]


async def test_a_big_catalogs_vocabulary_is_rebuilt_aside(session, pt, monkeypatch) -> None:
    from core.catalog.search import vocabulary as vocabulary_module

    monkeypatch.setattr(vocabulary_module, "SYNC_BUILD_ITEMS", 0)
    monkeypatch.setattr(vocabulary_module, "_CACHE", {})
    await f.product(session, "W 712", "Фильтр масляный MANN", prices={pt: "1"})
    await session.commit()
    first = await search_products(session, "фильр масляный", price_type_id=pt.id)
    assert first.items == []  # the search did not wait for the vocabulary
    for task in list(vocabulary_module._REBUILDS.values()):
        await task
    second = await search_products(session, "фильр масляный", price_type_id=pt.id)
    assert second.corrected == "фильтр масляный" and second.items
