"""QR codes and labels: codes are well formed and forgiving to read, labels decode back.

`photographed_label` is also used by the scan tests: a generated label as a phone would
see it, tilted, smaller, on a textured background and slightly out of focus.
"""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from api.config import ConfigError, Settings
from api.domain.labels.drawing import Label, fit_text, label_png, label_sheet_html, label_svg
from api.domain.labels.qr import (
    ALPHABET,
    code_from_scan,
    decode_qr_texts,
    display_code,
    new_code,
    normalise_code,
    scan_url,
)

BASE = "https://sitecheck.example.com"


def _label(name: str = "Tower crane QTZ80") -> Label:
    code = new_code()
    return Label(payload=scan_url(BASE, code), code=code, name=name)


def _jpeg(img: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def photographed_label(png: bytes, angle: float = 25.0, scale: float = 0.45) -> bytes:
    """A label photo: rotated, scaled down, pasted on gravel-like noise, blurred, JPEG."""
    label = Image.open(io.BytesIO(png)).convert("RGBA")
    label = label.resize((round(label.width * scale), round(label.height * scale)))
    # Transparent corners, so only the label itself lands on the background.
    label = label.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    # Texture: coarse noise stretched up (gravel, concrete) blended with fine grain.
    coarse = Image.effect_noise((160, 120), 90).resize((1600, 1200), Image.Resampling.BICUBIC)
    texture = Image.blend(coarse, Image.effect_noise((1600, 1200), 40), 0.4)
    photo = Image.merge(
        "RGB",
        (
            texture.point(lambda v: min(255, v + 30)),
            texture,
            texture.point(lambda v: max(0, v - 20)),
        ),
    )
    photo.paste(label, (700 - label.width // 2, 560 - label.height // 2), label)
    photo = photo.filter(ImageFilter.GaussianBlur(1.2))
    return _jpeg(photo, quality=75)


def test_codes_use_the_crockford_alphabet_and_do_not_repeat() -> None:
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 10 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KQ2M9XT4D", "7KQ2M9XT4D"),
        ("7kq2m-9xt4d", "7KQ2M9XT4D"),
        (" 7KQ2M 9XT4D ", "7KQ2M9XT4D"),
        ("7KQ2MOXT4D", "7KQ2M0XT4D"),  # O read as 0
        ("7KQ2MIXTLD", "7KQ2M1XT1D"),  # I and L read as 1
        ("7KQ2M9XT4", None),  # too short
        ("7KQ2M9XT4DD", None),  # too long
        ("7KQ2M9XTUD", None),  # U is not in the alphabet
        ("7KQ2M9XT4!", None),
        ("", None),
    ],
)
def test_normalise_code(typed: str, expected: str | None) -> None:
    assert normalise_code(typed) == expected


@pytest.mark.parametrize(
    "scanned",
    [
        "7KQ2M9XT4D",
        f"{BASE}/s/7KQ2M9XT4D",
        f"{BASE}/s/7kq2m-9xt4d/",
        f"{BASE}/s/7KQ2M9XT4D?utm=poster#x",
        "http://10.0.0.5:8000/app/s/7KQ2M9XT4D",
        # As it arrives in a request path, where the server has collapsed "//".
        "/https:/sitecheck.example.com/s/7KQ2M9XT4D",
        "/7KQ2M9XT4D",
    ],
)
def test_code_from_scan_accepts_codes_and_label_urls(scanned: str) -> None:
    assert code_from_scan(scanned) == "7KQ2M9XT4D"


@pytest.mark.parametrize(
    "scanned",
    [
        f"{BASE}/x/7KQ2M9XT4D",
        f"{BASE}/s/7KQ2M9XT4D/extra",
        "https://evil.example/s/" + "A" * 600,
        "WIFI:S:site-office;T:WPA;P:secret;;",
    ],
)
def test_code_from_scan_refuses_other_payloads(scanned: str) -> None:
    assert code_from_scan(scanned) is None


def test_display_code_splits_in_two_groups() -> None:
    assert display_code("7KQ2M9XT4D") == "7KQ2M-9XT4D"
    assert normalise_code(display_code("7KQ2M9XT4D")) == "7KQ2M9XT4D"


def test_png_label_decodes_back_to_the_code() -> None:
    label = _label()
    png = label_png(label)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.info["dpi"] == pytest.approx((300, 300), abs=1)
    # zxing-cpp straight on the image, as any phone's scanner would read it.
    found = zxingcpp.read_barcodes(img.convert("L"))
    assert [b.text for b in found] == [label.payload]
    assert code_from_scan(found[0].text) == label.code


@pytest.mark.parametrize("name", ["Crane\u2029A", "Pump\x85 2", "Hoist\nnorth", "塔吊\u2028一号"])
def test_labels_draw_names_with_line_breaks_on_one_line(name: str) -> None:
    # The fuzzer renamed an item to text holding U+2029: Pillow's layout refused to
    # measure it and the PNG label was a 500.
    label = _label(name)
    img = Image.open(io.BytesIO(label_png(label)))
    found = zxingcpp.read_barcodes(img.convert("L"))
    assert [b.text for b in found] == [label.payload]
    svg = label_svg(label)
    assert not any(ch in svg for ch in "\u2029\x85\u2028")


def _rasterise_svg(svg: str, px: int = 8) -> Image.Image:
    """Draw the label's QR path (M x y h n v1 h-n z runs) to pixels."""
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert view is not None
    width, height = int(view.group(1)), int(view.group(2))
    img = Image.new("L", (width * px, height * px), 255)
    draw = ImageDraw.Draw(img)
    path = re.search(r'<path d="([^"]+)"', svg)
    assert path is not None
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.group(1)):
        left, top = int(x) * px, int(y) * px
        draw.rectangle((left, top, left + int(n) * px - 1, top + px - 1), fill=0)
    return img


def test_svg_label_decodes_back_and_prints_name_and_code() -> None:
    label = _label("Hoist <B2> & more")
    svg = label_svg(label)
    assert svg.startswith("<svg")
    assert 'width="50mm"' in svg
    assert "Hoist &lt;B2&gt; &amp; more" in svg
    assert display_code(label.code) in svg
    texts = decode_qr_texts(_jpeg(_rasterise_svg(svg)))
    assert texts == [label.payload]


def test_long_names_are_cut_to_fit_under_the_symbol() -> None:
    assert fit_text("Short", 10) == "Short"
    cut = fit_text("Concrete mixer truck with a remarkably long name", 10)
    assert cut.endswith("…")
    assert len(cut) < 20
    # CJK characters are twice as wide, so fewer fit.
    assert len(fit_text("混凝土搅拌运输车混凝土搅拌运输车", 10)) < len(
        fit_text("concrete mixer truck concrete mixer", 10)
    )


def test_a_photographed_label_still_decodes() -> None:
    label = _label()
    photo = photographed_label(label_png(label), angle=27, scale=0.4)
    assert decode_qr_texts(photo) == [label.payload]
    # The symbol really is tilted in the photo.
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(photo)))
    assert found.orientation == pytest.approx(-27, abs=3)


def test_sheet_has_every_label_on_a4_pages() -> None:
    labels = [_label(f"Scaffold clamp <{i}>") for i in range(23)]
    sheet = label_sheet_html(labels, "Acme site")
    assert "@page { size: A4 portrait" in sheet
    assert sheet.count('<div class="label">') == 23
    assert sheet.count('<section class="page">') == 2  # 20 per page
    assert "Scaffold clamp &lt;7&gt;" in sheet
    assert all(display_code(lab.code) in sheet for lab in labels)


_ENV = {
    "DATABASE_URL": "postgresql+asyncpg://u:p@localhost/db",
    "S3_ACCESS_KEY_ID": "k",
    "S3_SECRET_ACCESS_KEY": "s",
    "SITECHECK_JWT_SECRET": "x" * 40,
}


def test_public_url_setting() -> None:
    assert Settings.from_env(_ENV).web.public_url is None
    env = {**_ENV, "SITECHECK_PUBLIC_URL": "https://sitecheck.example.cn/app/"}
    assert Settings.from_env(env).web.public_url == "https://sitecheck.example.cn/app"
    for bad in ("sitecheck.example.cn", "ftp://x.cn", "https://x.cn/?a=1", "https://"):
        with pytest.raises(ConfigError, match="SITECHECK_PUBLIC_URL"):
            Settings.from_env({**_ENV, "SITECHECK_PUBLIC_URL": bad})
