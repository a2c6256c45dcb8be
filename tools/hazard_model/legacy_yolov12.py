"""Make current Ultralytics load the helmet checkpoint, and run without torchvision.

1. The helmet-detector weights were trained with the original YOLOv12 fork (ultralytics
   8.3.63). Its area-attention block (`AAttn`) holds separate `qk` and `v` 1x1 convs and a
   5x5 depthwise positional conv `pe` on v; current Ultralytics fuses q, k, v into one `qkv`
   conv with a 7x7 `pe`. Unpickling gives modules with the old attributes and the new
   `forward`, which fails. `patch_area_attention` installs a forward that computes the old
   block for modules that carry `qk` and defers to the stock one otherwise.
2. Ultralytics reads torchvision's version at import time and imports torchvision for its
   NMS only in some paths (video streams, > 1000 images, validation). There is no CPU build
   of torchvision for torch 2.13 on the package index, and the CUDA build's native ops do
   not load next to CPU torch. `stub_torchvision` registers a module whose `ops.nms` is
   Ultralytics' own pure-torch NMS, which is what single-image `predict` uses anyway;
   the torchvision wheel is installed with --no-deps only for its version metadata.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any


def stub_torchvision() -> None:
    from ultralytics.utils.nms import TorchNMS

    stub = types.ModuleType("torchvision")
    stub.__version__ = "0.28.0"  # type: ignore[attr-defined]
    stub.ops = types.SimpleNamespace(nms=TorchNMS.nms)  # type: ignore[attr-defined]
    sys.modules.setdefault("torchvision", stub)


def _legacy_forward(self: Any, x: Any) -> Any:
    import torch

    batch, channels, height, width = x.shape
    tokens = height * width
    v_map = self.v(x)
    positional = self.pe(v_map)
    qk = self.qk(x).flatten(2).transpose(1, 2)  # B, N, 2C
    v = v_map.flatten(2).transpose(1, 2)  # B, N, C
    if self.area > 1:  # attend within `area` horizontal bands of the feature map
        qk = qk.reshape(batch * self.area, tokens // self.area, 2 * channels)
        v = v.reshape(batch * self.area, tokens // self.area, channels)
    groups, n, _ = qk.shape
    q, k = qk.split([channels, channels], dim=2)
    heads, head_dim = self.num_heads, self.head_dim

    def per_head(t: Any) -> Any:
        return t.transpose(1, 2).reshape(groups, heads, head_dim, n)

    q, k, v = per_head(q), per_head(k), per_head(v)
    weights = torch.softmax((q.transpose(-2, -1) @ k) * head_dim**-0.5, dim=-1)  # g, h, n, n
    attended = (v @ weights.transpose(-2, -1)).permute(0, 3, 1, 2)  # g, n, h, d
    attended = attended.reshape(batch, height, width, channels).permute(0, 3, 1, 2)
    return self.proj(attended + positional)


def patch_area_attention() -> None:
    from ultralytics.nn.modules import block

    stock = block.AAttn.forward
    if getattr(stock, "_legacy_aware", False):
        return

    def forward(self: Any, x: Any) -> Any:
        return _legacy_forward(self, x) if hasattr(self, "qk") else stock(self, x)

    forward._legacy_aware = True  # type: ignore[attr-defined]
    block.AAttn.forward = forward


def prepare(threads: int | None = None) -> None:
    """Everything above, offline, with torch bound to `threads` (default: all cores)."""
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    import torch

    if threads:
        torch.set_num_threads(threads)
    stub_torchvision()
    patch_area_attention()
