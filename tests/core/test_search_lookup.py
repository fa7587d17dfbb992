"""Active products by normalised article (pasted lists) and by id (buttons)."""

from __future__ import annotations

from sqlalchemy import event

from core.catalog.lookup import product_by_id, products_by_articles
from tests import factories as f


async def test_products_by_articles_in_one_query(session, engine) -> None:
    oc = await f.product(session, "OC 90", "Фильтр масляный")
    ru = await f.product(session, "ОС-1234", "Фильтр воздушный")  # Cyrillic letters
    await f.product(session, "OC 91", "Снят", is_active=False)
    twin = await f.product(session, "W-712", "Фильтр MANN")
    await f.product(session, "W 712", "Фильтр MANN дубль")
    await session.commit()

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        found = await products_by_articles(
            session, ["oc-90", "oc1234", "OC 91", "nope", "", "  ", "w.712", "x" * 500]
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert {k: p.id for k, p in found.items()} == {"OC90": oc.id, "OC1234": ru.id, "W712": twin.id}
    assert await products_by_articles(session, []) == {}


async def test_product_by_id_only_active(session) -> None:
    item = await f.product(session, "A-1", "Товар")
    gone = await f.product(session, "A-2", "Снятый", is_active=False)
    await session.commit()
    found = await product_by_id(session, item.id)
    assert found is not None and found.article == "A-1"
    assert await product_by_id(session, gone.id) is None
    assert await product_by_id(session, 10**9) is None
    assert await product_by_id(session, 10**30) is None  # a forged callback id
    assert await product_by_id(session, -1) is None
