"""Reading an Ultralytics export's metadata: what makes a file usable, and the clear refusals.

The sessions here are stand-ins that expose only what onnxruntime's metadata calls return
(building real ONNX graphs with other metadata would need the onnx package); the shipped
model covers the real path in test_hazard_detector.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from inference.hazard import ModelFormatError
from inference.hazard.model import describe

PATH = Path("customer_ppe.onnx")
GOOD = {
    "names": "{0: 'helmet', 1: 'head', 2: 'vest'}",
    "imgsz": "[640, 640]",
    "stride": "32",
    "task": "detect",
    "end2end": "False",
}


@dataclass
class _Arg:
    name: str
    shape: list[Any]


@dataclass
class _Meta:
    custom_metadata_map: dict[str, str]


@dataclass
class _Session:
    meta: dict[str, str] = field(default_factory=lambda: dict(GOOD))
    input_shape: list[Any] = field(default_factory=lambda: [1, 3, 640, 640])
    output_shape: list[Any] = field(default_factory=lambda: [1, 7, 8400])

    def get_modelmeta(self) -> _Meta:
        return _Meta(self.meta)

    def get_inputs(self) -> list[_Arg]:
        return [_Arg("images", self.input_shape)]

    def get_outputs(self) -> list[_Arg]:
        return [_Arg("output0", self.output_shape)]


def test_a_customer_model_is_read_from_its_metadata() -> None:
    info = describe(_Session(), PATH, "ab" * 32)
    assert info.names == ("helmet", "head", "vest")
    assert (info.in_h, info.in_w, info.stride, info.input_name) == (640, 640, 32, "images")
    assert info.label == "customer_ppe.onnx@abababababab"


def test_dynamic_input_takes_the_export_size() -> None:
    session = _Session(input_shape=["batch", 3, "height", "width"], output_shape=["b", 7, "n"])
    session.meta["imgsz"] = "[384, 640]"
    info = describe(session, PATH, "")
    assert (info.in_h, info.in_w) == (384, 640)
    assert info.dynamic


def test_dynamic_models_get_ultralytics_rect_inputs() -> None:
    session = _Session(input_shape=[1, 3, "height", "width"], output_shape=[1, 7, "n"])
    info = describe(session, PATH, "")
    # The shapes Ultralytics' predict uses for bus.jpg, zidane.jpg and a 4:3 phone photo:
    # fit 640, then pad only up to the next multiple of the stride.
    assert info.input_size(1080, 810) == (640, 480)
    assert info.input_size(720, 1280) == (384, 640)
    assert info.input_size(3000, 4000) == (480, 640)
    assert info.input_size(100, 3) == (640, 32)
    fixed = describe(_Session(), PATH, "")
    assert not fixed.dynamic
    assert fixed.input_size(720, 1280) == (640, 640)


def test_names_as_a_list_are_accepted() -> None:
    session = _Session()
    session.meta["names"] = "['helmet', 'head', 'vest']"
    assert describe(session, PATH, "").names == ("helmet", "head", "vest")


@pytest.mark.parametrize(
    ("meta", "session_kw", "message"),
    [
        ({"task": "segment"}, {}, "'segment' model"),
        ({"end2end": "True"}, {}, "exported with NMS inside"),
        ({"names": None}, {}, "no 'names' metadata"),
        ({"names": "__import__('os').system('true')"}, {}, "not a Python literal"),
        ({"names": "{1: 'a', 2: 'b'}"}, {}, "must map 0..n-1"),
        ({"names": "{0: 'a', 1: 'b', 2: 3}"}, {}, "must map 0..n-1"),
        ({}, {"output_shape": [1, 6, 8400]}, r"a detect head gives \[1, 4 \+ 3, anchors\]"),
        ({}, {"output_shape": [1, 300, 6, 1]}, "a detect head gives"),
        ({"stride": "zero"}, {}, "'stride' metadata is not a Python literal"),
        ({"stride": "-32"}, {}, "positive integer"),
        ({}, {"input_shape": [1, 3, 630, 640]}, "not a multiple of stride 32"),
        ({"imgsz": None}, {"input_shape": [1, 3, "h", "w"]}, "no 'imgsz' metadata"),
        ({"imgsz": "[640]"}, {"input_shape": [1, 3, "h", "w"]}, r"must be \[height, width\]"),
        ({}, {"input_shape": [1, 3, 640]}, "one NCHW image input"),
    ],
)
def test_unusable_models_are_refused_with_a_reason(
    meta: dict[str, str | None], session_kw: dict[str, Any], message: str
) -> None:
    session = _Session(**session_kw)
    for key, value in meta.items():
        if value is None:
            session.meta.pop(key)
        else:
            session.meta[key] = value
    with pytest.raises(ModelFormatError, match=message):
        describe(session, PATH, "")
