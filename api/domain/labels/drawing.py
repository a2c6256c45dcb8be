"""Printable QR labels: one label as SVG or PNG, and an A4 sheet of many as HTML.

The QR symbol is encoded by segno (error correction level Q: a label on a machine gets
scratched and splashed with mortar; Q still reads with a quarter of it gone) and drawn
here from its module matrix, so the SVG and the PNG are the same drawing. Under the
symbol a person can read the item's name and its code.

All functions are blocking (segno, Pillow): async callers run them in a worker thread.

The PNG is drawn with the first font found of a list that starts with CJK fonts; on a
machine with none of them (no `fonts-noto-cjk`), Chinese names in PNG labels show as
boxes. SVG and HTML labels leave the text to the viewer's fonts and are not affected.
"""

from __future__ import annotations

import html
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from api.domain.labels.qr import display_code

QUIET_ZONE = 4  # modules, what the QR standard asks for
TEXT_ROWS = 11  # modules of room under the symbol for the two lines of text
NAME_SIZE = 3.0  # font sizes in modules (3 modules of a 50 mm label: about 10 pt)
CODE_SIZE = 4.2

SANS_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)
MONO_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf",
)
SVG_SANS = "'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', 'DejaVu Sans', Arial, sans-serif"
SVG_MONO = "'DejaVu Sans Mono', Consolas, 'Courier New', monospace"
# Labels per A4 page in the sheet: 4 columns of 5.
SHEET_COLUMNS = 4
SHEET_ROWS = 5
SHEET_LABEL_WIDTH_MM = 40
# For HTML and SVG we serve: the text is escaped, and nothing may load or run anyway.
LABEL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class Label:
    payload: str  # what the QR symbol carries (the scan URL)
    code: str
    name: str


@dataclass(frozen=True)
class _Layout:
    matrix: tuple[bytes, ...]
    size: int  # modules a side, quiet zone included

    @property
    def height(self) -> int:
        return self.size + TEXT_ROWS


def _layout(payload: str) -> _Layout:
    qr = segno.make(payload, error="q", micro=False)
    return _Layout(tuple(bytes(row) for row in qr.matrix), len(qr.matrix) + 2 * QUIET_ZONE)


def _runs(row: bytes) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a matrix row."""
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def _char_width(ch: str) -> float:
    # Rough advance widths in ems: CJK is square, Latin about half as wide.
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.6


def fit_text(text: str, max_ems: float) -> str:
    """`text`, cut with an ellipsis where it would run past `max_ems`."""
    if sum(_char_width(c) for c in text) <= max_ems:
        return text
    width = _char_width("…")
    out = []
    for ch in text:
        width += _char_width(ch)
        if width > max_ems:
            break
        out.append(ch)
    return "".join(out).rstrip() + "…"


def label_svg(label: Label, width_mm: float | None = 50) -> str:
    lay = _layout(label.payload)
    path = "".join(
        f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{n}v1h-{n}z"
        for y, row in enumerate(lay.matrix)
        for x, n in _runs(row)
    )
    name = html.escape(fit_text(one_line(label.name), (lay.size - 2) / NAME_SIZE))
    code = html.escape(display_code(label.code))
    mid = lay.size / 2
    size_attrs = ""
    if width_mm is not None:
        height_mm = width_mm * lay.height / lay.size
        size_attrs = f' width="{width_mm:g}mm" height="{height_mm:.1f}mm"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {lay.size} {lay.height}"'
        f'{size_attrs} role="img" aria-label="{name} {code}">'
        f'<rect width="{lay.size}" height="{lay.height}" fill="#fff"/>'
        f'<path d="{path}" fill="#000" shape-rendering="crispEdges"/>'
        f'<text x="{mid:g}" y="{lay.size + 2.2:g}" font-size="{NAME_SIZE}" '
        f'font-family="{html.escape(SVG_SANS)}" text-anchor="middle">{name}</text>'
        f'<text x="{mid:g}" y="{lay.size + 7.4:g}" font-size="{CODE_SIZE}" '
        f'font-family="{html.escape(SVG_MONO)}" font-weight="bold" '
        f'text-anchor="middle">{code}</text>'
        "</svg>"
    )


@cache
def _font_path(candidates: tuple[str, ...]) -> str | None:
    return next((p for p in candidates if Path(p).is_file()), None)


def _font(candidates: tuple[str, ...], size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path(candidates)
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def one_line(text: str) -> str:
    """A label shows one line: line and paragraph separators and control characters
    (U+2029, U+0085, newlines: names may hold them) become spaces. Pillow's text layout
    (raqm) also refuses to measure them at all."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


def _fit_pixels(
    text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_px: float
) -> str:
    if font.getlength(text) <= max_px:
        return text
    while text and font.getlength(text + "…") > max_px:
        text = text[:-1]
    return text.rstrip() + "…"


def label_png(label: Label, module_px: int = 10) -> bytes:
    lay = _layout(label.payload)
    px = module_px
    img = Image.new("L", (lay.size * px, lay.height * px), 255)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(lay.matrix):
        for x, n in _runs(row):
            left, top = (x + QUIET_ZONE) * px, (y + QUIET_ZONE) * px
            draw.rectangle((left, top, left + n * px - 1, top + px - 1), fill=0)
    name_font = _font(SANS_FONTS, round(NAME_SIZE * px))
    code_font = _font(MONO_FONTS, round(CODE_SIZE * px))
    name = _fit_pixels(one_line(label.name), name_font, (lay.size - 2) * px)
    mid = lay.size * px / 2
    draw.text((mid, (lay.size + 2.2) * px), name, font=name_font, fill=0, anchor="ms")
    code = display_code(label.code)
    draw.text((mid, (lay.size + 7.4) * px), code, font=code_font, fill=0, anchor="ms")
    out = io.BytesIO()
    # 10 px a module at 300 dpi prints a label about 35 mm wide.
    img.save(out, format="PNG", optimize=True, dpi=(300, 300))
    return out.getvalue()


_SHEET_CSS = f"""
@page {{ size: A4 portrait; margin: 10mm; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: {SVG_SANS}; }}
.page {{ display: grid; grid-template-columns: repeat({SHEET_COLUMNS}, {SHEET_LABEL_WIDTH_MM}mm);
  gap: 4mm 7mm; justify-content: center; align-content: start; break-after: page; }}
.page:last-child {{ break-after: auto; }}
.label {{ width: {SHEET_LABEL_WIDTH_MM}mm; border: 0.2mm dashed #bbb; break-inside: avoid; }}
.label svg {{ display: block; width: 100%; height: auto; }}
.hint {{ margin: 4mm 0; color: #555; font-size: 11pt; text-align: center; }}
@media print {{ .hint {{ display: none; }} }}
"""


def label_sheet_html(labels: Sequence[Label], title: str) -> str:
    """A print-ready A4 page (or pages) of labels, cut lines dashed."""
    per_page = SHEET_COLUMNS * SHEET_ROWS
    pages = []
    for start in range(0, len(labels), per_page):
        cells = "".join(
            f'<div class="label">{label_svg(label, width_mm=None)}</div>'
            for label in labels[start : start + per_page]
        )
        pages.append(f'<section class="page">{cells}</section>')
    heading = html.escape(title)
    return (
        "<!doctype html>"
        f'<html><head><meta charset="utf-8"><title>{heading}</title>'
        f"<style>{_SHEET_CSS}</style></head><body>"
        f'<p class="hint">{heading}: {len(labels)} labels. Print on A4 at 100% scale.</p>'
        f"{''.join(pages)}</body></html>"
    )
