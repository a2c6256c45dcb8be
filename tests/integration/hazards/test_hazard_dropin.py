"""Replacing the hazard model is configuration, not code: a model with other class names
and its own policy file go through upload -> job -> flagged photo -> review queue; a
policy that does not fit its model stops the API and the worker at start, saying why.

The drop-in models are built here from the shipped one with `onnx`: (a) its two classes
renamed in the `names` metadata, (b) three classes, by appending nodes to the graph's
output so it returns [1, 7, anchors].
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from litestar.testing import AsyncTestClient
from onnx import helper, numpy_helper

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from api.domain.hazards.model_check import HazardModelUnusable, check_model_files, load_detector
from api.jobs.worker import run_until_idle
from inference.hazard import DEFAULT_MODEL_PATH
from tests.support.factories import World
from tests.support.hazard_photos import BUS, hazard_of, upload

THREE = {0: "hard_hat", 1: "no_hard_hat", 2: "no_head_wear"}


def _set_names(model: onnx.ModelProto, names: dict[int, str]) -> None:
    for prop in model.metadata_props:
        if prop.key == "names":
            prop.value = repr(names)
            return
    raise AssertionError("the shipped model has no names metadata")


def _helmet_head(path: Path) -> Path:
    """The shipped model with its classes renamed: 0 helmet, 1 head."""
    model = onnx.load(DEFAULT_MODEL_PATH)
    _set_names(model, {0: "helmet", 1: "head"})
    onnx.save(model, path)
    return path


def _three_classes(path: Path) -> Path:
    """The shipped model with a third class: [box, hard_hat, no_hard_hat, no_head_wear].
    The bare-head score moves to no_head_wear (index 2, so a decoder reading only two
    classes would miss it) and no_hard_hat gets half of it."""
    model = onnx.load(DEFAULT_MODEL_PATH)
    graph = model.graph
    for node in graph.node:
        for i, name in enumerate(node.output):
            if name == "output0":
                node.output[i] = "output0_two_classes"
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array(v, np.int64), name=n)
            for n, v in (("s0", [0]), ("s5", [5]), ("s6", [6]), ("ax1", [1]))
        ]
        + [numpy_helper.from_array(np.array(0.5, np.float32), name="half")]
    )
    graph.node.extend(
        [
            helper.make_node("Slice", ["output0_two_classes", "s0", "s5", "ax1"], ["box_helmet"]),
            helper.make_node("Slice", ["output0_two_classes", "s5", "s6", "ax1"], ["bare"]),
            helper.make_node("Mul", ["bare", "half"], ["half_bare"]),
            helper.make_node("Concat", ["box_helmet", "half_bare", "bare"], ["output0"], axis=1),
        ]
    )
    graph.output[0].type.tensor_type.shape.dim[1].dim_value = 7
    _set_names(model, THREE)
    onnx.save(model, path)
    return path


def _policy(path: Path, model: Path, classes: str, sha: str | None = None) -> Path:
    digest = sha or hashlib.sha256(model.read_bytes()).hexdigest()
    path.write_text(f'model_sha256 = "{digest}"\nconf = 0.25\n{classes}')
    return path


HELMET_HEAD_CLASSES = """
[classes.head]
role = "hazard"
threshold = 0.5
[classes.helmet]
role = "compliance"
"""

THREE_CLASSES = """
[classes.no_hard_hat]
role = "hazard"
threshold = 0.5
[classes.no_head_wear]
role = "hazard"
threshold = 0.5
[classes.hard_hat]
role = "compliance"
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dropin")
    return {
        "helmet_head": _helmet_head(folder / "helmet_head.onnx"),
        "three": _three_classes(folder / "ppe3.onnx"),
    }


async def _start_refusal(settings: Settings) -> str:
    """Why the API refused to start with these settings (its lifespan's error)."""
    with pytest.raises(BaseException) as refused:  # noqa: PT011 (unwrapped below)
        async with AsyncTestClient(create_app(settings)):
            pass
    found: list[str] = []

    def walk(exc: BaseException) -> None:
        if isinstance(exc, HazardModelUnusable):
            found.append(str(exc))
        for inner in getattr(exc, "exceptions", ()):
            walk(inner)
        if exc.__cause__ is not None:
            walk(exc.__cause__)

    walk(refused.value)
    assert len(found) == 1, refused.value
    return found[0]


def _dropped(settings: Settings, model: Path, policy: Path) -> Settings:
    hazards = dataclasses.replace(settings.hazards, model_path=model, policy_path=policy)
    return dataclasses.replace(settings, hazards=hazards)


# (model, its policy's classes, the label its bare heads must carry, every label allowed)
DROP_INS = {
    "head/helmet renamed": ("helmet_head", HELMET_HEAD_CLASSES, "head", {"head", "helmet"}),
    # The bare-head score was moved to the third channel: it must be read.
    "three classes": ("three", THREE_CLASSES, "no_head_wear", set(THREE.values())),
}


@pytest.mark.parametrize("case", sorted(DROP_INS))
async def test_a_model_with_other_classes_flags_through_the_review_queue(
    api: httpx.AsyncClient,
    world: World,
    settings: Settings,
    models: dict[str, Path],
    tmp_path: Path,
    case: str,
) -> None:
    key, classes, bare_label, labels = DROP_INS[case]
    model = models[key]
    dropped = _dropped(settings, model, _policy(tmp_path / f"{key}.policy.toml", model, classes))
    check_model_files(dropped)

    photo_id = await upload(api, world, BUS.read_bytes(), world.a.site.id)
    await run_until_idle(dropped)
    hazard = await hazard_of(api, world, photo_id)
    assert hazard["status"] == "flagged", hazard
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    assert hazard["model"] == f"{model.name}@{sha[:12]}"
    bare = [d for d in hazard["detections"] if d["hazard"]]
    assert len(bare) == 2, hazard["detections"]
    assert {d["label"] for d in bare} == {bare_label}
    # The shipped names are gone: labels come from the file, not from code.
    assert {d["label"] for d in hazard["detections"]} <= labels

    officer = world.headers(world.a.users[Role.SAFETY_OFFICER])
    queue = await api.get(f"/api/hazards?site_id={world.a.site.id}", headers=officer)
    assert queue.status_code == 200, queue.text
    queued = [i for i in queue.json()["items"] if i["photo"]["id"] == photo_id]
    assert len(queued) == 1
    assert (queued[0]["model"], queued[0]["status"]) == (hazard["model"], "open")


async def test_a_policy_pinning_another_file_is_refused_at_start(
    settings: Settings, models: dict[str, Path], tmp_path: Path
) -> None:
    model = models["helmet_head"]
    # The shipped model's own pin: the policy was not updated for the new file.
    policy = _policy(
        tmp_path / "stale.policy.toml",
        model,
        HELMET_HEAD_CLASSES,
        sha=hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest(),
    )
    dropped = _dropped(settings, model, policy)
    expected = (
        rf"hazard model check failed \(SITECHECK_HAZARD_MODEL={model}, "
        rf"SITECHECK_HAZARD_POLICY={policy}\): hazard model {model} has sha256 "
    )
    with pytest.raises(HazardModelUnusable, match=expected) as api_check:
        check_model_files(dropped)
    assert "pin the new model's hash in its policy" in str(api_check.value)
    # The worker's check refuses the same, before any session is built.
    with pytest.raises(HazardModelUnusable, match=expected):
        load_detector(dropped)
    # And the API does not start.
    assert re.match(expected, await _start_refusal(dropped))


async def test_a_policy_naming_a_class_the_model_lacks_is_refused_at_start(
    settings: Settings, models: dict[str, Path], tmp_path: Path
) -> None:
    model = models["helmet_head"]
    # Written for the three-class model, pointed at the two-class one.
    policy = _policy(tmp_path / "wrong.policy.toml", model, THREE_CLASSES)
    dropped = _dropped(settings, model, policy)
    with pytest.raises(HazardModelUnusable) as refused:
        check_model_files(dropped)
    message = str(refused.value)
    assert message.startswith(f"hazard model check failed (SITECHECK_HAZARD_MODEL={model}")
    assert "classes ['hard_hat', 'no_hard_hat', 'no_head_wear'] are not in the model" in message
    assert "it has ['helmet', 'head']" in message
    assert await _start_refusal(dropped) == message


def test_the_shipped_model_passes_the_start_check(settings: Settings) -> None:
    policy = check_model_files(settings)
    assert policy.model_sha256 == hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
