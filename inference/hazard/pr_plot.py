"""Precision-recall curves of an evaluation as a PNG, drawn with Pillow.

Pillow is already in the product; a plotting library would be a large dependency for two
line charts. One panel per level (photos, heads), one curve per run (a labelled set with
or without tiling), the policy's threshold marked with a ring.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
_PANEL = 520  # plot square, pixels
_MARGIN = 70


def run_name(run: dict[str, Any]) -> str:
    tiling = run.get("tiling")
    if not tiling:
        return f"{run['set']}, whole photo"
    cols, rows = tiling["grid"]
    return f"{run['set']}, {cols}x{rows} tiles"


def draw(summary: dict[str, Any], out: Path) -> Path:
    runs: Sequence[dict[str, Any]] = summary["runs"]
    font = ImageFont.load_default(size=14)
    small = ImageFont.load_default(size=12)
    legend_h = 22 * len(runs) + 10
    width = 2 * (_PANEL + _MARGIN) + _MARGIN
    height = _PANEL + 2 * _MARGIN + legend_h + 30
    img = Image.new("RGB", (width, height), "white")
    pen = ImageDraw.Draw(img)
    title = f"{summary['model']['label']}: precision vs recall by threshold"
    pen.text((_MARGIN, 12), title, fill="black", font=font)
    for panel, (level, heading) in enumerate(
        [("photo", "photos with a bare head"), ("head", "bare heads")]
    ):
        x0 = _MARGIN + panel * (_PANEL + _MARGIN)
        y0 = _MARGIN
        _axes(pen, x0, y0, heading, font, small)
        for i, run in enumerate(runs):
            colour = _COLOURS[i % len(_COLOURS)]
            points = [
                _xy(x0, y0, row[level]["recall"], row[level]["precision"])
                for row in run["thresholds"]
                if row[level]["recall"] is not None and row[level]["precision"] is not None
            ]
            if len(points) > 1:
                pen.line(points, fill=colour, width=2)
            for x, y in points:
                pen.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
            chosen = run["policy_row"][level]
            if chosen["recall"] is not None and chosen["precision"] is not None:
                x, y = _xy(x0, y0, chosen["recall"], chosen["precision"])
                pen.ellipse((x - 7, y - 7, x + 7, y + 7), outline=colour, width=2)
    ly = _MARGIN + _PANEL + 45
    for i, run in enumerate(runs):
        colour = _COLOURS[i % len(_COLOURS)]
        y = ly + 22 * i
        pen.line([(_MARGIN, y + 8), (_MARGIN + 30, y + 8)], fill=colour, width=3)
        row = run["policy_row"]
        text = (
            f"{run_name(run)}: at {row['threshold']:g} (ring) photos P {_pct(row['photo'])}"
            f" / R {_pct(row['photo'], 'recall')}, heads P {_pct(row['head'])}"
            f" / R {_pct(row['head'], 'recall')}"
        )
        pen.text((_MARGIN + 40, y), text, fill="black", font=small)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out, optimize=True)
    return out


def _pct(counts: dict[str, Any], key: str = "precision") -> str:
    value = counts[key]
    return "n/a" if value is None else f"{value:.2f}"


def _xy(x0: int, y0: int, recall: float, precision: float) -> tuple[float, float]:
    return x0 + recall * _PANEL, y0 + (1 - precision) * _PANEL


def _axes(
    pen: ImageDraw.ImageDraw,
    x0: int,
    y0: int,
    heading: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    small: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    for k in range(11):
        v = k / 10
        gx, gy = x0 + v * _PANEL, y0 + (1 - v) * _PANEL
        pen.line([(gx, y0), (gx, y0 + _PANEL)], fill="#e6e6e6")
        pen.line([(x0, gy), (x0 + _PANEL, gy)], fill="#e6e6e6")
        if k % 2 == 0:
            pen.text((gx - 8, y0 + _PANEL + 6), f"{v:.1f}", fill="black", font=small)
            pen.text((x0 - 30, gy - 7), f"{v:.1f}", fill="black", font=small)
    pen.rectangle((x0, y0, x0 + _PANEL, y0 + _PANEL), outline="black")
    pen.text((x0, y0 - 22), heading, fill="black", font=font)
    pen.text((x0 + _PANEL // 2 - 20, y0 + _PANEL + 24), "recall", fill="black", font=small)
    pen.text((x0 - 62, y0 - 22), "precision", fill="black", font=small)
