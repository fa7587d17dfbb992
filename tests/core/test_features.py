"""Feature switches set in the admin are enforced by the core services themselves."""

from __future__ import annotations

import pytest

from admin.views.dealers import FEATURES as ADMIN_LABELS
from core.claims.service import ClaimLineInput, file_claim
from core.dealers.features import FEATURES, feature_enabled
from core.errors import Forbidden, InvalidInput
from core.orders.cart_import import import_file
from core.orders.manager import confirm_order
from core.orders.placement import place_order
from core.orders.reorder import reorder
from tests import factories as f
from tests.core.test_orders import CAL, EVENING, WORKING, world


def test_every_switch_has_an_admin_label() -> None:
    assert set(ADMIN_LABELS) == set(FEATURES)


async def test_switched_off_features_are_refused(session) -> None:
    w = await world(session)
    await f.cart(session, w["alice"], {w["filt"]: "2"})
    order = await place_order(session, w["alice"], request_key="f1", calendar=CAL, now=WORKING)
    await confirm_order(session, order.id, w["manager"])
    dealer = w["a"]
    assert all(feature_enabled(dealer, name) for name in FEATURES)  # on unless switched off
    dealer.features = {name: False for name in FEATURES}
    await session.flush()

    with pytest.raises(Forbidden, match="feature.disabled"):
        await file_claim(
            session, w["alice"], order.id, [ClaimLineInput(order.lines[0].id, "defect", 1)]
        )
    with pytest.raises(Forbidden, match="feature.disabled"):
        await reorder(session, w["alice"], order.id)
    with pytest.raises(Forbidden, match="feature.disabled"):
        await import_file(session, w["alice"], b"article;qty\nW 712/75;1\n", "order.csv")

    await f.cart(session, w["alice"], {w["filt"]: "1"})
    with pytest.raises(InvalidInput, match="order.after_hours_disabled"):
        await place_order(session, w["alice"], request_key="f2", calendar=CAL, now=EVENING)
    in_hours = await place_order(session, w["alice"], request_key="f3", calendar=CAL, now=WORKING)
    assert not in_hours.is_after_hours


async def test_other_dealers_switches_do_not_matter(session) -> None:
    w = await world(session)
    w["b"].features = {"claims": False}
    await f.cart(session, w["alice"], {w["filt"]: "1"})
    order = await place_order(session, w["alice"], request_key="g1", calendar=CAL, now=EVENING)
    await confirm_order(session, order.id, w["manager"])
    claim = await file_claim(
        session, w["alice"], order.id, [ClaimLineInput(order.lines[0].id, "defect", 1)]
    )
    assert claim.id and order.is_after_hours
