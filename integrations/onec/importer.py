"""Import of one CommerceML file: read it as a stream, write it in bulk, one transaction.

A full package (СодержитТолькоИзменения absent or false) deactivates what it no longer lists; a
partial one touches only what it names. Order documents in the file go to the order core.
Whatever fails, the transaction is rolled back: nothing is half-applied.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.catalog.importer import (
    BATCH,
    CatalogWriter,
    GroupRow,
    PriceRow,
    PriceTypeRow,
    ProductRow,
    StockRow,
    WarehouseRow,
)
from integrations.onec.orders import apply_documents
from integrations.onec.reader import Document, Offer, Section, read
from integrations.onec.safety import ExchangeRefused, Limits, check_prolog


@dataclass
class SeenIds:
    """Ids an exchange session has named so far (for `mode=deactivate`)."""

    products: set[str] = field(default_factory=set)
    variants: set[str] = field(default_factory=set)


@dataclass
class _Buffers:
    groups: list[GroupRow] = field(default_factory=list)
    price_types: list[PriceTypeRow] = field(default_factory=list)
    warehouses: list[WarehouseRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    offer_products: list[ProductRow] = field(default_factory=list)
    prices: list[PriceRow] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)

    def size(self) -> int:
        return (
            len(self.products)
            + len(self.offer_products)
            + len(self.prices)
            + len(self.stock)
            + len(self.groups)
        )

    async def flush(self, writer: CatalogWriter) -> None:
        await writer.groups(self.groups)
        await writer.price_types(self.price_types)
        await writer.warehouses(self.warehouses)
        await writer.products(self.products)
        variants = [p for p in self.offer_products if p.parent_onec_id]
        await writer.products(variants, kind="variants")
        await writer.ensure_products([p for p in self.offer_products if not p.parent_onec_id])
        await writer.prices(self.prices)
        await writer.stock(self.stock)
        for name in self.__dataclass_fields__:
            getattr(self, name).clear()


async def _import(
    session: AsyncSession, path: Path, zone: ZoneInfo, seen_session: SeenIds | None
) -> dict[str, Any]:
    writer = CatalogWriter(session)
    buffers = _Buffers()
    sections: dict[str, bool] = {}  # kind -> partial
    groups_seen: set[str] = set()
    products_seen: set[str] = set()
    variants_seen: set[str] = set()
    offers_seen: set[str] = set()
    has_prices = has_stock = False
    documents: list[Document] = []
    for record in read(path):
        if isinstance(record, ProductRow):
            buffers.products.append(record)
            (variants_seen if record.parent_onec_id else products_seen).add(record.onec_id)
        elif isinstance(record, Offer):
            offers_seen.add(record.onec_id)
            if record.product is not None:
                buffers.offer_products.append(record.product)
                if record.product.parent_onec_id:
                    variants_seen.add(record.onec_id)
            buffers.prices.extend(record.prices)
            buffers.stock.extend(record.stock)
            has_prices = has_prices or bool(record.prices)
            has_stock = has_stock or bool(record.stock)
        elif isinstance(record, GroupRow):
            buffers.groups.append(record)
            groups_seen.add(record.onec_id)
        elif isinstance(record, PriceTypeRow):
            buffers.price_types.append(record)
        elif isinstance(record, WarehouseRow):
            buffers.warehouses.append(record)
        elif isinstance(record, Section):
            sections[record.kind] = record.partial
        elif isinstance(record, Document):
            documents.append(record)
        if buffers.size() >= 4 * BATCH:
            await buffers.flush(writer)
    await buffers.flush(writer)

    catalog_full = "catalog" in sections and not sections["catalog"]
    classifier_partial = sections.get("classifier", sections.get("catalog", False))
    offers_full = "offers" in sections and not sections["offers"]
    if catalog_full and (products_seen or variants_seen):
        await writer.deactivate_products(products_seen, variants=False)
    if groups_seen and "classifier" in sections and not classifier_partial:
        await writer.deactivate_groups(groups_seen)
    if offers_full and variants_seen:
        await writer.deactivate_products(variants_seen, variants=True)
    if offers_full and offers_seen:
        await writer.drop_offers_not_in(offers_seen, prices=has_prices, stock=has_stock)
    if seen_session is not None:
        seen_session.products |= products_seen
        seen_session.variants |= variants_seen

    counts: dict[str, Any] = {key: value for key, value in writer.counts.given.items() if value}
    if writer.counts.changed:
        counts["changed"] = dict(writer.counts.changed)
    if writer.counts.unknown:
        counts["unknown"] = dict(writer.counts.unknown)
    if documents:
        counts["orders"] = await apply_documents(session, documents, zone=zone)
    counts["package"] = ", ".join(
        f"{kind}:{'partial' if partial else 'full'}" for kind, partial in sections.items()
    )
    return counts


async def import_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    limits: Limits | None = None,
    zone: ZoneInfo | None = None,
    seen: SeenIds | None = None,
) -> dict[str, Any]:
    """Import one file in one transaction; returns its counts. Raises ExchangeRefused."""
    started = time.monotonic()
    check_prolog(path, limits or Limits())
    try:
        async with sessionmaker() as session, session.begin():
            counts = await _import(session, path, zone or ZoneInfo("Europe/Moscow"), seen)
    except etree.XMLSyntaxError as exc:
        raise ExchangeRefused(f"{path.name}: ошибка XML: {exc}") from None
    except ValueError as exc:
        raise ExchangeRefused(f"{path.name}: {exc}") from None
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


async def deactivate_unseen(
    sessionmaker: async_sessionmaker[AsyncSession], seen: SeenIds
) -> dict[str, int]:
    """`mode=deactivate`: items and variants the session did not name become inactive."""
    async with sessionmaker() as session, session.begin():
        writer = CatalogWriter(session)
        products = variants = 0
        if seen.products:  # a session that named no items deactivates none
            products = await writer.deactivate_products(seen.products, variants=False)
        if seen.variants:
            variants = await writer.deactivate_products(seen.variants, variants=True)
    return {"deactivated_products": products, "deactivated_variants": variants}
