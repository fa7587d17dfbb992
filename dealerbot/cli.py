"""The `dealerbot` command line: database, demo, service, dealers, invitations, catalog, admin."""

from __future__ import annotations

import argparse
import asyncio
import errno
import getpass
import json
import os
import secrets
import sys
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from core import display, migrate
from core.dealers.invitations import create_invitation, deep_link
from core.dealers.service import create_dealer, get_dealer
from core.dealers.staff import create_staff_account, set_staff_password
from core.errors import InvalidInput
from core.settings import Settings
from dealerbot.app import Services, build_services
from dealerbot.cli_text import cli_sentence, describe_error

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


async def _with_session(settings: Settings, work: Callable[[Any], Awaitable[Any]]) -> Any:
    services = build_services(settings)
    try:
        async with services.sessionmaker() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await services.engine.dispose()


async def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    await migrate.upgrade(settings.database_url, args.revision)
    print(cli_sentence("done.db_at", revision=args.revision))
    return 0


async def cmd_db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    await migrate.downgrade(settings.database_url, args.revision)
    print(cli_sentence("done.db_at", revision=args.revision))
    return 0


async def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.runner import serve

    await serve(settings)
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from dealerbot.demo import load_demo
    from dealerbot.runner import serve

    if args.items < 1:
        raise InvalidInput("demo.bad_items", items=args.items)
    await migrate.upgrade(settings.database_url)
    services: Services = build_services(settings)
    try:
        summary = await load_demo(services.sessionmaker, items=args.items, settings=settings)
    finally:
        await services.engine.dispose()
    print(summary)
    first_login = await _demo_admin(settings)
    if args.no_serve:
        return 0
    await serve(settings, first_login=first_login)
    return 0


async def _demo_admin(settings: Settings) -> str | None:
    """Give the demo a web admin login when there is none yet, and say it once.

    Returns the line naming the login and its password on that first run (None later).
    """
    from sqlalchemy import func, select

    from core.models import StaffAccount

    password = secrets.token_urlsafe(12)

    async def work(session: Any) -> bool:
        if await session.scalar(select(func.count()).select_from(StaffAccount)):
            return False
        await create_staff_account(session, login="admin", password=password)
        return True

    if not await _with_session(settings, work):
        return None
    line = f"вход в админку: логин admin, пароль {password} (показан один раз)"
    print(cli_sentence("done.demo_admin", url=admin_url(settings), password=password))
    return line


def admin_url(settings: Settings) -> str:
    """Where the web admin answers."""
    return f"http://{settings.http_host}:{settings.http_port}/admin/"


async def cmd_dealer_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work(session: Any) -> int:
        dealer = await create_dealer(
            session, name=args.name, inn=args.inn, price_type_name=args.price_type
        )
        return dealer.id

    print(await _with_session(settings, work))
    return 0


async def cmd_invite_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work(session: Any) -> str:
        invitation = await create_invitation(
            session,
            dealer_id=args.dealer,
            role=args.role,
            max_uses=args.uses,
            days=args.days,
        )
        return invitation.token

    token = await _with_session(settings, work)
    print(deep_link(settings.bot_username, token))
    return 0


def _decimal(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


async def cmd_catalog_search(args: argparse.Namespace, settings: Settings) -> int:
    from core.catalog.search import search_products

    async def work(session: Any) -> Any:
        price_type_id = None
        if args.dealer is not None:
            price_type_id = (await get_dealer(session, args.dealer)).price_type_id
        return await search_products(
            session, args.query, price_type_id=price_type_id, page=args.page, page_size=args.limit
        )

    page = await _with_session(settings, work)
    if args.json:
        items = [
            {
                "id": hit.product_id,
                "article": hit.article,
                "name": hit.name,
                "unit": hit.unit,
                "barcode": hit.barcode,
                "price": _decimal(hit.price),
                "currency": hit.currency,
                "stock_total": _decimal(hit.stock_total),
                "stock": {s.warehouse: _decimal(s.quantity) for s in hit.stock},
            }
            for hit in page.items
        ]
        print(
            json.dumps(
                {
                    "kind": page.kind,
                    "corrected": page.corrected,  # the query shown instead, if it was corrected
                    "items": items,  # in rank order, the best first
                    "has_more": page.has_more,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if page.corrected is not None:
        print(cli_sentence("done.search_corrected", query=page.corrected))
    for hit in page.items:
        price = display.money(hit.price, hit.currency)
        stock = display.quantity(hit.stock_total, hit.unit or "")
        print(
            cli_sentence(
                "done.search_line",
                article=hit.article,
                name=hit.name[:50],
                price=price,
                stock=stock,
            )
        )
    if not page.items:
        print(cli_sentence("done.search_empty"))
    return 0


async def cmd_crosses_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import a cross-number CSV: all lines or none; the report per bad line, in Russian."""
    from pathlib import Path

    from core.catalog.crosses_csv import import_crosses

    try:
        data = await asyncio.to_thread(Path(args.file).read_bytes)
    except OSError as error:
        print(f"Не удалось прочитать файл {args.file}: {error.strerror}", file=sys.stderr)
        return 1
    report = await _with_session(settings, lambda session: import_crosses(session, data))
    for problem in report.problems:
        print(f"строка {problem.line}: {problem.reason}", file=sys.stderr)
    if report.problem_count > len(report.problems):
        more = report.problem_count - len(report.problems)
        print(f"... и ещё строк с ошибками: {more}", file=sys.stderr)
    print(report.summary(), file=sys.stdout if report.imported else sys.stderr)
    return 0 if report.imported else 1


def ask_password(given: str | None) -> str:
    """The password from --password, else asked twice without echo (the two must match)."""
    if given is not None:
        return given
    try:
        first = getpass.getpass("Пароль: ")
        if not first.strip():
            raise InvalidInput("staff.password_blank")
        again = getpass.getpass("Пароль ещё раз: ")
    except EOFError:
        raise InvalidInput("staff.password_blank") from None
    if again != first:
        raise InvalidInput("staff.password_mismatch")
    return first


async def cmd_admin_create(args: argparse.Namespace, settings: Settings) -> int:
    password = ask_password(args.password)

    async def work(session: Any) -> tuple[int, str]:
        account = await create_staff_account(
            session, login=args.login, password=password, role=args.role
        )
        return account.id, account.login

    account_id, login = await _with_session(settings, work)
    role = display.label("role", args.role)
    print(cli_sentence("done.staff_created", login=login, role=role, id=account_id))
    return 0


async def cmd_admin_password(args: argparse.Namespace, settings: Settings) -> int:
    password = ask_password(args.password)

    async def work(session: Any) -> str:
        account = await set_staff_password(
            session, login=args.login, password=password, actor="cli"
        )
        return account.login

    login = await _with_session(settings, work)
    print(f"Пароль логина {login} изменён; войти: {admin_url(settings)}")
    return 0


def _require_files(names: Sequence[str]) -> None:
    """FileNotFoundError for the first name that is not a readable file."""
    for name in names:
        if not os.path.isfile(name):
            raise FileNotFoundError(errno.ENOENT, "no such file", name)


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from core.calendar import calendar_from_settings
    from integrations.onec.offline import import_files

    _require_files(args.files)
    services = build_services(settings)
    try:
        result = await import_files(
            services.sessionmaker,
            args.files,
            zone=settings.zone,
            hours=calendar_from_settings(settings),
        )
    finally:
        await services.engine.dispose()
    for name, counts in result.files.items():
        print(cli_sentence("done.import_file", name=name, counts=_counts(counts)))
    for name, error in result.errors.items():
        sentence = cli_sentence("cli.import_failed", path=name, reason=error)
        print(f"Ошибка: {sentence}", file=sys.stderr)
    return 0 if result.ok else 1


def _counts(counts: object) -> str:
    """An import's counts in words: "товаров 12, цен 30" (core.display LABELS exchange_count)."""
    from core.display.exchange import exchange_value

    return exchange_value("", counts)


async def cmd_nps_send(args: argparse.Namespace, settings: Settings) -> int:
    from core.metrics.nps import queue_nps_survey

    async def work(session: Any) -> int:
        return await queue_nps_survey(session, args.survey, wave_id=args.wave)

    queued = await _with_session(settings, work)
    print(cli_sentence("done.nps_queued", survey=args.survey, queued=queued))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (tests call it too)."""
    parser = argparse.ArgumentParser(prog="dealerbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    up = db.add_parser("upgrade", help="migrate to the newest schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    down = db.add_parser("downgrade", help="migrate back to a revision")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)

    demo = sub.add_parser("demo", help="fill an empty database with demo data, then run")
    demo.add_argument("--items", type=int, default=5000)
    demo.add_argument("--no-serve", action="store_true", help="load the data and exit")
    demo.set_defaults(func=cmd_demo)

    sub.add_parser("run", help="run the service (HTTP, bot, scheduler)").set_defaults(func=cmd_run)

    dealer = sub.add_parser("dealer", help="dealers").add_subparsers(dest="dealer", required=True)
    dc = dealer.add_parser("create", help="create a dealer; prints its id")
    dc.add_argument("--name", required=True)
    dc.add_argument("--inn", required=True)
    dc.add_argument("--price-type", dest="price_type")
    dc.set_defaults(func=cmd_dealer_create)

    invite = sub.add_parser("invite", help="invitations").add_subparsers(
        dest="invite", required=True
    )
    ic = invite.add_parser("create", help="create an invitation; prints the t.me deep link")
    ic.add_argument("--dealer", type=int)
    ic.add_argument("--role", choices=["dealer", "manager"], default="dealer")
    ic.add_argument("--uses", type=int, default=1)
    ic.add_argument("--days", type=int)
    ic.set_defaults(func=cmd_invite_create)

    catalog = sub.add_parser("catalog", help="catalog").add_subparsers(
        dest="catalog", required=True
    )
    cs = catalog.add_parser("search", help="search items with a dealer's prices and stock")
    cs.add_argument("query")
    cs.add_argument("--dealer", type=int)
    cs.add_argument("--json", action="store_true")
    cs.add_argument("--page", type=int, default=0)
    cs.add_argument("--limit", type=int, default=10)
    cs.set_defaults(func=cmd_catalog_search)
    crosses = catalog.add_parser("crosses", help="cross numbers (analogs)").add_subparsers(
        dest="crosses", required=True
    )
    ci = crosses.add_parser(
        "import", help="load a CSV article,brand,cross_article,cross_brand (all lines or none)"
    )
    ci.add_argument("file")
    ci.set_defaults(func=cmd_crosses_import)

    admin = sub.add_parser("admin", help="web admin accounts").add_subparsers(
        dest="admin", required=True
    )
    ac = admin.add_parser("create", help="create a staff account")
    ac.add_argument("--login", default="admin")
    ac.add_argument("--password", help="asked for when omitted")
    ac.add_argument("--role", choices=["admin", "manager"], default="admin")
    ac.set_defaults(func=cmd_admin_create)
    ap = admin.add_parser("password", help="set a new password for a login (a forgotten one)")
    ap.add_argument("--login", required=True)
    ap.add_argument("--password", help="asked for twice when omitted")
    ap.set_defaults(func=cmd_admin_password)

    nps = sub.add_parser("nps", help="the NPS question").add_subparsers(dest="nps", required=True)
    ns = nps.add_parser("send", help="queue the question for a wave's people (default: pilot)")
    ns.add_argument("--survey", required=True, help="the round's name, e.g. 2026-11")
    ns.add_argument("--wave", type=int)
    ns.set_defaults(func=cmd_nps_send)

    imp = sub.add_parser("import", help="load CommerceML files offline")
    imp.add_argument("files", nargs="+")
    imp.set_defaults(func=cmd_import)

    from dealerbot.cli_access import add_access_commands

    add_access_commands(sub, dealer)  # dealer pause|resume, user revoke|restore|group
    from dealerbot.cli_broadcast import add_broadcast_commands

    add_broadcast_commands(sub)  # broadcast create|show
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dealerbot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            where = f"{name}: " if name else ""
            print(f"Ошибка настройки: {where}{problem['msg']}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(args.func(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        sentence = describe_error(error)
        if sentence is None:
            raise
        print(f"Ошибка: {sentence}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
