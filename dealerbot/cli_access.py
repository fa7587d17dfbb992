"""`dealerbot dealer pause|resume`, `dealerbot user revoke|restore|group`: core.access from the
command line (audited as `cli:<OS user>`). Errors are core's domain errors."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from core.access.lifecycle import (
    Actor,
    pause_dealer,
    restore_person,
    resume_dealer,
    revoke_person,
    set_manager_group,
)
from core.settings import Settings
from dealerbot.cli_text import cli_sentence


def _actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Actor(login=f"cli:{who}")


async def cmd_dealer_pause(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: Any) -> str:
        dealer = await pause_dealer(session, args.id, _actor(), reason=args.reason or "")
        return dealer.name

    name = await _with_session(settings, work)
    print(cli_sentence("done.dealer_paused", id=args.id, name=name))
    return 0


async def cmd_dealer_resume(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: Any) -> str:
        dealer = await resume_dealer(session, args.id, _actor(), reason=args.reason or "")
        return dealer.name

    name = await _with_session(settings, work)
    print(cli_sentence("done.dealer_resumed", id=args.id, name=name))
    return 0


async def cmd_user_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: Any) -> str:
        user = await revoke_person(session, args.telegram_id, _actor(), reason=args.reason or "")
        return user.full_name

    name = await _with_session(settings, work)
    print(cli_sentence("done.user_revoked", id=args.telegram_id, name=name))
    return 0


async def cmd_user_restore(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: Any) -> str:
        user = await restore_person(session, args.telegram_id, _actor(), reason=args.reason or "")
        return user.full_name

    name = await _with_session(settings, work)
    print(cli_sentence("done.user_restored", id=args.telegram_id, name=name))
    return 0


async def cmd_user_group(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.cli import _with_session

    async def work(session: Any) -> str | None:
        user = await set_manager_group(session, args.telegram_id, args.group, _actor())
        return user.manager_group

    group = await _with_session(settings, work)
    print(cli_sentence("done.user_group", id=args.telegram_id, group=group or "нет"))
    return 0


def add_access_commands(sub: Any, dealer: Any) -> None:
    """Add `dealer pause|resume` to the dealer commands and the `user` command group."""
    pause = dealer.add_parser("pause", help="pause a dealer: no prices, no orders in the bot")
    pause.add_argument("id", type=int)
    pause.add_argument("--reason", help="shown to the dealer's people")
    pause.set_defaults(func=cmd_dealer_pause)
    resume = dealer.add_parser("resume", help="resume a paused dealer")
    resume.add_argument("id", type=int)
    resume.add_argument("--reason")
    resume.set_defaults(func=cmd_dealer_resume)

    user = sub.add_parser("user", help="people of the bot").add_subparsers(
        dest="user", required=True
    )
    revoke = user.add_parser("revoke", help="cut a person off at once (invitations included)")
    revoke.add_argument("telegram_id", type=int)
    revoke.add_argument("--reason")
    revoke.set_defaults(func=cmd_user_revoke)
    restore = user.add_parser("restore", help="re-admit a revoked person")
    restore.add_argument("telegram_id", type=int)
    restore.add_argument("--reason")
    restore.set_defaults(func=cmd_user_restore)
    group = user.add_parser("group", help="put a manager in a group (shares their dealers)")
    group.add_argument("telegram_id", type=int)
    group.add_argument("group", nargs="?", help="the group's name; omit to take them out")
    group.set_defaults(func=cmd_user_group)
