"""Texts of the manager's contact log (/contact, forwarded messages), Russian and English.

Kept beside the managers' other texts (bot/handlers/manager_texts.py): managers are staff.
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "ask_dealer": (
            "📝 Записать обращение дилера. Напишите название или ИНН дилера"
            " или выберите из последних:"
        ),
        "ask_dealer_none": "📝 Записать обращение дилера. Напишите название или ИНН дилера:",
        "no_dealer": "Среди ваших дилеров такого не нашлось. Напишите иначе или /cancel.",
        "found": "Выберите дилера:",
        "ask_topic": "Дилер: {dealer}\nО чём было обращение?",
        "forwarded": (
            "Сообщение от {person} (дилер {dealer}).\nЗаписать обращение? Выберите тему:"
        ),
        "forward_unknown": (
            "Отправитель не найден среди людей ваших дилеров. Записать обращение вручную: /contact"
        ),
        "ask_details": (
            "Дилер: {dealer}\nТема: {topic}\nКанал: {channel}\nДлительность: {minutes}\n"
            "Заметка: {note}\n\n"
            "Можно написать длительность в минутах и заметку одним сообщением"
            " (например: «15 уточнил цены на фильтры») — или сразу сохранить."
        ),
        "saved": "✅ Обращение записано: {dealer}, {topic}, {channel}{minutes}.",
        "dropped": "Обращение не записано.",
        "stale": "Эта запись уже закрыта. Начните заново: /contact",
        "bad_duration": "Длительность — от 1 до {limit} минут. Напишите ещё раз или сохраните.",
        "note_too_long": "Заметка длиннее {limit} знаков. Сократите её.",
        "none": "—",
        "minutes": "{n} мин",
        "button.save": "💾 Сохранить",
        "button.drop": "✖️ Не записывать",
        "topic.prices": "Цены",
        "topic.stock": "Остатки",
        "topic.order": "Заказ",
        "topic.claim": "Рекламация",
        "topic.finance": "Финансы",
        "topic.other": "Другое",
        "channel.call": "📞 Звонок",
        "channel.email": "✉️ Почта",
        "channel.messenger": "💬 Мессенджер",
        "channel.forwarded": "↪️ Пересланное",
        "channel.visit": "🤝 Встреча",
        "channel.other": "Другое",
    },
    "en": {
        "ask_dealer": (
            "📝 Log a dealer's request. Type the dealer's name or INN or pick a recent one:"
        ),
        "ask_dealer_none": "📝 Log a dealer's request. Type the dealer's name or INN:",
        "no_dealer": "No such dealer among yours. Try again or /cancel.",
        "found": "Pick the dealer:",
        "ask_topic": "Dealer: {dealer}\nWhat was it about?",
        "forwarded": (
            "A message from {person} (dealer {dealer}).\nLog it as a request? Pick the topic:"
        ),
        "forward_unknown": (
            "The sender is not a person of your dealers. To log a request by hand: /contact"
        ),
        "ask_details": (
            "Dealer: {dealer}\nTopic: {topic}\nChannel: {channel}\nDuration: {minutes}\n"
            "Note: {note}\n\n"
            "You may write the minutes and a note in one message"
            ' (e.g. "15 asked for filter prices") or save right away.'
        ),
        "saved": "✅ Request logged: {dealer}, {topic}, {channel}{minutes}.",
        "dropped": "Not logged.",
        "stale": "This entry is closed. Start again: /contact",
        "bad_duration": "Duration is 1 to {limit} minutes. Write it again or save.",
        "note_too_long": "The note is longer than {limit} characters. Shorten it.",
        "none": "—",
        "minutes": "{n} min",
        "button.save": "💾 Save",
        "button.drop": "✖️ Don't log",
        "topic.prices": "Prices",
        "topic.stock": "Stock",
        "topic.order": "Order",
        "topic.claim": "Claim",
        "topic.finance": "Finance",
        "topic.other": "Other",
        "channel.call": "📞 Call",
        "channel.email": "✉️ E-mail",
        "channel.messenger": "💬 Messenger",
        "channel.forwarded": "↪️ Forwarded",
        "channel.visit": "🤝 Visit",
        "channel.other": "Other",
    },
}


def ct(locale: str, key: str, /, **params: Any) -> str:
    """The contact-log text `key` in `locale` (Russian when the locale has none)."""
    table = TEXTS.get(locale) or TEXTS["ru"]
    text = table.get(key) or TEXTS["ru"][key]
    return text.format(**params) if params else text
