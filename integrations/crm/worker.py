"""The CRM worker: drains the `crm.*` outbox rows into the CRM port, safely for several workers.

A row is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE everywhere) by
setting its state to `claimed` with a lease; a worker that dies leaves the row to be taken
again when the lease ends. Every CRM id is stored (and committed) as soon as the portal gives
it, and the adapter looks up by ORIGIN_ID / INN before creating, so a retry or a restart at
any point never makes a second company or deal. Network errors, 5xx and QUERY_LIMIT_EXCEEDED
are retried later with exponential backoff; a refused webhook pauses the whole sync (one
error row) until an admin retries (core.crm_sync.resume).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import crm_events, crm_sync, sandbox
from core.models import Claim, Order, OutboxEvent, utcnow
from core.settings import Settings
from integrations.crm import cards
from integrations.crm.port import CrmAuthError, CrmFailure, CrmPort, CrmRetryable

log = logging.getLogger("integrations.crm.worker")
CLAIMED = "claimed"


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s, ... up to 30 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 1800))


class CrmWorker:
    """One CRM consumer of the outbox; as many as you like may run at once."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        port: CrmPort,
        settings: Settings,
        *,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 10,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.port = port
        self.settings = settings
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts

    async def run_forever(self, stop: asyncio.Event, every: float = 2.0) -> None:
        """Drain until `stop` is set."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("crm drain failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim due rows and push them; rows done."""
        async with self.sessionmaker() as session:
            if await crm_sync.pause(session) is not None:
                return 0
        done = 0
        for event_id in await self._claim(now or utcnow()):
            outcome = await self._process(event_id)
            done += outcome == "done"
            if outcome == "paused":
                break
        return done

    async def _claim(self, now: datetime) -> list[int]:
        async with self.sessionmaker() as session:
            due = or_(OutboxEvent.state == "pending", OutboxEvent.state == CLAIMED)
            ids = list(
                await session.scalars(
                    select(OutboxEvent.id)
                    .where(
                        OutboxEvent.kind.in_(crm_events.KINDS),
                        due,
                        OutboxEvent.available_at <= now,
                    )
                    .order_by(OutboxEvent.id)
                    .limit(self.batch)
                    .with_for_update(skip_locked=True)
                )
            )
            taken = []
            for event_id in ids:
                result = await session.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id == event_id, due, OutboxEvent.available_at <= now)
                    .values(state=CLAIMED, available_at=now + self.lease)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    taken.append(event_id)
            await session.commit()
        return taken

    async def _process(self, event_id: int) -> str:
        async with self.sessionmaker() as session:
            event = await session.get_one(OutboxEvent, event_id)
            kind, payload, attempts = event.kind, dict(event.payload), event.attempts
            if await sandbox.concerns_sandbox(session, event):  # e.g. a sandbox order confirmed
                await self._finish(session, event_id, "skipped", "sandbox")  # in the admin
                await session.commit()
                return "skipped"
        entity, local_id = _subject(kind, payload)
        try:
            await self._push(kind, payload)
        except CrmAuthError as error:
            async with self.sessionmaker() as session:
                if await crm_sync.set_paused(session, str(error)):
                    crm_sync.record_error(session, "portal", None, "auth", str(error))
                    log.error("crm webhook refused, sync paused: %s", error)
                await self._release(session, event_id, attempts, delay=timedelta(0), count=False)
                await session.commit()
            return "paused"
        except CrmFailure as error:
            retry = isinstance(error, CrmRetryable) and attempts + 1 < self.max_attempts
            async with self.sessionmaker() as session:
                crm_sync.record_error(session, entity, local_id, error.kind, str(error))
                await crm_sync.remember(
                    session,
                    entity,
                    local_id,
                    state="pending" if retry else "failed",
                    error=str(error),
                )
                if retry:
                    await self._release(session, event_id, attempts, delay=backoff(attempts + 1))
                else:
                    await self._finish(session, event_id, "failed", str(error))
                await session.commit()
            log.warning("crm push failed event=%s retry=%s: %s", event_id, retry, error)
            return "failed"
        async with self.sessionmaker() as session:
            await self._finish(session, event_id, "done", None)
            await session.commit()
        return "done"

    async def _release(
        self,
        session: AsyncSession,
        event_id: int,
        attempts: int,
        *,
        delay: timedelta,
        count: bool = True,
    ) -> None:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id)
            .values(
                state="pending",
                attempts=attempts + 1 if count else attempts,
                available_at=utcnow() + delay,
            )
            .execution_options(synchronize_session=False)
        )

    async def _finish(
        self, session: AsyncSession, event_id: int, state: str, error: str | None
    ) -> None:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id)
            .values(
                state=state,
                processed_at=utcnow(),
                attempts=OutboxEvent.attempts + 1,
                last_error=error[:1000] if error else None,
            )
            .execution_options(synchronize_session=False)
        )

    # ------------------------------------------------------------------ what each row does
    async def _push(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == crm_events.ORDER:
            await self.push_order(int(payload["order_id"]), payload.get("cause", ""))
        elif kind == crm_events.DEALER:
            await self.push_dealer(int(payload["dealer_id"]), recheck=True)
        elif kind == crm_events.CLAIM:
            await self.push_note("claim", int(payload["claim_id"]), payload)
        elif kind == crm_events.CONTACT:
            await self.push_note("contact", int(payload["contact_id"]), payload)

    async def push_dealer(self, dealer_id: int, *, recheck: bool = False) -> str:
        """The dealer's company (and its people as contacts); its CRM id."""
        async with self.sessionmaker() as session:
            known = await crm_sync.link(session, "dealer", dealer_id)
            if known is not None and known.crm_id and known.state == "synced" and not recheck:
                return known.crm_id
            card = await cards.dealer_card(session, self.settings, dealer_id)
            known_people = {
                k: v.crm_id
                for k, v in (
                    await crm_sync.links(session, "person", [p.id for p in card.people])
                ).items()
                if v.crm_id
            }
        company_id = await self.port.sync_company(card, known.crm_id if known else None)
        async with self.sessionmaker() as session:  # stored before anything else is asked
            await crm_sync.remember(session, "dealer", dealer_id, crm_id=company_id, state="synced")
            await session.commit()
        people = await self.port.sync_people(card, company_id, known_people)
        async with self.sessionmaker() as session:
            for person_id, crm_id in people.items():
                if person_id not in known_people:
                    await crm_sync.remember(
                        session, "person", person_id, crm_id=crm_id, state="synced"
                    )
            await session.commit()
        return company_id

    async def push_order(self, order_id: int, cause: str = "") -> str:
        """The order's deal with its rows and stage; its CRM id."""
        async with self.sessionmaker() as session:
            order: Order = await cards.load_order(session, order_id)
            card = await cards.order_card(session, self.settings, order)
            known = await crm_sync.link(session, "order", order_id)
            dealer_id = order.dealer_id
        company_id = await self.push_dealer(dealer_id)
        known_id = known.crm_id if known else None
        if known_id and cause == "order.status":
            await self.port.move_stage(known_id, card.stage)
            deal_id = known_id
        else:
            deal_id = await self.port.sync_deal(card, company_id, known_id)
        async with self.sessionmaker() as session:
            await crm_sync.remember(session, "order", order_id, crm_id=deal_id, state="synced")
            await session.commit()
        return deal_id

    async def push_note(self, entity: str, local_id: int, payload: dict[str, Any]) -> str:
        """A claim or a logged contact as an activity on the dealer's company."""
        async with self.sessionmaker() as session:
            known = await crm_sync.link(session, entity, local_id)
            if entity == "claim":
                note = await cards.claim_note(session, self.settings, local_id)
                dealer_id = (await session.get_one(Claim, local_id)).dealer_id
            else:
                note = cards.contact_note(self.settings, payload)
                dealer_id = int(payload["dealer_id"])
        company_id = await self.push_dealer(dealer_id)
        crm_id = await self.port.add_note(note, company_id, known.crm_id if known else None)
        async with self.sessionmaker() as session:
            await crm_sync.remember(session, entity, local_id, crm_id=crm_id, state="synced")
            await session.commit()
        return crm_id


def _subject(kind: str, payload: dict[str, Any]) -> tuple[str, int]:
    for entity in ("order", "dealer", "claim", "contact"):
        if f"{entity}_id" in payload and kind.endswith(entity):
            return entity, int(payload[f"{entity}_id"])
    return "portal", 0


def build_worker(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> CrmWorker | None:
    """The Bitrix24 worker when BITRIX24_WEBHOOK_URL is set, else None."""
    if settings.bitrix24_webhook_url is None:
        return None
    from integrations.crm.bitrix24 import Bitrix24

    adapter = Bitrix24(
        settings.bitrix24_webhook_url.get_secret_value(),
        requests_per_second=settings.bitrix24_requests_per_second,
        claims_category_id=settings.bitrix24_claims_category_id,
    )
    return CrmWorker(sessionmaker, adapter, settings)
