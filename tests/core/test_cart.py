"""The cart: quantity rules, prices and stock from the dealer's offers, ownership."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Cart, CartLine, Dealer, PriceType, Product, User, Warehouse
from core.orders import cart
from core.orders.cart import MAX_LINE_QUANTITY, is_piece_unit, validate_quantity
from tests import factories as f
from tests.conftest import POSTGRES_SKIP_REASON

D = Decimal


@dataclass
class World:
    price_type: PriceType
    other_price_type: PriceType
    north: Warehouse
    south: Warehouse
    dealer: Dealer
    user: User
    filter: Product  # piece unit, 123.45, stock 3 + 2
    oil: Product  # litres, 99.99, stock 10
    cable: Product  # metres, 10.10, no stock
    noprice: Product  # no price for the dealer's price type
    retired: Product  # withdrawn from sale


@pytest.fixture
async def world(session: AsyncSession) -> World:
    pt = await f.price_type(session, "Дилерская")
    other = await f.price_type(session, "Розничная")
    north = await f.warehouse(session, "Север")
    south = await f.warehouse(session, "Юг")
    dealer = await f.dealer(session, price_type=pt)
    user = await f.user(session, dealer=dealer)
    return World(
        price_type=pt,
        other_price_type=other,
        north=north,
        south=south,
        dealer=dealer,
        user=user,
        filter=await f.product(
            session,
            "OC 90",
            "Фильтр масляный",
            prices={pt: "123.45", other: "150.00"},
            stock={north: "3", south: "2"},
        ),
        oil=await f.product(
            session,
            "OIL-5W30",
            "Масло моторное",
            prices={pt: "99.99"},
            stock={north: "10"},
            unit="л",
            unit_code="112",
        ),
        cable=await f.product(
            session, "CAB.1", "Кабель", prices={pt: "10.10"}, unit="м", unit_code="006"
        ),
        noprice=await f.product(session, "NP-1", "Без цены", prices={other: "5.00"}),
        retired=await f.product(
            session, "OLD-1", "Снят с продажи", prices={pt: "1.00"}, is_active=False
        ),
    )


async def stored_lines(session: AsyncSession, user: User) -> dict[int, Decimal]:
    """What the database holds for the person's cart: product id -> quantity."""
    rows = await session.execute(
        select(CartLine.product_id, CartLine.quantity)
        .join(Cart, Cart.id == CartLine.cart_id)
        .where(Cart.user_id == user.id)
    )
    return {pid: qty for pid, qty in rows}


# --- quantity rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "code", "piece"),
    [
        ("шт", "796", True),
        ("шт.", None, True),
        ("компл", None, True),
        ("упак.", None, True),
        ("pcs", None, True),
        ("Пара", None, True),
        ("кг", "166", False),
        ("м", "006", False),
        ("м", "6", False),
        ("л", None, False),
        ("шт", "166", False),  # the OKEI code wins over the name
        ("кг", "796", True),
        ("что-то", None, False),  # unknown: fractions allowed
    ],
)
def test_piece_units(unit: str, code: str | None, piece: bool) -> None:
    assert is_piece_unit(unit, code) is piece


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("abc", "cart.quantity_not_number"),
        ("", "cart.quantity_not_number"),
        ("  ", "cart.quantity_not_number"),
        (None, "cart.quantity_not_number"),
        (1.5, "cart.quantity_not_number"),  # floats are refused: quantities are exact
        (True, "cart.quantity_not_number"),
        ("NaN", "cart.quantity_not_number"),
        ("Infinity", "cart.quantity_not_number"),
        ("1e400000", "cart.quantity_too_large"),
        ("1 5", "cart.quantity_not_number"),  # two numbers, not "15"
        ("1 00", "cart.quantity_not_number"),
        ("0", "cart.quantity_not_positive"),
        (0, "cart.quantity_not_positive"),
        ("-1", "cart.quantity_not_positive"),
        (D("-0.5"), "cart.quantity_not_positive"),
        ("100001", "cart.quantity_too_large"),
        (10**12, "cart.quantity_too_large"),
        ("1,5", "cart.quantity_fractional"),
        ("2.5", "cart.quantity_fractional"),
    ],
)
async def test_bad_quantities_for_a_piece_unit(world: World, value: object, key: str) -> None:
    with pytest.raises(InvalidInput) as error:
        validate_quantity(world.filter, value)
    assert error.value.key == key


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", D(3)),
        (" 4 ", D(4)),
        (7, D(7)),
        (D("2"), D(2)),
        ("2.0", D(2)),
        ("1 000", D(1000)),
        ("12\u00a0500", D(12500)),
    ],
)
async def test_good_quantities_for_a_piece_unit(world: World, value: object, expected: D) -> None:
    assert validate_quantity(world.filter, value) == expected


async def test_fractions_are_fine_for_litres_and_metres(world: World) -> None:
    assert validate_quantity(world.oil, "1,5") == D("1.5")
    assert validate_quantity(world.cable, "2.25") == D("2.25")
    assert validate_quantity(world.cable, str(MAX_LINE_QUANTITY)) == MAX_LINE_QUANTITY
    with pytest.raises(InvalidInput) as error:
        validate_quantity(world.cable, "0.0005")
    assert error.value.key == "cart.quantity_too_precise"


# --- the cart ----------------------------------------------------------------------------


async def test_add_shows_dealer_price_amount_and_exact_total(
    session: AsyncSession, world: World
) -> None:
    await cart.add_item(session, world.user, world.filter.id, "3")
    view = await cart.add_item(session, world.user, world.oil.id, "1,5")

    assert view.line_count == 2
    first, second = view.lines
    assert first.product.article == "OC 90"
    assert (first.quantity, first.price, first.amount) == (D(3), D("123.45"), D("370.35"))
    assert first.stock_total == D(5)
    assert first.warnings == ()
    # 99.99 * 1.5 = 149.985 -> rounded half up to kopecks
    assert (second.price, second.amount) == (D("99.99"), D("149.99"))
    assert view.total == D("520.34")
    assert isinstance(view.total, Decimal)
    assert view.currency == "RUB"
    assert await stored_lines(session, world.user) == {world.filter.id: 3, world.oil.id: D("1.5")}


async def test_adding_again_adds_to_the_same_line(session: AsyncSession, world: World) -> None:
    await cart.add_item(session, world.user, world.filter.id, 1)
    view = await cart.add_item(session, world.user, world.filter.id, "2")
    assert [(line.product_id, line.quantity) for line in view.lines] == [(world.filter.id, 3)]
    assert await stored_lines(session, world.user) == {world.filter.id: 3}


async def test_more_than_in_stock_is_allowed_with_a_warning(
    session: AsyncSession, world: World
) -> None:
    view = await cart.add_item(session, world.user, world.filter.id, 6)  # 5 in stock
    assert view.lines[0].warnings == (cart.SHORT_STOCK,)
    assert view.warnings == {cart.SHORT_STOCK}
    view = await cart.add_item(session, world.user, world.cable.id, "0.5")  # none in stock
    assert view.lines[1].stock_total == 0
    assert cart.SHORT_STOCK in view.lines[1].warnings
    assert await stored_lines(session, world.user) == {world.filter.id: 6, world.cable.id: D("0.5")}


async def test_no_price_is_shown_and_left_out_of_the_total(
    session: AsyncSession, world: World
) -> None:
    await cart.add_item(session, world.user, world.filter.id, 1)
    view = await cart.add_item(session, world.user, world.noprice.id, 2)
    line = view.lines[1]
    assert (line.price, line.amount) == (None, None)
    assert cart.NO_PRICE in line.warnings
    assert view.total == D("123.45")


async def test_invalid_quantity_changes_nothing(session: AsyncSession, world: World) -> None:
    await cart.add_item(session, world.user, world.filter.id, 2)
    for bad in ("0", "-3", "1.5", "x", "100001"):
        with pytest.raises(InvalidInput):
            await cart.add_item(session, world.user, world.filter.id, bad)
        with pytest.raises(InvalidInput):
            await cart.set_quantity(session, world.user, world.filter.id, bad)
    assert await stored_lines(session, world.user) == {world.filter.id: 2}


async def test_the_sum_on_a_line_may_not_become_absurd(session: AsyncSession, world: World) -> None:
    await cart.add_item(session, world.user, world.filter.id, MAX_LINE_QUANTITY - 1)
    with pytest.raises(InvalidInput) as error:
        await cart.add_item(session, world.user, world.filter.id, 2)
    assert error.value.key == "cart.quantity_too_large"
    assert await stored_lines(session, world.user) == {world.filter.id: MAX_LINE_QUANTITY - 1}


async def test_set_remove_and_clear(session: AsyncSession, world: World) -> None:
    await cart.add_item(session, world.user, world.filter.id, 2)
    view = await cart.set_quantity(session, world.user, world.filter.id, "5")
    assert view.lines[0].quantity == 5
    view = await cart.set_quantity(session, world.user, world.oil.id, "0,25")  # not yet there
    assert [line.quantity for line in view.lines] == [5, D("0.25")]

    view = await cart.remove_item(session, world.user, world.filter.id)
    assert [line.product_id for line in view.lines] == [world.oil.id]
    view = await cart.remove_item(session, world.user, world.filter.id)  # already gone: no-op
    assert view.line_count == 1

    view = await cart.clear_cart(session, world.user)
    assert view.is_empty and view.total == 0
    assert await stored_lines(session, world.user) == {}


async def test_empty_cart_for_someone_who_never_added(session: AsyncSession, world: World) -> None:
    view = await cart.get_cart(session, world.user)
    assert view.is_empty and view.total == D(0) and view.line_count == 0


async def test_inactive_and_unknown_items_cannot_be_added(
    session: AsyncSession, world: World
) -> None:
    with pytest.raises(InvalidInput) as error:
        await cart.add_item(session, world.user, world.retired.id, 1)
    assert error.value.key == "cart.product_inactive"
    with pytest.raises(InvalidInput) as error:
        await cart.add_by_article(session, world.user, "old-1", 1)
    assert error.value.key == "cart.product_inactive"
    with pytest.raises(NotFound):
        await cart.add_item(session, world.user, 999_999, 1)
    assert await stored_lines(session, world.user) == {}


async def test_item_withdrawn_after_it_was_added_is_flagged(
    session: AsyncSession, world: World
) -> None:
    await cart.add_item(session, world.user, world.filter.id, 1)
    world.filter.is_active = False
    await session.flush()
    view = await cart.get_cart(session, world.user)
    assert cart.INACTIVE in view.lines[0].warnings


async def test_add_by_article_however_typed(session: AsyncSession, world: World) -> None:
    # lower case, a dash instead of the space, Cyrillic "О" and "С"
    view = await cart.add_by_article(session, world.user, "ос-90", "2")
    assert [(line.product_id, line.quantity) for line in view.lines] == [(world.filter.id, 2)]


async def test_unknown_article(session: AsyncSession, world: World) -> None:
    for article in ("NO-SUCH", "", "  --  "):
        with pytest.raises(InvalidInput) as error:
            await cart.add_by_article(session, world.user, article, 1)
        assert error.value.key == "cart.unknown_article"
    assert await stored_lines(session, world.user) == {}


async def test_ambiguous_article(session: AsyncSession, world: World) -> None:
    await f.product(session, "DUP-1", "Первый", prices={world.price_type: "1"})
    await f.product(session, "DUP.1", "Второй", prices={world.price_type: "2"})
    with pytest.raises(InvalidInput) as error:
        await cart.add_by_article(session, world.user, "dup 1", 1)
    assert error.value.key == "cart.ambiguous_article"
    view = await cart.add_by_article(session, world.user, "DUP.1", 1)  # written exactly
    assert view.lines[0].product.name == "Второй"


async def test_user_without_a_dealer_is_refused(session: AsyncSession, world: World) -> None:
    stranger = await f.user(session)
    with pytest.raises(Forbidden):
        await cart.get_cart(session, stranger)
    with pytest.raises(Forbidden):
        await cart.add_item(session, stranger, world.filter.id, 1)
    with pytest.raises(Forbidden):
        await cart.add_by_article(session, stranger, "OC 90", 1)
    with pytest.raises(Forbidden):
        await cart.clear_cart(session, stranger)
    assert (await session.scalars(select(Cart))).all() == []


async def test_each_person_sees_only_their_cart_at_their_dealer_price(
    session: AsyncSession, world: World
) -> None:
    other_dealer = await f.dealer(session, "ИП Иванов", price_type=world.other_price_type)
    other = await f.user(session, dealer=other_dealer)
    colleague = await f.user(session, dealer=world.dealer)

    await cart.add_item(session, world.user, world.filter.id, 2)
    view = await cart.add_item(session, other, world.filter.id, 1)
    assert [(line.quantity, line.price) for line in view.lines] == [(1, D("150.00"))]
    assert (await cart.get_cart(session, colleague)).is_empty

    await cart.remove_item(session, other, world.filter.id)
    await cart.clear_cart(session, colleague)
    assert await stored_lines(session, world.user) == {world.filter.id: 2}


async def test_a_person_moved_to_another_dealer_starts_empty(
    session: AsyncSession, world: World
) -> None:
    await cart.add_item(session, world.user, world.filter.id, 2)
    new_dealer = await f.dealer(session, "ООО Новый", price_type=world.other_price_type)
    world.user.dealer_id = new_dealer.id
    await session.flush()
    assert (await cart.get_cart(session, world.user)).is_empty
    view = await cart.add_item(session, world.user, world.oil.id, 1)
    assert [line.product_id for line in view.lines] == [world.oil.id]
    assert await stored_lines(session, world.user) == {world.oil.id: 1}


async def test_committed_cart_reads_back_in_a_new_session(
    db: async_sessionmaker[AsyncSession],
) -> None:
    async with db() as session:
        pt = await f.price_type(session)
        wh = await f.warehouse(session)
        dealer = await f.dealer(session, price_type=pt)
        user = await f.user(session, dealer=dealer)
        item = await f.product(session, "K-1", prices={pt: "0.10"}, stock={wh: "1"})
        await cart.add_item(session, user, item.id, 3)
        await session.commit()
        user_id = user.id
    async with db() as session:
        user = await session.get_one(User, user_id)
        view = await cart.get_cart(session, user)
        assert [(line.quantity, line.amount) for line in view.lines] == [(3, D("0.30"))]
        assert view.total == D("0.30")
        assert view.lines[0].warnings == (cart.SHORT_STOCK,)


async def wait_for_a_blocked_query(engine: AsyncEngine) -> None:
    """Return once some query of this database waits for a lock (PostgreSQL)."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with engine.connect() as conn:
            if await conn.scalar(query):
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the second request never waited for the cart lock")


@pytest.mark.postgres
async def test_two_requests_at_once_on_a_new_cart_both_count(
    db: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    """Two taps at once on an empty cart: one creates it, the other waits and adds to it."""
    if engine.dialect.name != "postgresql":
        pytest.skip(POSTGRES_SKIP_REASON)
    async with db() as session:
        pt = await f.price_type(session)
        dealer = await f.dealer(session, price_type=pt)
        user = await f.user(session, dealer=dealer)
        item = await f.product(session, "RACE-1", prices={pt: "1.00"})
        await session.commit()
        user_id, item_id = user.id, item.id

    async with db() as first, db() as second:
        first_user = await first.get_one(User, user_id)
        second_user = await second.get_one(User, user_id)
        await cart.add_item(first, first_user, item_id, 1)  # creates the cart, holds its lock
        waiting = asyncio.create_task(cart.add_item(second, second_user, item_id, 2))
        await wait_for_a_blocked_query(engine)
        assert not waiting.done()
        await first.commit()
        view = await waiting
        await second.commit()
    assert [(line.product_id, line.quantity) for line in view.lines] == [(item_id, 3)]
    async with db() as session:
        assert (await session.scalars(select(Cart))).all()[0].user_id == user_id
        assert await stored_lines(session, await session.get_one(User, user_id)) == {item_id: 3}
