"""`dealerbot dealer pause|resume`, `dealerbot user revoke|restore|group`: core.access from the
command line (audited as `cli:<OS user>`). Errors are core's domain errors."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Awaitable, Callable
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


# command -> (core.access.lifecycle change, the argument naming its object, what is said after)
CHANGES: dict[str, tuple[Callable[..., Awaitable[Any]], str, str]] = {
    "dealer.pause": (pause_dealer, "id", "done.dealer_paused"),
    "dealer.resume": (resume_dealer, "id", "done.dealer_resumed"),
    "user.revoke": (revoke_person, "telegram_id", "done.user_revoked"),
    "user.restore": (restore_person, "telegram_id", "done.user_restored"),
}


def _change(name: str) -> Callable[[argparse.Namespace, Settings], Awaitable[int]]:
    """The command running one lifecycle change, audited as the OS user, said in Russian."""
    change, key, said = CHANGES[name]

    async def command(args: argparse.Namespace, settings: Settings) -> int:
        from dealerbot.cli import _with_session

        target = getattr(args, key)

        async def work(session: Any) -> str:
            row = await change(session, target, _actor(), reason=args.reason or "")
            return str(getattr(row, "name", None) or getattr(row, "full_name", ""))

        name_of = await _with_session(settings, work)
        print(cli_sentence(said, id=target, name=name_of))
        return 0

    return command


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
    pause.set_defaults(func=_change("dealer.pause"))
    resume = dealer.add_parser("resume", help="resume a paused dealer")
    resume.add_argument("id", type=int)
    resume.add_argument("--reason")
    resume.set_defaults(func=_change("dealer.resume"))

    user = sub.add_parser("user", help="people of the bot").add_subparsers(
        dest="user", required=True
    )
    revoke = user.add_parser("revoke", help="cut a person off at once (invitations included)")
    revoke.add_argument("telegram_id", type=int)
    revoke.add_argument("--reason")
    revoke.set_defaults(func=_change("user.revoke"))
    restore = user.add_parser("restore", help="re-admit a revoked person")
    restore.add_argument("telegram_id", type=int)
    restore.add_argument("--reason")
    restore.set_defaults(func=_change("user.restore"))
    group = user.add_parser("group", help="put a manager in a group (shares their dealers)")
    group.add_argument("telegram_id", type=int)
    group.add_argument("group", nargs="?", help="the group's name; omit to take them out")
    group.set_defaults(func=cmd_user_group)
