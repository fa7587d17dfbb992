"""A generated auto-parts catalog and a labelled query set for the search (tests only).

Items are "<part> <BRAND> <car>" with Russian part names, brand-shaped articles, EAN-13
barcodes, a brand property (1C's Изготовитель) and products with characteristics (variants
`product#characteristic`, each with its own barcode, price and stock). Every query carries the
set of items that are a right first answer; `score` runs them and gives hit@1 per kind.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.importer import (
    CatalogWriter,
    PriceRow,
    PriceTypeRow,
    ProductRow,
    StockRow,
    WarehouseRow,
)
from core.catalog.normalize import normalize_article
from core.catalog.search import search_products
from core.catalog.search.forms import other_layout

SEED = 15
SCORES: dict[str, dict[str, tuple[int, int]]] = {}  # database -> kind -> (right, asked)
DEALER_TYPE = "pt-dealer"

# part name (as 1C names it), other forms people type, brands that make it
PARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Фильтр масляный", ("фильтры масляные", "фильтра масляного"), ("MANN", "MAHLE", "KNECHT")),
    ("Фильтр воздушный", ("фильтры воздушные", "фильтра воздушного"), ("MANN", "FILTRON")),
    ("Фильтр салонный", ("фильтры салонные", "фильтра салонного"), ("MANN", "BOSCH")),
    ("Свечи зажигания", ("свеча зажигания", "свечу зажигания"), ("NGK", "DENSO", "BOSCH")),
    ("Ремень ГРМ", ("ремни грм", "ремня грм"), ("GATES", "DAYCO", "CONTITECH")),
    ("Ремень поликлиновой", ("ремни поликлиновые", "ремня поликлинового"), ("GATES", "DAYCO")),
    ("Колодки тормозные передние", ("колодка тормозная передняя",), ("TRW", "BREMBO", "BOSCH")),
    ("Колодки тормозные задние", ("колодка тормозная задняя",), ("TRW", "BREMBO")),
    ("Амортизатор передний", ("амортизаторы передние",), ("KYB", "SACHS", "MONROE")),
    ("Амортизатор задний", ("амортизаторы задние", "амортизатора заднего"), ("KYB", "SACHS")),
    ("Диск тормозной", ("диски тормозные", "диска тормозного"), ("BREMBO", "TRW")),
    ("Насос водяной", ("насосы водяные", "насоса водяного"), ("GATES", "SKF")),
    ("Рычаг подвески", ("рычаги подвески", "рычага подвески"), ("LEMFORDER", "TRW")),
    ("Лампа галогенная", ("лампы галогенные", "лампу галогенную"), ("OSRAM", "PHILIPS")),
    ("Щетка стеклоочистителя", ("щетки стеклоочистителя",), ("BOSCH", "VALEO")),
    ("Подшипник ступицы", ("подшипники ступицы", "подшипника ступицы"), ("SKF", "FAG")),
    ("Комплект сцепления", ("комплекты сцепления",), ("LUK", "VALEO", "SACHS")),
    ("Датчик кислородный", ("датчики кислородные",), ("DENSO", "BOSCH", "NGK")),
)
CARS = ("Camry", "Corolla", "Solaris", "Rio", "Vesta", "Granta", "Focus", "Octavia", "Polo")
# How the brands are written in Cyrillic by people (not in the catalog).
BRANDS_RU = {
    "MANN": "манн", "MAHLE": "мале", "KNECHT": "кнехт", "FILTRON": "фильтрон", "BOSCH": "бош",
    "NGK": "нгк", "DENSO": "денсо", "GATES": "гейтс", "DAYCO": "дайко", "CONTITECH": "контитек",
    "TRW": "трв", "BREMBO": "брембо", "KYB": "кайб", "SACHS": "сакс", "MONROE": "монро",
    "SKF": "скф", "LEMFORDER": "лемфордер", "OSRAM": "осрам", "PHILIPS": "филипс",
    "VALEO": "валео", "FAG": "фаг", "LUK": "лук",
}  # fmt: skip
# Article shapes per brand: '#' a digit, '@' a Latin letter.
SHAPES = {
    "MANN": "W ###/##", "MAHLE": "OC ###", "KNECHT": "LX ####", "FILTRON": "AP ###/#",
    "BOSCH": "0 986 4## ###", "NGK": "@@@#@-##", "DENSO": "K##PR-U##", "GATES": "K0#####",
    "DAYCO": "KTB###", "CONTITECH": "CT####", "TRW": "GDB####", "BREMBO": "P ## ###",
    "KYB": "3#####", "SACHS": "### ###", "MONROE": "G####", "SKF": "VKBA ####",
    "LEMFORDER": "## ### ##", "OSRAM": "64###-##", "PHILIPS": "12###C#", "VALEO": "5####",
    "FAG": "713 6## ###", "LUK": "6## ####-##", "LF": "LF-####",
}  # fmt: skip


@dataclass
class Item:
    """A generated item (or variant) and what it is known by."""

    onec_id: str
    article: str
    name: str
    brand: str
    part: str
    car: str
    barcode: str
    parent: str | None = None
    variants: list[str] = field(default_factory=list)
    priced: bool = True


@dataclass
class Catalog:
    """The generated items by 1C id."""

    items: dict[str, Item]

    def shown(self, item: Item) -> set[str]:
        """The items that stand for `item` in results: its variants, if it has any."""
        return set(item.variants) or {item.onec_id}


def _fill(shape: str, rng: random.Random) -> str:
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice("ABCDEFHKLMPRTX") if ch == "@" else ch
        for ch in shape
    )


def _ean(rng: random.Random) -> str:
    body = "460" + "".join(str(rng.randrange(10)) for _ in range(9))
    check = (10 - sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(body)) % 10) % 10
    return body + str(check)


def generate() -> Catalog:
    """The catalog: one item per part, brand and (some) cars; some with variants."""
    rng = random.Random(SEED)
    items: dict[str, Item] = {}
    articles: set[str] = set()
    n = 0
    for part, _, brands in PARTS:
        for brand in brands:
            for car in rng.sample(CARS, 5):
                while True:
                    article = _fill(SHAPES[brand], rng)
                    if normalize_article(article) not in articles:
                        articles.add(normalize_article(article))
                        break
                n += 1
                item = Item(f"p{n}", article, f"{part} {brand} {car}", brand, part, car, _ean(rng))
                items[item.onec_id] = item
                item.priced = n % 23 != 0  # a few items have no dealer price
                if n % 9 == 0:  # a product with characteristics
                    for size in ("1 шт", "комплект 4 шт"):
                        variant = Item(
                            f"{item.onec_id}#{len(item.variants) + 1}",
                            article,
                            f"{item.name} ({size})",
                            brand,
                            part,
                            car,
                            _ean(rng),
                            parent=item.onec_id,
                        )
                        item.variants.append(variant.onec_id)
                        items[variant.onec_id] = variant
    item = Item("lf", "LF-1003", "Фильтр топливный LF Octavia", "LF", "Фильтр топливный", "", "")
    item.barcode = _ean(rng)
    items["lf"] = item
    items["am"] = Item("am", "AM-77", "Амортизатор масляный ТРЕК", "ТРЕК", "", "", _ean(rng))
    return Catalog(items)


async def load(session: AsyncSession, catalog: Catalog) -> None:
    """The catalog written as the 1C import writes it (items, then variants, then offers)."""
    writer = CatalogWriter(session)
    await writer.price_types(
        [PriceTypeRow(DEALER_TYPE, "Дилерская"), PriceTypeRow("pt-retail", "Розничная")]
    )
    await writer.warehouses([WarehouseRow("wh-1", "Москва"), WarehouseRow("wh-2", "Краснодар")])

    def row(item: Item) -> ProductRow:
        return ProductRow(
            onec_id=item.onec_id,
            name=item.name,
            article=item.article,
            barcode=item.barcode or None,
            properties={"manufacturer": item.brand},
        )

    await writer.products([row(i) for i in catalog.items.values() if i.parent is None])
    await writer.products(
        [row(i) for i in catalog.items.values() if i.parent is not None], kind="variants"
    )
    prices, stock = [], []
    for n, item in enumerate(catalog.items.values()):
        if item.variants:
            continue  # 1C sends offers of the variants only
        prices.append(PriceRow(item.onec_id, "pt-retail", Decimal(1000 + n)))
        if item.priced:
            prices.append(PriceRow(item.onec_id, DEALER_TYPE, Decimal(800 + n)))
        stock.append(StockRow(item.onec_id, "wh-1", Decimal(n % 7)))
    await writer.offers(prices, stock)
    await writer.close()
    await session.commit()


def queries(catalog: Catalog) -> dict[str, list[tuple[str, set[str]]]]:
    """Labelled queries by kind: (query, the items a right first answer may be)."""
    rng = random.Random(SEED + 1)
    kinds: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    parents = [i for i in catalog.items.values() if i.parent is None and i.part and i.car]
    with_variants = [i for i in parents if i.variants]
    for item in parents[::4] + with_variants[1::4]:  # ~60 of each kind, every variant's barcode
        right = catalog.shown(item)
        kinds["exact article"].append((item.article, right))
        loose = normalize_article(item.article)
        loose = rng.choice(
            [loose.lower(), "-".join(item.article.split()), loose[:3] + " " + loose[3:]]
        )
        kinds["loose article"].append((loose, right))
        kinds["barcode"].append((item.barcode, right))
        words = [*item.part.lower().split(), item.brand.lower(), item.car.lower()]
        kinds["words"].append((" ".join(words), right))
        order = words[:]
        while order == words:
            rng.shuffle(order)
        kinds["word order"].append((" ".join(order), right))
        form = rng.choice(PARTS_BY_NAME[item.part])
        kinds["word forms"].append((f"{form} {item.brand.lower()} {item.car.lower()}", right))
        kinds["typos"].append((f"{_typo(item.part.lower(), rng)} {item.brand} {item.car}", right))
        garbled = " ".join(other_layout(w) for w in item.part.lower().split())
        kinds["layout ru→en"].append((f"{garbled} {item.brand.lower()} {item.car}", right))
        kinds["layout en→ru"].append((other_layout(item.article), right))
        ru = BRANDS_RU[item.brand]
        kinds["translit brand"].append((f"{item.part.lower()} {ru} {item.car.lower()}", right))
    for item in with_variants:
        for variant_id in item.variants:
            variant = catalog.items[variant_id]
            kinds["variant barcode"].append((variant.barcode, {variant_id}))
    kinds["layout en→ru"].append(("ДА-1003", {"lf"}))
    kinds["loose article"].append(("ЛФ-1003", {"lf"}))
    kinds["layout ru→en"].append(("fvjhnbpfnjh масляный", {"am"}))
    return dict(kinds)


PARTS_BY_NAME = {part: forms for part, forms, _ in PARTS}


def _typo(text: str, rng: random.Random) -> str:
    """One wrong, missing or doubled letter in the longest word."""
    words = text.split()
    longest = max(range(len(words)), key=lambda n: len(words[n]))
    word = words[longest]
    at = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "swap", "replace"))
    if how == "drop":
        word = word[:at] + word[at + 1 :]
    elif how == "swap":
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    else:
        word = word[:at] + rng.choice("аеиоуклмнпрст") + word[at + 1 :]
    words[longest] = word
    return " ".join(words)


async def score(
    session: AsyncSession, catalog: Catalog, price_type_id: int
) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """hit@1 per kind as (right, asked), and the misses as text."""
    results: dict[str, tuple[int, int]] = {}
    misses: list[str] = []
    for kind, labelled in queries(catalog).items():
        right = 0
        for query, expected in labelled:
            page = await search_products(session, query, price_type_id=price_type_id, page_size=3)
            first = page.items[0].onec_id if page.items else None
            if first in expected:
                right += 1
            else:
                got = [f"{h.onec_id} {h.article} {h.name}" for h in page.items]
                misses.append(f"{kind}: {query!r} want {sorted(expected)} got {got}")
        results[kind] = (right, len(labelled))
    return results, misses
