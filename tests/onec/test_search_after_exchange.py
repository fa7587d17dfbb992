"""Search over what a 1C exchange left: variants with their own offers, and an exchange that
stopped after import.xml (new items show "цена по запросу", after the priced ones)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.search import search_products
from core.models import PriceType
from tests.onec.conftest import OneC

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация ВерсияСхемы="2.08">'


def _item(onec_id: str, article: str, name: str, barcode: str) -> str:
    return (
        f"<Товар><Ид>{onec_id}</Ид><Артикул>{article}</Артикул><Наименование>{name}"
        f"</Наименование><Штрихкод>{barcode}</Штрихкод></Товар>"
    )


def import_xml(*items: str) -> bytes:
    body = "".join(items)
    return (
        f'{HEAD}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><Товары>{body}'
        "</Товары></Каталог></КоммерческаяИнформация>"
    ).encode()


def _offer(onec_id: str, price: str, qty: str, name: str = "", barcode: str = "") -> str:
    named = f"<Наименование>{name}</Наименование>" if name else ""
    code = f"<Штрихкод>{barcode}</Штрихкод>" if barcode else ""
    return (
        f"<Предложение><Ид>{onec_id}</Ид>{named}{code}<Цены><Цена><ИдТипаЦены>dealer"
        f"</ИдТипаЦены><ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу></Цена></Цены><Остатки><Остаток>"
        f"<Склад><Ид>msk</Ид><Количество>{qty}</Количество></Склад></Остаток></Остатки>"
        "</Предложение>"
    )


OFFERS = (
    f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="false"><ТипыЦен><ТипЦены><Ид>dealer'
    "</Ид><Наименование>Дилерская</Наименование><Валюта>руб</Валюта></ТипЦены></ТипыЦен>"
    "<Склады><Склад><Ид>msk</Ид><Наименование>Москва</Наименование></Склад></Склады>"
    "<Предложения>"
    + _offer("plug#1", "250", "40", "Свечи зажигания NGK BKR6E (1 шт)", "4600000000011")
    + _offer("plug#4", "950", "6", "Свечи зажигания NGK BKR6E (4 шт)", "4600000000028")
    + _offer("belt", "1800", "3")
    + "</Предложения></ПакетПредложений></КоммерческаяИнформация>"
).encode()
PLUG = _item("plug", "BKR6E", "Свечи зажигания NGK BKR6E", "4600000000004")
BELT = _item("belt", "5565XS", "Ремень ГРМ Gates 5565XS", "4600000000035")


async def _dealer_type(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as session:
        found = await session.scalar(select(PriceType.id).where(PriceType.onec_id == "dealer"))
    assert found is not None
    return found


async def _search(db: async_sessionmaker[AsyncSession], query: str, pt: int) -> list[tuple]:
    async with db() as session:
        page = await search_products(session, query, price_type_id=pt)
    return [(h.onec_id, h.price, h.stock_total) for h in page.items]


async def test_a_product_with_characteristics_is_shown_as_its_variants(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    answers = await onec.exchange([("import.xml", import_xml(PLUG, BELT)), ("offers.xml", OFFERS)])
    assert all(a.startswith("success") for a in answers), answers
    pt = await _dealer_type(db)
    variants = [
        ("plug#1", Decimal("250"), Decimal("40")),
        ("plug#4", Decimal("950"), Decimal("6")),
    ]
    # By the product's barcode, article and name: the variants, each with price and stock,
    # never the priceless product row.
    for query in ("4600000000004", "BKR6E", "bkr-6e", "свеча ngk", "свечи зажигания"):
        assert sorted(await _search(db, query, pt)) == variants, query
    # A variant's own barcode finds that variant only.
    assert await _search(db, "4600000000028", pt) == [variants[1]]


async def test_an_exchange_stopped_after_import_xml_shows_new_items_price_on_request(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    await onec.exchange([("import.xml", import_xml(PLUG, BELT)), ("offers.xml", OFFERS)])
    pt = await _dealer_type(db)
    new = _item("belt2", "5565XS-2", "Ремень ГРМ Gates усиленный", "4600000000042")
    # 1C sends the new catalog, and the exchange stops before offers.xml.
    answers = await onec.exchange([("import.xml", import_xml(PLUG, BELT, new))])
    assert answers[0].startswith("success"), answers
    found = await _search(db, "ремень gates", pt)
    # The new item has no price or stock yet: it comes after the priced one, price None
    # (the bot says "цена по запросу"), never a price of 0.
    assert found == [("belt", Decimal("1800"), Decimal("3")), ("belt2", None, Decimal("0"))]
    # Still findable by its own article (an exact hit comes first, whatever its price).
    assert (await _search(db, "5565XS-2", pt))[0] == ("belt2", None, Decimal("0"))
    # The variants kept their offers; the product is still shown as them.
    assert [row[0] for row in sorted(await _search(db, "BKR6E", pt))] == ["plug#1", "plug#4"]
