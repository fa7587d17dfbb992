"""The fake Bot API's schema check catches what Telegram would refuse."""

from __future__ import annotations

import json

from tests.bot.fake_api import Schema


def test_schema_check_finds_violations(schema: Schema) -> None:
    ok = {"chat_id": "1", "text": "hi"}
    assert schema.check_call("sendMessage", ok, {}) == []
    assert schema.check_call("sendMesage", ok, {}) == ["sendMesage: no such method in the Bot API"]
    assert (
        "required field 'text' missing" in schema.check_call("sendMessage", {"chat_id": "1"}, {})[0]
    )
    assert (
        "unknown field 'colour'" in schema.check_call("sendMessage", {**ok, "colour": "red"}, {})[0]
    )
    assert (
        "4097 characters > 4096"
        in schema.check_call("sendMessage", {**ok, "text": "x" * 4097}, {})[0]
    )
    bad_flag = schema.check_call("sendMessage", {**ok, "disable_notification": "maybe"}, {})
    assert "is not Boolean" in bad_flag[0]
    long_button = {"inline_keyboard": [[{"text": "b", "callback_data": "x" * 65}]]}
    problems = schema.check_call("sendMessage", {**ok, "reply_markup": json.dumps(long_button)}, {})
    assert problems == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: 65 bytes > 64"
    ]
    odd_button = {"inline_keyboard": [[{"text": "b", "callback_dta": "x"}]]}
    problems = schema.check_call("sendMessage", {**ok, "reply_markup": json.dumps(odd_button)}, {})
    assert any("unknown field InlineKeyboardButton.callback_dta" in p for p in problems)
    caption = {"chat_id": "1", "document": "attach://f", "caption": "c" * 1025}
    assert schema.check_call("sendDocument", caption, {"f": b"1"}) == [
        "sendDocument.caption: 1025 characters > 1024"
    ]
    assert "is not InputFile or String" not in str(schema.check_call("sendDocument", caption, {}))
