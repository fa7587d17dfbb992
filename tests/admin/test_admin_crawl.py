"""The whole admin on demo data, as an admin and as a manager: every same-site link under
/admin/ (menus, pagers, filters, detail pages) is fetched and read.

It fails on a server error, a broken link (a link on a page that answers 404 or 403), and on
anything a person should not read in the visible text: an exponent number (`1E+1`), `None`,
`True`/`False`, an ISO timestamp, a raw message key, or an English status/enum word.
Text inside `.mono` and `<code>` (logins, INNs, codes shown as such) is not read."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import lxml.html
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin.messages import TEXTS
from bot.i18n import LOCALES, read_catalog
from core.display import LABELS
from core.models import Dealer, Role
from dealerbot.demo import load_demo
from tests.admin.conftest import Browser, new_browser, staff

MAX_PAGES = 700  # a bound on the whole crawl of one login
PER_ROUTE = 6  # distinct pages of one route shape (/admin/orders/{id}) that are read
PER_PATH = 6  # distinct queries of one path (filters, pages) that are read
SKIP = ("/admin/logout", "/admin/login")
BINARY = (".png", ".xlsx", ".jpg", "/photo", "/qr.png")

EXPONENT = re.compile(r"\b\d+(?:[.,]\d+)?E[+-]?\d+\b")
PYTHON_WORDS = re.compile(r"\b(None|True|False|nan|NaN|null)\b")
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|\b)")
# Stored values that have a Russian label: seen as words in the text, they are untranslated.
ENGLISH = {
    value
    for kind, values in LABELS.items()
    if kind != "bool"
    for value in values
    if re.fullmatch(r"[a-z_]{3,}", value)
}
ENGLISH_WORDS = re.compile(r"(?<![\w/.-])(" + "|".join(sorted(ENGLISH)) + r")(?![\w/.-])")


def _message_keys() -> set[str]:
    keys = set(TEXTS)
    for locale in LOCALES:
        keys.update(read_catalog(locale))
    return {k for k in keys if "." in k}


KEYS = _message_keys()
KEY_TOKEN = re.compile(r"(?<![\w/@.-])[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+(?![\w/@-])")


@dataclass
class Crawl:
    """What one login saw."""

    problems: dict[tuple[str, str], str] = field(default_factory=dict)  # (route, kind): what
    seen: set[str] = field(default_factory=set)
    per_route: Counter[str] = field(default_factory=Counter)
    per_path: Counter[str] = field(default_factory=Counter)
    fetched: int = 0

    def note(self, where: str, kind: str, what: str) -> None:
        """One problem per route shape and kind (the first page that shows it)."""
        self.problems.setdefault((_route(urlsplit(where).path), kind), f"{where}: {kind} {what}")


def _route(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def _key(url: str) -> str:
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def _visible_text(body: str) -> str:
    tree = lxml.html.fromstring(body)
    for node in tree.xpath(
        "//script|//style|//code|//pre|//*[contains(concat(' ', @class, ' '), ' mono ')]|//textarea"
    ):
        node.drop_tree()
    return " ".join(tree.text_content().split())


def _links(url: str, body: str) -> list[str]:
    """Same-site links under /admin/, and the GET filter forms with each option chosen."""
    tree = lxml.html.fromstring(body)
    found = [urljoin(url, href) for href in tree.xpath("//a/@href")]
    for form in tree.xpath("//form"):
        if (form.get("method") or "get").lower() != "get":
            continue
        action = urljoin(url, form.get("action") or urlsplit(url).path)
        for select_ in form.xpath(".//select[@name]"):
            for option in select_.xpath(".//option"):
                value = option.get("value", option.text or "")
                if value:
                    found.append(f"{action}?{urlencode({select_.get('name'): value})}")
        for box in form.xpath(".//input[@type='checkbox'][@name]"):
            found.append(f"{action}?{urlencode({box.get('name'): box.get('value', 'on')})}")
    return found


def _read(where: str, text: str, crawl: Crawl) -> None:
    checks = [
        ("exponent number", EXPONENT),
        ("Python value", PYTHON_WORDS),
        ("ISO timestamp", ISO_TIME),
        ("English status word", ENGLISH_WORDS),
    ]
    for what, pattern in checks:
        for match in pattern.finditer(text):
            context = text[max(match.start() - 40, 0) : match.end() + 40]
            crawl.note(where, what, f"{match.group(0)!r} in …{context}…")
            break
    for match in KEY_TOKEN.finditer(text):
        if match.group(0) in KEYS:
            crawl.note(where, "raw message key", repr(match.group(0)))
            break


async def crawl(browser: Browser, start: str = "/admin/") -> Crawl:
    result = Crawl()
    queue: list[tuple[str, str]] = [(start, "(start)")]
    host = urlsplit(str(browser.client.make_url("/"))).netloc
    while queue and result.fetched < MAX_PAGES:
        url, source = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != host:
            continue
        key = _key(parts.path + (f"?{parts.query}" if parts.query else ""))
        path = parts.path
        if not path.startswith("/admin") or path.startswith(SKIP) or key in result.seen:
            continue
        result.seen.add(key)
        route = _route(path)
        if route != path and result.per_route[route] >= PER_ROUTE and "?" not in key:
            continue
        if parts.query and result.per_path[path] >= PER_PATH:
            continue
        result.per_route[route] += 1
        result.per_path[path] += bool(parts.query)
        response = await browser.client.get(key)
        result.fetched += 1
        status = response.status
        if status >= 500 or status in (403, 404):
            body = await response.text()
            result.note(key, str(status), f"linked from {source}: {body[:200]!r}")
            continue
        kind = response.content_type
        if key.endswith(BINARY) or kind not in ("text/html", "text/csv"):
            await response.read()
            continue
        body = await response.text()
        if kind == "text/csv":
            _read(key, body, result)
            continue
        _read(key, _visible_text(body), result)
        links = [(link, key) for link in _links(str(response.url), body)]
        # pagers first: a second page is where the pager crash hid
        queue[:0] = [item for item in links if "page=" in item[0]]
        queue.extend(item for item in links if "page=" not in item[0])
    return result


async def test_the_whole_admin_reads_right_on_demo_data(
    db: async_sessionmaker[AsyncSession], server: TestServer
) -> None:
    import time

    t = time.monotonic()
    summary = await load_demo(db, items=60)
    print("load", time.monotonic() - t)
    assert not summary.skipped
    await staff(db, "boss", Role.ADMIN)
    manager_account = await staff(db, "anna", Role.MANAGER)
    async with db() as session:
        # The manager login is one of the demo's managers (with dealers and orders).
        demo_manager = await session.scalar(
            select(Dealer.manager_id).where(Dealer.manager_id.is_not(None)).limit(1)
        )
        assert demo_manager is not None
        account = await session.merge(manager_account)
        account.user_id = demo_manager
        await session.commit()

    problems: list[str] = []
    for login in ("boss", "anna"):
        browser = await new_browser(server)
        status, _, _ = await browser.login(login)
        assert status == 303
        try:
            result = await crawl(browser)
        finally:
            await browser.client.session.close()  # the server is the fixture's, left running
        assert result.fetched > 20, result.seen  # the crawl did walk the admin
        assert any("page=1" in k for k in result.seen), "no pager was followed"
        problems += [f"[{login}] {p}" for p in result.problems.values()]
    assert not problems, "\n".join(problems[:80])
