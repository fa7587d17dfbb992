"""The sandbox rule, in one place: what /admin/sandbox creates is marked, and outside effects
skip what is marked.

- A sandbox person is a User whose Telegram id is in the sandbox range (SANDBOX_BASE and up):
  a stand-in for a real person (`User.sandbox_of_id`: same dealer, role, legal entity, and the
  manager scope of the original) or a stranger. Real Telegram ids are far below the range, so a
  real bot never writes to a sandbox chat and the sandbox never to a real one.
- While an update of a sandbox chat runs (`playing()`), what core creates is marked:
  `Order.is_sandbox`, `Claim.is_sandbox`, `OutboxEvent.is_sandbox`.
- Marked things never reach 1C (core.orders.onec_sync), the CRM (`skips` is the hook for the CRM
  emitter), broadcasts (audiences take real people only), real chats (the Telegram sender takes
  real events and real chat ids only) or the metrics.
- `reset` removes every marked thing and every sandbox person, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import (
    Application,
    Claim,
    Delivery,
    Order,
    OutboxEvent,
    SandboxFile,
    SandboxMessage,
    User,
)

SANDBOX_BASE = 7_000_000_000_000  # Telegram ids of people and groups stay far below
_playing: ContextVar[bool] = ContextVar("sandbox_playing", default=False)


@contextmanager
def playing() -> Iterator[None]:
    """Mark everything core creates inside the block as sandbox."""
    token = _playing.set(True)
    try:
        yield
    finally:
        _playing.reset(token)


def active() -> bool:
    """True inside `playing()`."""
    return _playing.get()


def is_sandbox_chat(chat_id: int | None) -> bool:
    """True for a sandbox person's chat (and Telegram id)."""
    return chat_id is not None and chat_id >= SANDBOX_BASE


def real_people() -> ColumnElement[bool]:
    """The condition on `User` of real people (for audiences: broadcasts, metrics)."""
    return or_(User.telegram_id.is_(None), User.telegram_id < SANDBOX_BASE)


def people_of_mode() -> ColumnElement[bool]:
    """Real people outside the sandbox, sandbox people inside it (notification routing)."""
    if active():
        return User.telegram_id >= SANDBOX_BASE
    return User.telegram_id < SANDBOX_BASE


def skips(event: OutboxEvent | dict[str, Any]) -> bool:
    """True when an outside system (CRM, 1C) must skip this outbox event: it was emitted
    while playing the sandbox. The CRM emitter calls this once per event."""
    if isinstance(event, OutboxEvent):
        return bool(event.is_sandbox)
    return bool(event.get("is_sandbox"))


async def concerns_sandbox(session: AsyncSession, event: OutboxEvent) -> bool:
    """True when the event is the sandbox's: emitted while playing, or about a marked order or
    claim (an admin confirming a sandbox order on the web emits a real-looking event)."""
    if event.is_sandbox:
        return True
    payload = event.payload or {}
    if payload.get("order_id") is not None:
        marked = await session.scalar(
            select(Order.is_sandbox).where(Order.id == int(payload["order_id"]))
        )
        if marked:
            return True
    if payload.get("claim_id") is not None:
        marked = await session.scalar(
            select(Claim.is_sandbox).where(Claim.id == int(payload["claim_id"]))
        )
        if marked:
            return True
    return False


async def stand_in(session: AsyncSession, original_id: int) -> User:
    """The sandbox person playing a real person (made on first use)."""
    found = await session.scalar(select(User).where(User.sandbox_of_id == original_id))
    if found is not None:
        return found
    original = await session.get(User, original_id)
    if original is None or original.sandbox_of_id is not None:
        raise LookupError(original_id)
    person = User(
        telegram_id=await _next_id(session),
        role=original.role,
        dealer_id=original.dealer_id,
        full_name=original.full_name,
        phone=original.phone,
        language=original.language,
        active_legal_entity_id=original.active_legal_entity_id,
        manager_group=original.manager_group,
        dealer_role=original.dealer_role,
        sandbox_of_id=original.id,
    )
    session.add(person)
    await session.flush()
    return person


async def stranger_id(session: AsyncSession) -> int:
    """A new sandbox Telegram id that nobody has: a stranger writing to the bot."""
    return await _next_id(session)


async def _next_id(session: AsyncSession) -> int:
    taken = await session.scalar(
        select(func.max(User.telegram_id)).where(User.telegram_id >= SANDBOX_BASE)
    )
    chats = await session.scalar(
        select(func.max(SandboxMessage.chat_id)).where(SandboxMessage.chat_id >= SANDBOX_BASE)
    )
    return max(taken or SANDBOX_BASE, chats or SANDBOX_BASE) + 1


async def reset(session: AsyncSession) -> dict[str, int]:
    """Remove every marked thing and sandbox person (the caller audits and commits)."""
    counts: dict[str, int] = {}
    sandbox_people = select(User.id).where(User.telegram_id >= SANDBOX_BASE)
    steps: list[tuple[str, Any]] = [
        ("deliveries", delete(Delivery).where(Delivery.chat_id >= SANDBOX_BASE)),
        ("claims", delete(Claim).where(Claim.is_sandbox.is_(True))),
        ("orders", delete(Order).where(Order.is_sandbox.is_(True))),
        ("outbox", delete(OutboxEvent).where(OutboxEvent.is_sandbox.is_(True))),
        ("applications", delete(Application).where(Application.telegram_id >= SANDBOX_BASE)),
        ("messages", delete(SandboxMessage)),
        ("files", delete(SandboxFile)),
    ]
    # people last: orders and claims of sandbox people are marked, and so gone already
    await session.execute(
        update(User).where(User.id.in_(sandbox_people)).values(active_legal_entity_id=None)
    )
    for name, statement in steps:
        result = await session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(
        delete(User)
        .where(User.telegram_id >= SANDBOX_BASE)
        .execution_options(synchronize_session=False)
    )
    counts["people"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts
