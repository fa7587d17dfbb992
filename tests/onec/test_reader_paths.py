"""The reader's fast path for offers (fields found by lxml in C) reads what the general path
(child by child) reads, on every shared file and on offers of unusual shape."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.catalog.importer import TOTAL_WAREHOUSE_ID, PriceRow, StockRow
from integrations.onec import reader
from integrations.onec.reader import Offer, read
from tests.onec.conftest import FIXTURES, need_fixtures

IRREGULAR = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08">
<ПакетПредложений><Предложения>
<Предложение><Ид>usual</Ид><Цены>
<Цена><ИдТипаЦены>p1</ИдТипаЦены><ЦенаЗаЕдиницу>10.50</ЦенаЗаЕдиницу><Валюта>руб</Валюта></Цена>
<Цена><Представление>x</Представление><ЦенаЗаЕдиницу>7</ЦенаЗаЕдиницу><ИдТипаЦены>p2</ИдТипаЦены>
<Валюта>USD</Валюта></Цена></Цены>
<Остатки><Остаток><Склад><Ид>w1</Ид><Количество>3</Количество></Склад></Остаток>
<Остаток><Склад><Количество>4</Количество><Ид>w2</Ид></Склад></Остаток></Остатки></Предложение>
<Предложение><Ид>no-currency</Ид><Цены>
<Цена><ИдТипаЦены>p1</ИдТипаЦены><ЦенаЗаЕдиницу>1</ЦенаЗаЕдиницу></Цена></Цены></Предложение>
<Предложение><Ид>currency-once</Ид><Цены>
<Цена><ИдТипаЦены>p1</ИдТипаЦены><ЦенаЗаЕдиницу>1</ЦенаЗаЕдиницу></Цена>
<Цена><ИдТипаЦены>p2</ИдТипаЦены><ЦенаЗаЕдиницу>2</ЦенаЗаЕдиницу><Валюта>EUR</Валюта></Цена>
</Цены></Предложение>
<Предложение><Ид>twice</Ид><Цены>
<Цена><ИдТипаЦены>p1</ИдТипаЦены><ИдТипаЦены>p9</ИдТипаЦены><ЦенаЗаЕдиницу>5</ЦенаЗаЕдиницу>
<ЦенаЗаЕдиницу>6</ЦенаЗаЕдиницу></Цена>
<Цена><Валюта>RUB</Валюта></Цена></Цены></Предложение>
<Предложение><Ид>mixed-rests</Ид><Остатки>
<Остаток><Склад><Ид>w1</Ид><Количество>1,5</Количество></Склад></Остаток>
<Остаток><Количество>2</Количество></Остаток>
<Остаток><Склад><Ид>w3</Ид></Склад></Остаток></Остатки></Предложение>
<Предложение><Ид>total-only</Ид><Остатки><Остаток><Количество>2</Количество></Остаток>
<Остаток><Количество>3</Количество></Остаток></Остатки></Предложение>
<Предложение><Ид>attributes</Ид><Склад ИдСклада="w1" КоличествоНаСкладе="8"/>
<Количество>99</Количество></Предложение>
<Предложение><Ид>empty-fields</Ид><Цены><Цена><ИдТипаЦены/><ЦенаЗаЕдиницу>3</ЦенаЗаЕдиницу>
</Цена><Цена><ИдТипаЦены>p1</ИдТипаЦены><ЦенаЗаЕдиницу></ЦенаЗаЕдиницу></Цена></Цены>
<Остатки><Остаток><Склад><Ид>w1</Ид><Количество>x</Количество></Склад></Остаток></Остатки>
</Предложение>
<Предложение><Ид>nested-deeper</Ид><Цены><Цена><ИдТипаЦены>p1</ИдТипаЦены>
<ЦенаЗаЕдиницу>4</ЦенаЗаЕдиницу><Единица><Валюта>XXX</Валюта></Единица></Цена></Цены></Предложение>
</Предложения></ПакетПредложений></КоммерческаяИнформация>
"""


def offers(path: Path) -> list[Offer]:
    return [record for record in read(path) if isinstance(record, Offer)]


def general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every offer take the child-by-child path."""
    monkeypatch.setattr(reader, "_aligned", lambda parents, container, name: None)


def test_unusual_offers_read_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "offers.xml"
    path.write_text(IRREGULAR, encoding="utf-8")
    fast = {offer.onec_id: offer for offer in offers(path)}
    general_path(monkeypatch)
    general = {offer.onec_id: offer for offer in offers(path)}
    assert fast == general

    def prices(key: str) -> list[tuple[str, Decimal, str]]:
        return [(p.price_type_onec_id, p.value, p.currency) for p in fast[key].prices]

    def stock(key: str) -> list[tuple[str, Decimal]]:
        return [(s.warehouse_onec_id, s.quantity) for s in fast[key].stock]

    assert prices("usual") == [("p1", Decimal("10.50"), "RUB"), ("p2", Decimal(7), "USD")]
    assert stock("usual") == [("w1", Decimal(3)), ("w2", Decimal(4))]
    assert prices("no-currency") == [("p1", Decimal(1), "RUB")]
    assert prices("currency-once") == [("p1", Decimal(1), "RUB"), ("p2", Decimal(2), "EUR")]
    assert prices("twice") == [("p1", Decimal(5), "RUB")]  # the first of each, as 1C means it
    assert stock("mixed-rests") == [("w1", Decimal("1.5"))]
    assert stock("total-only") == [(TOTAL_WAREHOUSE_ID, Decimal(5))]
    assert stock("attributes") == [("w1", Decimal(8))]
    assert prices("empty-fields") == [] and stock("empty-fields") == []
    assert prices("nested-deeper") == [("p1", Decimal(4), "RUB")]
    assert fast["usual"].prices[0] == PriceRow("usual", "p1", Decimal("10.50"), "RUB")
    assert fast["usual"].stock[1] == StockRow("usual", "w2", Decimal(4))


def test_every_shared_offers_file_reads_the_same_on_both_paths(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [p for p in sorted(need_fixtures().rglob("*.xml")) if "xsd" not in p.parts]
    fast = {p: offers(p) for p in files}
    assert sum(bool(found) for found in fast.values()) >= 5, f"few offers files in {FIXTURES}"
    general_path(monkeypatch)
    read_twice = {p: offers(p) for p in files}
    assert fast == read_twice
    assert sum(len(o.prices) + len(o.stock) for found in fast.values() for o in found) > 0
