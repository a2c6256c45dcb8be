"""QR codes of equipment and material batches: the short codes, the URL a label carries,
and reading codes back out of a photo.

A code is 10 characters of Crockford base32 (50 random bits): short enough to type from
a scratched label, and far too many to guess. Crockford's alphabet has no I, L, O or U,
and reading it forgives the usual misreads (O for 0, I and L for 1), case and the
hyphen printed in the middle for legibility.

The QR payload is the PWA's URL `<public base>/s/<code>`, so a phone's ordinary camera
app opens the app on the item; the API accepts that URL as well as the bare code.
"""

from __future__ import annotations

import io
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import zxingcpp
from litestar import Request
from PIL import Image
from sqlalchemy import select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Equipment, MaterialBatch
from api.db.models.equipment import CODE_LENGTH

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ALPHABET_SET = frozenset(ALPHABET)
# Crockford's decoding rules: the letters a person (or an OCR) confuses with digits.
_MISREADS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "- \t")
# The PWA route a label points at; the code is the last path segment.
_SCAN_PATH = re.compile(r"(?:^|/)s/([^/]+)/?$")
_QR_FORMATS = zxingcpp.BarcodeFormats(
    [zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.MicroQRCode]
)
# Anything longer is not one of our labels (and is not worth parsing).
MAX_INPUT_LENGTH = 500


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code: str) -> str:
    """How a label prints a code: two groups of five, easier to read aloud and type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_code(raw: str) -> str | None:
    """The canonical code typed or read as `raw`, or None if it cannot be one."""
    code = raw.strip().upper().translate(_SEPARATORS).translate(_MISREADS)
    if len(code) != CODE_LENGTH or not set(code) <= _ALPHABET_SET:
        return None
    return code


def code_from_scan(raw: str) -> str | None:
    """The code in what a scanner produced: a bare code, or a label URL (full, or as it
    arrives in a request path, where `//` has been collapsed), with any query string."""
    if len(raw) > MAX_INPUT_LENGTH:
        return None
    # A path parameter keeps its leading slash.
    text = raw.strip().lstrip("/")
    if "/" in text:
        parts = urlsplit(text)
        match = _SCAN_PATH.search(parts.path)
        if match is None:
            return None
        text = match.group(1)
    return normalise_code(text)


def scan_url(public_base: str, code: str) -> str:
    return f"{public_base.rstrip('/')}/s/{code}"


def decode_qr_texts(jpeg: bytes) -> list[str]:
    """Every QR code's text in an image, in reading order. Blocking (zxing-cpp), and
    meant for the normalised JPEG of the image pipeline, never for raw upload bytes."""
    with Image.open(io.BytesIO(jpeg)) as img:
        gray = img.convert("L")
    found = zxingcpp.read_barcodes(
        gray,
        formats=_QR_FORMATS,
        # A label photographed at an angle or from far away, on a dusty site.
        try_rotate=True,
        try_downscale=True,
        try_invert=True,
    )
    texts: list[str] = []
    for barcode in found:
        if barcode.valid and barcode.text and barcode.text not in texts:
            texts.append(barcode.text)
    return texts


async def fresh_codes(session: AsyncSession, count: int = 1) -> list[str]:
    """`count` new codes used by no equipment item and no material batch.

    Both kinds share one namespace (a scan does not know which it is); each table's
    unique index still settles two concurrent creates that drew the same code.
    """
    codes: set[str] = set()
    while len(codes) < count:
        drawn = {new_code() for _ in range(count - len(codes))} - codes
        taken = await session.scalars(
            union_all(
                select(Equipment.code).where(Equipment.code.in_(drawn)),
                select(MaterialBatch.code).where(MaterialBatch.code.in_(drawn)),
            )
        )
        codes |= drawn - set(taken)
    return list(codes)


def public_base(request: Request[Any, Any, Any]) -> str:
    """Where labels point: SITECHECK_PUBLIC_URL, else the address this request came to."""
    configured: str | None = request.app.state.settings.web.public_url
    return configured or str(request.base_url).rstrip("/")
