"""The one access rule: may this person, now, see or do this.

- `rule`: a person's standing (revoked, their dealer paused, their role inside the dealer);
- `scope`: which dealers (and so which orders and claims) a manager acts on;
- `lifecycle`: pause / resume a dealer, revoke / restore a person, managers' groups, audited.

The bot asks it for every update (bot.middlewares.access), the admin for every page
(admin.web.auth_middleware), and the order and claim services before every staff decision.
"""

from core.access.rule import DealerAction, Standing, Verdict, check_person, role_allows
from core.access.scope import (
    dealer_scope,
    in_scope,
    require_claim_in_scope,
    require_dealer_in_scope,
    require_order_in_scope,
)

__all__ = [
    "DealerAction",
    "Standing",
    "Verdict",
    "check_person",
    "dealer_scope",
    "in_scope",
    "require_claim_in_scope",
    "require_dealer_in_scope",
    "require_order_in_scope",
    "role_allows",
]
