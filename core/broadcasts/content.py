"""What a broadcast says: Telegram HTML text, an optional photo and an optional link button.

Telegram accepts a small set of HTML tags (parse_mode HTML); anything else makes it refuse the
whole message, so the text is checked when it is saved, not when 10,000 requests fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from core.errors import InvalidInput

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
BUTTON_TEXT_LIMIT = 64
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
_URL = re.compile(r"^(https?://[^\s<>\"]+|tg://[^\s<>\"]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Content:
    """The parts of one broadcast message."""

    text: str
    photo: str | None = None  # a URL or a Telegram file_id
    button_text: str | None = None
    button_url: str | None = None
    photo_file_name: str | None = None  # an uploaded photo (core.broadcasts.photos)


ALLOWED_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "tg-emoji": {"emoji-id"}}
HTML_OF = {"tg-spoiler": "span", "tg-emoji": "span", "blockquote": "blockquote"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.safe: list[str] = []  # the same text as HTML for a web page (the admin's preview)
        self.problem: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or ("broadcast.bad_tag", {"tag": tag})
            return
        attributes = dict(attrs)
        extra = set(attributes) - ALLOWED_ATTRIBUTES.get(tag, set())
        if extra:
            self.problem = self.problem or (
                "broadcast.bad_attribute",
                {"tag": tag, "name": min(extra)},
            )
        if tag == "a" and not _URL.match(attributes.get("href") or ""):
            self.problem = self.problem or (
                "broadcast.bad_link",
                {"url": attributes.get("href") or ""},
            )
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            self.problem = self.problem or ("broadcast.bad_tag", {"tag": "span"})
        self.stack.append(tag)
        if tag == "a":
            self.safe.append(f'<a href="{escape(attributes.get("href") or "")}" rel="noopener">')
        elif tag == "tg-spoiler" or (tag == "span" and attributes.get("class") == "tg-spoiler"):
            self.safe.append('<span class="tg-spoiler">')
        else:
            self.safe.append(f"<{HTML_OF.get(tag, tag)}>")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or ("broadcast.bad_tag", {"tag": tag})
            return
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or ("broadcast.unbalanced", {"tag": tag})
            return
        self.stack.pop()
        self.safe.append(f"</{HTML_OF.get(tag, tag)}>")

    def handle_data(self, data: str) -> None:
        self.visible.append(data)
        self.safe.append(escape(data).replace("\n", "<br>"))


def preview_html(text: str) -> str:
    """Checked broadcast text as HTML safe to put in a web page: only the allowed tags, with
    only their allowed attributes, everything else escaped."""
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return "".join(checker.safe) + "".join(
        f"</{HTML_OF.get(t, t)}>" for t in reversed(checker.stack)
    )


def visible_text(html: str) -> str:
    """The text as the reader sees it (tags removed, entities decoded)."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return "".join(checker.visible)


def check(content: Content) -> Content:
    """The content, trimmed; InvalidInput naming the first problem found."""
    text = content.text.strip()
    photo = (content.photo or "").strip() or None
    button_text = (content.button_text or "").strip() or None
    button_url = (content.button_url or "").strip() or None
    if photo is not None and content.photo_file_name is not None:
        raise InvalidInput("broadcast.two_photos")
    has_photo = photo is not None or content.photo_file_name is not None
    if not text and not has_photo:
        raise InvalidInput("broadcast.text_required")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.problem is not None:
        key, params = checker.problem
        raise InvalidInput(key, **params)
    if checker.stack:
        raise InvalidInput("broadcast.unbalanced", tag=checker.stack[-1])
    limit = CAPTION_LIMIT if has_photo else TEXT_LIMIT
    if len("".join(checker.visible)) > limit:
        raise InvalidInput("broadcast.too_long", limit=limit)
    is_url = (photo or "").lower().startswith(("http://", "https://"))
    if photo is not None and not is_url and not re.fullmatch(r"[A-Za-z0-9_\-]{20,200}", photo):
        raise InvalidInput("broadcast.bad_photo")
    if (button_text is None) != (button_url is None):
        raise InvalidInput("broadcast.button_incomplete")
    if button_text is not None and len(button_text) > BUTTON_TEXT_LIMIT:
        raise InvalidInput("broadcast.button_too_long", limit=BUTTON_TEXT_LIMIT)
    if button_url is not None and not _URL.match(button_url):
        raise InvalidInput("broadcast.bad_link", url=button_url)
    return Content(text, photo, button_text, button_url, content.photo_file_name)
