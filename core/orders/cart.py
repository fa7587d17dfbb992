"""The cart: the one place for the rules of cart lines (quantity, price, stock, ownership).

Every function acts for a `User` on that person's own cart. Price and stock come only from
`core.catalog.offers.load_offers`. Services flush but never commit (the adapter commits); bad
input raises a `DomainError` before anything is changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.normalize import normalize_article
from core.catalog.offers import load_offers
from core.dealers.service import dealer_id_of
from core.errors import InvalidInput, NotFound
from core.finance.prices import price_type_for
from core.models import Cart, CartLine, Product, User, utcnow
from core.models.base import ZERO

# A line above this quantity is a typo, not an order (e.g. an article pasted into the quantity).
MAX_LINE_QUANTITY = Decimal("100000")
# A cart with more lines than this cannot be placed or shown sensibly.
MAX_CART_LINES = 5000
# Quantities are stored as Numeric(14, 3).
QUANTITY_PLACES = 3
CENT = Decimal("0.01")

# Line warnings (keys for the adapters' texts).
SHORT_STOCK = "short_stock"  # more ordered than in stock over all warehouses: allowed
NO_PRICE = "no_price"  # 1C sent no price of the dealer's price type
INACTIVE = "inactive"  # the item was withdrawn from sale after it was put in the cart

# OKEI codes (without leading zeros) of countable units: штука, комплект, упаковка, набор, пара,
# рулон, лист, бутылка, флакон, ящик.
_PIECE_UNIT_CODES = frozenset(
    {"796", "839", "778", "704", "715", "736", "625", "868", "872", "812"}
)
# OKEI codes of measurable units: кг, г, т, м, мм, см, м2, м3, л, мл, погонный метр.
_MEASURE_UNIT_CODES = frozenset(
    {"166", "163", "168", "6", "3", "4", "55", "113", "112", "111", "18"}
)
# Unit names (lower case, without dots and spaces) of countable units.
_PIECE_UNIT_NAMES = frozenset(
    {
        "шт",
        "штук",
        "штука",
        "штуки",
        "pc",
        "pcs",
        "piece",
        "pieces",
        "ea",
        "each",
        "компл",
        "комплект",
        "кт",
        "к-т",
        "set",
        "упак",
        "уп",
        "упаковка",
        "pack",
        "pkg",
        "набор",
        "пара",
        "пар",
        "pair",
        "рул",
        "рулон",
        "лист",
        "бут",
        "бутылка",
        "фл",
        "флакон",
        "кор",
        "коробка",
        "ящ",
        "ящик",
        "банка",
        "канистра",
    }
)


def is_piece_unit(unit: str | None, unit_code: str | None) -> bool:
    """True when the unit is counted in whole pieces (шт, компл, упак, ...).

    The OKEI code decides when 1C sent a known one; otherwise the unit's name does. An unknown
    unit is treated as measurable (fractions allowed) rather than refusing a legitimate order.
    """
    code = (unit_code or "").strip().lstrip("0")
    if code in _PIECE_UNIT_CODES:
        return True
    if code in _MEASURE_UNIT_CODES:
        return False
    name = "".join((unit or "").lower().replace(".", " ").split())
    return name in _PIECE_UNIT_NAMES


_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?")


def parse_quantity(value: object) -> Decimal:
    """A quantity as a Decimal: int, Decimal, or text such as `"1,5"`, `" 2 "` or `"1 000"`.

    Floats are refused (quantities, like money, are exact). Raises InvalidInput
    `cart.quantity_not_number`.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidInput("cart.quantity_not_number", value=str(value))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if _GROUPED.fullmatch(text):  # "1 000" written with thousands separated
            text = "".join(text.split())
        text = text.replace(",", ".")
        if not text or len(text) > 30:
            raise InvalidInput("cart.quantity_not_number", value=value[:30])
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidInput("cart.quantity_not_number", value=value) from None
    else:
        raise InvalidInput("cart.quantity_not_number", value=str(value)[:30])
    if not number.is_finite():
        raise InvalidInput("cart.quantity_not_number", value=str(value))
    return number


def validate_quantity(product: Product, quantity: object) -> Decimal:
    """Check a quantity of `product` for a cart line and return it as a Decimal.

    Raises InvalidInput with one of the keys `cart.quantity_not_number`,
    `cart.quantity_not_positive`, `cart.quantity_too_large` (above MAX_LINE_QUANTITY),
    `cart.quantity_fractional` (a fraction of a piece unit), `cart.quantity_too_precise`
    (more than three decimal places).
    """
    number = parse_quantity(quantity)
    if number <= 0:
        raise InvalidInput("cart.quantity_not_positive", quantity=str(number))
    if number > MAX_LINE_QUANTITY:
        raise InvalidInput(
            "cart.quantity_too_large", quantity=str(number), maximum=str(MAX_LINE_QUANTITY)
        )
    if number != number.to_integral_value() and is_piece_unit(product.unit, product.unit_code):
        raise InvalidInput("cart.quantity_fractional", quantity=str(number), unit=product.unit)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -QUANTITY_PLACES:
        raise InvalidInput("cart.quantity_too_precise", quantity=str(number))
    return number


def line_amount(price: Decimal, quantity: Decimal) -> Decimal:
    """The amount of a line: price times quantity, rounded half up to kopecks."""
    return (price * quantity).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CartLineView:
    """One line of the cart as the dealer sees it now (current price and stock)."""

    product: Product
    quantity: Decimal
    price: Decimal | None
    amount: Decimal | None
    currency: str
    stock_total: Decimal
    warnings: tuple[str, ...] = ()

    @property
    def product_id(self) -> int:
        return self.product.id


@dataclass(frozen=True)
class CartView:
    """The cart with current prices, amounts and stock warnings; `total` counts priced lines."""

    lines: list[CartLineView] = field(default_factory=list)
    total: Decimal = ZERO
    currency: str = "RUB"
    reorder_of_id: int | None = None

    @property
    def line_count(self) -> int:
        return len(self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def warnings(self) -> frozenset[str]:
        """Every warning of any line (e.g. to ask before placing)."""
        return frozenset(w for line in self.lines for w in line.warnings)


def line_warnings(
    product: Product, quantity: Decimal, price: Decimal | None, stock_total: Decimal
) -> tuple[str, ...]:
    """Warnings of a line: withdrawn item, no price, more than in stock."""
    warnings = []
    if not product.is_active:
        warnings.append(INACTIVE)
    if price is None:
        warnings.append(NO_PRICE)
    if quantity > stock_total:
        warnings.append(SHORT_STOCK)
    return tuple(warnings)


async def price_type_of(
    session: AsyncSession, dealer_id: int, legal_entity_id: int | None = None
) -> int | None:
    """The price type of a dealer's prices (core.finance.prices.price_type_for)."""
    return await price_type_for(session, dealer_id, legal_entity_id)


async def get_cart(session: AsyncSession, user: User) -> CartView:
    """The person's cart with the dealer's current prices and stock (two more queries)."""
    dealer_id = dealer_id_of(user)
    cart = await session.scalar(
        select(Cart).where(Cart.user_id == user.id, Cart.dealer_id == dealer_id)
    )
    if cart is None:
        return CartView()
    rows = (
        await session.execute(
            select(CartLine.quantity, Product)
            .join(Product, Product.id == CartLine.product_id)
            .where(CartLine.cart_id == cart.id)
            .order_by(CartLine.id)
        )
    ).all()
    items = [(p, q) for q, p in rows]
    return await _view(session, dealer_id, cart.reorder_of_id, items, user.active_legal_entity_id)


async def _view(
    session: AsyncSession,
    dealer_id: int,
    reorder_of_id: int | None,
    items: list[tuple[Product, Decimal]],
    legal_entity_id: int | None = None,
) -> CartView:
    offers = await load_offers(
        session, (p.id for p, _ in items), await price_type_of(session, dealer_id, legal_entity_id)
    )
    lines = []
    total = ZERO
    currency: str | None = None
    for product, quantity in items:
        offer = offers[product.id]
        amount = None if offer.price is None else line_amount(offer.price, quantity)
        if amount is not None:
            total += amount
            currency = currency or offer.currency
        lines.append(
            CartLineView(
                product=product,
                quantity=quantity,
                price=offer.price,
                amount=amount,
                currency=offer.currency,
                stock_total=offer.stock_total,
                warnings=line_warnings(product, quantity, offer.price, offer.stock_total),
            )
        )
    return CartView(
        lines=lines, total=total, currency=currency or "RUB", reorder_of_id=reorder_of_id
    )


async def lock_cart(session: AsyncSession, user: User) -> Cart:
    """The person's cart, created if missing, locked for this transaction (PostgreSQL).

    Locking the cart row serialises changes to one cart (two taps at once). A cart left from
    another dealer the person was bound to before is emptied and rebound.
    """
    dealer_id = dealer_id_of(user)
    query = select(Cart).where(Cart.user_id == user.id).with_for_update()
    cart = await session.scalar(query)
    if cart is None:
        try:
            async with session.begin_nested():
                cart = Cart(user_id=user.id, dealer_id=dealer_id)
                session.add(cart)
        except IntegrityError:  # created at the same moment by another request
            cart = await session.scalar(query.execution_options(populate_existing=True))
            assert cart is not None
    if cart.dealer_id != dealer_id:
        await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
        cart.dealer_id = dealer_id
        cart.reorder_of_id = None
    return cart


async def cart_lines(session: AsyncSession, cart: Cart) -> dict[int, CartLine]:
    """The lines of a cart by product id."""
    rows = await session.scalars(select(CartLine).where(CartLine.cart_id == cart.id))
    return {line.product_id: line for line in rows}


async def _sellable(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise NotFound("cart.unknown_product", product_id=product_id)
    check_sellable(product)
    return product


def check_sellable(product: Product) -> None:
    """Refuse an item withdrawn from sale (InvalidInput `cart.product_inactive`)."""
    if not product.is_active:
        raise InvalidInput("cart.product_inactive", article=product.article)


def put_line(
    session: AsyncSession,
    cart: Cart,
    lines: dict[int, CartLine],
    product: Product,
    quantity: Decimal,
) -> None:
    """Set the quantity of a product's line (validated by the caller), adding the line if new."""
    line = lines.get(product.id)
    if line is None:
        if len(lines) >= MAX_CART_LINES:
            raise InvalidInput("cart.too_many_lines", maximum=MAX_CART_LINES)
        line = CartLine(cart_id=cart.id, product_id=product.id, quantity=quantity)
        session.add(line)
        lines[product.id] = line
    else:
        line.quantity = quantity
    cart.updated_at = utcnow()


async def add_item(
    session: AsyncSession, user: User, product_id: int, quantity: object
) -> CartView:
    """Add `quantity` of an item to the cart (to its line if already there)."""
    dealer_id_of(user)
    product = await _sellable(session, product_id)
    number = validate_quantity(product, quantity)
    cart = await lock_cart(session, user)
    lines = await cart_lines(session, cart)
    if product.id in lines:
        number = validate_quantity(product, lines[product.id].quantity + number)
    put_line(session, cart, lines, product, number)
    await session.flush()
    return await get_cart(session, user)


async def set_quantity(
    session: AsyncSession, user: User, product_id: int, quantity: object
) -> CartView:
    """Set the quantity of an item's line (adding the line if the item is not in the cart).

    Zero is refused like any non-positive quantity: removing a line is `remove_item`.
    """
    dealer_id_of(user)
    product = await _sellable(session, product_id)
    number = validate_quantity(product, quantity)
    cart = await lock_cart(session, user)
    put_line(session, cart, await cart_lines(session, cart), product, number)
    await session.flush()
    return await get_cart(session, user)


async def remove_item(session: AsyncSession, user: User, product_id: int) -> CartView:
    """Remove an item's line from the cart (nothing happens if it is not there)."""
    cart = await lock_cart(session, user)
    await session.execute(
        delete(CartLine).where(CartLine.cart_id == cart.id, CartLine.product_id == product_id)
    )
    cart.updated_at = utcnow()
    await session.flush()
    return await get_cart(session, user)


async def clear_cart(session: AsyncSession, user: User) -> CartView:
    """Empty the cart (and forget which order it repeated)."""
    cart = await lock_cart(session, user)
    await session.execute(delete(CartLine).where(CartLine.cart_id == cart.id))
    cart.reorder_of_id = None
    cart.updated_at = utcnow()
    await session.flush()
    return await get_cart(session, user)


async def products_by_norm(session: AsyncSession, norms: Iterable[str]) -> dict[str, list[Product]]:
    """Products by normalised article, in one query (inactive ones included, active first)."""
    wanted = sorted({n for n in norms if n})
    found: dict[str, list[Product]] = {n: [] for n in wanted}
    if not wanted:
        return found
    rows = await session.scalars(
        select(Product)
        .where(Product.article_norm.in_(wanted))
        .order_by(Product.is_active.desc(), Product.id)
    )
    for product in rows:
        found[product.article_norm].append(product)
    return found


def pick_product(article: str, candidates: list[Product]) -> Product:
    """The one product an article means, or InvalidInput `cart.unknown_article`,
    `cart.ambiguous_article` (several active items share it) or `cart.product_inactive`."""
    active = [p for p in candidates if p.is_active]
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        exact = [p for p in active if p.article.strip().upper() == article.strip().upper()]
        if len(exact) == 1:
            return exact[0]
        raise InvalidInput("cart.ambiguous_article", article=article, count=len(active))
    if candidates:
        raise InvalidInput("cart.product_inactive", article=article)
    raise InvalidInput("cart.unknown_article", article=article)


async def add_by_article(
    session: AsyncSession, user: User, article: str, quantity: object
) -> CartView:
    """Add an item by its article, typed however (case, spaces, dashes, Cyrillic look-alikes)."""
    dealer_id_of(user)
    norm = normalize_article(article)
    found = await products_by_norm(session, [norm])
    product = pick_product(article, found.get(norm, []))
    return await add_item(session, user, product.id, quantity)
