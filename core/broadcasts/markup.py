"""The simple markup people write broadcasts in, as in Telegram, turned into Telegram HTML.

`*bold*`, `_italic_`, `__underlined__`, `~struck~`, `` `code` `` and `[text](https://link)`;
a backslash before a marker keeps it literal. Everything else is text: `<`, `>` and `&` are
escaped, so no HTML typed by a person reaches Telegram (or the admin's preview) as markup.
A marker without its pair stays as typed. `to_markup` turns stored HTML back into this markup
for editing (tags the markup has no sign for keep their text only).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_MARKERS = "*_~`[]\\"
_PATTERN = re.compile(
    r"\\(?P<escaped>[*_~`\[\]\\])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"|(?<![\w\\])__(?P<underline>\S(?:[^\n]*?\S)?)__(?!\w)"
    r"|(?<![\w\\])\*(?P<bold>\S(?:[^\n]*?\S)?)\*(?!\w)"
    r"|(?<![\w\\])_(?P<italic>\S(?:[^\n]*?\S)?)_(?!\w)"
    r"|(?<![\w\\])~(?P<strike>\S(?:[^\n]*?\S)?)~(?!\w)"
)
_TAGS = {"bold": "b", "italic": "i", "underline": "u", "strike": "s"}


def to_telegram_html(markup: str) -> str:
    """Telegram HTML for the markup (the text escaped, the markers turned into tags)."""
    out: list[str] = []
    position = 0
    for match in _PATTERN.finditer(markup):
        out.append(html.escape(markup[position : match.start()], quote=False))
        position = match.end()
        kind = match.lastgroup
        if kind == "escaped":
            out.append(html.escape(match.group("escaped"), quote=False))
        elif kind == "code":
            out.append(f"<code>{html.escape(match.group('code'), quote=False)}</code>")
        elif kind in ("label", "url"):
            url = html.escape(match.group("url"), quote=True)
            out.append(f'<a href="{url}">{to_telegram_html(match.group("label"))}</a>')
        else:
            name = next(group for group in _TAGS if match.group(group) is not None)
            tag = _TAGS[name]
            out.append(f"<{tag}>{to_telegram_html(match.group(name))}</{tag}>")
    out.append(html.escape(markup[position:], quote=False))
    return "".join(out)


_SIGNS = {
    "b": "*",
    "strong": "*",
    "i": "_",
    "em": "_",
    "u": "__",
    "ins": "__",
    "s": "~",
    "strike": "~",
    "del": "~",
    "code": "`",
}


class _Back(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.in_code = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SIGNS:
            self.out.append(_SIGNS[tag])
            self.in_code = self.in_code or tag == "code"
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SIGNS:
            self.out.append(_SIGNS[tag])
            self.in_code = self.in_code and tag != "code"
        elif tag == "a" and self.links:
            self.out.append(f"]({self.links.pop()})")

    def handle_data(self, data: str) -> None:
        if self.in_code or to_telegram_html(data) == html.escape(data, quote=False):
            self.out.append(data)  # nothing in it reads as a marker
        else:
            self.out.append("".join(f"\\{ch}" if ch in _MARKERS else ch for ch in data))


def to_markup(stored_html: str) -> str:
    """The markup of stored Telegram HTML (so a draft is edited as it was written)."""
    parser = _Back()
    parser.feed(stored_html)
    parser.close()
    return "".join(parser.out)
