"""A customer's labelled photos -> a training set in the model's own classes (no torch).

Accepts a YOLO-format folder (`data.yaml` plus `images/` and `labels/`, flat or in
`train/`, `valid/`, `test/` splits as Roboflow writes them) or the zip SiteCheck's review
export downloads (api/domain/hazards/dataset_export.py: `images/`, `labels/`, `data.yaml` in the
model's class order). Three things are decided here, each refused loudly rather than
guessed:

- classes are matched to the model's by name: a class `k` of the set becomes the model
  class with the same name, or the one `--map` names, or is dropped when mapped to `-`;
  a class with neither is an error (training "no_hard_hat" boxes as "With Helmet" would
  teach the opposite of the truth);
- a photo byte-identical to one in an evaluation set is left out and counted, so the
  gate never measures a model on photos it trained on;
- the remaining photos are split (seeded) into train and a small val, which Ultralytics
  uses only to pick the best epoch; the gate's numbers come from the evaluation sets.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from inference.hazard.labelled_set import IMAGE_SUFFIXES, read_names

DROP = "-"


class TrainingDataError(Exception):
    """The labelled photos cannot be used as given (layout, classes, labels)."""


@dataclass(frozen=True)
class PreparedData:
    data_yaml: Path
    train: tuple[Path, ...]
    val: tuple[Path, ...]
    left_out: int  # photos byte-identical to an evaluation photo
    boxes: int  # label boxes kept
    boxes_dropped: int  # boxes of classes mapped to DROP
    mapping: Mapping[str, str]  # set class -> model class or DROP


def photos_under(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )


def photo_hashes(folders: Iterable[Path]) -> set[str]:
    """sha256 of every photo under `folders` (byte-identical is what a leak looks like:
    the review export and Roboflow both store photos as they are)."""
    return {hashlib.sha256(p.read_bytes()).hexdigest() for f in folders for p in photos_under(f)}


def open_source(source: Path, unpack_to: Path) -> Path:
    """The folder holding `data.yaml`: `source` itself, or the zip unpacked to `unpack_to`."""
    if source.is_dir():
        root = source
    elif zipfile.is_zipfile(source):
        root = unpack_to
        if root.exists():
            shutil.rmtree(root)
        _unzip(source, root)
    else:
        raise TrainingDataError(f"{source} is neither a folder nor a zip file")
    if not (root / "data.yaml").is_file():
        raise TrainingDataError(f"{source} has no data.yaml at its top")
    return root


def _unzip(archive: Path, into: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            name = PurePosixPath(member.filename)
            # A crafted entry ("../x", "/etc/x") must not write outside `into`.
            if name.is_absolute() or ".." in name.parts:
                raise TrainingDataError(f"{archive}: entry {member.filename!r} leaves the folder")
        zf.extractall(into)


def class_mapping(
    set_names: tuple[str, ...], model_names: tuple[str, ...], overrides: Mapping[str, str]
) -> dict[str, str]:
    """Set class name -> model class name (or DROP); refuses what it cannot match.
    `overrides` may name classes of other sets too (one --map for several sources)."""
    mapping: dict[str, str] = {}
    unmatched: list[str] = []
    for name in set_names:
        target = overrides.get(name, name)
        if target != DROP and target not in model_names:
            unmatched.append(name if name not in overrides else f"{name}={target}")
            continue
        mapping[name] = target
    if unmatched:
        raise TrainingDataError(
            f"classes {unmatched} do not match the model's {list(model_names)}: map each with "
            f"--map 'SET_CLASS=MODEL_CLASS' (SET_CLASS=- drops it)"
        )
    return mapping


def check_overrides(set_names: Iterable[str], overrides: Mapping[str, str]) -> None:
    """A --map naming no class of any source is a typo, not a no-op."""
    known = set(set_names)
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TrainingDataError(f"--map names {unknown}; the sets' classes are {sorted(known)}")


def parse_map(specs: Iterable[str]) -> dict[str, str]:
    """`["head=Without Helmet", "person=-"]` -> {"head": "Without Helmet", "person": "-"}."""
    out: dict[str, str] = {}
    for spec in specs:
        name, sep, target = spec.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise TrainingDataError(f"--map {spec!r}: use SET_CLASS=MODEL_CLASS or SET_CLASS=-")
        out[name.strip()] = target.strip()
    return out


def _label_file(image: Path) -> Path:
    """Ultralytics' rule: the last `images` folder of the path becomes `labels`."""
    parts = list(image.parts)
    where = len(parts) - 1 - parts[::-1].index("images")
    parts[where] = "labels"
    return Path(*parts).with_suffix(".txt")


def _remap(label: Path, ids: Mapping[int, int | None]) -> tuple[list[str], int]:
    """The label file's lines in model class ids, and how many boxes were dropped."""
    if not label.exists():
        return [], 0  # YOLO's convention: no file, no objects
    lines, dropped = [], 0
    for number, line in enumerate(label.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            cls_id = int(fields[0])
            coords = [float(v) for v in fields[1:]]
        except ValueError:
            raise TrainingDataError(f"{label}:{number}: expected `class cx cy w h`") from None
        if cls_id not in ids or len(coords) < 4:
            raise TrainingDataError(f"{label}:{number}: class {cls_id} or its box is not valid")
        target = ids[cls_id]
        if target is None:
            dropped += 1
            continue
        lines.append(" ".join([str(target), *fields[1:]]))
    return lines, dropped


def prepare_training_set(
    sources: Sequence[Path],
    out: Path,
    model_names: tuple[str, ...],
    overrides: Mapping[str, str],
    exclude: Iterable[Path],
    *,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> PreparedData:
    """One training set from several sources (a customer's few reviewed photos are best
    mixed with the public set the shipped model learned from: tools/README.md)."""
    if not sources:
        raise TrainingDataError("no labelled photos given")
    roots = [open_source(source, out / f"source{k}") for k, source in enumerate(sources)]
    names_of = [read_names(root / "data.yaml") for root in roots]
    check_overrides((n for names in names_of for n in names), overrides)
    mapping: dict[str, str] = {}
    for names in names_of:
        mapping |= class_mapping(names, model_names, overrides)
    if all(t == DROP for t in mapping.values()):
        raise TrainingDataError("every class is dropped: nothing would be learned")
    excluded = photo_hashes(exclude)
    for sub in ("images", "labels"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
        (out / sub).mkdir(parents=True)
    kept: list[Path] = []
    left_out = boxes = boxes_dropped = 0
    seen: set[str] = set()
    for k, (source, root, names) in enumerate(zip(sources, roots, names_of, strict=True)):
        ids = {
            i: (None if mapping[name] == DROP else model_names.index(mapping[name]))
            for i, name in enumerate(names)
        }
        images = [p for p in photos_under(root) if "images" in p.relative_to(root).parts[:-1]]
        if not images:
            raise TrainingDataError(f"{source}: no photos in an images/ folder")
        for image in images:
            digest = hashlib.sha256(image.read_bytes()).hexdigest()
            if digest in excluded:
                left_out += 1
                continue
            if digest in seen:
                continue  # the same photo twice (train/ and valid/) would leak into val
            seen.add(digest)
            lines, dropped = _remap(_label_file(image), ids)
            boxes, boxes_dropped = boxes + len(lines), boxes_dropped + dropped
            # Flattened, unique name: sources and splits may reuse a stem.
            name = "__".join((str(k), *image.relative_to(root).with_suffix("").parts))
            link = out / "images" / f"{name}{image.suffix.lower()}"
            link.symlink_to(image.resolve())
            (out / "labels" / f"{name}.txt").write_text("".join(f"{x}\n" for x in lines))
            kept.append(link)
    if len(kept) < 2:
        raise TrainingDataError(
            f"{len(kept)} usable photos ({left_out} left out as evaluation photos): too few"
        )
    rng = random.Random(seed)  # noqa: S311  (a reproducible split, not a secret)
    rng.shuffle(kept)
    n_val = min(len(kept) - 1, max(1, round(len(kept) * val_fraction)))
    val, train = sorted(kept[:n_val]), sorted(kept[n_val:])
    (out / "train.txt").write_text("".join(f"{p}\n" for p in train))
    (out / "val.txt").write_text("".join(f"{p}\n" for p in val))
    listed = "".join(f"  {i}: {_yaml_string(n)}\n" for i, n in enumerate(model_names))
    data_yaml = out / "data.yaml"
    data_yaml.write_text(
        f"path: {out}\ntrain: {out / 'train.txt'}\nval: {out / 'val.txt'}\nnames:\n{listed}"
    )
    return PreparedData(
        data_yaml, tuple(train), tuple(val), left_out, boxes, boxes_dropped, mapping
    )


def _yaml_string(value: str) -> str:
    # A JSON string is a valid YAML scalar: quotes names with spaces or colons safely.
    return json.dumps(value)
