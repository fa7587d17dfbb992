"""A seeded generator of a realistic auto-parts catalog and dealer companies, for demos and benches.

Everything here is deterministic: the same seed gives the same groups, items, prices, stock and
companies, on any machine. Nothing touches the database; `dealerbot.demo` and `bench/` load it.
"""

from __future__ import annotations

import random
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.catalog.normalize import normalize_article

NAMESPACE = uuid.UUID("6f1c2a52-8f0e-4c55-9d7b-2d1f5b0c9a11")
CENT = Decimal("0.01")

PRICE_TYPES: tuple[str, ...] = ("Розничная", "Оптовая", "Дилерская")
# Share of the retail price each price type asks, before a small per-item variation.
_PRICE_FACTORS: tuple[Decimal, ...] = (Decimal("1.00"), Decimal("0.86"), Decimal("0.78"))
WAREHOUSES: tuple[str, ...] = (
    "Основной склад (Москва)",
    "Склад Санкт-Петербург",
    "Склад Екатеринбург",
)

# Units as 1C sends them: name and OKEI code.
UNITS: dict[str, tuple[str, str]] = {
    "pc": ("шт", "796"),
    "l": ("л", "112"),
    "kg": ("кг", "166"),
    "m": ("м", "006"),
    "set": ("компл", "839"),
}


@dataclass(frozen=True)
class FakeGroup:
    """A node of the product group tree; `parent_onec_id` is None at the top."""

    onec_id: str
    name: str
    parent_onec_id: str | None
    depth: int


@dataclass(frozen=True)
class FakeProduct:
    """One sellable item as 1C would describe it."""

    onec_id: str
    article: str
    name: str
    brand: str
    unit: str
    unit_code: str
    barcode: str
    group_onec_id: str
    base_price: Decimal


@dataclass(frozen=True)
class FakeLegalEntity:
    """A legal entity of a dealer company."""

    onec_id: str
    name: str
    inn: str
    kpp: str


@dataclass(frozen=True)
class FakeDealer:
    """A dealer company with its legal entities and delivery addresses."""

    onec_id: str
    name: str
    city: str
    region: str
    legal_entities: tuple[FakeLegalEntity, ...]
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class _Leaf:
    path: tuple[str, ...]
    noun: str
    unit: str
    brands: tuple[str, ...]
    price: tuple[int, int]  # retail price range in roubles
    weight: int
    specs: tuple[str, ...] = ()
    vehicles: bool = True


# Article shapes per brand: '#' a digit, '@' a Latin letter, '$' a Cyrillic letter.
_BRANDS: dict[str, tuple[str, ...]] = {
    "MANN": ("W ###/##", "W ####/#", "HU ### x", "C ## ###", "CU ####", "WK ###/#", "WK ##-###"),
    "MAHLE": ("OC ##", "OC ####", "LX ####", "KL ####", "LA ####", "OX ### D"),
    "BOSCH": ("0 986 4## ###", "F 026 4## ###", "0 242 2## ###", "3 397 ### ###", "0 986 ### ###"),
    "FILTRON": ("OP ###/#", "AP ###/#", "PP ###/#", "K ####"),
    "Toyota": ("#####-#####", "90915-@@@@#", "04465-#####"),
    "Nissan": ("#####-##@#@", "D1060-#####", "15208-##@#@"),
    "Hyundai/Kia": ("#####-#@###", "58101-#@@##", "#####-#####"),
    "LADA": ("2108-#######", "21##-#######", "1118-#######-##"),
    "БЗАТЭ": ("$$ ###-###", "$$$ ####"),
    "ТРЕК": ("$@ ####", "$$ ####.##"),
    "SACHS": ("### ###", "### ### ###"),
    "KYB": ("######", "3#####"),
    "LEMFORDER": ("##### ##", "## ### ##"),
    "TRW": ("GDB####", "DF####", "JTE####", "PHD####"),
    "BREMBO": ("P ## ###", "09.@###.##", "08.####.##"),
    "NGK": ("@@@#@-####", "@@@#@@ ####"),
    "DENSO": ("K##PR-U##", "IK##TT ####", "DCF###@"),
    "GATES": ("K0#####", "#PK####", "T#####"),
    "DAYCO": ("KTB###", "#PK####@"),
    "VARTA": ("### ### ###", "5## ### ### 3###"),
    "OSRAM": ("64###@@@", "####@@", "64###-##"),
    "PHILIPS": ("12###@@@#", "12###C#"),
    "Shell": ("550#####", "5500#####"),
    "Mobil": ("15####", "1#####"),
    "Castrol": ("15@@##", "15#@##"),
    "Лукойл": ("######", "1#####"),
    "Felix": ("430#####", "4302#####"),
    "Oilright": ("6####", "60###"),
    "ELRING": ("###.###", "##.###.##"),
    "VICTOR REINZ": ("61-#####-##", "02-#####-##"),
    "SWF": ("116###", "119###"),
    "VALEO": ("5####", "4####"),
}

# Carmakers' own parts fit their own cars.
_OEM_MAKES: dict[str, tuple[str, ...]] = {
    "Toyota": ("Toyota",),
    "Nissan": ("Nissan",),
    "Hyundai/Kia": ("Hyundai", "Kia"),
    "LADA": ("Lada",),
}
_VEHICLES: tuple[str, ...] = (
    "Toyota Camry 2.4",
    "Toyota Corolla 1.6",
    "Toyota RAV4 2.0",
    "Kia Rio 1.6",
    "Kia Sportage 2.0",
    "Hyundai Solaris 1.6",
    "Hyundai Creta 1.6",
    "Lada Vesta 1.6",
    "Lada Granta 1.6",
    "Lada Niva 1.7",
    "VW Polo 1.6",
    "VW Tiguan 1.4 TSI",
    "Skoda Octavia 1.8 TSI",
    "Skoda Rapid 1.6",
    "Renault Logan 1.6",
    "Renault Duster 2.0",
    "Nissan Qashqai 2.0",
    "Nissan X-Trail 2.5",
    "Mitsubishi Outlander 2.4",
    "Ford Focus 2.0",
    "Chevrolet Niva 1.7",
    "ГАЗель Next 2.8D",
    "УАЗ Патриот 2.7",
    "Mazda 6 2.0",
    "BMW 3 (F30) 2.0",
    "Mercedes-Benz E (W212) 2.0",
)

_LEAVES: tuple[_Leaf, ...] = (
    _Leaf(
        ("Двигатель", "Фильтры", "Масляные фильтры"),
        "Фильтр масляный",
        "pc",
        ("MANN", "MAHLE", "BOSCH", "FILTRON", "Toyota", "Nissan", "Hyundai/Kia", "LADA"),
        (250, 1900),
        12,
    ),
    _Leaf(
        ("Двигатель", "Фильтры", "Воздушные фильтры"),
        "Фильтр воздушный",
        "pc",
        ("MANN", "MAHLE", "BOSCH", "FILTRON", "Toyota", "Hyundai/Kia", "БЗАТЭ"),
        (300, 2600),
        9,
    ),
    _Leaf(
        ("Двигатель", "Фильтры", "Топливные фильтры"),
        "Фильтр топливный",
        "pc",
        ("MANN", "MAHLE", "BOSCH", "FILTRON", "Nissan", "БЗАТЭ"),
        (400, 4200),
        6,
    ),
    _Leaf(
        ("Двигатель", "Ремни и ГРМ", "Ремни приводные"),
        "Ремень поликлиновой",
        "pc",
        ("GATES", "DAYCO", "BOSCH", "Toyota"),
        (350, 2900),
        6,
    ),
    _Leaf(
        ("Двигатель", "Ремни и ГРМ", "Комплекты ГРМ"),
        "Комплект ГРМ",
        "set",
        ("GATES", "DAYCO", "LADA"),
        (3200, 24000),
        4,
    ),
    _Leaf(
        ("Двигатель", "Зажигание", "Свечи зажигания"),
        "Свеча зажигания",
        "pc",
        ("NGK", "DENSO", "BOSCH", "Toyota"),
        (180, 1800),
        8,
    ),
    _Leaf(
        ("Двигатель", "Зажигание", "Катушки зажигания"),
        "Катушка зажигания",
        "pc",
        ("BOSCH", "DENSO", "LADA", "Hyundai/Kia"),
        (1400, 9800),
        3,
    ),
    _Leaf(
        ("Двигатель", "Прокладки и уплотнения", "Прокладки ГБЦ"),
        "Прокладка ГБЦ",
        "pc",
        ("ELRING", "VICTOR REINZ", "LADA"),
        (450, 6500),
        3,
    ),
    _Leaf(
        ("Двигатель", "Прокладки и уплотнения", "Комплекты прокладок"),
        "Комплект прокладок двигателя",
        "set",
        ("ELRING", "VICTOR REINZ"),
        (1900, 14000),
        2,
    ),
    _Leaf(
        ("Тормозная система", "Тормозные колодки"),
        "Колодки тормозные передние",
        "set",
        ("TRW", "BREMBO", "BOSCH", "Toyota", "ТРЕК"),
        (1100, 7900),
        9,
    ),
    _Leaf(
        ("Тормозная система", "Тормозные колодки"),
        "Колодки тормозные задние",
        "set",
        ("TRW", "BREMBO", "BOSCH", "Nissan", "ТРЕК"),
        (900, 6500),
        6,
    ),
    _Leaf(
        ("Тормозная система", "Тормозные диски"),
        "Диск тормозной",
        "pc",
        ("TRW", "BREMBO", "BOSCH", "LADA"),
        (1600, 12000),
        6,
    ),
    _Leaf(
        ("Тормозная система", "Шланги тормозные"),
        "Шланг тормозной",
        "pc",
        ("TRW", "BOSCH", "ТРЕК"),
        (350, 2400),
        3,
    ),
    _Leaf(
        ("Подвеска", "Амортизаторы"),
        "Амортизатор передний газомасляный",
        "pc",
        ("KYB", "SACHS", "ТРЕК"),
        (2900, 14000),
        6,
    ),
    _Leaf(
        ("Подвеска", "Амортизаторы"),
        "Амортизатор задний газовый",
        "pc",
        ("KYB", "SACHS"),
        (2400, 11000),
        4,
    ),
    _Leaf(
        ("Подвеска", "Рычаги и сайлентблоки"),
        "Рычаг подвески передний нижний",
        "pc",
        ("LEMFORDER", "TRW", "LADA"),
        (1900, 16000),
        5,
    ),
    _Leaf(
        ("Подвеска", "Рычаги и сайлентблоки"),
        "Сайлентблок рычага",
        "pc",
        ("LEMFORDER", "БЗАТЭ", "ТРЕК"),
        (250, 2200),
        5,
    ),
    _Leaf(
        ("Подвеска", "Шаровые опоры"),
        "Опора шаровая",
        "pc",
        ("LEMFORDER", "TRW", "ТРЕК"),
        (600, 4500),
        4,
    ),
    _Leaf(
        ("Подвеска", "Стойки стабилизатора"),
        "Стойка стабилизатора",
        "pc",
        ("LEMFORDER", "TRW", "Toyota", "ТРЕК"),
        (450, 3600),
        5,
    ),
    _Leaf(
        ("Электрооборудование", "Аккумуляторы"),
        "Аккумулятор",
        "pc",
        ("VARTA", "BOSCH"),
        (5900, 21000),
        2,
        ("60 А·ч 540 А", "74 А·ч 680 А", "95 А·ч 830 А"),
        False,
    ),
    _Leaf(
        ("Электрооборудование", "Лампы"),
        "Лампа",
        "pc",
        ("OSRAM", "PHILIPS", "BOSCH"),
        (90, 2400),
        5,
        ("H7 12V 55W", "H4 12V 60/55W", "H1 12V 55W", "W5W 12V", "P21W 12V", "D2S 85V 35W"),
        False,
    ),
    _Leaf(
        ("Электрооборудование", "Генераторы и стартеры"),
        "Генератор",
        "pc",
        ("BOSCH", "VALEO", "DENSO"),
        (9000, 42000),
        2,
    ),
    _Leaf(
        ("Электрооборудование", "Генераторы и стартеры"),
        "Стартер",
        "pc",
        ("BOSCH", "VALEO", "DENSO"),
        (7500, 36000),
        2,
    ),
    _Leaf(
        ("Кузов и салон", "Щётки стеклоочистителя"),
        "Щётка стеклоочистителя",
        "pc",
        ("BOSCH", "SWF", "VALEO"),
        (300, 2100),
        4,
        ("400 мм", "450 мм", "500 мм", "550 мм", "600 мм", "650 мм"),
        False,
    ),
    _Leaf(
        ("Кузов и салон", "Фильтры салона"),
        "Фильтр салона угольный",
        "pc",
        ("MANN", "MAHLE", "BOSCH", "FILTRON", "DENSO"),
        (350, 2500),
        6,
    ),
    _Leaf(
        ("Масла и жидкости", "Моторные масла"),
        "Масло моторное синтетическое (розлив)",
        "l",
        ("Shell", "Mobil", "Castrol", "Лукойл"),
        (450, 1500),
        3,
        ("5W-30", "5W-40", "0W-20", "10W-40"),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Моторные масла"),
        "Масло моторное канистра 4 л",
        "pc",
        ("Shell", "Mobil", "Castrol", "Лукойл"),
        (1900, 5600),
        4,
        ("5W-30", "5W-40", "0W-20", "10W-40"),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Трансмиссионные масла"),
        "Масло трансмиссионное (розлив)",
        "l",
        ("Shell", "Castrol", "Лукойл"),
        (380, 1400),
        2,
        ("75W-90", "80W-90", "ATF Dexron III"),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Антифризы"),
        "Антифриз G12+ концентрат (розлив)",
        "l",
        ("Felix", "Лукойл"),
        (160, 520),
        2,
        ("красный", "зелёный"),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Тормозные жидкости"),
        "Жидкость тормозная 0,9 л",
        "pc",
        ("Felix", "BOSCH", "Castrol"),
        (280, 1200),
        2,
        ("DOT-4", "DOT-5.1"),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Смазки"),
        "Смазка Литол-24 (весовая)",
        "kg",
        ("Oilright", "Лукойл"),
        (260, 900),
        1,
        (),
        False,
    ),
    _Leaf(
        ("Масла и жидкости", "Смазки"),
        "Смазка ШРУС-4 (весовая)",
        "kg",
        ("Oilright", "Felix"),
        (320, 1100),
        1,
        (),
        False,
    ),
    _Leaf(
        ("Шланги и патрубки", "Шланги топливные"),
        "Шланг топливный бензостойкий",
        "m",
        ("БЗАТЭ", "ТРЕК"),
        (90, 480),
        1,
        ("6 мм", "8 мм", "10 мм", "12 мм"),
        False,
    ),
    _Leaf(
        ("Шланги и патрубки", "Патрубки радиатора"),
        "Патрубок радиатора верхний",
        "pc",
        ("БЗАТЭ", "LADA", "ТРЕК"),
        (220, 1900),
        3,
    ),
)

_LATIN = "ABCDEFGHJKLMNPRSTUVWXZ"
_CYRILLIC = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШ"
_DIGITS = "0123456789"


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def iter_groups(seed: int = 1) -> list[FakeGroup]:
    """The group tree, parents before children; ids are stable for a seed."""
    out: list[FakeGroup] = []
    seen: set[tuple[str, ...]] = set()
    for leaf in _LEAVES:
        for depth in range(1, len(leaf.path) + 1):
            path = leaf.path[:depth]
            if path in seen:
                continue
            seen.add(path)
            parent = _guid(f"group{seed}", "/".join(path[:-1])) if depth > 1 else None
            out.append(
                FakeGroup(_guid(f"group{seed}", "/".join(path)), path[-1], parent, depth - 1)
            )
    return out


def _shape(rng: random.Random, pattern: str) -> str:
    chars = []
    for char in pattern:
        if char == "#":
            chars.append(rng.choice(_DIGITS))
        elif char == "@":
            chars.append(rng.choice(_LATIN))
        elif char == "$":
            chars.append(rng.choice(_CYRILLIC))
        else:
            chars.append(char)
    return "".join(chars)


def ean13(twelve: str) -> str:
    """The EAN-13 code of twelve digits: the digits and their check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def iter_products(count: int, seed: int = 1) -> Iterator[FakeProduct]:
    """`count` items with unique normalised articles and unique EAN-13 barcodes."""
    rng = random.Random(seed)
    leaf_ids = [_guid(f"group{seed}", "/".join(leaf.path)) for leaf in _LEAVES]
    weights = [leaf.weight for leaf in _LEAVES]
    used: set[str] = set()
    own_vehicles = {
        brand: tuple(v for v in _VEHICLES if v.split()[0] in makes) or _VEHICLES
        for brand, makes in _OEM_MAKES.items()
    }
    barcode_base = 460_000_000_000 + (seed % 97) * 1_000_003
    for index in range(count):
        pick = rng.choices(range(len(_LEAVES)), weights)[0]
        leaf = _LEAVES[pick]
        brand = rng.choice(leaf.brands)
        article = _shape(rng, rng.choice(_BRANDS[brand]))
        norm = normalize_article(article)
        base, extra = article, 0
        while norm in used:
            extra += 1
            article = f"{base}/{extra}"
            norm = normalize_article(article)
        used.add(norm)
        parts = [leaf.noun, brand, article]
        if leaf.specs:
            parts.append(rng.choice(leaf.specs))
        if leaf.vehicles:
            parts.append(rng.choice(own_vehicles.get(brand, _VEHICLES)))
        unit, unit_code = UNITS[leaf.unit]
        low, high = leaf.price
        roubles = rng.randrange(low, high)
        kopecks = rng.choice((0, 0, 0, 50, 90))
        # A multiplier coprime with 10**9 spreads barcodes while keeping them unique.
        body = barcode_base + (index * 7_919_113) % 1_000_000_000
        yield FakeProduct(
            onec_id=_guid(f"product{seed}", str(index)),
            article=article,
            name=" ".join(parts),
            brand=brand,
            unit=unit,
            unit_code=unit_code,
            barcode=ean13(f"{body:012d}"),
            group_onec_id=leaf_ids[pick],
            base_price=Decimal(roubles * 100 + kopecks) / 100,
        )


def _mix(product: FakeProduct, salt: str) -> int:
    return zlib.crc32(f"{product.onec_id}:{salt}".encode())


def price_for(product: FakeProduct, price_type_index: int) -> Decimal:
    """The item's price for a price type of `PRICE_TYPES` (0 retail, 1 wholesale, 2 dealer)."""
    factor = _PRICE_FACTORS[price_type_index % len(_PRICE_FACTORS)]
    if price_type_index:
        # Up to 4% more or less, so discounts differ between items as they do in real lists.
        factor += Decimal(_mix(product, f"price{price_type_index}") % 81 - 40) / 1000
    return (product.base_price * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def stock_for(product: FakeProduct, warehouse_index: int) -> Decimal:
    """The item's quantity at a warehouse of `WAREHOUSES`; about a fifth of them are zero."""
    roll = _mix(product, f"stock{warehouse_index}")
    if roll % 100 < 18 + 6 * warehouse_index:
        return Decimal("0")
    if product.unit_code == "796" or product.unit_code == "839":
        scale = 240 if warehouse_index == 0 else 60
        return Decimal(1 + (roll >> 8) % scale)
    # Bulk units (litres, kilograms, metres) keep one decimal place.
    return Decimal((roll >> 8) % 20000 + 5) / 10


_CITIES: tuple[tuple[str, str, str], ...] = (
    # city, region, tax region code
    ("Москва", "Москва", "77"),
    ("Санкт-Петербург", "Санкт-Петербург", "78"),
    ("Екатеринбург", "Свердловская область", "66"),
    ("Новосибирск", "Новосибирская область", "54"),
    ("Казань", "Республика Татарстан", "16"),
    ("Нижний Новгород", "Нижегородская область", "52"),
    ("Краснодар", "Краснодарский край", "23"),
    ("Самара", "Самарская область", "63"),
    ("Ростов-на-Дону", "Ростовская область", "61"),
    ("Воронеж", "Воронежская область", "36"),
    ("Тюмень", "Тюменская область", "72"),
    ("Челябинск", "Челябинская область", "74"),
)
_COMPANY_WORDS: tuple[str, ...] = (
    "Автодеталь",
    "АвтоМир",
    "Запчасть-Сервис",
    "МоторЛайн",
    "Колесо",
    "Техноавто",
    "Автоцентр",
    "Деталь Плюс",
    "Автоснаб",
    "Регионавто",
    "Форсаж",
    "Магистраль",
    "Автолига",
    "Транзит",
    "Сибавто",
    "Уралзапчасть",
)
_SUFFIXES: tuple[str, ...] = ("", "Трейд", "Логистик")
_FORMS: tuple[str, ...] = ("ООО", "ООО", "ООО", "АО", "ООО ТД")
_STREETS: tuple[str, ...] = (
    "ул. Ленина",
    "ул. Промышленная",
    "ш. Энтузиастов",
    "ул. Складская",
    "пр-т Мира",
    "ул. Заводская",
    "ул. Садовая",
    "Индустриальный пр-д",
    "ул. Гагарина",
    "Окружное ш.",
)
_FIRST_NAMES: tuple[str, ...] = (
    "Алексей",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Михаил",
    "Игорь",
    "Ольга",
    "Елена",
    "Наталья",
    "Татьяна",
    "Павел",
    "Константин",
    "Мария",
    "Ирина",
    "Владимир",
    "Роман",
)
_LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Иванов", "Иванова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Соколов", "Соколова"),
    ("Лебедев", "Лебедева"),
    ("Козлов", "Козлова"),
    ("Новиков", "Новикова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Фёдоров", "Фёдорова"),
    ("Орлов", "Орлова"),
)
_FEMALE = {"Ольга", "Елена", "Наталья", "Татьяна", "Мария", "Ирина"}


def inn10(first_nine: str) -> str:
    """A 10-digit INN of an organisation: nine digits and their check digit."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    total = sum(w * int(d) for w, d in zip(weights, first_nine, strict=True))
    return first_nine + str(total % 11 % 10)


# Telegram's user ids have at most 52 significant bits: ids from here on are nobody's.
FAKE_TELEGRAM_ID_BASE = 10**16


def fake_telegram_id(n: int) -> int:
    """The stable Telegram id of demo person `n`: above every real id, so nothing sent to it
    ever reaches a stranger (Telegram answers "chat not found")."""
    return FAKE_TELEGRAM_ID_BASE + n


def person_name(rng: random.Random) -> str:
    """A Russian first and last name."""
    first = rng.choice(_FIRST_NAMES)
    male, female = rng.choice(_LAST_NAMES)
    return f"{first} {female if first in _FEMALE else male}"


def fake_dealers(count: int = 8, seed: int = 1) -> list[FakeDealer]:
    """Dealer companies in different cities, each with 1-3 legal entities and 1-2 addresses."""
    rng = random.Random(seed * 7919 + 17)
    words = rng.sample(_COMPANY_WORDS, k=min(count, len(_COMPANY_WORDS)))
    out: list[FakeDealer] = []
    used_inns: set[str] = set()
    for index in range(count):
        word = words[index % len(words)] + ("" if index < len(words) else f" {index}")
        city, region, code = _CITIES[index % len(_CITIES)]
        entities = []
        for number in range(rng.choice((1, 1, 2, 2, 3))):
            inn = inn10(f"{code}{rng.randrange(10**7):07d}")
            while inn in used_inns:
                inn = inn10(f"{code}{rng.randrange(10**7):07d}")
            used_inns.add(inn)
            kpp = f"{code}{rng.randrange(1, 40):02d}01001"
            form = rng.choice(_FORMS)
            name = f'{form} "{word}"' if number == 0 else f'{form} "{word} {_SUFFIXES[number]}"'
            entities.append(FakeLegalEntity(_guid(f"le{seed}", inn), name, inn, kpp))
        addresses = tuple(
            f"г. {city}, {rng.choice(_STREETS)}, д. {rng.randrange(1, 160)}"
            + (f", стр. {rng.randrange(1, 6)}" if rng.random() < 0.4 else "")
            for _ in range(rng.choice((1, 1, 2)))
        )
        out.append(
            FakeDealer(
                onec_id=_guid(f"dealer{seed}", str(index)),
                name=f"{word} ({city})",
                city=city,
                region=region,
                legal_entities=tuple(entities),
                addresses=addresses,
            )
        )
    return out
