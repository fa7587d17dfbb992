"""Import of one CommerceML file: read it as a stream, write it in bulk, one transaction.

A full package (СодержитТолькоИзменения absent or false) deactivates what it no longer lists; a
partial one touches only what it names. Order documents in the file go to the order core.
Whatever fails, the transaction is rolled back: nothing is half-applied.

A reader thread parses the file and turns it into batches ready for the database (COPY text on
PostgreSQL) up to two batches ahead, while the event loop writes: parsing and the database's
work overlap, and memory stays flat whatever the file's size (the ids a file names go to a
temporary table, those a session names to a file).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar import WorkingCalendar
from core.catalog.alerts import after_exchange
from core.catalog.crosses import link_onec_crosses
from core.catalog.importer import (
    BATCH,
    SEEN_KINDS,
    CatalogWriter,
    GroupRow,
    Prepared,
    PriceRow,
    PriceTypeRow,
    ProductRow,
    StockRow,
    WarehouseRow,
)
from integrations.onec.finance import FinanceRefused, import_finance_file, is_finance_file
from integrations.onec.orders import apply_documents
from integrations.onec.reader import Document, Offer, Section, read
from integrations.onec.safety import ExchangeRefused, Limits, check_prolog

log = logging.getLogger("integrations.onec.importer")
READ_AHEAD = 2  # batches the reader thread may run ahead of the writer
FLUSH_ROWS = 4 * BATCH  # rows of a batch (an item counts four: see _Buffers.size)
MIN_FLUSH_ROWS = BATCH  # rows of the first batch, so that the database starts early


_KINDS = {"p": "products", "v": "variants"}
IMPORT_GC_THRESHOLD = 20_000  # allocations between collections of the youngest generation
IMPORT_SWITCH_INTERVAL = 0.0005  # seconds a thread holds the GIL when another one waits
_tuning: dict[str, Any] = {"imports": 0, "saved": None}


@contextmanager
def _import_tuning() -> Iterator[None]:
    """The interpreter's settings while files are imported; restored when the last one ends.

    - The cyclic garbage collector runs less often: parsing and preparing a batch allocate
      hundreds of thousands of short-lived objects, none of them cyclic, and with the default
      thresholds a third of the import's CPU went to collections that found nothing.
    - Threads hand over the GIL every 0.5 ms instead of 5 ms: the reader thread is busy all
      the time, and the event loop, woken by each answer of the database, waited up to 5 ms
      for the GIL before it could send the next statement (the database idled half the time).
    """
    if _tuning["imports"] == 0:
        saved = gc.get_threshold(), sys.getswitchinterval()
        _tuning["saved"] = saved
        gc.set_threshold(max(saved[0][0], IMPORT_GC_THRESHOLD), *saved[0][1:])
        sys.setswitchinterval(min(saved[1], IMPORT_SWITCH_INTERVAL))
    _tuning["imports"] += 1
    try:
        yield
    finally:
        _tuning["imports"] -= 1
        if _tuning["imports"] == 0:
            thresholds, interval = _tuning["saved"]
            gc.set_threshold(*thresholds)
            sys.setswitchinterval(interval)


class SeenIds:
    """Item and variant ids an exchange session has named so far (for `mode=deactivate`).

    Kept in a file, one JSON string a line, so that memory does not grow with the catalog and
    a restart of the service in the middle of a session forgets nothing: `path` is the
    session's file, None for a temporary one.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self.counts = {"products": 0, "variants": 0}
        if path is not None and path.exists():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    kind = _KINDS.get(line[:1])
                    if kind is not None:
                        self.counts[kind] += 1

    def _open(self) -> IO[str]:
        if self._file is None:
            if self.path is None:
                self._file = tempfile.TemporaryFile(  # noqa: SIM115 (open until close())
                    "w+", encoding="utf-8", prefix="dealerbot-seen-"
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a+", encoding="utf-8")
        return self._file

    def add(self, kind: str, onec_ids: list[str]) -> None:
        """Append ids of `kind` ("products" or "variants")."""
        if not onec_ids:
            return
        file = self._open()
        file.seek(0, 2)
        prefix = kind[0]
        file.write("".join(f"{prefix}{json.dumps(i, ensure_ascii=False)}\n" for i in onec_ids))
        self.counts[kind] += len(onec_ids)

    def mark(self) -> tuple[int, dict[str, int]]:
        """A point to come back to with `rollback` (a file that failed adds nothing)."""
        return self._open().seek(0, 2), dict(self.counts)

    def rollback(self, mark: tuple[int, dict[str, int]]) -> None:
        """Forget what was added since `mark`."""
        file = self._open()
        file.flush()
        file.truncate(mark[0])
        self.counts = dict(mark[1])

    def sync(self) -> None:
        """Make what was added durable (called once a file's transaction has committed)."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def chunks(self, kind: str, size: int = BATCH) -> Iterator[list[str]]:
        """The ids of `kind`, `size` at a time."""
        if not self.counts[kind]:
            return
        file = self._open()
        file.flush()
        file.seek(0)
        prefix = kind[0]
        chunk: list[str] = []
        for line in file:
            if line.startswith(prefix):
                chunk.append(json.loads(line[1:]))
                if len(chunk) >= size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        """Close the file (a session's file stays on disk until the session ends)."""
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class _Buffers:
    groups: list[GroupRow] = field(default_factory=list)
    price_types: list[PriceTypeRow] = field(default_factory=list)
    warehouses: list[WarehouseRow] = field(default_factory=list)
    products: list[ProductRow] = field(default_factory=list)
    offer_products: list[ProductRow] = field(default_factory=list)
    prices: list[PriceRow] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)
    seen: dict[str, list[str]] = field(
        default_factory=lambda: {"groups": [], "products": [], "variants": [], "offers": []}
    )
    prepared: Prepared | None = None

    def size(self) -> int:
        return (
            4 * len(self.products)  # an item costs the database about four offer rows
            + len(self.offer_products)
            + len(self.prices)
            + len(self.stock)
            + len(self.groups)
        )

    def empty(self) -> bool:
        return not (self.size() or self.price_types or self.warehouses or any(self.seen.values()))

    def prepare(self, writer: CatalogWriter) -> None:
        """Turn the rows into COPY text now, before the batch's turn at the database."""
        if writer.postgres:
            self.prepared = writer.prepare(self.products, self.prices, self.stock)
            self.products, self.prices, self.stock = [], [], []

    async def flush(self, writer: CatalogWriter, session_seen: SeenIds | None) -> None:
        await writer.groups(self.groups)
        await writer.price_types(self.price_types)
        await writer.warehouses(self.warehouses)
        if self.prepared is not None:
            await writer.write_items(self.prepared)
        await writer.products(self.products)
        variants = [p for p in self.offer_products if p.parent_onec_id]
        await writer.products(variants, kind="variants")
        await writer.ensure_products([p for p in self.offer_products if not p.parent_onec_id])
        if self.prepared is not None:
            await writer.write_offers(self.prepared)
            self.prepared = None
        await writer.offers(self.prices, self.stock)
        for kind, ids in self.seen.items():
            await writer.remember(kind, ids)
            if session_seen is not None and kind in session_seen.counts:
                session_seen.add(kind, ids)
            ids.clear()


class _Reader:
    """Reads a file into batches ready for the database; runs in a thread of its own.

    What the whole file says (its sections, whether it named ids of each kind, its documents)
    is gathered here as the batches go by.
    """

    def __init__(self, path: Path, writer: CatalogWriter) -> None:
        self.records = read(path)
        self.writer = writer
        self.sections: dict[str, bool] = {}  # kind -> partial
        self.named = dict.fromkeys(SEEN_KINDS, False)
        self.has_prices = self.has_stock = False
        self.documents: list[Document] = []
        self.crosses: list[tuple[str, dict[str, Any]]] = []  # (article, properties) of items
        self.batches = 0

    def next_batch(self) -> _Buffers | None:
        """The next batch, prepared (None at the end of the file)."""
        buffers = _Buffers()
        seen = buffers.seen
        # the first batch is small, so that the database starts early
        limit = MIN_FLUSH_ROWS if self.batches == 0 else FLUSH_ROWS
        self.batches += 1
        for record in self.records:
            if isinstance(record, Offer):
                seen["offers"].append(record.onec_id)
                if record.product is not None:
                    buffers.offer_products.append(record.product)
                    if record.product.parent_onec_id:
                        seen["variants"].append(record.onec_id)
                if record.prices:
                    buffers.prices.extend(record.prices)
                    self.has_prices = True
                if record.stock:
                    buffers.stock.extend(record.stock)
                    self.has_stock = True
            elif isinstance(record, ProductRow):
                buffers.products.append(record)
                if record.properties.get("crosses") and record.is_active:
                    self.crosses.append((record.article, record.properties))
                seen["variants" if record.parent_onec_id else "products"].append(record.onec_id)
            elif isinstance(record, GroupRow):
                buffers.groups.append(record)
                seen["groups"].append(record.onec_id)
            elif isinstance(record, PriceTypeRow):
                buffers.price_types.append(record)
            elif isinstance(record, WarehouseRow):
                buffers.warehouses.append(record)
            elif isinstance(record, Section):
                self.sections[record.kind] = record.partial
            elif isinstance(record, Document):
                self.documents.append(record)
            if buffers.size() >= limit:
                break
        for kind, ids in seen.items():
            self.named[kind] = self.named[kind] or bool(ids)
        if buffers.empty():
            return None
        buffers.prepare(self.writer)
        return buffers


async def _write_all(reader: _Reader, writer: CatalogWriter, seen: SeenIds | None) -> None:
    """Write the reader's batches while it reads the next ones (READ_AHEAD at most)."""
    loop = asyncio.get_running_loop()
    executor = ThreadPoolExecutor(1, thread_name_prefix="1c-reader")
    pending: deque[asyncio.Future[_Buffers | None]] = deque()
    try:
        while True:
            while len(pending) < READ_AHEAD:
                pending.append(loop.run_in_executor(executor, reader.next_batch))
            batch = await pending.popleft()
            if batch is None:
                return
            await batch.flush(writer, seen)
    finally:
        if pending:  # let the thread finish what it was given before its generator is closed
            await asyncio.wait(pending)
            for future in pending:
                if not future.cancelled():
                    future.exception()  # retrieved: a failure already reported is not logged
        closing: Future[None] = executor.submit(reader.records.close)
        executor.shutdown(wait=False)
        await asyncio.wrap_future(closing)


async def _import(
    session: AsyncSession,
    path: Path,
    zone: ZoneInfo,
    seen_session: SeenIds | None,
    hours: WorkingCalendar | None = None,
) -> dict[str, Any]:
    writer = CatalogWriter(session)
    reader = _Reader(path, writer)
    await _write_all(reader, writer, seen_session)
    sections, named, documents = reader.sections, reader.named, reader.documents
    has_prices, has_stock = reader.has_prices, reader.has_stock

    catalog_full = "catalog" in sections and not sections["catalog"]
    classifier_partial = sections.get("classifier", sections.get("catalog", False))
    offers_full = "offers" in sections and not sections["offers"]
    if catalog_full and (named["products"] or named["variants"]):
        await writer.deactivate_products("products")
    if named["groups"] and "classifier" in sections and not classifier_partial:
        await writer.deactivate_groups()
    if offers_full and named["variants"]:
        await writer.deactivate_products("variants")
    if offers_full and named["offers"]:
        await writer.drop_offers_not_in(prices=has_prices, stock=has_stock)
    await writer.close()

    counts: dict[str, Any] = {key: value for key, value in writer.counts.given.items() if value}
    if writer.counts.changed:
        counts["changed"] = dict(writer.counts.changed)
    if writer.counts.unknown:
        counts["unknown"] = dict(writer.counts.unknown)
    if documents:
        counts["orders"] = await apply_documents(session, documents, zone=zone, hours=hours)
    if reader.crosses:
        counts["crosses"] = await link_onec_crosses(session, reader.crosses)
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
    hours: WorkingCalendar | None = None,
) -> dict[str, Any]:
    """Import one file in one transaction; returns its counts. Raises ExchangeRefused.

    `hours`: the weekly working schedule (settings) that flags 1C's own orders after-hours.
    A `finance*.json` is 1C's finance push (integrations.onec.finance), not CommerceML.
    """
    if is_finance_file(path.name):
        try:
            moscow = ZoneInfo("Europe/Moscow")
            return await import_finance_file(sessionmaker, path, zone=zone or moscow)
        except FinanceRefused as exc:
            raise ExchangeRefused(f"{path.name}: {exc}") from None
    started = time.monotonic()
    check_prolog(path, limits or Limits())
    mark = seen.mark() if seen is not None else None
    try:
        with _import_tuning():
            async with sessionmaker() as session, session.begin():
                counts = await _import(
                    session, path, zone or ZoneInfo("Europe/Moscow"), seen, hours
                )
        if seen is not None:
            seen.sync()
    except etree.XMLSyntaxError as exc:
        raise ExchangeRefused(f"{path.name}: ошибка XML: {exc}") from None
    except ValueError as exc:
        raise ExchangeRefused(f"{path.name}: {exc}") from None
    finally:
        if seen is not None and mark is not None and "counts" not in locals():
            seen.rollback(mark)
    if counts.get("prices") or counts.get("stock"):
        counts["alerts"] = await _alerts_after_offers(sessionmaker)
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


async def _alerts_after_offers(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Back-in-stock and price-drop alerts for what the offers changed, in a transaction of
    their own: a failure there is logged and does not undo the import (the alerts still wait,
    and the next exchange tells them)."""
    try:
        async with sessionmaker() as session, session.begin():
            return await after_exchange(session)
    except Exception:
        log.exception("alerts after the offers import failed")
        return {}


async def deactivate_unseen(
    sessionmaker: async_sessionmaker[AsyncSession], seen: SeenIds
) -> dict[str, int]:
    """`mode=deactivate`: items and variants the session did not name become inactive."""
    async with sessionmaker() as session, session.begin():
        writer = CatalogWriter(session)
        result = {"deactivated_products": 0, "deactivated_variants": 0}
        for kind in ("products", "variants"):
            if seen.counts[kind]:  # a session that named none of a kind deactivates none
                for chunk in seen.chunks(kind):
                    await writer.remember(kind, chunk)
                result[f"deactivated_{kind}"] = await writer.deactivate_products(kind)
        await writer.close()
    return result
