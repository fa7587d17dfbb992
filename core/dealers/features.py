"""Per-dealer feature switches (set in the admin): a missing switch means the feature is on."""

from __future__ import annotations

from core.errors import Forbidden
from core.models import Dealer

CLAIMS = "claims"
CART_IMPORT = "cart_import"
REORDER = "reorder"
AFTER_HOURS_ORDERS = "after_hours_orders"
FEATURES = (CLAIMS, CART_IMPORT, REORDER, AFTER_HOURS_ORDERS)


def feature_enabled(dealer: Dealer, feature: str) -> bool:
    """True unless the admin switched the feature off for this dealer."""
    if feature not in FEATURES:
        raise ValueError(f"unknown feature {feature!r}")
    return bool((dealer.features or {}).get(feature, True))


def require_feature(dealer: Dealer, feature: str) -> None:
    """Forbidden `feature.disabled` when the feature is off for the dealer."""
    if not feature_enabled(dealer, feature):
        raise Forbidden("feature.disabled", feature=feature)
