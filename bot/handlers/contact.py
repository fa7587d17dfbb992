"""The manager's contact log in the bot: /contact -> dealer (by name or INN, among the manager's
own dealers, or a recent one) -> topic -> optional duration and note -> saved. A message of a
dealer's person forwarded to the bot is offered as a request of that dealer (channel messenger,
its text as the note). Everything is stored by core.contacts.log_contact."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginUser,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.contact_texts import ct
from bot.handlers.manager import IsStaff
from bot.manager_callbacks import ContactStep
from core import display
from core.contacts import ContactInput, log_contact, parse_duration_and_note
from core.contacts.queries import dealer_of_sender, find_dealers, recent_dealers
from core.errors import Forbidden, InvalidInput
from core.models import ContactChannel, ContactTopic, Dealer, User

TOPICS = [t.value for t in ContactTopic]
CHANNELS = [ContactChannel.CALL, ContactChannel.EMAIL, ContactChannel.MESSENGER]
QUICK_MINUTES = ("5", "15", "30")


class ContactLog(StatesGroup):
    """Waiting for the dealer's name or INN, then for the optional minutes and note."""

    dealer = State()
    details = State()


def _dealer_rows(dealers: list[Dealer]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{d.name} ({d.inn or '—'})"[:60],
                    callback_data=ContactStep(step="d", dealer_id=d.id).pack(),
                )
            ]
            for d in dealers
        ]
    )


def _topic_rows(dealer_id: int, locale: str) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=ct(locale, f"topic.{t}"),
            callback_data=ContactStep(step="t", dealer_id=dealer_id, value=t).pack(),
        )
        for t in TOPICS
    ]
    drop = InlineKeyboardButton(
        text=ct(locale, "button.drop"),
        callback_data=ContactStep(step="x", dealer_id=dealer_id).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:3], buttons[3:], [drop]])


def _details(data: dict[str, Any], locale: str) -> tuple[str, InlineKeyboardMarkup]:
    dealer_id = int(data["dealer_id"])
    minutes = data.get("minutes")
    text = ct(
        locale,
        "ask_details",
        dealer=data["dealer"],
        topic=ct(locale, f"topic.{data['topic']}"),
        channel=ct(locale, f"channel.{data['channel']}"),
        minutes=display.minutes(minutes, locale) if minutes else ct(locale, "none"),
        note=data.get("note") or ct(locale, "none"),
    )

    def step(step: str, value: str, label: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=label,
            callback_data=ContactStep(step=step, dealer_id=dealer_id, value=value).pack(),
        )

    channels = [
        step("ch", c, ("✓ " if c == data["channel"] else "") + ct(locale, f"channel.{c}"))
        for c in CHANNELS
    ]
    quick = [step("min", m, display.minutes(int(m), locale)) for m in QUICK_MINUTES]
    last = [step("ok", "", ct(locale, "button.save")), step("x", "", ct(locale, "button.drop"))]
    return text, InlineKeyboardMarkup(inline_keyboard=[channels, quick, last])


def _message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


async def _current(query: CallbackQuery, state: FSMContext, dealer_id: int, locale: str) -> Any:
    """The entry in progress for this dealer, or None (and the person is told it is closed)."""
    data = await state.get_data()
    if data.get("dealer_id") != dealer_id:
        await query.answer(ct(locale, "stale"), show_alert=True)
        return None
    return data


async def _save(session: AsyncSession, user: User, state: FSMContext, data: dict[str, Any]) -> str:
    """Store the entry; the confirmation text."""
    locale = user.language
    contact = await log_contact(
        session,
        user,
        ContactInput(
            dealer_id=int(data["dealer_id"]),
            channel=str(data["channel"]),
            topic=str(data["topic"]),
            duration_minutes=data.get("minutes"),
            note=str(data.get("note") or ""),
            person_id=data.get("person_id"),
        ),
    )
    await session.commit()
    await state.clear()
    minutes = contact.duration_minutes
    return ct(
        locale,
        "saved",
        dealer=data["dealer"],
        topic=ct(locale, f"topic.{contact.topic}"),
        channel=ct(locale, f"channel.{contact.channel}"),
        minutes=f", {display.minutes(minutes, locale)}" if minutes else "",
    )


def create_router() -> Router:
    """The contact log's router (managers and admins only; a fresh one per dispatcher)."""
    router = Router(name="contact")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    @router.message(Command("contact"))
    async def start(message: Message, session: AsyncSession, user: User, state: FSMContext) -> None:
        await state.clear()
        await state.set_state(ContactLog.dealer)
        recent = await recent_dealers(session, user)
        key = "ask_dealer" if recent else "ask_dealer_none"
        await message.answer(ct(user.language, key), reply_markup=_dealer_rows(recent))

    @router.message(ContactLog.dealer, F.text, ~F.text.startswith("/"))
    async def search(message: Message, session: AsyncSession, user: User) -> None:
        found = await find_dealers(session, user, message.text or "")
        if not found:
            await message.answer(ct(user.language, "no_dealer"))
            return
        await message.answer(ct(user.language, "found"), reply_markup=_dealer_rows(found))

    @router.message(F.forward_origin)
    async def forwarded(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        origin = message.forward_origin
        sender = origin.sender_user.id if isinstance(origin, MessageOriginUser) else None
        found = await dealer_of_sender(session, user, sender)
        if found is None:
            await message.answer(ct(user.language, "forward_unknown"))
            return
        dealer, person = found
        await state.clear()
        await state.update_data(
            dealer_id=dealer.id,
            dealer=dealer.name,
            channel=ContactChannel.MESSENGER.value,
            note=(message.text or message.caption or "")[:2000],
            person_id=person.id,
        )
        await message.answer(
            ct(user.language, "forwarded", person=person.full_name or "—", dealer=dealer.name),
            reply_markup=_topic_rows(dealer.id, user.language),
        )

    @router.callback_query(ContactStep.filter(F.step == "d"))
    async def dealer_chosen(
        query: CallbackQuery,
        callback_data: ContactStep,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        dealer = await session.get(Dealer, callback_data.dealer_id)
        assert dealer is not None  # the access gate checked it is in the manager's scope
        await state.clear()
        await state.update_data(
            dealer_id=dealer.id, dealer=dealer.name, channel=ContactChannel.CALL.value
        )
        await query.answer()
        message = _message(query)
        if message is not None:
            await message.answer(
                ct(user.language, "ask_topic", dealer=dealer.name),
                reply_markup=_topic_rows(dealer.id, user.language),
            )

    @router.callback_query(ContactStep.filter(F.step == "t"))
    async def topic_chosen(
        query: CallbackQuery, callback_data: ContactStep, user: User, state: FSMContext
    ) -> None:
        data = await _current(query, state, callback_data.dealer_id, user.language)
        if data is None or callback_data.value not in TOPICS:
            return
        await state.update_data(topic=callback_data.value)
        await state.set_state(ContactLog.details)
        await query.answer()
        text, markup = _details({**data, "topic": callback_data.value}, user.language)
        message = _message(query)
        if message is not None:
            await message.edit_text(text, reply_markup=markup)

    @router.callback_query(ContactStep.filter(F.step.in_({"ch", "min"})))
    async def detail_chosen(
        query: CallbackQuery, callback_data: ContactStep, user: User, state: FSMContext
    ) -> None:
        data = await _current(query, state, callback_data.dealer_id, user.language)
        if data is None or "topic" not in data:
            return
        if callback_data.step == "ch" and callback_data.value in CHANNELS:
            data["channel"] = callback_data.value
        elif callback_data.step == "min" and callback_data.value in QUICK_MINUTES:
            data["minutes"] = int(callback_data.value)
        await state.set_data(data)
        await query.answer()
        text, markup = _details(data, user.language)
        message = _message(query)
        if message is not None and text != (message.text or ""):
            await message.edit_text(text, reply_markup=markup)
        elif message is not None:
            await message.edit_reply_markup(reply_markup=markup)

    @router.message(ContactLog.details, F.text, ~F.text.startswith("/"))
    async def details_typed(
        message: Message, session: AsyncSession, user: User, state: FSMContext
    ) -> None:
        data = await state.get_data()
        locale = user.language
        try:
            minutes, note = parse_duration_and_note(message.text or "")
            if minutes is not None:
                data["minutes"] = minutes
            if note:
                data["note"] = note
            await message.answer(await _save(session, user, state, data))
        except InvalidInput as error:
            await session.rollback()
            key = "bad_duration" if error.key == "contact.bad_duration" else "note_too_long"
            await message.answer(ct(locale, key, **error.params))

    @router.callback_query(ContactStep.filter(F.step == "ok"))
    async def save_pressed(
        query: CallbackQuery,
        callback_data: ContactStep,
        session: AsyncSession,
        user: User,
        state: FSMContext,
    ) -> None:
        locale = user.language
        data = await _current(query, state, callback_data.dealer_id, locale)
        if data is None or "topic" not in data:
            return
        try:
            done = await _save(session, user, state, data)
        except (InvalidInput, Forbidden):
            await session.rollback()
            await query.answer(ct(locale, "stale"), show_alert=True)
            return
        await query.answer()
        message = _message(query)
        if message is not None:
            await message.edit_text(done)

    @router.callback_query(ContactStep.filter(F.step == "x"))
    async def dropped(query: CallbackQuery, user: User, state: FSMContext) -> None:
        await state.clear()
        await query.answer()
        message = _message(query)
        if message is not None:
            await message.edit_text(ct(user.language, "dropped"))

    return router
