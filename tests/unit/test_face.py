"""Face encodings on the real shared faces, the decode paths, settings and sealing."""

from __future__ import annotations

import base64
import io
import struct
import subprocess
import sys
import time
import uuid
import zlib
from functools import cache

import numpy as np
import pytest
from PIL import Image

from api.config import DEFAULT_FACE_MATCH_THRESHOLD, REPO_ROOT, ConfigError, Settings
from api.domain.faces.templates import SEALED_BYTES, TemplateUnreadable, seal, unseal
from inference.face import (
    FaceEncoding,
    FaceImageInvalid,
    FaceLimits,
    FaceNotFound,
    MultipleFaces,
    Vector,
    encode_face,
    face_distance,
)
from tests.support.face_photos import (
    face_bytes,
    group_photo,
    jpeg,
    phone_photo_12mp,
    selfie,
    sideways_with_exif,
    sideways_without_exif,
    texture,
)

THRESHOLD = DEFAULT_FACE_MATCH_THRESHOLD


@cache
def enrolled() -> Vector:
    return encode_face(face_bytes("obama")).vector


def distance_to_enrolled(data: bytes) -> float:
    return face_distance(encode_face(data).vector, [enrolled()])


# ----------------------------------------------------------------- who is who


@pytest.mark.parametrize("name", ["obama2", "obama3"])
def test_same_person_is_within_the_threshold(name: str) -> None:
    distance = distance_to_enrolled(face_bytes(name))
    # The shared data's README measured 0.33-0.38 for these pairs.
    assert 0.25 < distance < 0.42
    assert distance <= THRESHOLD


def test_another_person_is_far_beyond_the_threshold() -> None:
    distance = distance_to_enrolled(face_bytes("biden"))
    assert distance > 0.75
    assert distance > THRESHOLD + 0.25


def test_a_640px_selfie_matches_like_the_original() -> None:
    small = distance_to_enrolled(selfie("obama2"))
    full = distance_to_enrolled(face_bytes("obama2"))
    assert abs(small - full) < 0.05


def test_exif_orientation_is_applied_before_detection() -> None:
    assert distance_to_enrolled(sideways_with_exif("obama2")) <= THRESHOLD
    # The same pixels without the tag: HOG finds no face lying on its side, so it is
    # the orientation that made the difference above.
    with pytest.raises(FaceNotFound):
        encode_face(sideways_without_exif("obama2"))


def test_a_12_megapixel_phone_photo_is_bounded_and_matches() -> None:
    data = phone_photo_12mp("obama2")
    encoding = encode_face(data)
    assert max(encoding.image_size) == FaceLimits().detect_side
    # Portrait after orientation: the phone stored it landscape.
    assert encoding.image_size[0] < encoding.image_size[1]
    assert face_distance(encoding.vector, [enrolled()]) <= THRESHOLD


def test_two_people_give_multiple_faces() -> None:
    with pytest.raises(MultipleFaces):
        encode_face(group_photo("obama2", "biden"))


def test_a_photo_without_a_face_gives_face_not_found() -> None:
    with pytest.raises(FaceNotFound):
        encode_face(texture())


def test_timings_cover_every_stage() -> None:
    encoding = encode_face(selfie("obama3"))
    assert set(encoding.timings_ms) == {"decode", "detect", "encode"}
    assert all(v >= 0 for v in encoding.timings_ms.values())
    assert encoding.vector.shape == (128,)


# --------------------------------------------------------------- decode paths


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _matches(encoding: FaceEncoding) -> bool:
    return face_distance(encoding.vector, [enrolled()]) <= THRESHOLD


def test_baseline_jpeg_and_small_png_decode_in_process() -> None:
    img = _open(selfie("obama2"))
    png = io.BytesIO()
    img.save(png, format="PNG")
    # A transparent background, as a cut-out photo would have it.
    rgba = img.convert("RGBA")
    alpha = Image.new("L", img.size, 0)
    alpha.paste(255, (20, 20, img.width - 20, img.height - 20))
    rgba.putalpha(alpha)
    transparent = io.BytesIO()
    rgba.save(transparent, format="PNG")
    for data in (selfie("obama2"), png.getvalue(), transparent.getvalue()):
        encoding = encode_face(data)
        assert encoding.decoded == "inline"
        assert _matches(encoding)


def test_progressive_jpeg_webp_and_big_png_go_through_the_isolated_decoder() -> None:
    img = _open(face_bytes("obama2"))
    webp = io.BytesIO()
    img.save(webp, format="WEBP", quality=90)
    png = io.BytesIO()
    img.save(png, format="PNG")
    limits = FaceLimits(png_max_pixels=100_000)
    for data in (jpeg(img, progressive=True), webp.getvalue(), png.getvalue()):
        encoding = encode_face(data, limits)
        assert encoding.decoded == "isolated"
        assert _matches(encoding)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is not an image", b"\xff\xd8\xff" + b"\x00" * 200, b"GIF89a" + b"\0" * 50],
    ids=["empty", "text", "jpeg-magic-only", "gif"],
)
def test_not_an_image_is_image_invalid(data: bytes) -> None:
    with pytest.raises(FaceImageInvalid):
        encode_face(data)


def test_a_truncated_jpeg_is_image_invalid() -> None:
    data = selfie("obama2")
    with pytest.raises(FaceImageInvalid):
        encode_face(data[: len(data) // 2])


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header for a huge image followed by a few bytes of pixel data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def _jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(selfie("obama2"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [_png_claiming(20_000, 20_000), _jpeg_claiming(60_000, 60_000)],
    ids=["png-400MP", "jpeg-3600MP"],
)
def test_too_many_pixels_is_refused_from_the_header(data: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(FaceImageInvalid, match="pixels"):
        encode_face(data)
    # Nothing was decoded: a 400 MP decode would take seconds and gigabytes.
    assert time.monotonic() - started < 1.0


def test_too_many_bytes_is_refused() -> None:
    with pytest.raises(FaceImageInvalid, match="bytes"):
        encode_face(selfie("obama2"), FaceLimits(max_bytes=1000))


def test_the_models_load_without_pkg_resources_or_face_recognition() -> None:
    # face_recognition_models' __init__ imports pkg_resources (a warning, and removal
    # scheduled); face_recognition flips a Pillow global. Neither may be imported.
    code = (
        "import sys, inference.face as f; f.warm_up(); "
        "assert 'pkg_resources' not in sys.modules, 'pkg_resources'; "
        "assert 'face_recognition' not in sys.modules, 'face_recognition'"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_face_distance_is_the_smallest_over_the_templates() -> None:
    probe = np.zeros(128)
    near = np.full(128, 0.01)
    far = np.full(128, 0.1)
    assert face_distance(probe, [far, near]) == pytest.approx(float(np.linalg.norm(near)))
    with pytest.raises(ValueError, match="no templates"):
        face_distance(probe, [])


# ------------------------------------------------------------------- settings

BASE = {
    "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:5432/db",
    "S3_ACCESS_KEY_ID": "k",
    "S3_SECRET_ACCESS_KEY": "s",
    "SITECHECK_JWT_SECRET": "x" * 40,
}
KEY = bytes(range(32))


@pytest.mark.parametrize(
    "raw",
    [
        KEY.hex(),
        KEY.hex().upper(),
        base64.b64encode(KEY).decode(),
        base64.urlsafe_b64encode(KEY).decode(),
        f"  {KEY.hex()}\n",
    ],
    ids=["hex", "HEX", "base64", "base64url", "padded"],
)
def test_face_key_accepts_hex_and_base64(raw: str) -> None:
    assert Settings.from_env({**BASE, "SITECHECK_FACE_KEY": raw}).faces.key == KEY


@pytest.mark.parametrize(
    "raw",
    ["short", KEY.hex()[:-2], base64.b64encode(KEY[:16]).decode(), "z" * 64],
    ids=["short", "31-bytes-hex", "16-bytes-base64", "not-hex-64"],
)
def test_face_key_must_be_32_bytes(raw: str) -> None:
    with pytest.raises(ConfigError, match="SITECHECK_FACE_KEY"):
        Settings.from_env({**BASE, "SITECHECK_FACE_KEY": raw})


def test_face_settings_defaults_and_bounds() -> None:
    settings = Settings.from_env(BASE)
    assert settings.faces.key is None
    assert settings.faces.match_threshold == 0.5
    assert settings.faces.max_samples == 5
    assert "face_key" not in repr(Settings.from_env({**BASE, "SITECHECK_FACE_KEY": KEY.hex()}))
    for name, value in (
        ("SITECHECK_FACE_MATCH_THRESHOLD", "0.05"),
        ("SITECHECK_FACE_MATCH_THRESHOLD", "nan"),
        ("SITECHECK_FACE_MATCH_THRESHOLD", "close"),
        ("SITECHECK_FACE_MAX_SAMPLES", "0"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({**BASE, name: value})


# -------------------------------------------------------------------- sealing


def test_sealed_templates_open_only_with_the_key_and_their_row() -> None:
    vector = enrolled()
    template_id, user_id = uuid.uuid4(), uuid.uuid4()
    sealed = seal(KEY, template_id, user_id, vector)
    assert len(sealed) == SEALED_BYTES
    assert np.allclose(unseal(KEY, template_id, user_id, sealed), vector, atol=1e-6)
    # No trace of the plaintext floats, at any offset.
    plain = vector.astype("<f4").tobytes()
    assert all(plain[i : i + 8] not in sealed for i in range(0, len(plain) - 8, 4))
    # The same vector seals differently each time (random nonce).
    assert seal(KEY, template_id, user_id, vector) != sealed
    with pytest.raises(TemplateUnreadable):
        unseal(bytes(32), template_id, user_id, sealed)
    with pytest.raises(TemplateUnreadable):
        unseal(KEY, template_id, uuid.uuid4(), sealed)  # moved to another worker
    with pytest.raises(TemplateUnreadable):
        unseal(KEY, template_id, user_id, sealed[:-1] + bytes([sealed[-1] ^ 1]))
