"""Cart lines from a pasted list or a spreadsheet (.xlsx, .csv), with a per-line report.

Parsing is pure (no database) and never crashes on junk: a file that cannot be read raises
InvalidInput `import.*`. `import_lines` resolves the articles in one query, validates each
quantity with the cart's own rules and adds the good lines; bad lines change nothing.

Decisions:
- Pasted list: the LAST number on a line is the quantity, the text before it (without the
  separator: space, tab, `;`, `,`, `x`, `х`, `×`, `*`) is the article. A letter x is a separator
  only after a digit or a space, so `MX5` stays an article. A comma between digits is a decimal
  comma (`W712 1,5` is 1.5). A trailing `шт`/`pcs` is ignored. A line without a number is an
  article with quantity 1. Since `OC 90` could be the article "OC 90" or 90 of "OC", a line
  split at a bare space keeps the whole line as a fallback: when the split article is unknown
  and a catalog article is written exactly as the line (same words), that item is added with
  quantity 1 (so `1234 5` never turns into item "12345").
- Spreadsheet: a row whose quantity cell is empty is skipped (order forms built from a price
  list leave it empty for items not wanted); a file with a single column is articles, quantity 1.
- Lines whose normalised articles are equal are summed and reported once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath

from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article
from core.catalog.offers import load_offers
from core.dealers.features import CART_IMPORT, require_feature
from core.dealers.service import dealer_id_of, get_dealer
from core.errors import DomainError, InvalidInput
from core.models import Product, User
from core.orders.cart import (
    MAX_CART_LINES,
    SHORT_STOCK,
    CartView,
    cart_lines,
    get_cart,
    line_warnings,
    lock_cart,
    parse_quantity,
    pick_product,
    price_type_of,
    products_by_norm,
    put_line,
    validate_quantity,
)

MAX_ROWS = MAX_CART_LINES  # lines with an article, in a pasted list or a file
MAX_FILE_BYTES = 5 * 1024 * 1024  # the file as sent
MAX_UNPACKED_BYTES = 60 * 1024 * 1024  # an .xlsx unpacked (a zip bomb stops here)
MAX_COLUMNS = 50  # columns read from a spreadsheet
HEADER_SEARCH_ROWS = 10  # rows searched for the header line
MAX_SCANNED_ROWS = 100_000  # rows looked at at all, empty ones included

# Report statuses.
ADDED = "added"
SHORT = "short_stock"  # added, but more than in stock
UNKNOWN = "unknown_article"
AMBIGUOUS = "ambiguous_article"
INACTIVE = "inactive"
BAD_QUANTITY = "bad_quantity"
CART_FULL = "cart_full"
_STATUS_OF_KEY = {
    "cart.unknown_article": UNKNOWN,
    "cart.ambiguous_article": AMBIGUOUS,
    "cart.product_inactive": INACTIVE,
    "cart.too_many_lines": CART_FULL,
}


@dataclass(frozen=True)
class ParsedLine:
    """An article and a quantity read from a list or file.

    `quantity` is None when the quantity text is not a number (`quantity_text` keeps it, so
    the report can show it). `line_numbers` are the 1-based source lines or rows merged into
    this one. `fallback_article` (pasted lists only) is the whole line, tried with quantity 1
    when `article` is unknown.
    """

    article: str
    quantity: Decimal | None
    quantity_text: str
    line_numbers: tuple[int, ...]
    fallback_article: str | None = None

    @property
    def article_norm(self) -> str:
        return normalize_article(self.article)


@dataclass(frozen=True)
class ImportRow:
    """The outcome of one parsed line."""

    line: ParsedLine
    status: str
    product_id: int | None = None
    article: str = ""  # the article as the catalog writes it (when found)
    name: str = ""
    quantity: Decimal | None = None  # the quantity added
    error_key: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in (ADDED, SHORT)


@dataclass(frozen=True)
class ImportReport:
    """Per-line outcome, counts by status, and the cart afterwards."""

    rows: list[ImportRow]
    cart: CartView
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def added(self) -> int:
        """Lines added to the cart (short stock included)."""
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return len(self.rows) - self.added


# --- pasted lists ------------------------------------------------------------------------

_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_LINE = re.compile(
    rf"""^(?P<article>.*?\S)
        (?P<sep> \s*[;,\t×*]\s*     # ; , tab × * with or without spaces
          | (?<=\d)[xXхХ]\s*        # x right after a digit: 0986452041x10
          | \s+[xXхХ]\s*            # x after a space: OC 90 x 5
          | \s+ )                   # or just spaces
        (?P<qty>{_NUMBER})
        (?:\s*(?:шт|штук|pcs|pc)\.?)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_TRAILING_SEPARATORS = " \t;,"


def parse_pasted_list(text: str) -> list[ParsedLine]:
    """Lines of "article quantity" from pasted text; blank lines ignored, duplicates summed.

    Raises InvalidInput `import.too_large` above MAX_ROWS lines.
    """
    parsed: list[ParsedLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip(_TRAILING_SEPARATORS).strip()
        if not line:
            continue
        if len(parsed) >= MAX_ROWS:
            raise InvalidInput("import.too_large", max_rows=MAX_ROWS)
        match = _LINE.match(line)
        if match is None:
            parsed.append(ParsedLine(line, Decimal(1), "1", (number,)))
            continue
        article = match["article"].strip().rstrip(_TRAILING_SEPARATORS).strip()
        qty_text = match["qty"]
        sep = match["sep"]
        # Only a bare space leaves it open whether the number belongs to the article ("OC 90").
        fallback = line if not sep.strip() and "\t" not in sep else None
        parsed.append(
            ParsedLine(article, _number(qty_text), qty_text, (number,), fallback_article=fallback)
        )
    return merge_duplicates(parsed)


def _number(text: str) -> Decimal | None:
    """The quantity a text means (the cart's own reading), or None."""
    try:
        return parse_quantity(text)
    except InvalidInput:
        return None


def merge_duplicates(lines: Iterable[ParsedLine]) -> list[ParsedLine]:
    """Sum lines with the same normalised article, in first-seen order.

    A merged line whose parts include an unreadable quantity stays unreadable (the person
    fixes that line); a merged line has no fallback article.
    """
    merged: dict[str, ParsedLine] = {}
    for line in lines:
        key = line.article_norm or line.article
        previous = merged.get(key)
        if previous is None:
            merged[key] = line
            continue
        if previous.quantity is None or line.quantity is None:
            bad = previous if previous.quantity is None else line
            quantity, text = None, bad.quantity_text
        else:
            quantity = previous.quantity + line.quantity
            text = str(quantity)
        merged[key] = replace(
            previous,
            quantity=quantity,
            quantity_text=text,
            line_numbers=previous.line_numbers + line.line_numbers,
            fallback_article=None,
        )
    return list(merged.values())


# --- spreadsheets ------------------------------------------------------------------------

_ARTICLE_HEADERS = (
    "артикул",
    "арт",
    "article",
    "art",
    "sku",
    "код",
    "code",
    "part number",
    "partnumber",
    "part no",
    "pn",
    "каталожный номер",
    "кат номер",
)
_QUANTITY_HEADERS = (
    "заказ",
    "к заказу",
    "order",
    "количество",
    "кол во",
    "колво",
    "кол",
    "qty",
    "quantity",
    "count",
    "pcs",
    "шт",
)
_HEADER_WORDS = re.compile(r"[^\w]+", re.UNICODE)


def _header(value: str) -> str:
    return " ".join(_HEADER_WORDS.sub(" ", value.lower().replace("ё", "е")).split())


def _header_column(headers: Sequence[str], names: Sequence[str]) -> int | None:
    """The first column whose header is one of `names` (or starts with one, as a word)."""
    cleaned = [_header(h) for h in headers]
    for name in names:  # the order of `names` is the priority
        for index, cell in enumerate(cleaned):
            if cell == name or cell.startswith(name + " "):
                return index
    return None


Cell = str  # spreadsheet cells are read as text


def parse_spreadsheet(data: bytes, filename: str) -> list[ParsedLine]:
    """Articles and quantities from an .xlsx or .csv file; duplicates summed.

    The header row (Russian or English names) is looked for in the first rows; without one, the
    first column is the article and the second the quantity. Raises InvalidInput
    `import.empty_file`, `import.too_large`, `import.unsupported_format` or `import.bad_file`.
    """
    if not data:
        raise InvalidInput("import.empty_file")
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput("import.too_large", max_bytes=MAX_FILE_BYTES)
    suffix = PurePath(filename or "").suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix in (".xlsx", ".xlsm") or (is_zip and suffix not in (".csv", ".txt")):
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", "") and not is_zip:
        rows = _csv_rows(data)
    elif suffix in (".xls", ".ods", ".numbers"):
        raise InvalidInput("import.unsupported_format", filename=filename)
    else:
        raise InvalidInput("import.bad_file", filename=filename)
    lines = _lines_from_rows(rows)
    if not lines:
        raise InvalidInput("import.empty_file")
    return merge_duplicates(lines)


Row = tuple[int, list[Cell]]  # 1-based row number, cells


def _lines_from_rows(rows: Iterator[Row]) -> list[ParsedLine]:
    """Find the header and the columns, then read the data rows."""
    head: list[Row] = []
    for number, row in rows:
        if any(row):
            head.append((number, row))
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    article_col, quantity_col, start = 0, 1, 0
    for i, (_, row) in enumerate(head):
        found = _header_column(row, _ARTICLE_HEADERS)
        if found is not None:
            article_col, start = found, i + 1
            qty = _header_column(row, _QUANTITY_HEADERS)
            quantity_col = qty if qty is not None and qty != found else -1
            break
    else:
        if head and len(head[0][1]) > 1 and head[0][1][1] and _number(head[0][1][1]) is None:
            start = 1  # a header with names we do not know: the quantity cell is not a number
        if head and max(len(r) for _, r in head) < 2:
            quantity_col = -1  # one column: articles only
    lines: list[ParsedLine] = []

    def read(number: int, row: list[Cell]) -> None:
        article = row[article_col].strip() if article_col < len(row) else ""
        if not article:
            return
        if quantity_col < 0:
            qty_text = "1"
        else:
            qty_text = row[quantity_col].strip() if quantity_col < len(row) else ""
            if not qty_text:
                return
        if len(lines) >= MAX_ROWS:
            raise InvalidInput("import.too_large", max_rows=MAX_ROWS)
        lines.append(ParsedLine(article, _number(qty_text), qty_text, (number,)))

    for number, row in head[start:]:
        read(number, row)
    for number, row in rows:
        read(number, row)
    return lines


def _cell_text(value: object) -> Cell:
    """A cell as text; whole floats without `.0`, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    """Rows of the first worksheet as text; InvalidInput for anything that is not a workbook."""
    import openpyxl  # a heavy import, needed only here

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InvalidInput("import.bad_file") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InvalidInput("import.too_large", max_bytes=MAX_FILE_BYTES)
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception:  # openpyxl raises many kinds on junk; all mean "not a workbook"
        raise InvalidInput("import.bad_file") from None
    return _sheet_rows(workbook)


def _sheet_rows(workbook: object) -> Iterator[Row]:
    try:
        sheets = workbook.worksheets  # type: ignore[attr-defined]
        if not sheets:
            raise InvalidInput("import.empty_file")
        for number, values in enumerate(
            sheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if number > MAX_SCANNED_ROWS:
                raise InvalidInput("import.too_large", max_rows=MAX_ROWS)
            yield number, [_cell_text(v) for v in values]
    except DomainError:
        raise
    except Exception:  # a damaged sheet inside a valid zip
        raise InvalidInput("import.bad_file") from None
    finally:
        workbook.close()  # type: ignore[attr-defined]


def decode_text(data: bytes) -> str:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else windows-1251.

    Raises InvalidInput `import.bad_file` for binary data.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InvalidInput("import.bad_file") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError:
                raise InvalidInput("import.bad_file") from None
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if "\x00" in sample or controls > len(sample) // 100:
        raise InvalidInput("import.bad_file")
    return text


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter among `;`, tab and `,` that splits the most sample lines (in that
    preference on a tie, since `,` is also the decimal comma)."""
    best, best_score = ";", 0
    for delimiter in (";", "\t", ","):
        score = sum(1 for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(data: bytes) -> Iterator[Row]:
    text = decode_text(data)
    lines = text.splitlines()
    delimiter = sniff_delimiter([line for line in lines[:50] if line.strip()])
    reader = csv.reader(lines, delimiter=delimiter)

    def rows() -> Iterator[Row]:
        try:
            for number, row in enumerate(reader, start=1):
                if number > MAX_SCANNED_ROWS:
                    raise InvalidInput("import.too_large", max_rows=MAX_ROWS)
                yield number, [cell.strip() for cell in row[:MAX_COLUMNS]]
        except csv.Error:
            raise InvalidInput("import.bad_file") from None

    return rows()


# --- into the cart -----------------------------------------------------------------------


async def import_lines(session: AsyncSession, user: User, lines: list[ParsedLine]) -> ImportReport:
    """Add parsed lines to the person's cart; report each line.

    Articles (and pasted-list fallbacks) are resolved in one query; each quantity is checked
    with `validate_quantity` (also the sum with what the cart already holds). Lines that fail
    change nothing; the others are added (to existing lines) and flushed, not committed.
    """
    dealer_id = dealer_id_of(user)
    found = await products_by_norm(
        session,
        [line.article_norm for line in lines]
        + [normalize_article(line.fallback_article) for line in lines if line.fallback_article],
    )
    cart = await lock_cart(session, user)
    existing = await cart_lines(session, cart)
    pending: list[tuple[ParsedLine, Product, Decimal]] = []
    planned: dict[int, Decimal] = {}  # product id -> quantity the line will have
    rows: list[ImportRow | None] = []
    for line in lines:
        try:
            product, quantity = _resolve(line, found)
            if product.id not in planned:
                line_now = existing.get(product.id)
                planned[product.id] = line_now.quantity if line_now else Decimal(0)
            validate_quantity(product, planned[product.id] + quantity)
            planned[product.id] += quantity
            pending.append((line, product, quantity))
            rows.append(None)  # filled in below, once stock is known
        except InvalidInput as error:
            rows.append(_failed(line, error))
    offers = await load_offers(
        session,
        {p.id for _, p, _ in pending},
        await price_type_of(session, dealer_id, user.active_legal_entity_id),
    )
    done = iter(pending)
    report_rows: list[ImportRow] = []
    for row in rows:
        if row is not None:
            report_rows.append(row)
            continue
        line, product, quantity = next(done)
        line_state = existing.get(product.id)
        total = (line_state.quantity if line_state else Decimal(0)) + quantity
        try:
            put_line(session, cart, existing, product, total)
        except InvalidInput as error:
            report_rows.append(_failed(line, error))
            continue
        offer = offers[product.id]
        warnings = line_warnings(product, total, offer.price, offer.stock_total)
        report_rows.append(
            ImportRow(
                line=line,
                status=SHORT if SHORT_STOCK in warnings else ADDED,
                product_id=product.id,
                article=product.article,
                name=product.name,
                quantity=quantity,
                warnings=warnings,
            )
        )
    await session.flush()
    counts: dict[str, int] = {}
    for report_row in report_rows:
        counts[report_row.status] = counts.get(report_row.status, 0) + 1
    return ImportReport(rows=report_rows, cart=await get_cart(session, user), counts=counts)


def _resolve(line: ParsedLine, found: dict[str, list[Product]]) -> tuple[Product, Decimal]:
    """The product and quantity a line means; InvalidInput with the reason otherwise."""
    try:
        product = pick_product(line.article, found.get(line.article_norm, []))
    except InvalidInput as error:
        fallback = line.fallback_article
        if error.key != "cart.unknown_article" or not fallback:
            raise
        words = [normalize_article(word) for word in fallback.split()]
        candidates = [
            p
            for p in found.get(normalize_article(fallback), [])
            if [normalize_article(word) for word in p.article.split()] == words
        ]
        if not candidates:
            raise
        return pick_product(fallback, candidates), Decimal(1)
    if line.quantity is None:
        raise InvalidInput("cart.quantity_not_number", value=line.quantity_text)
    return product, validate_quantity(product, line.quantity)


def _failed(line: ParsedLine, error: InvalidInput) -> ImportRow:
    status = _STATUS_OF_KEY.get(error.key, BAD_QUANTITY)
    return ImportRow(line=line, status=status, error_key=error.key)


async def import_file(
    session: AsyncSession, user: User, data: bytes, filename: str
) -> ImportReport:
    """Fill the cart from an .xlsx/.csv file, if the dealer may import files."""
    require_feature(await get_dealer(session, dealer_id_of(user)), CART_IMPORT)
    return await import_lines(session, user, parse_spreadsheet(data, filename))
