"""The page every print form shares: A4, the embedded DejaVu font, small table helpers."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT = "DejaVu"
DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core
FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


class FontsMissing(RuntimeError):
    """The DejaVu TrueType files are nowhere to be found."""


@dataclass(frozen=True)
class Party:
    """A side of a document: its legal name and requisites (empty strings for unknown)."""

    name: str
    inn: str = ""
    kpp: str = ""
    address: str = ""

    def line(self) -> str:
        """`ООО «Ромашка», ИНН 7701234567, КПП 770101001, Москва, ...`."""
        parts = [self.name]
        if self.inn:
            parts.append(f"ИНН {self.inn}")
        if self.kpp:
            parts.append(f"КПП {self.kpp}")
        if self.address:
            parts.append(self.address)
        return ", ".join(parts)


def _candidates() -> list[Path]:
    folders = []
    spec = importlib.util.find_spec("matplotlib")  # located, not imported
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    folders.append(DEBIAN_FONTS)
    return folders


def check_fonts() -> Path:
    """The folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf.

    Looked up in matplotlib's data (a dependency of ours, which ships DejaVu) and then in
    Debian's fonts-dejavu-core; FontsMissing names both places when neither has them.
    """
    for folder in _candidates():
        if all((folder / name).is_file() for name in FILES.values()):
            return folder
    places = ", ".join(str(p) for p in _candidates())
    raise FontsMissing(
        f"Шрифт DejaVu для печатных форм не найден ({places}): "
        "установите пакет fonts-dejavu-core или matplotlib."
    )


class Page(FPDF):
    """An A4 portrait page in DejaVu, with a fixed creation date (same input, same bytes)."""

    def __init__(self, title: str, created: datetime | None = None) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        folder = check_fonts()
        for style, name in FILES.items():
            self.add_font(FONT, style, str(folder / name))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.set_title(title)
        self.set_creator("DealerBot")
        self.set_creation_date(created or datetime(2000, 1, 1, tzinfo=UTC))
        self.add_page()
        self.set_font(FONT, "", 9)

    def text_line(self, text: str, *, size: float = 9, bold: bool = False, h: float = 5) -> None:
        """A paragraph across the page width (wraps)."""
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, h, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(
        self,
        widths: tuple[int, ...],
        header: list[str],
        rows: list[list[str]],
        *,
        align: str = "",
        bold_last: bool = False,
    ) -> None:
        """A bordered table; `align` gives L/C/R per column (default: left, numbers right)."""
        aligns = align or "L" * len(widths)
        self.set_font(FONT, "B", 8)
        with self.table(
            col_widths=widths,
            text_align=tuple("CENTER" for _ in widths),
            line_height=4.5,
            first_row_as_headings=True,
            width=sum(widths),
        ) as table:
            head = table.row()
            for text in header:
                head.cell(text)
            for index, values in enumerate(rows):
                last = bold_last and index == len(rows) - 1
                self.set_font(FONT, "B" if last else "", 8)
                row = table.row()
                for text, a in zip(values, aligns, strict=True):
                    row.cell(text, align={"L": "LEFT", "C": "CENTER", "R": "RIGHT"}[a])
        self.set_font(FONT, "", 9)

    def pdf_bytes(self) -> bytes:
        """The finished document."""
        return bytes(self.output())
