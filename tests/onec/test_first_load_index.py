"""PostgreSQL: the first load into an empty catalog builds the trigram search index once, at
the end of the file's transaction; a failed file keeps it; a busy or non-empty catalog keeps
the index it has."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.importer import SEARCH_INDEX
from core.catalog.search import search_products
from integrations.onec.offline import import_files
from tests.conftest import POSTGRES_SKIP_REASON

ITEM = (
    "<Товар><Ид>{i}</Ид><Артикул>ART-{i}</Артикул><Наименование>Фильтр масляный {name}"
    "</Наименование></Товар>"
)


def catalog(names: list[str]) -> str:
    items = "".join(ITEM.format(i=i, name=name) for i, name in enumerate(names))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация '
        'xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08"><Каталог '
        f'СодержитТолькоИзменения="true"><Ид>c</Ид><Товары>{items}</Товары></Каталог>'
        "</КоммерческаяИнформация>"
    )


async def index_state(session: AsyncSession) -> tuple[int, bool] | None:
    """(oid, valid) of the search index, None when it is missing."""
    row = (
        await session.execute(
            text(
                "SELECT c.oid, i.indisvalid FROM pg_class c JOIN pg_index i "
                "ON i.indexrelid = c.oid WHERE c.relname = :name"
            ),
            {"name": SEARCH_INDEX},
        )
    ).first()
    return None if row is None else (int(row[0]), bool(row[1]))


@pytest.fixture
def postgres(db: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    if db.kw["bind"].dialect.name != "postgresql":
        pytest.skip(POSTGRES_SKIP_REASON)
    return db


async def test_first_load_rebuilds_the_index_and_later_loads_keep_it(
    postgres: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with postgres() as session:
        before = await index_state(session)
    assert before is not None and before[1]
    first = tmp_path / "import.xml"
    first.write_text(catalog(["Газель", "Камаз", "Лада Веста"]), encoding="utf-8")
    result = await import_files(postgres, [first])
    assert not result.errors
    async with postgres() as session:
        built = await index_state(session)
        assert built is not None and built[1] and built[0] != before[0]  # built anew, valid
        await session.execute(text("SET enable_seqscan = off"))
        found = await search_products(session, "камаз", price_type_id=None)
        assert [hit.name for hit in found.items] == ["Фильтр масляный Камаз"]
    second = tmp_path / "more.xml"
    second.write_text(catalog(["Газель", "Камаз", "Лада Веста", "Урал"]), encoding="utf-8")
    assert not (await import_files(postgres, [second])).errors
    async with postgres() as session:
        assert await index_state(session) == built  # a catalog with items: the same index
        found = await search_products(session, "урал", price_type_id=None)
        assert [hit.name for hit in found.items] == ["Фильтр масляный Урал"]


async def test_a_failed_first_load_leaves_the_index_in_place(
    postgres: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with postgres() as session:
        before = await index_state(session)
    broken = tmp_path / "import.xml"
    whole = catalog([f"модель {n}" for n in range(3000)])  # a batch is written first
    broken.write_text(whole[: len(whole) - 60], encoding="utf-8")  # cut inside the last item
    result = await import_files(postgres, [broken])
    assert list(result.errors) == [str(broken)]
    async with postgres() as session:
        assert await index_state(session) == before
        assert await session.scalar(text("SELECT count(*) FROM products")) == 0


async def test_a_catalog_in_use_keeps_its_index(
    postgres: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    path = tmp_path / "import.xml"
    path.write_text(catalog(["Газель"]), encoding="utf-8")
    async with postgres() as reader, reader.begin():
        before = await index_state(reader)
        await reader.execute(text("SELECT count(*) FROM products"))  # holds its lock till the end
        result = await import_files(postgres, [path])  # does not wait for the reader
        assert not result.errors
    async with postgres() as session:
        assert await index_state(session) == before
        assert await session.scalar(text("SELECT count(*) FROM products")) == 1
