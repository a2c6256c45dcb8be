"""Export an Ultralytics detect checkpoint (.pt) to the ONNX layout inference.hazard runs.

Static input [1, 3, imgsz, imgsz], opset 17, simplified, no NMS inside (end2end off), class
names / imgsz / stride in the metadata. Then the export is checked: the ONNX graph run by
onnxruntime must give the PyTorch model's raw output on a real photo (boxes within 0.01 px,
scores within 1e-4), and the sha256 to pin in the model's policy is printed.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def export(
    checkpoint: Path, out: Path, imgsz: int, check_image: Path | None, *, dynamic: bool = False
) -> str:
    from ultralytics import YOLO

    with tempfile.TemporaryDirectory() as work:
        # Ultralytics writes the .onnx beside the checkpoint; keep the source folder clean.
        local = Path(work) / checkpoint.name
        shutil.copyfile(checkpoint, local)
        model = YOLO(str(local))
        if model.task != "detect":
            raise SystemExit(f"{checkpoint} is a {model.task!r} model; only 'detect' is supported")
        produced = model.export(
            format="onnx", imgsz=imgsz, opset=17, simplify=True, dynamic=dynamic, nms=False
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(produced, out)
        if check_image is not None:
            compare(model, out, check_image)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"exported {out} ({out.stat().st_size} bytes) names={model.names}")
    print(f"sha256 {digest}")
    return digest


def compare(model: Any, onnx_path: Path, image: Path) -> None:
    """The same letterboxed tensor through PyTorch and onnxruntime."""
    import onnxruntime as ort
    import torch
    from PIL import Image

    from inference.hazard.model import describe
    from inference.hazard.preprocess import letterbox

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    info = describe(session, onnx_path, "")
    with Image.open(image) as im:
        tensor, _ = letterbox(np.asarray(im.convert("RGB")), info.in_h, info.in_w)
    onnx_out = session.run(None, {info.input_name: tensor})[0]
    net = model.model.float().eval()
    with torch.inference_mode():
        torch_out = net(torch.from_numpy(tensor))
    torch_out = (torch_out[0] if isinstance(torch_out, list | tuple) else torch_out).numpy()
    box_err = float(np.abs(onnx_out[0, :4] - torch_out[0, :4]).max())
    score_err = float(np.abs(onnx_out[0, 4:] - torch_out[0, 4:]).max())
    print(
        f"onnx vs torch on {image.name}: boxes within {box_err:.2e} px, "
        f"scores within {score_err:.2e}"
    )
    if box_err > 0.01 or score_err > 1e-4:
        raise SystemExit("the ONNX export does not reproduce the PyTorch model")
