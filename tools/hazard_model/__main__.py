"""python -m tools.hazard_model {export,quantize,prepare,train,finetune} ... (tools/README.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.hazard_model import pipeline
from tools.hazard_model.legacy_yolov12 import prepare


def _photos(folder: Path, count: int) -> list[Path]:
    found = sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    return found[:count]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.hazard_model")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores)")
    sub = ap.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("export", help=".pt -> ONNX, checked against PyTorch")
    ex.add_argument("checkpoint", type=Path)
    ex.add_argument("out", type=Path)
    ex.add_argument("--imgsz", type=int, default=480)
    ex.add_argument("--check-image", type=Path)
    ex.add_argument(
        "--dynamic",
        action="store_true",
        help="height/width as dynamic axes: inference pads only to the stride (Ultralytics' rect)",
    )

    qu = sub.add_parser("quantize", help="fp32 ONNX -> static int8 QDQ ONNX")
    qu.add_argument("fp32", type=Path)
    qu.add_argument("out", type=Path)
    qu.add_argument("--calibration", type=Path, required=True, help="folder of photos")
    qu.add_argument("--count", type=int, default=64)

    pr = sub.add_parser("prepare", help="Hard Hat Workers export -> helmet-class dataset")
    pr.add_argument("source", type=Path, help="folder with train/ and valid/")
    pr.add_argument("out", type=Path)
    pr.add_argument("--train-photos", type=int, default=1800)
    pr.add_argument("--val-photos", type=int, default=200)
    pr.add_argument("--exclude", type=Path, action="append", default=[])
    pr.add_argument("--seed", type=int, default=0)

    tr = sub.add_parser("train", help="fine-tune a checkpoint on a prepared dataset")
    tr.add_argument("checkpoint", type=Path)
    tr.add_argument("data_yaml", type=Path)
    tr.add_argument("runs", type=Path)
    pipeline.add_training_arguments(tr)

    pipeline.add_arguments(sub)

    a = ap.parse_args(argv)
    prepare(a.threads or None)
    if a.command == "finetune":
        return pipeline.run(a)
    if a.command == "export":
        from tools.hazard_model.export import export

        export(a.checkpoint, a.out, a.imgsz, a.check_image, dynamic=a.dynamic)
    elif a.command == "quantize":
        from tools.hazard_model.quantize import quantize

        quantize(a.fp32, a.out, _photos(a.calibration, a.count))
    elif a.command == "prepare":
        from tools.hazard_model.finetune import prepare_dataset

        prepare_dataset(a.source, a.out, a.train_photos, a.val_photos, a.exclude, a.seed)
    elif a.command == "train":
        pipeline.train_as_asked(a, a.checkpoint, a.data_yaml, a.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
