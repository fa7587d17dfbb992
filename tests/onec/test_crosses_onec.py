"""Cross numbers from 1C: CommerceML <Аналоги> and cross-number properties and requisites."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.crosses import cross_group_item_ids
from core.models import CrossGroup, CrossNumber, Product
from integrations.onec.importer import import_file

CATALOG = """<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.08" xmlns="urn:1C.ru:commerceml_2">
 <Классификатор><Ид>cl</Ид><Наименование>Каталог</Наименование>
  <Свойства>
   <Свойство><Ид>prop-oem</Ид><Наименование>OEM-номера</Наименование></Свойство>
   <Свойство><Ид>prop-color</Ид><Наименование>Цвет</Наименование></Свойство>
  </Свойства>
 </Классификатор>
 <Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cl</ИдКлассификатора>
  <Товары>
   <Товар><Ид>item-oc90</Ид><Артикул>OC 90</Артикул><Наименование>Фильтр масляный</Наименование>
    <Изготовитель><Наименование>KNECHT</Наименование></Изготовитель>
    <ЗначенияСвойств>
     <ЗначенияСвойства><Ид>prop-oem</Ид><Значение>1109.AH; 1109-CK</Значение></ЗначенияСвойства>
     <ЗначенияСвойства><Ид>prop-color</Ид><Значение>12345</Значение></ЗначенияСвойства>
    </ЗначенияСвойств>
   </Товар>
   <Товар><Ид>item-w712</Ид><Артикул>W712/75</Артикул><Наименование>Фильтр MANN</Наименование>
    <Изготовитель><Наименование>MANN</Наименование></Изготовитель>
    <Аналоги>
     <Аналог><Ид>item-oc90</Ид><Наименование>Фильтр масляный</Наименование></Аналог>
     <Аналог><Артикул>PH 5796</Артикул><Наименование>Фильтр</Наименование>
      <Изготовитель><Наименование>FRAM</Наименование></Изготовитель></Аналог>
    </Аналоги>
   </Товар>
   <Товар><Ид>item-lx</Ид><Артикул>LX 1006</Артикул><Наименование>Фильтр воздушный</Наименование>
    <ЗначенияРеквизитов>
     <ЗначениеРеквизита><Наименование>Кросс-номера</Наименование>
      <Значение>C 30005, 1444.TT</Значение></ЗначениеРеквизита>
    </ЗначенияРеквизитов>
   </Товар>
  </Товары>
 </Каталог>
</КоммерческаяИнформация>
"""


async def test_analogs_and_cross_properties_from_1c_make_groups(
    db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "import.xml"
    path.write_text(CATALOG, encoding="utf-8")
    counts = await import_file(db, path)
    assert counts["crosses"] == 8  # OC90 1109AH 1109CK W71275 PH5796, LX1006 C30005 1444TT
    async with db() as s:
        ids = {a: i for a, i in await s.execute(select(Product.article, Product.id))}
        oil = {ids["OC 90"], ids["W712/75"]}
        for query in ("1109 ck", "1109ah", "ph-5796", "OC90", "w 712 75"):
            assert set(await cross_group_item_ids(s, query)) == oil, query
        assert await cross_group_item_ids(s, "1444-tt") == [ids["LX 1006"]]
        assert await cross_group_item_ids(s, "12345") == []  # not a cross property
        groups = await s.scalar(select(func.count()).select_from(CrossGroup))
        sources = set(await s.scalars(select(CrossNumber.source)))
    assert groups == 2 and sources == {"1c"}

    again = await import_file(db, path)  # the same package again changes nothing
    assert again["crosses"] == 0
    async with db() as s:
        assert await s.scalar(select(func.count()).select_from(CrossGroup)) == 2
