"""The simple broadcast markup: formatting from markers, everything else plain text."""

from __future__ import annotations

import pytest

from core.broadcasts.content import Content, check
from core.broadcasts.markup import to_markup, to_telegram_html
from core.errors import InvalidInput

CASES = [
    ("*жирный*", "<b>жирный</b>"),
    (
        "_курсив_ __подчёркнутый__ ~зачёркнутый~",
        "<i>курсив</i> <u>подчёркнутый</u> <s>зачёркнутый</s>",
    ),
    ("`W 712/75*`", "<code>W 712/75*</code>"),
    (
        "[каталог](https://example.com/c?a=1&b=2)",
        '<a href="https://example.com/c?a=1&amp;b=2">каталог</a>',
    ),
    ("*жирный _и курсив_*", "<b>жирный <i>и курсив</i></b>"),
    ("<b>не тег</b> & <a href=x>", "&lt;b&gt;не тег&lt;/b&gt; &amp; &lt;a href=x&gt;"),
    ("snake_case и 2*3*4", "snake_case и 2*3*4"),
    ("\\*не жирный\\*", "*не жирный*"),
    ("*без пары", "*без пары"),
    ("строка 1\nстрока *2*", "строка 1\nстрока <b>2</b>"),
]


@pytest.mark.parametrize(("markup", "expected"), CASES)
def test_markup_to_html_and_back(markup: str, expected: str) -> None:
    html = to_telegram_html(markup)
    assert html == expected
    check(Content(text=html))  # always valid Telegram HTML
    assert to_telegram_html(to_markup(html)) == html  # editing keeps what was written


def test_a_link_must_be_a_web_or_telegram_link() -> None:
    with pytest.raises(InvalidInput) as refused:
        check(Content(text=to_telegram_html("[жми](javascript:alert(1))")))
    assert refused.value.key == "broadcast.bad_link"
