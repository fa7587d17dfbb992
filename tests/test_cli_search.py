"""`dealerbot catalog search Q --dealer ID --json`: items in rank order, the best first."""

from __future__ import annotations

import json

import pytest

from dealerbot.cli import main

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация ВерсияСхемы="2.08">'
ITEMS = [  # id, article, name, dealer price ("" for none)
    ("p-1", "W 712/75", "Фильтр масляный MANN", "420"),
    ("p-2", "W 712", "Фильтр масляный MANN малый", ""),
    ("p-3", "W 712/80", "Фильтр масляный MANN большой", "510"),
    ("p-4", "X-9", "Прокладка под фильтр W712", "15"),
]
IMPORT_XML = (
    f'{HEAD}<Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><Товары>'
    + "".join(
        f"<Товар><Ид>{i}</Ид><Артикул>{a}</Артикул><Наименование>{n}</Наименование></Товар>"
        for i, a, n, _ in ITEMS
    )
    + "</Товары></Каталог></КоммерческаяИнформация>"
)
OFFERS_XML = (
    f'{HEAD}<ПакетПредложений СодержитТолькоИзменения="false"><ТипыЦен><ТипЦены><Ид>d</Ид>'
    "<Наименование>Дилерская</Наименование><Валюта>руб</Валюта></ТипЦены></ТипыЦен>"
    "<Предложения>"
    + "".join(
        f"<Предложение><Ид>{i}</Ид><Цены><Цена><ИдТипаЦены>d</ИдТипаЦены><ЦенаЗаЕдиницу>{p}"
        "</ЦенаЗаЕдиницу></Цена></Цены></Предложение>"
        for i, _, _, p in ITEMS
        if p
    )
    + "</Предложения></ПакетПредложений></КоммерческаяИнформация>"
)


@pytest.fixture
def cli_env(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("BOT_USERNAME", "acme_parts_bot")


def test_search_json_lists_items_best_first(
    cli_env: None, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    (tmp_path / "import.xml").write_text(IMPORT_XML, encoding="utf-8")
    (tmp_path / "offers.xml").write_text(OFFERS_XML, encoding="utf-8")
    assert main(["import", str(tmp_path / "import.xml"), str(tmp_path / "offers.xml")]) == 0
    args = ["dealer", "create", "--name", "ООО Тест", "--inn", "7701234567"]
    assert main([*args, "--price-type", "Дилерская"]) == 0
    dealer = capsys.readouterr().out.strip().splitlines()[-1]

    assert main(["catalog", "search", "w712", "--dealer", dealer, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    # The exact article first (even without a price), then the prefixes with a price, then
    # the name match.
    assert [i["article"] for i in found["items"]] == ["W 712", "W 712/75", "W 712/80", "X-9"]
    assert [i["price"] for i in found["items"]] == [None, "420.00", "510.00", "15.00"]
    assert found["kind"] == "article" and found["corrected"] is None

    assert main(["catalog", "search", "фильр vfckzysq", "--dealer", dealer, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["corrected"] == "фильтр масляный"
    names = [i["name"] for i in found["items"]]
    assert names[-1] == "Фильтр масляный MANN малый"  # no price for the dealer: last
    assert len(names) == 3
