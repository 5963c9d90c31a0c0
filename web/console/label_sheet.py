"""A4 label sheets as SVG: a grid of QR codes, each with its identifier printed beneath.

Units are millimetres throughout (the page is exactly 210 x 297 mm). Each code is the one
`passports.qr` makes for the passport's Digital Link, quiet zone included, placed as a nested
SVG so it scales without resampling.
"""

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from passports.qr import qr_svg

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Layout:
    """A label stock: columns x rows of equal cells filling the A4 page."""

    columns: int
    rows: int
    font_mm: Decimal

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS = {
    "3x8": Layout(columns=3, rows=8, font_mm=Decimal("2.6")),
    "2x5": Layout(columns=2, rows=5, font_mm=Decimal("4")),
}
DEFAULT_LAYOUT = "3x8"


@dataclass(frozen=True)
class Label:
    """What one label carries: the URI in the code and the lines printed under it."""

    uri: str
    lines: tuple[str, ...]


def label_lines(*, gtin: str | None, serial: str | None, passport_id) -> tuple[str, ...]:
    """The identifier as people read it: GS1 element strings, or the passport id."""
    if gtin:
        return (f"(01) {gtin}", f"(21) {serial}")
    return (str(passport_id),)


def qr_geometry(text: str) -> tuple[str, str]:
    """The viewBox and path of the code `passports.qr` draws for `text`."""
    root = ElementTree.fromstring(qr_svg(text))
    path = root.find(f"{SVG_NS}path")
    return root.get("viewBox"), path.get("d")


def _mm(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


def sheet_svg(labels: list[Label], layout: Layout, title: str = "") -> str:
    """One A4 page of labels, left to right, top to bottom."""
    if len(labels) > layout.per_page:
        raise ValueError(f"A {layout.columns}x{layout.rows} sheet holds {layout.per_page} labels.")
    cell_width = Decimal(PAGE_WIDTH_MM) / layout.columns
    cell_height = Decimal(PAGE_HEIGHT_MM) / layout.rows
    padding = Decimal("1.5")
    line_height = layout.font_mm * Decimal("1.25")
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{PAGE_WIDTH_MM}mm" height="{PAGE_HEIGHT_MM}mm" '
        f'viewBox="0 0 {PAGE_WIDTH_MM} {PAGE_HEIGHT_MM}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{PAGE_WIDTH_MM}" height="{PAGE_HEIGHT_MM}" fill="#ffffff"/>',
    ]
    for position, label in enumerate(labels):
        column, row = position % layout.columns, position // layout.columns
        left, top = cell_width * column, cell_height * row
        text_height = line_height * len(label.lines)
        size = min(cell_height - 2 * padding - text_height, cell_width - 2 * padding)
        x = left + (cell_width - size) / 2
        y = top + padding
        view_box, path = qr_geometry(label.uri)
        parts.append(
            f'<svg x="{_mm(x)}" y="{_mm(y)}" width="{_mm(size)}" height="{_mm(size)}" '
            f'viewBox="{view_box}"><path d="{path}" fill="#000000"/></svg>'
        )
        centre = left + cell_width / 2
        for number, line in enumerate(label.lines, start=1):
            baseline = y + size + line_height * number - (line_height - layout.font_mm) / 2
            parts.append(
                f'<text x="{_mm(centre)}" y="{_mm(baseline)}" font-size="{_mm(layout.font_mm)}" '
                'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" '
                f'text-anchor="middle" fill="#000000">{escape(line)}</text>'
            )
    parts.append("</svg>")
    return "\n".join(parts)
