"""Orders both ways: 1C pulls our orders, then tells us what became of them."""

# ruff: noqa: E501  (XML samples read best on one line)
from __future__ import annotations

from decimal import Decimal

from lxml import etree
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.models import Order, OrderLine, OrderStatusEvent, OutboxEvent, SyncState
from core.models.dealers import LegalEntity
from core.outbox import EventKind
from tests import factories
from tests.onec.conftest import FIXTURES, OneC, need_fixtures

XSD = FIXTURES / "dobromyslov-commerceml-parser" / "xsd" / "commerceml-2.08.xsd"


async def _order(session: AsyncSession) -> Order:
    pt = await factories.price_type(session)
    dealer = await factories.dealer(session, price_type=pt)
    entity = await session.scalar(select(LegalEntity).where(LegalEntity.dealer_id == dealer.id))
    assert entity is not None
    entity.kpp = "773301001"
    item = await factories.product(session, "OC 90", "Фильтр масляный", prices={pt: "450.50"})
    order = Order(
        number=f"DB-{factories.next_id():06d}",
        dealer_id=dealer.id,
        legal_entity_id=entity.id,
        total=Decimal("901.00"),
        comment="Позвонить перед доставкой",
        dealer_po="PO-17",
    )
    session.add(order)
    await session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_no=1,
            product_id=item.id,
            product_onec_id=item.onec_id,
            article=item.article,
            name=item.name,
            price=Decimal("450.50"),
            quantity=Decimal("2"),
            amount=Decimal("901.00"),
        )
    )
    await session.commit()
    return order


async def test_order_is_offered_until_1c_says_success(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    need_fixtures()
    async with db() as session:
        order = await _order(session)
    await onec.checkauth("sale")
    assert (await onec.text("sale", "init")).startswith("zip=no\nfile_limit=")
    status, body = await onec.call("sale", "query")
    assert status == 200
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    document = etree.fromstring(body)
    schema.assertValid(document)
    ns = {"c": "urn:1C.ru:commerceml_2"}
    assert document.xpath("//c:Документ/c:Номер/text()", namespaces=ns) == [order.number]
    assert document.xpath("//c:Контрагент/c:КПП/text()", namespaces=ns) == ["773301001"]
    assert document.xpath("//c:Товар/c:Количество/text()", namespaces=ns) == ["2"]
    assert document.xpath("//c:Документ/c:Сумма/text()", namespaces=ns) == ["901.00"]

    assert (await onec.text("sale", "success")).startswith("success")
    async with db() as session:
        stored = await session.get(Order, order.id)
        assert stored is not None and stored.sync_state == SyncState.EXPORTED
    _, again = await onec.call("sale", "query")
    assert etree.fromstring(again).xpath("//c:Документ", namespaces=ns) == []


def _status_doc(number: str, *, shipped: bool, inn: str = "", kpp: str = "") -> bytes:
    party = (
        f"<Контрагенты><Контрагент><Ид>k-1</Ид><Наименование>Покупатель</Наименование>"
        f"<ИНН>{inn}</ИНН><КПП>{kpp}</КПП><Роль>Покупатель</Роль></Контрагент></Контрагенты>"
        if inn
        else ""
    )
    return f"""<?xml version="1.0" encoding="windows-1251"?>
<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="2026-11-23T10:00:00">
 <Документ><Ид>{number}</Ид><Номер>{number}</Номер><Дата>2026-11-23</Дата>
  <ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта>
  <Курс>1</Курс><Сумма>901.00</Сумма>{party}
  <Товары><Товар><Ид>x-1</Ид><Наименование>Фильтр</Наименование><ЦенаЗаЕдиницу>100</ЦенаЗаЕдиницу>
  <Количество>3</Количество><Сумма>300</Сумма></Товар></Товары>
  <ЗначенияРеквизитов>
   <ЗначениеРеквизита><Наименование>Номер по 1С</Наименование><Значение>УТ-00042</Значение></ЗначениеРеквизита>
   <ЗначениеРеквизита><Наименование>Проведен</Наименование><Значение>true</Значение></ЗначениеРеквизита>
   <ЗначениеРеквизита><Наименование>Отгружен</Наименование><Значение>{str(shipped).lower()}</Значение></ЗначениеРеквизита>
  </ЗначенияРеквизитов>
 </Документ>
</КоммерческаяИнформация>""".encode("cp1251")


async def test_status_from_1c_moves_the_order_and_queues_the_dealer_notice(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        order = await _order(session)
    await onec.checkauth("sale")
    assert (
        await onec.upload("documents.xml", _status_doc(order.number, shipped=True), kind="sale")
    ).startswith("success")
    assert (await onec.import_("documents.xml", kind="sale")).startswith("success")
    async with db() as session:
        stored = await session.get(Order, order.id)
        assert stored is not None
        assert (stored.status, stored.onec_number) == ("shipped", "УТ-00042")
        events = (await session.scalars(select(OrderStatusEvent))).all()
        assert [(e.to_status, e.actor_kind) for e in events] == [("shipped", "onec")]
        outbox = (
            await session.scalars(
                select(OutboxEvent).where(OutboxEvent.kind == EventKind.ORDER_STATUS)
            )
        ).all()
        assert [e.payload["order_id"] for e in outbox] == [order.id]


async def test_order_known_only_in_1c_is_recorded_with_source_1c(
    onec: OneC, db: async_sessionmaker[AsyncSession]
) -> None:
    async with db() as session:
        order = await _order(session)
        entity = await session.get(LegalEntity, order.legal_entity_id)
        assert entity is not None
    await onec.checkauth("sale")
    data = _status_doc("УТ-777", shipped=False, inn=entity.inn, kpp="773301001")
    await onec.upload("orders_1c.xml", data, kind="sale")
    assert (await onec.import_("orders_1c.xml", kind="sale")).startswith("success")
    async with db() as session:
        recorded = await session.scalar(select(Order).where(Order.source == "1c"))
        assert recorded is not None
        assert recorded.dealer_id == order.dealer_id and recorded.status == "confirmed"
        assert recorded.onec_number == "УТ-00042" and recorded.total == Decimal("901.00")
        outbox = (await session.scalars(select(OutboxEvent))).all()
        assert outbox == []  # the dealer is not told about a past they never saw
