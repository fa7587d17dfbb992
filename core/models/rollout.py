"""The NPS question for pilot dealers, and the indexes the rollout metrics read through."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow
from core.models.claims import Claim
from core.models.orders import Order, SatisfactionResponse


class NpsResponse(Base):
    """A person's answer to "how likely are you to recommend us" (0-10), with a comment.

    ``survey`` names the round the question was sent in (e.g. "2026-11"); one answer per person
    and round, a second tap changes it. The NPS of a period uses each person's latest answer.
    """

    __tablename__ = "nps_responses"
    __table_args__ = (
        Index("uq_nps_responses_user_survey", "user_id", "survey", unique=True),
        Index("ix_nps_responses_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id", ondelete="CASCADE"), index=True)
    score: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# Windows of orders by time (no dealer filter), the first bot order of a dealer, claims and
# poll answers by time: the dashboard reads through these (see bench/dashboard_bench.py).
Index("ix_orders_placed_at", Order.placed_at)
Index("ix_orders_dealer_source_placed", Order.dealer_id, Order.source, Order.placed_at)
Index("ix_claims_created_at", Claim.created_at)
Index("ix_satisfaction_responses_created_at", SatisfactionResponse.created_at)
