"""Cross numbers (analogs): groups of interchangeable numbers, how items belong to them, and the
lookups search and the bot use.

A group is a set of numbers, each a normalised article plus a normalised brand ("" when not
known). A pair "A ~ B" puts both numbers in one group; when A and B already sit in different
groups those groups merge, so links are two-way and transitive (A~B and B~C make one group).
An active item of the catalog belongs to a group when its normalised article is a number of
the group and the brands do not contradict: either side without a brand matches any brand.
Pairs come from the admin's CSV (core.catalog.crosses_csv) and from 1C (the CommerceML reader's
`Аналоги` and cross-number properties); both go through `link_pairs`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.catalog.normalize import normalize_article
from core.catalog.offers import load_offers
from core.db import is_postgres
from core.models import CrossGroup, CrossNumber, Product, utcnow

MAX_NUMBER = 100  # cross_numbers.number_norm / products.article_norm are String(100)
MIN_QUERY = 3  # a shorter normalised query is not looked up as a cross number
MAX_ANALOGS = 3  # analogs listed under one item
_CHUNK = 500
_ANALYZE_AFTER = 1000  # new numbers after which PostgreSQL's statistics are refreshed
_LOCK_KEY = 15_0004  # pg_advisory_xact_lock of `link_pairs`
_BRAND_KEYS = ("manufacturer", "Производитель", "Бренд", "Марка", "brand")

Key = tuple[str, str]  # (number_norm, brand_norm)


@dataclass(frozen=True)
class Number:
    """A number as written: article and brand (brand may be empty)."""

    article: str
    brand: str = ""

    @property
    def key(self) -> Key:
        return normalize_article(self.article), normalize_brand(self.brand)


@dataclass(frozen=True)
class LinkCounts:
    """What `link_pairs` changed."""

    pairs: int
    numbers_added: int
    groups_created: int
    groups_merged: int


@dataclass(frozen=True)
class Analog:
    """An item of the same group as another item, with the dealer's price and stock."""

    product_id: int
    article: str
    name: str
    unit: str
    price: Decimal | None
    currency: str
    stock_total: Decimal


def normalize_brand(brand: str) -> str:
    """A brand as compared, like an article: 'Mann-Filter' -> 'MANNFILTER'."""
    return normalize_article(brand or "")[:MAX_NUMBER]


def product_brand(properties: Mapping[str, Any] | None) -> str:
    """The normalised brand of an item from its 1C properties ("" when it names none)."""
    if not properties:
        return ""
    requisites = properties.get("requisites")
    sources = [properties, requisites if isinstance(requisites, Mapping) else {}]
    for source in sources:
        for key in _BRAND_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value.strip():
                return normalize_brand(value)
    return ""


def brands_agree(a: str, b: str) -> bool:
    """Two normalised brands do not contradict: equal, or one of them unknown."""
    return not a or not b or a == b


class _Union:
    """Union-find over hashable nodes."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, node: Any) -> Any:
        parent = self.parent.setdefault(node, node)
        while parent != node:
            grand = self.parent.setdefault(parent, parent)
            self.parent[node] = grand
            node, parent = parent, grand
        return node

    def join(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


async def _existing(session: AsyncSession, keys: Iterable[Key]) -> dict[Key, int]:
    """The group of each key that is already a number."""
    wanted = set(keys)
    by_norm = sorted({norm for norm, _ in wanted})
    found: dict[Key, int] = {}
    for start in range(0, len(by_norm), _CHUNK):
        rows = await session.execute(
            select(CrossNumber.number_norm, CrossNumber.brand_norm, CrossNumber.group_id).where(
                CrossNumber.number_norm.in_(by_norm[start : start + _CHUNK])
            )
        )
        for norm, brand, group_id in rows:
            if (norm, brand) in wanted:
                found[(norm, brand)] = group_id
    return found


async def link_pairs(
    session: AsyncSession, pairs: Sequence[tuple[Number, Number]], *, source: str
) -> LinkCounts:
    """Put both numbers of each pair in one group, merging groups; flushed, not committed.

    Pairs whose numbers normalise to nothing, or to the same key, are ignored (callers validate
    first). A second run of the same pairs changes nothing.
    """
    shown: dict[Key, Number] = {}
    union = _Union()
    for a, b in pairs:
        ka, kb = a.key, b.key
        if not ka[0] or not kb[0] or ka == kb:
            continue
        for key, number in ((ka, a), (kb, b)):
            shown.setdefault((key[0][:MAX_NUMBER], key[1]), number)
        union.join(("n", ka[0][:MAX_NUMBER], ka[1]), ("n", kb[0][:MAX_NUMBER], kb[1]))
    if not shown:
        return LinkCounts(len(pairs), 0, 0, 0)
    if is_postgres(session):  # one writer of groups at a time (two uploads, an upload and 1C)
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    existing = await _existing(session, shown)
    for key, group_id in existing.items():
        union.join(("n", *key), ("g", group_id))
    components: dict[Any, tuple[list[Key], set[int]]] = defaultdict(lambda: ([], set()))
    for key in shown:
        keys, groups = components[union.find(("n", *key))]
        keys.append(key)
        if key in existing:
            groups.add(existing[key])
    need_group = [root for root, (_, groups) in components.items() if not groups]
    new_ids: list[int] = []
    now = utcnow()
    if need_group:
        result = await session.execute(
            insert(CrossGroup).returning(CrossGroup.id, sort_by_parameter_order=True),
            [{"created_at": now} for _ in need_group],
        )
        new_ids = list(result.scalars())
    target: dict[Any, int] = dict(zip(need_group, new_ids, strict=True))
    moves: list[dict[str, int]] = []
    for root, (_, groups) in components.items():
        if groups:
            keep = min(groups)
            target[root] = keep
            moves.extend({"b_old": g, "b_new": keep} for g in sorted(groups - {keep}))
    table = CrossNumber.__table__
    if moves:
        await session.execute(
            update(table)  # type: ignore[arg-type]
            .where(table.c.group_id == bindparam("b_old"))
            .values(group_id=bindparam("b_new")),
            moves,
        )
        old = [m["b_old"] for m in moves]
        for start in range(0, len(old), _CHUNK):
            await session.execute(
                delete(CrossGroup).where(CrossGroup.id.in_(old[start : start + _CHUNK]))
            )
    rows = [
        {
            "group_id": target[root],
            "number_norm": key[0],
            "brand_norm": key[1],
            "number": shown[key].article.strip()[:MAX_NUMBER],
            "brand": shown[key].brand.strip()[:MAX_NUMBER],
            "source": source,
            "created_at": now,
        }
        for root, (keys, _) in components.items()
        for key in keys
        if key not in existing
    ]
    if rows:
        await session.execute(insert(table), rows)  # type: ignore[arg-type]
        if len(rows) >= _ANALYZE_AFTER and is_postgres(session):
            # Fresh statistics at once: with the table's old ones the planner scans it whole
            # for a group's members (20 ms instead of 0.1 ms) until autovacuum comes by.
            await session.execute(text("ANALYZE cross_numbers"))
    await session.flush()
    return LinkCounts(len(pairs), len(rows), len(need_group), len(moves))


# The active items of groups, one row per (group, number, item) whose brands agree or not (the
# caller checks): built once, bound per call (building a statement costs more than running it).
_MEMBER = aliased(CrossNumber)
_ITEM_COLUMNS = (
    CrossNumber.group_id,
    CrossNumber.brand_norm,
    Product.id,
    Product.article,
    Product.article_norm,
    Product.name,
    Product.unit,
    Product.properties,
)
_GROUP_ITEMS = (
    select(*_ITEM_COLUMNS)
    .join(Product, Product.article_norm == CrossNumber.number_norm)
    .where(Product.is_active.is_(True))
)
# The items of every group holding the number `norm`.
_ITEMS_BY_NUMBER = _GROUP_ITEMS.join(_MEMBER, _MEMBER.group_id == CrossNumber.group_id).where(
    _MEMBER.number_norm == bindparam("norm")
)
_ITEMS_BY_GROUP = _GROUP_ITEMS.where(
    CrossNumber.group_id.in_(bindparam("groups", type_=Integer, expanding=True))
)
# The groups of given items: their article is a number of the group.
_GROUPS_OF_ITEMS = (
    select(Product.id, Product.properties, CrossNumber.brand_norm, CrossNumber.group_id)
    .join(CrossNumber, CrossNumber.number_norm == Product.article_norm)
    .where(Product.id.in_(bindparam("ids", type_=Integer, expanding=True)))
)


@dataclass(frozen=True)
class _Item:
    group_id: int
    product_id: int
    article: str
    article_norm: str
    name: str
    unit: str


def _members(rows: Iterable[Any]) -> list[_Item]:
    """Rows of `_GROUP_ITEMS` whose brands agree, each (group, item) once."""
    seen: set[tuple[int, int]] = set()
    out = []
    for group_id, number_brand, pid, article, norm, name, unit, properties in rows:
        if (group_id, pid) in seen or not brands_agree(product_brand(properties), number_brand):
            continue
        seen.add((group_id, pid))
        out.append(_Item(group_id, pid, article, norm, name, unit))
    return out


async def cross_group_item_ids(session: AsyncSession, query: str) -> list[int]:
    """Active items of every group that holds the query as a number (any spacing, dashes,
    case, Cyrillic look-alikes); items whose article is the query come first, then by article.

    The search hook: one indexed query, whether the query is a cross number or not.
    """
    norm = normalize_article(query)
    if not MIN_QUERY <= len(norm) <= MAX_NUMBER:
        return []
    items = _members(await session.execute(_ITEMS_BY_NUMBER, {"norm": norm}))
    items.sort(key=lambda item: (item.article_norm != norm, item.article_norm, item.product_id))
    return list(dict.fromkeys(item.product_id for item in items))


async def analogs_of(
    session: AsyncSession,
    product_ids: Sequence[int],
    price_type_id: int | None,
    *,
    limit: int = MAX_ANALOGS,
) -> dict[int, list[Analog]]:
    """For each item, the other items of its groups that are in stock, cheapest first (items
    without a price last), at most `limit`; items with none are absent.

    One query when none of the items has crosses, three when some have.
    """
    if not product_ids:
        return {}
    groups_of: dict[int, set[int]] = defaultdict(set)
    for pid, properties, number_brand, group_id in await session.execute(
        _GROUPS_OF_ITEMS, {"ids": sorted(set(product_ids))}
    ):
        if brands_agree(product_brand(properties), number_brand):
            groups_of[pid].add(group_id)
    if not groups_of:
        return {}
    groups = sorted({g for gs in groups_of.values() for g in gs})
    in_group: dict[int, set[int]] = defaultdict(set)
    info: dict[int, _Item] = {}
    for item in _members(await session.execute(_ITEMS_BY_GROUP, {"groups": groups})):
        in_group[item.group_id].add(item.product_id)
        info[item.product_id] = item
    offers = await load_offers(session, info, price_type_id)
    result: dict[int, list[Analog]] = {}
    for pid, item_groups in groups_of.items():
        others = {other for g in item_groups for other in in_group.get(g, ()) if other != pid}
        found = []
        for other in others:
            offer = offers[other]
            if offer.stock_total <= 0:
                continue
            item = info[other]
            found.append(
                Analog(
                    other,
                    item.article,
                    item.name,
                    item.unit,
                    offer.price,
                    offer.currency,
                    offer.stock_total,
                )
            )
        found.sort(key=lambda a: (a.price is None, a.price or 0, a.article, a.product_id))
        if found:
            result[pid] = found[:limit]
    return result


async def cross_counts(session: AsyncSession) -> dict[str, int]:
    """How many numbers and groups are known (the admin page and the CLI show it)."""
    numbers = await session.scalar(select(func.count()).select_from(CrossNumber))
    groups = await session.scalar(select(func.count()).select_from(CrossGroup))
    return {"numbers": int(numbers or 0), "groups": int(groups or 0)}


async def link_onec_crosses(
    session: AsyncSession, items: Sequence[tuple[str, Mapping[str, Any]]]
) -> int:
    """Link the cross numbers 1C sent with its items: (article, properties) per item, the
    properties holding `crosses` as [article, brand, 1C id] (an analog named only by its 1C id
    takes that item's article). Returns the number of new numbers."""
    by_onec = {c[2] for _, props in items for c in props.get("crosses", ()) if c[2] and not c[0]}
    named: dict[str, Number] = {}
    if by_onec:
        keys = sorted(by_onec)
        for start in range(0, len(keys), _CHUNK):
            rows = await session.execute(
                select(Product.onec_id, Product.article, Product.properties).where(
                    Product.onec_id.in_(keys[start : start + _CHUNK])
                )
            )
            named.update((o, Number(a, product_brand(p))) for o, a, p in rows)
    pairs: list[tuple[Number, Number]] = []
    for article, props in items:
        own = Number(article, product_brand(props))
        if not own.key[0]:
            continue
        for cross_article, cross_brand, onec_id in props.get("crosses", ()):
            cross = Number(cross_article, cross_brand) if cross_article else named.get(onec_id)
            if cross is None:
                continue
            if cross.key[0] and len(cross.key[0]) <= MAX_NUMBER:
                pairs.append((own, cross))
    if not pairs:
        return 0
    return (await link_pairs(session, pairs, source="1c")).numbers_added
