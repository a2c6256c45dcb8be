"""Fine-tune the helmet checkpoint on Hard Hat Workers photos (how the shipped model was made).

`prepare_dataset` turns a YOLO-format Hard Hat Workers export (classes 0 head, 1 helmet,
2 person; train/ and valid/ folders of images/ and labels/) into the helmet model's own
classes: helmet -> 0 'With Helmet', head -> 1 'Without Helmet', person dropped. It picks a
seeded subset, half of it photos with at least one bare head, and leaves out any photo whose
bytes equal one in `--exclude` folders (the evaluation sets), so no test photo can leak into
training. `train` fine-tunes with the backbone frozen.

The legacy checkpoint cannot be rebuilt from a YAML (that would create the new fused
attention and drop the trained `qk`/`v`/`pe` weights), so the trainer trains the loaded
module itself.
"""

from __future__ import annotations

import copy
import hashlib
import random
from pathlib import Path
from typing import Any

from inference.hazard.labelled_set import IMAGE_SUFFIXES
from tools.hazard_model.training_data import photo_hashes

# Hard Hat Workers class id -> helmet model class id; others (person) are dropped.
CLASS_MAP = {"1": "0", "0": "1"}
NAMES = {0: "With Helmet", 1: "Without Helmet"}


def _convert_split(src: Path, dst: Path, excluded: set[str]) -> tuple[list[Path], list[Path]]:
    """Symlink the images, write remapped labels; returns (with bare head, without)."""
    (dst / "images").mkdir(parents=True, exist_ok=True)
    (dst / "labels").mkdir(parents=True, exist_ok=True)
    bare: list[Path] = []
    other: list[Path] = []
    for image in sorted((src / "images").iterdir()):
        if image.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        if hashlib.sha256(image.read_bytes()).hexdigest() in excluded:
            continue
        lines = []
        label_file = src / "labels" / f"{image.stem}.txt"
        if label_file.exists():
            for line in label_file.read_text().splitlines():
                fields = line.split()
                if fields and fields[0] in CLASS_MAP:
                    lines.append(" ".join([CLASS_MAP[fields[0]], *fields[1:]]))
        link = dst / "images" / image.name
        if not link.exists():
            link.symlink_to(image.resolve())
        (dst / "labels" / f"{image.stem}.txt").write_text("".join(f"{x}\n" for x in lines))
        (bare if any(x.startswith("1 ") for x in lines) else other).append(link)
    return bare, other


def _subset(bare: list[Path], other: list[Path], total: int, rng: random.Random) -> list[Path]:
    bare, other = bare[:], other[:]
    rng.shuffle(bare)
    rng.shuffle(other)
    n_bare = min(len(bare), total // 2)
    chosen = bare[:n_bare] + other[: total - n_bare]
    rng.shuffle(chosen)
    return chosen


def prepare_dataset(
    source: Path, out: Path, train_photos: int, val_photos: int, exclude: list[Path], seed: int
) -> Path:
    rng = random.Random(seed)  # noqa: S311  (a reproducible sample, not a secret)
    excluded = photo_hashes(exclude)
    train = _subset(*_convert_split(source / "train", out / "train", excluded), train_photos, rng)
    val = _subset(*_convert_split(source / "valid", out / "valid", excluded), val_photos, rng)
    (out / "train.txt").write_text("".join(f"{p}\n" for p in train))
    (out / "val.txt").write_text("".join(f"{p}\n" for p in val))
    names = "".join(f"  {k}: {v}\n" for k, v in NAMES.items())
    data_yaml = out / "data.yaml"
    data_yaml.write_text(
        f"path: {out}\ntrain: {out / 'train.txt'}\nval: {out / 'val.txt'}\nnames:\n{names}"
    )
    print(
        f"dataset {data_yaml}: {len(train)} train, {len(val)} val photos, "
        f"{len(excluded)} excluded hashes"
    )
    return data_yaml


def train(
    checkpoint: Path,
    data_yaml: Path,
    runs: Path,
    *,
    imgsz: int,
    epochs: int,
    batch: int,
    freeze: int,
    workers: int,
    seed: int,
) -> Path:
    import torch
    from ultralytics import YOLO
    from ultralytics.models.yolo.detect import DetectionTrainer

    class LoadedModuleTrainer(DetectionTrainer):  # type: ignore[misc]
        """Trains the already-loaded module instead of one rebuilt from its YAML."""

        def get_model(self, cfg: Any = None, weights: Any = None, verbose: bool = True) -> Any:
            if isinstance(weights, torch.nn.Module):
                module = copy.deepcopy(weights).float()
                for p in module.parameters():
                    p.requires_grad = True  # `freeze` below turns the backbone off again
                return module
            return super().get_model(cfg=cfg, weights=weights, verbose=verbose)

    model = YOLO(str(checkpoint))
    model.train(
        trainer=LoadedModuleTrainer,
        data=str(data_yaml),
        imgsz=imgsz,
        epochs=epochs,
        batch=batch,
        freeze=freeze,
        workers=workers,
        device="cpu",
        amp=False,
        plots=False,
        val=True,
        optimizer="AdamW",
        lr0=0.001,
        lrf=0.1,
        warmup_epochs=0.5,
        warmup_bias_lr=0.0,
        close_mosaic=1,
        seed=seed,
        deterministic=False,
        project=str(runs),
        name="finetune",
        exist_ok=True,
    )
    best = runs / "finetune" / "weights" / "best.pt"
    print(f"best checkpoint {best}")
    return best
