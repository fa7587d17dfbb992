"""Saved order lists: per dealer, shared by its people, ordered from with the reorder diff."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from core.errors import InvalidInput, NotFound
from core.models import Price, Product, SavedList, SavedListLine
from core.orders.cart import get_cart
from core.orders.reorder import LineChange
from core.orders.saved_lists import (
    MAX_NAME,
    clean_name,
    delete_list,
    get_list,
    list_lists,
    order_from_list,
    rename_list,
    save_cart,
)
from tests import factories as f


async def world(session):
    """Dealer A with two people, dealer B with one, two priced items."""
    pt = await f.price_type(session)
    wh = await f.warehouse(session)
    a = await f.dealer(session, "ООО Альфа", price_type=pt)
    b = await f.dealer(session, "ООО Бета", price_type=pt)
    alice, anna = await f.user(session, dealer=a), await f.user(session, dealer=a)
    bob = await f.user(session, dealer=b)
    filt = await f.product(session, "W 712/75", "Фильтр", prices={pt: "450.50"}, stock={wh: "10"})
    pads = await f.product(session, "0 986", "Колодки", prices={pt: "1999.99"}, stock={wh: "2"})
    return {"alice": alice, "anna": anna, "bob": bob, "filt": filt, "pads": pads}


async def forget(session, w) -> None:
    """Forget what the session holds (the rows were changed behind its back), keep `w`."""
    session.expire_all()
    for item in w.values():
        await session.refresh(item)


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_a_list_is_the_dealers_shared_by_its_people_and_hidden_from_others(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "4", w["pads"]: "1"})
    saved, replaced = await save_cart(session, w["alice"], "  Заказ   на неделю ")
    assert not replaced and saved.name == "Заказ на неделю"
    # a colleague sees and opens it; lines keep the price they had when saved
    (summary,) = await list_lists(session, w["anna"])
    assert (summary.id, summary.name, summary.line_count) == (saved.id, "Заказ на неделю", 2)
    opened = await get_list(session, w["anna"], saved.id)
    assert [(ln.article, ln.quantity, ln.price) for ln in opened.lines] == [
        ("W 712/75", Decimal("4"), Decimal("450.50")),
        ("0 986", Decimal("1"), Decimal("1999.99")),
    ]
    # another dealer's person sees nothing and cannot touch it
    assert await list_lists(session, w["bob"]) == []
    for action in (
        get_list(session, w["bob"], saved.id),
        order_from_list(session, w["bob"], saved.id),
        rename_list(session, w["bob"], saved.id, "Моё"),
        delete_list(session, w["bob"], saved.id),
    ):
        with pytest.raises(NotFound):
            await action
    assert (await get_list(session, w["alice"], saved.id)).name == "Заказ на неделю"


async def test_same_name_is_refused_unless_replaced(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "4"})
    first, _ = await save_cart(session, w["alice"], "Заказ на неделю")
    await f.cart(session, w["anna"], {w["pads"]: "2"})
    with pytest.raises(InvalidInput) as taken:
        await save_cart(session, w["anna"], "ЗАКАЗ на  неделю")  # same name, folded
    assert taken.value.key == "saved_list.name_taken"
    assert taken.value.params["name"] == "Заказ на неделю"
    assert [ln.article for ln in (await get_list(session, w["alice"], first.id)).lines] == [
        "W 712/75"
    ]
    again, replaced = await save_cart(session, w["anna"], "заказ на неделю", replace=True)
    assert replaced and again.id == first.id
    lines = (await get_list(session, w["alice"], first.id)).lines
    assert [(ln.article, ln.quantity) for ln in lines] == [("0 986", Decimal("2"))]
    assert await count(session, SavedList) == 1


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "saved_list.name_empty"),
        ("  \t ", "saved_list.name_empty"),
        ("я" * (MAX_NAME + 1), "saved_list.name_too_long"),
    ],
)
async def test_bad_names_change_nothing(session, name: str, key: str) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    with pytest.raises(InvalidInput) as error:
        await save_cart(session, w["alice"], name)
    assert error.value.key == key
    assert await count(session, SavedList) == 0


async def test_an_empty_cart_is_not_saved(session) -> None:
    w = await world(session)
    with pytest.raises(InvalidInput) as error:
        await save_cart(session, w["alice"], "Пустой")
    assert error.value.key == "saved_list.cart_empty"
    assert await count(session, SavedList) == 0


def test_control_characters_are_dropped_from_a_name() -> None:
    assert clean_name("Неделя\u0000\u200b 1\n") == ("Неделя 1", "неделя 1")
    assert clean_name("Ёлка")[1] == clean_name("елка")[1]


async def test_rename_and_delete(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    week, _ = await save_cart(session, w["alice"], "Неделя")
    month, _ = await save_cart(session, w["alice"], "Месяц")
    with pytest.raises(InvalidInput) as taken:
        await rename_list(session, w["anna"], week.id, "месяц")
    assert taken.value.key == "saved_list.name_taken"
    renamed = await rename_list(session, w["anna"], week.id, "Неделя (пн)")
    assert renamed.name == "Неделя (пн)" and renamed.updated_by_id == w["anna"].id
    assert [s.name for s in await list_lists(session, w["alice"])] == ["Месяц", "Неделя (пн)"]
    assert await delete_list(session, w["anna"], month.id) == "Месяц"
    assert [s.name for s in await list_lists(session, w["alice"])] == ["Неделя (пн)"]
    assert await count(session, SavedListLine) == 1
    with pytest.raises(NotFound):
        await get_list(session, w["alice"], month.id)


async def test_ordering_from_a_list_fills_the_cart_with_the_diff(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "4", w["pads"]: "3"})
    saved_id = (await save_cart(session, w["alice"], "Неделя"))[0].id
    # since then: the filter costs more, the pads are short, then withdrawn for a second list
    await session.execute(
        update(Price).where(Price.product_id == w["filt"].id).values(value=Decimal("480"))
    )
    await forget(session, w)
    result = await order_from_list(session, w["anna"], saved_id)  # a colleague orders from it
    assert result.name == "Неделя" and result.added_count == 2
    diff = {line.article: line for line in result.lines}
    assert diff["W 712/75"].changes == [LineChange.PRICE_UP]
    assert (diff["W 712/75"].old_price, diff["W 712/75"].new_price) == (
        Decimal("450.50"),
        Decimal("480.00"),
    )
    assert diff["0 986"].changes == [LineChange.SHORT_STOCK]
    view = await get_cart(session, w["anna"])
    assert [(ln.product.article, ln.quantity) for ln in view.lines] == [
        ("W 712/75", Decimal("4")),
        ("0 986", Decimal("3")),
    ]
    assert view.reorder_of_id is None

    await session.execute(update(Product).where(Product.id == w["pads"].id).values(is_active=False))
    await forget(session, w)
    again = await order_from_list(session, w["anna"], saved_id)
    assert [line.changes for line in again.lines][1] == [LineChange.NOT_SOLD]
    assert again.added_count == 1
    view = await get_cart(session, w["anna"])
    assert [line.product.article for line in view.lines] == ["W 712/75"]
    # the list itself is untouched by ordering from it
    assert len((await get_list(session, w["alice"], saved_id)).lines) == 2
