"""`dealerbot broadcast create|show`: a broadcast from the command line, through core.broadcasts
as the admin's compose, "Отправить" and schedule do (same checks of text, audience and time).

The audience is `all`, `pilot` (the pilot wave of the rollout dashboard), `wave:ID` or
`tag:NAME`. `--at` is an ISO time, with a zone or without one (then read in TIMEZONE); a past
time is refused. Without `--at` the recipients' rows are queued at once, for the sender."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import display
from core.access.lifecycle import Actor, record
from core.broadcasts import audience as aud
from core.broadcasts import service
from core.broadcasts.content import Content, visible_text
from core.broadcasts.markup import to_telegram_html
from core.display import LABELS
from core.errors import InvalidInput, NotFound
from core.models import Broadcast, Dealer, PilotWave, utcnow
from core.settings import Settings
from dealerbot.cli_text import cli_sentence

COUNTS = ("queued", "sending", "sent", "failed", "blocked", "unknown", "skipped")


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Actor(login=f"cli:{who}")


def parse_time(value: str, settings: Settings) -> datetime:
    """An ISO time in UTC; one without a zone is read in the configured TIMEZONE."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("cli.broadcast_bad_time", value=value) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=settings.zone)
    return at.astimezone(UTC)


async def parse_audience(session: AsyncSession, spec: str) -> dict[str, Any]:
    """The audience rule of `all`, `pilot`, `wave:ID` or `tag:NAME` (the wave or tag must exist)."""
    from core.metrics.rollout import load_config, resolve_launch

    kind, _, value = spec.strip().partition(":")
    value = value.strip()
    if kind == "all" and not value:
        return {"kind": "all"}
    if kind == "pilot" and not value:
        wave_id = (await resolve_launch(session, await load_config(session))).pilot_wave_id
        if wave_id is None:
            raise InvalidInput("cli.broadcast_no_pilot")
        return {"kind": "waves", "ids": [wave_id]}
    if kind == "wave" and value:
        if not value.isdigit():
            raise InvalidInput("cli.broadcast_bad_audience", spec=spec)
        if await session.get(PilotWave, int(value)) is None:
            raise NotFound("wave.not_found", wave_id=int(value))
        return {"kind": "waves", "ids": [int(value)]}
    if kind == "tag" and value:
        tags = await session.scalars(select(Dealer.tags))
        if not any(isinstance(t, dict) and t.get(value) for t in tags):
            raise NotFound("cli.broadcast_unknown_tag", tag=value)
        return {"kind": "tags", "values": [value]}
    raise InvalidInput("cli.broadcast_bad_audience", spec=spec)


async def cmd_broadcast_create(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    at = parse_time(args.at, settings) if args.at is not None else None
    text = to_telegram_html(args.text) if args.markup else args.text

    async def work(session: AsyncSession) -> tuple[int, str]:
        rule = await parse_audience(session, args.audience)
        title = args.title or (visible_text(text).strip().splitlines() or [""])[0][:60]
        item = await service.save_draft(
            session, None, title=title, content=Content(text=text), audience=rule, staff_id=None
        )
        actor = _actor()
        record(session, actor, "broadcast.create", "broadcast", item.id, audience=item.audience)
        if at is not None:
            await service.schedule(session, item, at)
            record(session, actor, "broadcast.schedule", "broadcast", item.id, at=at.isoformat())
            await session.commit()
            when = f"{display.moment(item.scheduled_at, settings.zone)} ({settings.timezone})"
            return item.id, cli_sentence("done.broadcast_scheduled", id=item.id, at=when)
        now = utcnow()
        if (await aud.size(session, aud.Audience.parse(item.audience))).recipients == 0:
            raise InvalidInput("broadcast.no_recipients")
        await service.schedule(session, item, now, now)
        record(session, actor, "broadcast.send", "broadcast", item.id, audience=item.audience)
        await session.commit()
        broadcast_id = item.id
        await service.start(session, broadcast_id, now)
        tally = await service.tally(session, broadcast_id)
        return broadcast_id, cli_sentence(
            "done.broadcast_queued", id=broadcast_id, queued=tally.queued, total=tally.total
        )

    broadcast_id, said = await _with_session(settings, work)
    print(broadcast_id)  # the id alone on the first line, for scripts
    print(said)
    return 0


async def cmd_broadcast_show(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: AsyncSession) -> list[str]:
        item = await session.get(Broadcast, args.id)
        if item is None:
            raise NotFound("cli.broadcast_not_found", broadcast_id=args.id)
        tally = await service.tally(session, item.id)
        state = display.label("broadcast_state", item.state)
        lines = [cli_sentence("done.broadcast_head", id=item.id, title=item.title, state=state)]
        if item.scheduled_at is not None:
            when = display.moment(item.scheduled_at, settings.zone)
            lines.append(cli_sentence("done.broadcast_start", at=when, zone=settings.timezone))
        lines.append(cli_sentence("done.broadcast_total", total=tally.total))
        counts = tally.as_json()
        labels = LABELS["delivery_state"]
        lines += [
            cli_sentence("done.broadcast_count", label=labels[k], n=counts[k]) for k in COUNTS
        ]
        return lines

    for line in await _with_session(settings, work):
        print(line)
    return 0


def add_broadcast_commands(sub: Any) -> None:
    """Add `broadcast create` and `broadcast show`."""
    broadcast = sub.add_parser("broadcast", help="broadcasts").add_subparsers(
        dest="broadcast", required=True
    )
    create = broadcast.add_parser(
        "create", help="send now (or at --at) to an audience; prints the id"
    )
    create.add_argument("--text", required=True, help="Telegram HTML (<b>, <i>, <a href>...)")
    create.add_argument("--markup", action="store_true", help="the text is the admin's markup")
    create.add_argument("--audience", default="all", help="all | pilot | wave:ID | tag:NAME")
    create.add_argument("--at", help="ISO time; without a zone read in TIMEZONE")
    create.add_argument("--title", help="the name in the admin (default: the text's start)")
    create.set_defaults(func=cmd_broadcast_create)
    show = broadcast.add_parser("show", help="a broadcast's state and counts")
    show.add_argument("id", type=int)
    show.set_defaults(func=cmd_broadcast_show)
