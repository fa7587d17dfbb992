"""Quick order: a pasted list of "article quantity" lines, or an .xlsx/.csv file, fills the cart
with a per-line report; /template sends a ready order form."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import PurePath

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import CartAction, Checkout
from bot.filters import BoundDealer, Is
from bot.i18n import _
from bot.render import clip, money, qty
from core.models import User
from core.orders.cart_import import (
    MAX_FILE_BYTES,
    ImportReport,
    import_file,
    import_lines,
    parse_pasted_list,
)
from core.settings import Settings

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".csv", ".txt"}
MAX_REPORTED_FAILURES = 30


def template_file() -> bytes:
    """An .xlsx order form: article and quantity columns with two example rows."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Order"
    sheet.append([_("template.article"), _("template.quantity")])
    sheet.append(["OC 90", 10])
    sheet.append(["W712/75", 4])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_text(report: ImportReport) -> str:
    """Added lines counted, failed lines listed with the reason."""
    rows = [_("import.summary", added=report.added, total=len(report.rows))]
    failed = [row for row in report.rows if not row.ok]
    for row in failed[:MAX_REPORTED_FAILURES]:
        where = ", ".join(str(n) for n in row.line.line_numbers)
        rows.append(
            _(
                "import.failed_line",
                line=where,
                article=row.line.article,
                reason=_(f"import.status.{row.status}", value=row.line.quantity_text),
            )
        )
    if len(failed) > MAX_REPORTED_FAILURES:
        rows.append(_("import.more_failed", count=len(failed) - MAX_REPORTED_FAILURES))
    short = [row for row in report.rows if row.status == "short_stock"]
    for row in short[:MAX_REPORTED_FAILURES]:
        rows.append(
            _("import.short_line", article=row.article, qty=qty(row.quantity or Decimal(0)))
        )
    rows.append("")
    rows.append(_("cart.total", total=money(report.cart.total, report.cart.currency)))
    return clip("\n".join(rows))


def report_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("cart.show"), callback_data=CartAction(action="show").pack()
                ),
                InlineKeyboardButton(
                    text=_("cart.checkout"), callback_data=Checkout(action="start").pack()
                ),
            ]
        ]
    )


def is_list(text: str | None) -> bool:
    """Two or more non-empty lines: a quick order, not a search."""
    return text is not None and sum(1 for line in text.splitlines() if line.strip()) >= 2


def create_router() -> Router:
    """Quick-order handlers for bound dealers (outside any multi-step flow)."""
    router = Router(name="quick_order")
    router.message.filter(BoundDealer())

    @router.message(Command("template"))
    async def template(message: Message) -> None:
        await message.answer_document(
            BufferedInputFile(template_file(), filename="order_template.xlsx"),
            caption=_("template.caption"),
        )

    @router.message(StateFilter(None), Is(F.text.func(is_list)))
    async def pasted_list(message: Message, session: AsyncSession, user: User) -> None:
        report = await import_lines(session, user, parse_pasted_list(message.text or ""))
        await message.answer(report_text(report), reply_markup=report_markup())

    @router.message(StateFilter(None), Is(F.document))
    async def document(
        message: Message, session: AsyncSession, user: User, settings: Settings
    ) -> None:
        doc = message.document
        assert doc is not None
        name = doc.file_name or ""
        limit = min(MAX_FILE_BYTES, settings.max_upload_bytes)
        if PurePath(name).suffix.lower() not in SPREADSHEET_SUFFIXES:
            await message.answer(_("import.not_spreadsheet"))
            return
        if doc.file_size is not None and doc.file_size > limit:
            await message.answer(_("import.file_too_big", mb=limit // (1024 * 1024)))
            return
        assert message.bot is not None
        buffer = io.BytesIO()
        await message.bot.download(doc, destination=buffer)
        report = await import_file(session, user, buffer.getvalue(), name)
        await message.answer(report_text(report), reply_markup=report_markup())

    return router
