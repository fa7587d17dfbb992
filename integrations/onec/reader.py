"""Streaming CommerceML reader: files of any size in flat memory, any version, any namespace.

lxml's iterparse reports only the elements we act on; each is turned into a plain row as soon as
it ends and then cleared, with the siblings before it. What a file holds is decided by its
content (classifier, catalog, offers package, documents), never by its name. Ids and unit codes
lose trailing spaces. Entities are never resolved and no DTD or network is read.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from core.catalog.importer import (
    TOTAL_WAREHOUSE_ID,
    GroupRow,
    PriceRow,
    PriceTypeRow,
    ProductRow,
    StockRow,
    WarehouseRow,
)
from integrations.onec import xml_encoding

ROOT = "КоммерческаяИнформация"
SECTIONS = {"Классификатор", "Каталог", "ПакетПредложений", "ИзмененияПакетаПредложений"}
TAGS = [
    f"{{*}}{name}"
    for name in (
        ROOT,
        *SECTIONS,
        "Контейнер",
        "СодержитТолькоИзменения",
        "Группа",
        "Свойство",
        "ТипЦены",
        "Склады",  # not Склад: offers hold one per stock row, and each event costs
        "Товар",
        "Предложение",
        "Документ",
    )
]
UNIT_NAMES = {"796": "шт", "166": "кг", "112": "л", "006": "м", "839": "компл", "715": "пар"}
TRUE = {"true", "1", "да", "истина"}


@dataclass(slots=True)
class Section:
    """Start of a top-level section; `partial` means СодержитТолькоИзменения=true."""

    kind: str  # classifier | catalog | offers
    partial: bool


@dataclass(slots=True)
class Offer:
    """An offer: the item it describes (if named), its prices and its stock."""

    onec_id: str
    product: ProductRow | None
    prices: list[PriceRow] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)


@dataclass(slots=True)
class Party:
    """A counterparty of a document."""

    onec_id: str = ""
    name: str = ""
    inn: str = ""
    kpp: str = ""
    role: str = ""


@dataclass(slots=True)
class DocLine:
    """A line of a document."""

    onec_id: str
    name: str
    article: str
    quantity: Decimal
    price: Decimal
    amount: Decimal


@dataclass(slots=True)
class Document:
    """A document (an order and its state) as 1C sends it."""

    onec_id: str
    number: str
    date: str
    operation: str
    time: str
    currency: str
    total: Decimal
    comment: str
    parties: list[Party]
    requisites: dict[str, str]
    lines: list[DocLine]


Record = Section | GroupRow | PriceTypeRow | WarehouseRow | ProductRow | Offer | Document


_LOCAL_NAMES: dict[str, str] = {}  # "{namespace}name" -> "name", for the tags seen so far
_LOCAL_NAMES_MAX = 4096  # a hostile file cannot grow the cache past this


def local(tag: Any) -> str:
    """The tag name without its namespace."""
    name = _LOCAL_NAMES.get(tag) if isinstance(tag, str) else ""
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < _LOCAL_NAMES_MAX:
            _LOCAL_NAMES[tag] = name
    return name


def _text(elem: Any) -> str:
    return (elem.text or "").strip()


def _children(elem: Any) -> dict[str, Any]:
    """First child per local name."""
    found: dict[str, Any] = {}
    for child in elem:
        found.setdefault(local(child.tag), child)
    return found


def _child_text(kids: dict[str, Any], name: str) -> str:
    child = kids.get(name)
    return _text(child) if child is not None else ""


def _texts(elem: Any, *names: str) -> list[str]:
    """The stripped texts of the first children with these local names ("" for a missing one).

    One pass over the children: the offers of a large file hold most of its elements.
    """
    found: list[str | None] = [None] * len(names)
    pending = len(names)
    for child in elem:
        name = local(child.tag)
        if name in names:
            index = names.index(name)
            if found[index] is None:
                found[index] = (child.text or "").strip()
                pending -= 1
                if not pending:
                    break
    return [text or "" for text in found]


def _aligned(parents: list[Any], container: Any, name: str) -> list[str] | None:
    """The texts of the `name` child of each of `parents` (all under `container`), in order,
    when each parent has exactly one and no other element below `container` has that name;
    None otherwise (the caller then reads child by child).

    lxml finds the elements in C; a Python loop over every child costs several times more,
    most of it in building the namespaced tag strings.
    """
    found = list(container.iter(f"{{*}}{name}"))
    if len(found) != len(parents):
        return None
    for elem, parent in zip(found, parents, strict=True):
        if elem.getparent() is not parent:  # lxml hands out one proxy per live element
            return None
    return [(elem.text or "").strip() for elem in found]


def decimal(value: str) -> Decimal | None:
    """A number as 1C writes it ('1 234,50', '12.5'), or None."""
    if "," in value or " " in value or "\xa0" in value:
        cleaned = value.replace("\xa0", "").replace(" ", "").replace(",", ".")
    else:
        cleaned = value.strip()
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def currency(value: str) -> str:
    """ISO code for what 1C calls the currency ('руб', '643', 'RUB')."""
    cleaned = value.strip().rstrip(".")
    if cleaned.lower() in {"руб", "рубль", "643", "rub", "rur", ""}:
        return "RUB"
    return cleaned.upper()[:10]


def _flag(value: str) -> bool:
    return value.strip().lower() in TRUE


def _unit(kids: dict[str, Any]) -> tuple[str | None, str | None]:
    elem = kids.get("БазоваяЕдиница")
    if elem is None:
        return None, None
    code = (elem.get("Код") or "").strip() or None
    name = (elem.get("НаименованиеКраткое") or "").strip()
    text = _text(elem)
    if text.isdigit() and code is None:
        code = text
    elif text and not name:
        name = text
    if not name and code:
        name = UNIT_NAMES.get(code, "")
    return name or None, code


def _pairs(container: Any, item: str, key: str, value: str) -> dict[str, str]:
    result: dict[str, str] = {}
    if container is None:
        return result
    for elem in container:
        if local(elem.tag) != item:
            continue
        kids = _children(elem)
        name = _child_text(kids, key)
        if name:
            result[name] = _child_text(kids, value)
    return result


def _groups(elem: Any, parent: str | None) -> Iterator[GroupRow]:
    kids = _children(elem)
    onec_id = _child_text(kids, "Ид")
    if not onec_id:
        return
    deleted = _flag(_child_text(kids, "ПометкаУдаления"))
    yield GroupRow(onec_id, _child_text(kids, "Наименование") or onec_id, parent, not deleted)
    nested = kids.get("Группы")
    if nested is not None:
        for child in nested:
            if local(child.tag) == "Группа":
                yield from _groups(child, onec_id)


_PRODUCT_TEXTS = {"Ид", "Наименование", "Артикул", "Штрихкод", "Статус", "ПометкаУдаления"}
_PRODUCT_PARTS = {
    "Аналоги",
    "БазоваяЕдиница",
    "Группы",
    "ЗначенияРеквизитов",
    "ХарактеристикиТовара",
    "ЗначенияСвойств",
    "Изготовитель",
}


# Requisites and properties that hold cross numbers (compared lower-case, letters and digits).
CROSS_NAMES = {
    "кросс",
    "кроссы",
    "кроссномер",
    "кроссномера",
    "oem",
    "oemномер",
    "oemномера",
    "оригинальныйномер",
    "оригинальныеномера",
    "аналоги",
}
_CROSS_SPLIT = re.compile(r"[,;|\n]+")
_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1024)  # requisite names repeat on every item of a catalog
def is_cross_name(name: str) -> bool:
    """Whether a requisite or property of this name lists cross numbers ("Кросс-номера", "OEM")."""
    return _NOT_WORD.sub("", name.lower()) in CROSS_NAMES


def _crosses(
    analogs: Any, requisites: dict[str, str], values: dict[str, str], cross_props: set[str]
) -> list[list[str]]:
    """Cross numbers of an item as [article, brand, 1C id]: its <Аналоги> (items of type Товар:
    Артикул, Изготовитель, Ид) and the numbers listed in cross-number requisites/properties."""
    found: list[list[str]] = []
    if analogs is not None:
        for analog in analogs:
            if local(analog.tag) != "Аналог":
                continue
            kids = _children(analog)
            maker = kids.get("Изготовитель")
            brand = _texts(maker, "Наименование")[0] if maker is not None else ""
            article, onec_id = _child_text(kids, "Артикул"), _child_text(kids, "Ид")
            if article or onec_id:
                found.append([article, brand, onec_id])
    listed = [v for k, v in requisites.items() if is_cross_name(k)] if requisites else []
    if cross_props and values:
        listed += [v for k, v in values.items() if k in cross_props]
    for value in listed:
        found.extend([part.strip(), "", ""] for part in _CROSS_SPLIT.split(value) if part.strip())
    return found


def _product(elem: Any, cross_props: set[str] | None = None) -> ProductRow | None:
    texts: dict[str, str] = {}
    kids: dict[str, Any] = {}
    for child in elem:  # one pass, the first of each name: a catalog is mostly its items
        name = local(child.tag)
        if name in _PRODUCT_TEXTS:
            if name not in texts:
                texts[name] = (child.text or "").strip()
        elif name in _PRODUCT_PARTS:
            kids.setdefault(name, child)
    onec_id = texts.get("Ид", "")
    if not onec_id:
        return None
    unit, unit_code = _unit(kids)
    group = kids.get("Группы")
    group_id = None
    if group is not None:
        for child in group:
            if local(child.tag) == "Ид":
                group_id = _text(child) or None
                break
    properties: dict[str, Any] = {}
    requisites = _pairs(
        kids.get("ЗначенияРеквизитов"), "ЗначениеРеквизита", "Наименование", "Значение"
    )
    if requisites:
        properties["requisites"] = requisites
    features = _pairs(
        kids.get("ХарактеристикиТовара"), "ХарактеристикаТовара", "Наименование", "Значение"
    )
    if features:
        properties["features"] = features
    values = _pairs(kids.get("ЗначенияСвойств"), "ЗначенияСвойства", "Ид", "Значение")
    if values:
        properties["values"] = values
    maker = kids.get("Изготовитель")
    if maker is not None:
        properties["manufacturer"] = _texts(maker, "Наименование")[0]
    crosses = _crosses(kids.get("Аналоги"), requisites, values, cross_props or set())
    if crosses:
        properties["crosses"] = crosses
    status = texts.get("Статус", "").lower()
    deleted = _flag(texts.get("ПометкаУдаления", "")) or status in {"удален", "удалён"}
    deleted = deleted or (elem.get("Статус") or "").strip().lower() == "удален"
    return ProductRow(
        onec_id=onec_id,
        name=texts.get("Наименование") or onec_id,
        article=texts.get("Артикул", ""),
        unit=unit,
        unit_code=unit_code,
        barcode=texts.get("Штрихкод") or None,
        group_onec_id=group_id,
        properties=properties,
        is_active=not deleted,
    )


def _offer(elem: Any) -> Offer | None:
    onec_id = named = None
    prices: Any = None
    rests: list[Any] = []
    for child in elem:  # one pass: the offers of a large file hold most of its elements
        name = local(child.tag)
        if name == "Ид":
            onec_id = _text(child) if onec_id is None else onec_id
        elif name == "Наименование":
            named = _text(child) if named is None else named
        elif name == "Цены":
            prices = child if prices is None else prices
        elif name in {"Склад", "Остатки", "Количество"}:
            rests.append(child)
    if not onec_id:
        return None
    offer = Offer(onec_id=onec_id, product=_product(elem) if named else None)
    if prices is not None:
        for type_id, text, code in _price_fields(prices):
            value = decimal(text)
            if value is not None and type_id:
                offer.prices.append(PriceRow(onec_id, type_id, value, currency(code)))
    total: Decimal | None = None
    for child in rests:
        name = local(child.tag)
        if name == "Склад":  # <Склад ИдСклада=".." КоличествоНаСкладе=".."/>
            wid = (child.get("ИдСклада") or "").strip()
            qty = decimal(child.get("КоличествоНаСкладе") or "")
            if wid and qty is not None:
                offer.stock.append(StockRow(onec_id, wid, qty))
        elif name == "Остатки":
            for wid, text, in_house in _rest_fields(child):
                qty = decimal(text)
                if qty is None:
                    continue
                if not in_house:  # <Остаток><Количество> without a warehouse: the total
                    total = (total or Decimal(0)) + qty
                elif wid:
                    offer.stock.append(StockRow(onec_id, wid, qty))
        else:  # Количество
            total = decimal(_text(child))
    if not offer.stock and total is not None:
        offer.stock.append(StockRow(onec_id, TOTAL_WAREHOUSE_ID, total))
    return offer


def _price_fields(prices: Any) -> list[tuple[str, str, str]]:
    """(price type id, value, currency) of each <Цена> in <Цены>."""
    cells = list(prices.iterchildren("{*}Цена"))
    if len(cells) == len(prices):  # the usual shape: each field once in each price
        types = _aligned(cells, prices, "ИдТипаЦены")
        values = _aligned(cells, prices, "ЦенаЗаЕдиницу") if types is not None else None
        if types is not None and values is not None:
            codes = _aligned(cells, prices, "Валюта")
            if codes is None and next(prices.iter("{*}Валюта"), None) is None:
                codes = [""] * len(cells)
            if codes is not None:
                return list(zip(types, values, codes, strict=True))
    return [
        (type_id, text, code)
        for price in prices
        if local(price.tag) == "Цена"
        for type_id, text, code in [_texts(price, "ИдТипаЦены", "ЦенаЗаЕдиницу", "Валюта")]
    ]


def _rest_fields(rests: Any) -> list[tuple[str, str, bool]]:
    """(warehouse id, quantity, inside a <Склад>) of each <Остаток> in <Остатки>."""
    cells = list(rests.iterchildren("{*}Остаток"))
    if len(cells) == len(rests):  # the usual shape: <Остаток><Склад><Ид/><Количество/>
        houses = list(rests.iter("{*}Склад"))
        if len(houses) == len(cells) and all(
            house.getparent() is cell for house, cell in zip(houses, cells, strict=True)
        ):
            ids = _aligned(houses, rests, "Ид")
            counts = _aligned(houses, rests, "Количество") if ids is not None else None
            if ids is not None and counts is not None:
                return [(wid, text, True) for wid, text in zip(ids, counts, strict=True)]
    fields: list[tuple[str, str, bool]] = []
    for rest in rests:
        if local(rest.tag) != "Остаток":
            continue
        house = next((part for part in rest if local(part.tag) == "Склад"), None)
        if house is not None:
            wid, text = _texts(house, "Ид", "Количество")
            fields.append((wid, text, True))
        else:
            fields.append(("", _texts(rest, "Количество")[0], False))
    return fields


def _document(elem: Any) -> Document:
    kids = _children(elem)
    parties = []
    container = kids.get("Контрагенты")
    if container is not None:
        for party in container:
            if local(party.tag) != "Контрагент":
                continue
            pk = _children(party)
            legal = pk.get("ЮридическоеЛицо")
            lk = _children(legal) if legal is not None else {}
            parties.append(
                Party(
                    onec_id=_child_text(pk, "Ид"),
                    name=_child_text(pk, "ОфициальноеНаименование")
                    or _child_text(pk, "Наименование"),
                    inn=_child_text(pk, "ИНН") or _child_text(lk, "ИНН"),
                    kpp=_child_text(pk, "КПП") or _child_text(lk, "КПП"),
                    role=_child_text(pk, "Роль"),
                )
            )
    lines = []
    goods = kids.get("Товары")
    if goods is not None:
        for item in goods:
            if local(item.tag) != "Товар":
                continue
            ik = _children(item)
            lines.append(
                DocLine(
                    onec_id=_child_text(ik, "Ид"),
                    name=_child_text(ik, "Наименование"),
                    article=_child_text(ik, "Артикул"),
                    quantity=decimal(_child_text(ik, "Количество")) or Decimal(0),
                    price=decimal(_child_text(ik, "ЦенаЗаЕдиницу")) or Decimal(0),
                    amount=decimal(_child_text(ik, "Сумма")) or Decimal(0),
                )
            )
    requisites = _pairs(
        kids.get("ЗначенияРеквизитов"), "ЗначениеРеквизита", "Наименование", "Значение"
    )
    for name in ("Номер1С", "Дата1С", "ПометкаУдаления", "Проведен", "Отменен"):
        if name in kids:
            requisites.setdefault(name, _child_text(kids, name))
    return Document(
        onec_id=_child_text(kids, "Ид"),
        number=_child_text(kids, "Номер"),
        date=_child_text(kids, "Дата"),
        time=_child_text(kids, "Время"),
        operation=_child_text(kids, "ХозОперация"),
        currency=currency(_child_text(kids, "Валюта")),
        total=decimal(_child_text(kids, "Сумма")) or Decimal(0),
        comment=_child_text(kids, "Комментарий"),
        parties=parties,
        requisites=requisites,
        lines=lines,
    )


def _release(elem: Any) -> None:
    """Free an element that has been read, and the siblings read before it."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def read(path: Path) -> Generator[Record, None, None]:
    """The records of one CommerceML file, in document order.

    The parser is told the encoding integrations.onec.xml_encoding decided (the one the DTD
    check read the head in), so both read the same characters.
    """
    with path.open("rb") as source:
        codec, bom = xml_encoding.detect(source.read(4096))
        source.seek(bom)
        yield from _read(source, xml_encoding.LXML_NAMES[codec])


def _read(source: BinaryIO, encoding: str) -> Generator[Record, None, None]:
    context = etree.iterparse(
        source,
        encoding=encoding,
        events=("start", "end"),
        tag=TAGS,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    seen_root = False
    cross_props: set[str] = set()  # ids of the classifier's cross-number properties
    for event, elem in context:
        name = local(elem.tag)
        if event == "start":  # only the root and the sections matter at their start
            if not seen_root:
                if name != ROOT:
                    raise ValueError(f"корневой элемент {name!r}, ожидался {ROOT}")
                seen_root = True
            elif name in SECTIONS and local(elem.getparent().tag) == ROOT:
                kind = {"Классификатор": "classifier", "Каталог": "catalog"}.get(name, "offers")
                yield Section(kind, _flag(elem.get("СодержитТолькоИзменения") or ""))
            continue
        parent = elem.getparent()
        pname = local(parent.tag) if parent is not None else ""
        if name == "СодержитТолькоИзменения" and pname in SECTIONS:
            grand = parent.getparent()
            if grand is not None and local(grand.tag) == ROOT:
                kind = {"Классификатор": "classifier", "Каталог": "catalog"}.get(pname, "offers")
                yield Section(kind, _flag(_text(elem)))
        elif name == "Группа":
            if pname == "Группы" and local(parent.getparent().tag) == "Классификатор":
                yield from _groups(elem, None)
                _release(elem)
        elif name == "ТипЦены":
            if pname == "ТипыЦен":
                kids = _children(elem)
                onec_id = _child_text(kids, "Ид")
                if onec_id:
                    yield PriceTypeRow(
                        onec_id,
                        _child_text(kids, "Наименование") or onec_id,
                        currency(_child_text(kids, "Валюта")),
                    )
                _release(elem)
        elif name == "Склады":
            if pname in SECTIONS:
                for house in elem:
                    if local(house.tag) != "Склад":
                        continue
                    onec_id, title = _texts(house, "Ид", "Наименование")
                    if onec_id:
                        yield WarehouseRow(onec_id, title or onec_id)
                _release(elem)
        elif name == "Свойство":
            if pname == "Свойства":
                prop_id, prop_name = _texts(elem, "Ид", "Наименование")
                if prop_id and is_cross_name(prop_name):
                    cross_props.add(prop_id)
                _release(elem)
        elif name == "Товар":
            if pname == "Товары" and local(parent.getparent().tag) == "Каталог":
                product = _product(elem, cross_props)
                if product is not None:
                    yield product
                _release(elem)
        elif name == "Предложение":
            if pname == "Предложения":
                offer = _offer(elem)
                if offer is not None:
                    yield offer
                _release(elem)
        elif name == "Документ":
            if pname in {ROOT, "Контейнер"}:
                yield _document(elem)
                _release(elem)
        elif name in SECTIONS and pname == ROOT:
            _release(elem)
