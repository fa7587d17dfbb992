"""Human-readable numbers of orders and claims."""

from __future__ import annotations

import uuid


def order_number(order_id: int) -> str:
    """The number a dealer and a manager see, e.g. `DB-000123`."""
    return f"DB-{order_id:06d}"


def claim_number(claim_id: int) -> str:
    """The number of a claim, e.g. `RK-000045`."""
    return f"RK-{claim_id:06d}"


def provisional_number() -> str:
    """A unique placeholder until the row has its id (numbers derive from ids)."""
    return "tmp-" + uuid.uuid4().hex[:24]
