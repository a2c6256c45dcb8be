"""What the rush's phones send: real faces to enrol and selfies of the same people, and
real site photos, a share of them with bare heads, in several sizes.

Faces come from tests/data/faces (obama.jpg enrols, obama2/obama3 punch; biden.jpg both,
the only photo of him), so several workers share a face, and each is enrolled on its own.
Site photos come from the labelled sets in ../shared/data (hardhat-workers-test: class 0
is a bare head; hardhat-eval: classes 1 and 2), plus bus.jpg and zidane.jpg (bare heads).
Those sets are 450-640 px; a PWA sends about 1600 px, so every third photo is resized to
1600 px and every third to 1024 px on its long side (same picture, phone-like bytes).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from api.config import REPO_ROOT
from tests.support.face_photos import face_bytes, selfie

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
TEST_DATA = REPO_ROOT / "tests" / "data"

# (photo enrolled, selfies punched with): a person per entry.
PEOPLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("obama", ("obama2", "obama3")),
    ("biden", ("biden",)),
)
# Of every 4 workers, 3 are the first person and 1 the second.
PERSON_PATTERN = (0, 0, 0, 1)
# Bare-head class ids per labelled set (the rest is helmet/person).
BARE_HEAD_CLASSES = {"hardhat-workers-test": {"0"}, "hardhat-eval": {"1", "2"}}
LONG_SIDES = (None, 1600, 1024)


@dataclass(frozen=True)
class Face:
    enrol: bytes
    selfies: tuple[bytes, ...]


@dataclass(frozen=True)
class SitePhoto:
    name: str
    data: bytes
    bare_head: bool


def faces() -> list[Face]:
    return [
        Face(enrol=face_bytes(enrolled), selfies=tuple(selfie(s) for s in shots))
        for enrolled, shots in PEOPLE
    ]


def face_for(worker_index: int) -> int:
    return PERSON_PATTERN[worker_index % len(PERSON_PATTERN)]


def _labelled(data_dir: Path) -> tuple[list[Path], list[Path]]:
    """(bare-head photos, other photos) of the labelled sets under data_dir."""
    bare: list[Path] = []
    other: list[Path] = []
    for set_name, classes in BARE_HEAD_CLASSES.items():
        images = data_dir / set_name / "images"
        if not images.is_dir():
            continue
        for path in sorted(images.glob("*.jpg")):
            label = data_dir / set_name / "labels" / f"{path.stem}.txt"
            lines = label.read_text().splitlines() if label.exists() else []
            has_bare = any(line.split()[:1] and line.split()[0] in classes for line in lines)
            (bare if has_bare else other).append(path)
    return bare, other


def _resized(path: Path, long_side: int | None) -> bytes:
    raw = path.read_bytes()
    if long_side is None:
        return raw
    with Image.open(io.BytesIO(raw)) as im:
        rgb = im.convert("RGB")
    scale = long_side / max(rgb.size)
    out = rgb.resize(
        (round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS
    )
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def site_photos(count: int, bare_share: float, data_dir: Path, seed: int) -> list[SitePhoto]:
    """`count` photos, about `bare_share` of them with a bare head. Distinct files while
    the sets last; after that the same files again in another size (stored bytes differ)."""
    rng = random.Random(seed)  # noqa: S311 - picks test data, from a fixed seed
    bare, other = _labelled(data_dir)
    hazard_dir = data_dir / "hazard" if (data_dir / "hazard").is_dir() else TEST_DATA / "hazard"
    bare = sorted(hazard_dir.glob("*.jpg")) + bare
    rng.shuffle(bare)
    rng.shuffle(other)
    if not other:
        other = bare
    n_bare = round(count * bare_share)
    chosen = [(p, True) for p in _cycle(bare, n_bare)]
    chosen += [(p, False) for p in _cycle(other, count - n_bare)]
    rng.shuffle(chosen)
    seen: dict[Path, int] = {}
    photos = []
    for i, (path, is_bare) in enumerate(chosen):
        repeat = seen.get(path, 0)
        seen[path] = repeat + 1
        # A repeat of the same file always gets a size it has not had yet.
        side = LONG_SIDES[(i + repeat) % len(LONG_SIDES)] if repeat == 0 else 600 + 97 * repeat
        photos.append(SitePhoto(name=path.name, data=_resized(path, side), bare_head=is_bare))
    return photos


def _cycle(paths: list[Path], n: int) -> list[Path]:
    if not paths:
        return []
    return [paths[i % len(paths)] for i in range(n)]
