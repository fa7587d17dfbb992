"""Bulk writes of an already-parsed catalog (groups, items, price types, warehouses, prices, stock).

Knows nothing of XML: the 1C reader turns files into the rows below and hands them over in
batches. Every write is one statement per batch (`INSERT ... ON CONFLICT DO UPDATE ... WHERE
something changed`), never a query per row, so a second identical run writes nothing. On
PostgreSQL a batch travels as column arrays through `unnest`, elsewhere as an executemany of the
dialect's upsert.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    Numeric,
    Table,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article, normalize_text, search_text
from core.db import is_postgres
from core.models import Price, PriceType, Product, ProductGroup, Stock, Warehouse, utcnow

BATCH = 5000
TOTAL_WAREHOUSE_ID = "__total__"  # stock sent without a warehouse goes here


@dataclass(slots=True)
class GroupRow:
    """A product group; `parent_onec_id` is None at the top of the tree."""

    onec_id: str
    name: str
    parent_onec_id: str | None = None
    is_active: bool = True


@dataclass(slots=True)
class ProductRow:
    """An item or a variant (`product#characteristic`) as 1C describes it."""

    onec_id: str
    name: str
    article: str = ""
    unit: str | None = None
    unit_code: str | None = None
    barcode: str | None = None
    group_onec_id: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    is_active: bool = True

    @property
    def parent_onec_id(self) -> str | None:
        """The product a variant belongs to (None for a plain item)."""
        head, sep, _ = self.onec_id.partition("#")
        return head if sep and head else None


@dataclass(slots=True)
class PriceTypeRow:
    """A price type."""

    onec_id: str
    name: str
    currency: str = "RUB"


@dataclass(slots=True)
class WarehouseRow:
    """A warehouse."""

    onec_id: str
    name: str


@dataclass(slots=True)
class PriceRow:
    """The price of an item for a price type."""

    product_onec_id: str
    price_type_onec_id: str
    value: Decimal
    currency: str = "RUB"


@dataclass(slots=True)
class StockRow:
    """Stock of an item at a warehouse (`TOTAL_WAREHOUSE_ID` when 1C names none)."""

    product_onec_id: str
    warehouse_onec_id: str
    quantity: Decimal


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pg_type(column: Column[Any]) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "BOOLEAN"
    if isinstance(kind, Integer):
        return "INTEGER"
    if isinstance(kind, Numeric):
        return "NUMERIC"
    if isinstance(kind, JSON):
        return "JSONB"
    if column.name.endswith("_at"):
        return "TIMESTAMPTZ"
    return "TEXT"


async def upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    touch: str | None = None,
) -> int:
    """Insert or update `rows` by `keys`; rows equal to what is stored are not written.

    `touch` names a timestamp column set to now whenever a row is written. Returns the number
    of rows inserted or changed.
    """
    if not rows:
        return 0
    columns = list(rows[0])
    compared = [name for name in columns if name not in keys]
    if is_postgres(session):
        return await _upsert_postgres(session, table, rows, columns, keys, compared, touch)
    stmt = sqlite_insert(table)
    values = {name: stmt.excluded[name] for name in compared}
    if touch:
        values[touch] = stmt.excluded[touch]
        now = utcnow()
        rows = [{**row, touch: now} for row in rows]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_=values,
        where=or_(*(table.c[name].is_distinct_from(stmt.excluded[name]) for name in compared)),
    )
    changed = 0
    for chunk in _chunks(rows):
        result = await session.execute(stmt, list(chunk))
        changed += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return changed


async def _upsert_postgres(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    columns: list[str],
    keys: Sequence[str],
    compared: list[str],
    touch: str | None,
) -> int:
    types = {name: _pg_type(table.c[name]) for name in columns}
    arrays = ", ".join(
        f"CAST(:c{i} AS {'TEXT' if types[name] == 'JSONB' else types[name]}[])"
        for i, name in enumerate(columns)
    )
    picked = ", ".join(
        f"u.{name}::jsonb" if types[name] == "JSONB" else f"u.{name}" for name in columns
    )
    insert_cols = list(columns)
    if touch:
        insert_cols.append(touch)
        picked += ", now()"
    sets = [f"{name} = EXCLUDED.{name}" for name in compared]
    if touch:
        sets.append(f"{touch} = now()")
    mine = ", ".join(f"{table.name}.{name}" for name in compared)
    theirs = ", ".join(f"EXCLUDED.{name}" for name in compared)
    conflict = (
        f"DO UPDATE SET {', '.join(sets)} WHERE ROW({mine}) IS DISTINCT FROM ROW({theirs})"
        if compared
        else "DO NOTHING"
    )
    sql = text(
        f"INSERT INTO {table.name} ({', '.join(insert_cols)}) "
        f"SELECT {picked} FROM unnest({arrays}) AS u({', '.join(columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) {conflict}"
    )
    changed = 0
    for chunk in _chunks(rows):
        params: dict[str, list[Any]] = {}
        for i, name in enumerate(columns):
            if types[name] == "JSONB":
                params[f"c{i}"] = [json.dumps(row[name], ensure_ascii=False) for row in chunk]
            else:
                params[f"c{i}"] = [row[name] for row in chunk]
        result = await session.execute(sql, params)
        changed += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return changed


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction (PostgreSQL only).

    A statement goes through SQLAlchemy first: its driver adapter opens the database
    transaction lazily, and statements sent to the bare connection before that would each
    commit on their own (and a temporary table ON COMMIT DROP would vanish at once).
    """
    await session.execute(text("SELECT 1"))
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    return raw.driver_connection


def _unique_name(name: str, onec_id: str, taken: dict[str, str], limit: int) -> str:
    """`name`, or `name (id)` when another row already holds that name."""
    name = (name or onec_id)[:limit]
    holder = taken.get(name)
    if holder is not None and holder != onec_id:
        name = f"{name[: limit - len(onec_id) - 3]} ({onec_id})"[:limit]
    taken[name] = onec_id
    return name


@dataclass
class WriteCounts:
    """What one writer wrote: rows given, rows changed, references it could not resolve."""

    given: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)

    def add(self, bucket: str, key: str, amount: int) -> None:
        target = getattr(self, bucket)
        target[key] = target.get(key, 0) + amount


SEEN_KINDS = ("groups", "products", "variants", "offers")
_SEEN = sa_table("catalog_seen", sa_column("kind"), sa_column("onec_id"))
_PRODUCT_COLUMNS = (
    "onec_id",
    "parent_id",
    "article",
    "article_norm",
    "name",
    "search_text",
    "unit",
    "unit_code",
    "barcode",
    "group_id",
    "properties",
    "is_active",
)
# Temporary tables of PostgreSQL's COPY path: one batch at a time, dropped at commit.
_STAGES = {
    "stage_products": (
        "onec_id TEXT, parent_id INTEGER, article TEXT, article_norm TEXT, name TEXT, "
        "search_text TEXT, unit TEXT, unit_code TEXT, barcode TEXT, group_id INTEGER, "
        "properties JSONB, is_active BOOLEAN"
    ),
    # the prepared path: rows name groups, items, price types and warehouses by 1C id
    "stage_items": (
        "onec_id TEXT, article TEXT, article_norm TEXT, name TEXT, search_text TEXT, "
        "unit TEXT, unit_code TEXT, barcode TEXT, group_onec_id TEXT, properties JSONB, "
        "is_active BOOLEAN"
    ),
    # the target's numeric scales, so that a value is compared as it will be stored
    "stage_item_prices": ("onec_id TEXT, type_onec_id TEXT, value NUMERIC(14, 2), currency TEXT"),
    "stage_item_stock": "onec_id TEXT, house_onec_id TEXT, quantity NUMERIC(14, 3)",
}
# Upsert into products from a SELECT of its columns; only rows whose values changed are written,
# and the count of those comes back.
_UPSERT_PRODUCTS = (
    "WITH written AS (INSERT INTO products ({cols}, updated_at) {{select}} "
    "ON CONFLICT (onec_id) DO UPDATE SET {sets}, updated_at = now() "
    "WHERE ROW({mine}) IS DISTINCT FROM ROW({theirs}) RETURNING 1) "
    "SELECT count(*) FROM written"
).format(
    cols=", ".join(_PRODUCT_COLUMNS),
    sets=", ".join(f"{c} = EXCLUDED.{c}" for c in _PRODUCT_COLUMNS[1:]),
    mine=", ".join(f"products.{c}" for c in _PRODUCT_COLUMNS[1:]),
    theirs=", ".join(f"EXCLUDED.{c}" for c in _PRODUCT_COLUMNS[1:]),
)
_MERGE_PRODUCTS = _UPSERT_PRODUCTS.format(
    select=f"SELECT {', '.join(_PRODUCT_COLUMNS)}, now() FROM stage_products"
)
_MERGE_ITEMS = _UPSERT_PRODUCTS.format(
    select="SELECT s.onec_id, NULL::integer, s.article, s.article_norm, s.name, s.search_text, "
    "s.unit, s.unit_code, s.barcode, g.id, s.properties, s.is_active, now() FROM stage_items s "
    "LEFT JOIN product_groups g ON g.onec_id = s.group_onec_id"
)
# Offers staged by 1C ids: each item named is looked up once through the unique index (the
# LATERAL ... LIMIT 1 keeps the planner from hashing the whole products table for a batch),
# price types and warehouses are joined by 1C id; counts of rows that found their item and of
# rows written come back.
_MERGE_ITEM_OFFERS = (
    "WITH ids AS MATERIALIZED (SELECT n.onec_id, p.id FROM "
    "(SELECT onec_id FROM stage_item_prices UNION SELECT onec_id FROM stage_item_stock) n "
    "CROSS JOIN LATERAL (SELECT id FROM products WHERE products.onec_id = n.onec_id LIMIT 1) p), "
    "pr AS MATERIALIZED (SELECT i.id AS product_id, t.id AS price_type_id, s.value, s.currency "
    "FROM stage_item_prices s JOIN ids i ON i.onec_id = s.onec_id "
    "JOIN price_types t ON t.onec_id = s.type_onec_id), "
    "st AS MATERIALIZED (SELECT i.id AS product_id, w.id AS warehouse_id, s.quantity "
    "FROM stage_item_stock s JOIN ids i ON i.onec_id = s.onec_id "
    "JOIN warehouses w ON w.onec_id = s.house_onec_id), "
    "p AS (INSERT INTO prices (product_id, price_type_id, value, currency) SELECT * FROM pr "
    "ON CONFLICT (product_id, price_type_id) DO UPDATE "
    "SET value = EXCLUDED.value, currency = EXCLUDED.currency "
    "WHERE prices.value IS DISTINCT FROM EXCLUDED.value "
    "OR prices.currency IS DISTINCT FROM EXCLUDED.currency RETURNING 1), "
    "s AS (INSERT INTO stock (product_id, warehouse_id, quantity) SELECT * FROM st "
    "ON CONFLICT (product_id, warehouse_id) DO UPDATE SET quantity = EXCLUDED.quantity "
    "WHERE stock.quantity IS DISTINCT FROM EXCLUDED.quantity RETURNING 1) "
    "SELECT (SELECT count(*) FROM pr), (SELECT count(*) FROM p), "
    "(SELECT count(*) FROM st), (SELECT count(*) FROM s)"
)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_JSON = json.JSONEncoder(ensure_ascii=False).encode  # once: json.dumps(**kw) builds one a call


def _esc(value: str) -> str:
    """A string as a field of COPY's text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value  # the common case, without translate's per-character lookups


def _variant_text(
    article: str, name: str, barcode: str | None, parent: tuple[Any, ...] | None
) -> str:
    """An item's search text; a variant's holds its product's name and barcode too, so that
    it is found by them (the product itself is shown as its variants)."""
    text = search_text(article, name, barcode)
    if parent is None:
        return text
    extra = [part for part in (normalize_text(parent[4]), parent[5]) if part and part not in text]
    return " ".join([text, *extra])


def _opt(value: str | None) -> str:
    return "\\N" if value is None else _esc(value)


async def _once(payload: bytes) -> AsyncIterator[bytes]:
    yield payload


@dataclass(slots=True)
class Prepared:
    """A batch turned into COPY text before its turn at the database (PostgreSQL only).

    Built from rows alone, without the database, so that it can be done while the previous
    batch is being written. Variants need their parent item read first (they inherit its
    article and unit): they stay rows, in `variants`, and are written the plain way.
    """

    items: bytes = b""
    item_count: int = 0
    item_kind: str = "products"
    variants: list[ProductRow] = field(default_factory=list)
    prices: bytes = b""
    price_count: int = 0  # rows given
    price_staged: int = 0  # rows staged (one per item and price type)
    stock: bytes = b""
    stock_count: int = 0
    stock_staged: int = 0
    price_types: set[str] = field(default_factory=set)
    warehouses: set[str] = field(default_factory=set)


_PRODUCT_IDS = "SELECT onec_id, id FROM products WHERE onec_id = ANY($1::text[])"
SEARCH_INDEX = "ix_products_search_trgm"  # pg_trgm GIN over products.search_text
_LOCK_NOT_AVAILABLE = "55P03"


class CatalogWriter:
    """Writes catalog rows in bulk inside the caller's transaction, with small id caches.

    On PostgreSQL every batch is COPied into a temporary table and merged by one
    `INSERT ... SELECT ... ON CONFLICT` that also resolves 1C ids to row ids; elsewhere batches
    are executemany upserts. The 1C ids a file names are remembered in a temporary table
    (`remember`), not in memory, for the deactivation of a full package; call `close()` before
    the transaction ends.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.counts = WriteCounts()
        self.postgres = is_postgres(session)
        self._groups: dict[str, int] | None = None
        self._price_types: dict[str, int] | None = None
        self._warehouses: dict[str, int] | None = None
        self._stages: set[str] = set()
        self._seen_ready = False
        self._seen_indexed = False
        self._raw: Any = None
        self._index_checked = False
        self._deferred_index: str | None = None
        self._first_load = False  # the catalog was empty, and locked, when this file began

    async def _driver(self) -> Any:
        if self._raw is None:
            self._raw = await _driver(self.session)
            # Batch statements are estimated costly enough for JIT compilation, which then
            # takes longer than running them (tens of ms per statement).
            await self._raw.execute("SET LOCAL jit = off")
        return self._raw

    async def _defer_search_index(self) -> None:
        """First load into an empty catalog: build the trigram index once, at `close`.

        Inserting 100,000 items into the GIN index one by one costs about twice building it
        over the loaded table (bench/README.md). The index is dropped inside this transaction
        (a failed import rolls the drop back) only when no other session uses the table at
        that moment (NOWAIT), and the catalog is empty, so no search can miss it.
        """
        self._index_checked = True
        driver = await self._driver()
        definition = await driver.fetchval("SELECT pg_get_indexdef(to_regclass($1))", SEARCH_INDEX)
        if definition is None or await driver.fetchval("SELECT EXISTS (SELECT 1 FROM products)"):
            return
        await driver.execute("SAVEPOINT defer_search_index")
        try:
            await driver.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE NOWAIT")
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            await driver.execute("ROLLBACK TO SAVEPOINT defer_search_index")
            return
        await driver.execute("RELEASE SAVEPOINT defer_search_index")
        if await driver.fetchval("SELECT EXISTS (SELECT 1 FROM products)"):
            return  # filled between the check and the lock
        await driver.execute(f"DROP INDEX {SEARCH_INDEX}")
        self._deferred_index = definition
        self._first_load = True

    async def _stage(self, name: str, records: list[tuple[Any, ...]]) -> Any:
        """COPY `records` into the emptied temporary table `name`; returns the connection."""
        driver = await self._driver()
        if name in self._stages:
            await driver.execute(f"TRUNCATE {name}")
        else:
            await driver.execute(f"CREATE TEMP TABLE {name} ({_STAGES[name]}) ON COMMIT DROP")
            self._stages.add(name)
        await driver.copy_records_to_table(name, records=records)
        return driver

    async def _stage_text(self, name: str, payload: bytes) -> Any:
        """COPY text `payload` into the emptied temporary table `name`; returns the connection."""
        driver = await self._driver()
        if name in self._stages:
            await driver.execute(f"TRUNCATE {name}")
        else:
            await driver.execute(f"CREATE TEMP TABLE {name} ({_STAGES[name]}) ON COMMIT DROP")
            self._stages.add(name)
        if payload:
            await driver.copy_to_table(name, source=_once(payload))
        return driver

    def prepare(
        self,
        products: Sequence[ProductRow],
        prices: Sequence[PriceRow],
        stock: Sequence[StockRow],
        *,
        kind: str = "products",
    ) -> Prepared:
        """Turn a batch into COPY text for `write` (no database access; PostgreSQL only)."""
        out = Prepared(item_kind=kind)
        items: dict[str, str] = {}
        for r in products:
            if r.parent_onec_id:
                out.variants.append(r)
                continue
            onec_id = r.onec_id[:150]
            article = r.article
            name = r.name[:500]
            items[onec_id] = "\t".join(
                (
                    _esc(onec_id),
                    _esc(article[:100]),
                    _esc(normalize_article(article)[:100]),
                    _esc(name),
                    _esc(search_text(article, name, r.barcode)),
                    _esc((r.unit or "шт")[:30]),
                    _opt(r.unit_code[:10] if r.unit_code else None),
                    _opt(r.barcode[:64] if r.barcode else None),
                    _opt(r.group_onec_id),
                    _esc(_JSON(r.properties)),
                    "t" if r.is_active else "f",
                )
            )
        if items:
            out.items = ("\n".join(items.values()) + "\n").encode()
            out.item_count = len(items)
        if prices:
            staged: dict[tuple[str, str], str] = {}
            for p in prices:
                staged[(p.product_onec_id, p.price_type_onec_id)] = (
                    f"{_esc(p.product_onec_id)}\t{_esc(p.price_type_onec_id)}\t{p.value}\t"
                    f"{_esc(p.currency[:10])}"
                )
            out.prices = ("\n".join(staged.values()) + "\n").encode()
            out.price_count, out.price_staged = len(prices), len(staged)
            out.price_types = {p.price_type_onec_id for p in prices}
        if stock:
            rests: dict[tuple[str, str], str] = {}
            for q in stock:
                rests[(q.product_onec_id, q.warehouse_onec_id)] = (
                    f"{_esc(q.product_onec_id)}\t{_esc(q.warehouse_onec_id)}\t{q.quantity}"
                )
            out.stock = ("\n".join(rests.values()) + "\n").encode()
            out.stock_count, out.stock_staged = len(stock), len(rests)
            out.warehouses = {q.warehouse_onec_id for q in stock}
        return out

    async def write(self, prepared: Prepared) -> None:
        """Write a batch made by `prepare`: items, then their prices and stock."""
        await self.write_items(prepared)
        await self.write_offers(prepared)

    async def write_items(self, prepared: Prepared) -> None:
        """The items of a batch made by `prepare`."""
        kind = prepared.item_kind
        if prepared.item_count:
            if not self._index_checked:
                await self._defer_search_index()
            self.counts.add("given", kind, prepared.item_count)
            driver = await self._stage_text("stage_items", prepared.items)
            self.counts.add("changed", kind, int(await driver.fetchval(_MERGE_ITEMS)))
        if prepared.variants:
            await self.products(prepared.variants, kind=kind)

    async def write_offers(self, prepared: Prepared) -> None:
        """The prices and stock of a batch made by `prepare`."""
        if not (prepared.price_count or prepared.stock_count):
            return
        await self._refs(PriceType, "_price_types", prepared.price_types)
        await self._refs(Warehouse, "_warehouses", prepared.warehouses)
        await self._stage_text("stage_item_prices", prepared.prices)
        driver = await self._stage_text("stage_item_stock", prepared.stock)
        found_prices, prices, found_stock, stock = await driver.fetchrow(_MERGE_ITEM_OFFERS)
        for name, given, staged, found, changed in (
            ("prices", prepared.price_count, prepared.price_staged, found_prices, prices),
            ("stock", prepared.stock_count, prepared.stock_staged, found_stock, stock),
        ):
            if given:
                self.counts.add("given", name, given)
                if staged > found:
                    self.counts.add("unknown", name, staged - int(found))
                self.counts.add("changed", name, int(changed))

    async def remember(self, kind: str, onec_ids: Sequence[str]) -> None:
        """Note that the file named these 1C ids (`kind` one of SEEN_KINDS)."""
        if not onec_ids:
            return
        if not self._seen_ready:
            if self.postgres:
                await self.session.execute(
                    text(
                        "CREATE TEMP TABLE IF NOT EXISTS catalog_seen "
                        "(kind TEXT NOT NULL, onec_id TEXT NOT NULL) ON COMMIT DROP"
                    )
                )
            else:
                await self.session.execute(text("DROP TABLE IF EXISTS temp.catalog_seen"))
                await self.session.execute(
                    text(
                        "CREATE TEMP TABLE catalog_seen (kind TEXT NOT NULL, onec_id TEXT NOT "
                        "NULL, PRIMARY KEY (kind, onec_id)) WITHOUT ROWID"
                    )
                )
            self._seen_ready = True
        if self.postgres:
            driver = await self._driver()
            await driver.copy_records_to_table(
                "catalog_seen", records=[(kind, onec_id) for onec_id in onec_ids]
            )
        else:
            await self.session.execute(
                text("INSERT OR IGNORE INTO catalog_seen (kind, onec_id) VALUES (:k, :o)"),
                [{"k": kind, "o": onec_id} for onec_id in onec_ids],
            )

    async def _seen_ready_for_reading(self) -> None:
        if not self._seen_ready:
            await self.remember("groups", ["\x00"])  # creates the table; matches no row
        if self.postgres and not self._seen_indexed:  # built once, after the bulk of the COPYs
            await self.session.execute(text("CREATE INDEX ON catalog_seen (kind, onec_id)"))
            await self.session.execute(text("ANALYZE catalog_seen"))
            self._seen_indexed = True

    async def close(self) -> None:
        """Build a deferred search index; drop the temporary tables (in the transaction)."""
        if self._deferred_index is not None:
            await self.session.execute(text(self._deferred_index))
            self._deferred_index = None
        if self._seen_ready:
            await self.session.execute(text("DROP TABLE IF EXISTS catalog_seen"))
            self._seen_ready = self._seen_indexed = False
        if self._stages:
            await self.session.execute(text(f"DROP TABLE IF EXISTS {', '.join(self._stages)}"))
            self._stages.clear()

    async def _group_ids(self) -> dict[str, int]:
        if self._groups is None:
            rows = await self.session.execute(select(ProductGroup.onec_id, ProductGroup.id))
            self._groups = {onec_id: id_ for onec_id, id_ in rows}
        return self._groups

    async def groups(self, rows: Sequence[GroupRow]) -> None:
        """Upsert groups (parents may come in the same batch, in any order)."""
        if not rows:
            return
        self.counts.add("given", "groups", len(rows))
        changed = await upsert(
            self.session,
            ProductGroup.__table__,  # type: ignore[arg-type]
            [{"onec_id": r.onec_id, "name": r.name[:255], "is_active": r.is_active} for r in rows],
            keys=["onec_id"],
        )
        self._groups = None
        ids = await self._group_ids()
        links: list[dict[str, Any]] = [
            {"b_id": ids[r.onec_id], "b_parent": ids.get(r.parent_onec_id or "")}
            for r in rows
            if r.onec_id in ids
        ]
        current: dict[Any, Any] = dict(
            (
                await self.session.execute(
                    select(ProductGroup.id, ProductGroup.parent_id).where(
                        ProductGroup.id.in_([link["b_id"] for link in links])
                    )
                )
            ).all()
        )
        links = [link for link in links if current.get(link["b_id"]) != link["b_parent"]]
        if links:
            table = ProductGroup.__table__
            await self.session.execute(
                update(table)  # type: ignore[arg-type]
                .where(table.c.id == bindparam("b_id"))
                .values(parent_id=bindparam("b_parent"))
                .execution_options(synchronize_session=False),
                links,
            )
        self.counts.add("changed", "groups", max(changed, len(links)))

    async def price_types(self, rows: Sequence[PriceTypeRow]) -> None:
        """Upsert price types; a name already used by another type gets the id appended."""
        if not rows:
            return
        self.counts.add("given", "price_types", len(rows))
        existing = await self.session.execute(select(PriceType.name, PriceType.onec_id))
        taken = {name: onec_id for name, onec_id in existing}
        data = [
            {
                "onec_id": r.onec_id,
                "name": _unique_name(r.name, r.onec_id, taken, 150),
                "currency": r.currency[:10],
            }
            for r in {r.onec_id: r for r in rows}.values()
        ]
        changed = await upsert(
            self.session,
            PriceType.__table__,  # type: ignore[arg-type]
            data,
            keys=["onec_id"],
        )
        self.counts.add("changed", "price_types", changed)
        self._price_types = None

    async def warehouses(self, rows: Sequence[WarehouseRow]) -> None:
        """Upsert warehouses."""
        if not rows:
            return
        self.counts.add("given", "warehouses", len(rows))
        data = [
            {"onec_id": r.onec_id, "name": (r.name or r.onec_id)[:150], "is_active": True}
            for r in {r.onec_id: r for r in rows}.values()
        ]
        changed = await upsert(
            self.session,
            Warehouse.__table__,  # type: ignore[arg-type]
            data,
            keys=["onec_id"],
        )
        self.counts.add("changed", "warehouses", changed)
        self._warehouses = None

    async def products(self, rows: Sequence[ProductRow], *, kind: str = "products") -> None:
        """Upsert items and variants; variants point at their parent and inherit its article."""
        if not rows:
            return
        if self.postgres and any(not r.parent_onec_id for r in rows):
            await self.write(self.prepare(rows, (), (), kind=kind))
            return
        rows = list({r.onec_id: r for r in rows}.values())
        self.counts.add("given", kind, len(rows))
        groups = await self._group_ids()
        parent_keys = {r.parent_onec_id for r in rows if r.parent_onec_id}
        parents: dict[str, tuple[int, str, str, str | None, str, str | None]] = {}
        if parent_keys:
            result = await self.session.execute(
                select(
                    Product.onec_id,
                    Product.id,
                    Product.article,
                    Product.unit,
                    Product.unit_code,
                    Product.name,
                    Product.barcode,
                ).where(Product.onec_id.in_(parent_keys))
            )
            parents = {row[0]: tuple(row[1:]) for row in result}  # type: ignore[misc]
        data = []
        for r in rows:
            parent = parents.get(r.parent_onec_id or "")
            article = r.article or (parent[1] if parent else "")
            unit = r.unit or (parent[2] if parent else None) or "шт"
            unit_code = r.unit_code or (parent[3] if parent else None)
            name = r.name[:500]
            data.append(
                (
                    r.onec_id[:150],
                    parent[0] if parent else None,
                    article[:100],
                    normalize_article(article)[:100],
                    name,
                    _variant_text(article, name, r.barcode, parent),
                    unit[:30],
                    unit_code[:10] if unit_code else None,
                    r.barcode[:64] if r.barcode else None,
                    groups.get(r.group_onec_id or ""),
                    r.properties,
                    r.is_active,
                )
            )
        if self.postgres:
            records = [
                (*row[:10], json.dumps(row[10], ensure_ascii=False), row[11]) for row in data
            ]
            driver = await self._stage("stage_products", records)
            changed = int(await driver.fetchval(_MERGE_PRODUCTS))
        else:
            changed = await upsert(
                self.session,
                Product.__table__,  # type: ignore[arg-type]
                [dict(zip(_PRODUCT_COLUMNS, row, strict=True)) for row in data],
                keys=["onec_id"],
                touch="updated_at",
            )
        self.counts.add("changed", kind, changed)

    async def ensure_products(self, rows: Sequence[ProductRow]) -> None:
        """Insert items an offer names that the catalog does not know yet; known ones untouched."""
        if not rows:
            return
        known = await self._product_ids({r.onec_id for r in rows})
        await self.products([r for r in rows if r.onec_id not in known], kind="products")

    async def _product_ids(self, onec_ids: Iterable[str]) -> dict[str, int]:
        keys = list(set(onec_ids))
        if not keys:
            return {}
        if self.postgres:  # one array parameter: a statement of one shape, index probes
            driver = await self._driver()
            rows = await driver.fetch(_PRODUCT_IDS, keys)
            return {onec_id: id_ for onec_id, id_ in rows}
        found: dict[str, int] = {}
        for chunk in _chunks(keys):
            result = await self.session.execute(
                select(Product.onec_id, Product.id).where(Product.onec_id.in_(chunk))
            )
            found.update((o, i) for o, i in result)
        return found

    async def _refs(self, model: Any, cache_name: str, wanted: set[str]) -> dict[str, int]:
        cache = getattr(self, cache_name)
        if cache is None:
            cache = {o: i for o, i in await self.session.execute(select(model.onec_id, model.id))}
            setattr(self, cache_name, cache)
        if not wanted <= cache.keys():
            missing = wanted - cache.keys()
            if model is PriceType:
                await self.price_types([PriceTypeRow(onec_id=m, name=m) for m in missing])
            else:
                names = {TOTAL_WAREHOUSE_ID: "Все склады"}
                await self.warehouses(
                    [WarehouseRow(onec_id=m, name=names.get(m, m)) for m in missing]
                )
            rows = await self.session.execute(select(model.onec_id, model.id))
            cache = {o: i for o, i in rows}
            setattr(self, cache_name, cache)
        return cache

    async def offers(self, prices: Sequence[PriceRow], stock: Sequence[StockRow]) -> None:
        """Upsert prices and stock of one batch of offers.

        Unknown price types and warehouses are created by id; rows naming an item the catalog
        does not know are counted as unknown. The items' row ids come from one lookup for the
        batch (an index probe per item) and both tables are merged in one statement (on
        PostgreSQL through `prepare` and `write`).
        """
        if not (prices or stock):
            return
        if self.postgres:
            await self.write(self.prepare((), prices, stock))
            return
        if prices:
            self.counts.add("given", "prices", len(prices))
        if stock:
            self.counts.add("given", "stock", len(stock))
        types = await self._refs(PriceType, "_price_types", {r.price_type_onec_id for r in prices})
        houses = await self._refs(Warehouse, "_warehouses", {r.warehouse_onec_id for r in stock})
        products = await self._product_ids(
            {r.product_onec_id for r in prices} | {r.product_onec_id for r in stock}
        )
        price_rows: dict[tuple[int, int], tuple[Any, ...]] = {}
        unknown = 0
        for r in prices:
            pid = products.get(r.product_onec_id)
            if pid is None:
                unknown += 1
                continue
            type_id = types[r.price_type_onec_id]
            price_rows[(pid, type_id)] = (pid, type_id, r.value, r.currency[:10])
        if unknown:
            self.counts.add("unknown", "prices", unknown)
        stock_rows: dict[tuple[int, int], tuple[Any, ...]] = {}
        unknown = 0
        for s in stock:
            pid = products.get(s.product_onec_id)
            if pid is None:
                unknown += 1
                continue
            house_id = houses[s.warehouse_onec_id]
            stock_rows[(pid, house_id)] = (pid, house_id, s.quantity)
        if unknown:
            self.counts.add("unknown", "stock", unknown)
        for kind, rows, columns in (
            ("prices", price_rows, ("product_id", "price_type_id", "value", "currency")),
            ("stock", stock_rows, ("product_id", "warehouse_id", "quantity")),
        ):
            changed = await upsert(
                self.session,
                (Price if kind == "prices" else Stock).__table__,  # type: ignore[arg-type]
                [dict(zip(columns, row, strict=True)) for row in rows.values()],
                keys=list(columns[:2]),
            )
            self.counts.add("changed", kind, changed)

    async def prices(self, rows: Sequence[PriceRow]) -> None:
        """Upsert prices (see `offers`)."""
        await self.offers(rows, ())

    async def stock(self, rows: Sequence[StockRow]) -> None:
        """Upsert stock (see `offers`)."""
        await self.offers((), rows)

    @staticmethod
    def _unseen(onec_id: Any, kind: str) -> Any:
        """`onec_id` is not among the ids of `kind` the file named."""
        return ~exists().where(_SEEN.c.kind == kind, _SEEN.c.onec_id == onec_id)

    async def deactivate_products(self, kind: str) -> int:
        """A full package: items (`kind="products"`) or variants (`"variants"`) the file did not
        name (see `remember`) become inactive; returns how many.

        Deactivated items take their variants with them. After a first load every row of the
        table came from this file, which named it: there is nothing to look for.
        """
        if self._first_load:
            return 0
        await self._seen_ready_for_reading()
        has_hash = Product.onec_id.contains("#", autoescape=True)
        variants = kind == "variants"
        now = utcnow()
        result = await self.session.execute(
            update(Product)
            .where(
                Product.is_active.is_(True),
                has_hash if variants else ~has_hash,
                self._unseen(Product.onec_id, kind),
            )
            .values(is_active=False, updated_at=now)
            .returning(Product.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(result.scalars())
        if not variants:
            for chunk in _chunks(ids):
                await self.session.execute(
                    update(Product)
                    .where(Product.parent_id.in_(chunk), Product.is_active.is_(True))
                    .values(is_active=False, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
        self.counts.add("changed", "deactivated", len(ids))
        return len(ids)

    async def deactivate_groups(self) -> int:
        """A full classifier: groups the file did not name become inactive."""
        await self._seen_ready_for_reading()
        result = await self.session.execute(
            update(ProductGroup)
            .where(
                ProductGroup.is_active.is_(True),
                self._unseen(ProductGroup.onec_id, "groups"),
            )
            .values(is_active=False)
            .execution_options(synchronize_session=False)
        )
        return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]

    async def drop_offers_not_in(self, *, prices: bool, stock: bool) -> None:
        """A full offers package: prices and/or stock of items it did not name are removed."""
        if not (prices or stock):
            return
        await self._seen_ready_for_reading()
        unnamed = select(Product.id).where(self._unseen(Product.onec_id, "offers"))
        for flag, model in ((prices, Price), (stock, Stock)):
            if flag:
                result = await self.session.execute(
                    delete(model).where(model.product_id.in_(unnamed))
                )
                removed = max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
                self.counts.add("changed", "removed", removed)


async def catalog_counts(session: AsyncSession) -> dict[str, int]:
    """Row counts of the catalog tables (for logs, the admin and tests)."""
    counts = {}
    for name, model in (
        ("groups", ProductGroup),
        ("products", Product),
        ("price_types", PriceType),
        ("warehouses", Warehouse),
        ("prices", Price),
        ("stock", Stock),
    ):
        counts[name] = int(await session.scalar(select(func.count()).select_from(model)) or 0)
    return counts
