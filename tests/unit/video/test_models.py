"""The ONNX slot: a model needs a complete card, is run through onnxruntime as the card declares,
and may be switched on only once its current file has been measured and met the bar."""

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.video import models
from peelian.video.evaluate import Label, accuracy
from peelian.video.measure import person_boxes
from peelian.video.pipeline import Options, analyse
from tests.video_scenes import PEOPLE, write_scene

CARD = """
name = "fixed-test"
version = "0.1"
licence = "Apache-2.0"
source = "built in the test suite"
training_data = "none: it answers the same boxes for every frame"
intended_use = "testing the model slot"
limitations = "it does not look at the picture"
[input]
width = 192
height = 144
channels = "RGB"
[output]
layout = "xyxy_score_class"
threshold = 0.5
classes = { 0 = "person", 7 = "vehicle" }
"""


def fixed_model(path: Path, rows: list[list[float]]) -> Path:
    """A real ONNX graph that reads the image and answers ``rows`` (x1, y1, x2, y2, score, class)."""
    image = helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 144, 192])
    out = helper.make_tensor_value_info("detections", TensorProto.FLOAT, [len(rows), 6])
    nodes = [
        helper.make_node("ReduceSum", ["images"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["boxes", "nothing"], ["detections"]),
    ]
    initialisers = [
        helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
        helper.make_tensor("boxes", TensorProto.FLOAT, [len(rows), 6], np.array(rows, np.float32).ravel()),
    ]
    graph = helper.make_graph(nodes, "fixed", [image], [out], initialisers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.fixture
def directory(tmp_path) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "fixed-test.toml").write_text(CARD)
    # where the scene's people are at frame 100 (the model sees a half-size frame)
    rows = []
    for person in PEOPLE:
        if person.box(100) is None:
            continue
        x, y, w, h = person.box(100)
        rows.append([x / 2, y / 2, (x + w) / 2, (y + h) / 2, 0.9, 0])
    rows.append([0, 0, 5, 5, 0.2, 0])  # below the card's threshold
    rows.append([10, 10, 20, 20, 0.9, 3])  # a class the card does not map
    fixed_model(folder / "fixed-test.onnx", rows)
    return folder


def test_cards_must_be_complete_and_the_model_present(directory):
    (directory / "thin.toml").write_text('name = "thin"\nversion = "1"\n')
    with pytest.raises(PeelianError, match="lacks licence"):
        models.cards(directory)
    (directory / "thin.toml").write_text(CARD)
    with pytest.raises(PeelianError, match="missing beside its card"):
        models.card(directory, "thin")
    (directory / "thin.toml").write_text(CARD.replace("xyxy_score_class", "heatmap"))
    with pytest.raises(PeelianError, match="output layout"):
        models.card(directory, "thin")
    with pytest.raises(NotFound):
        models.card(directory, "../etc/passwd")


def test_the_detector_reads_the_declared_layout_and_scales_back(directory, tmp_path):
    detector = models.OnnxDetector(models.card(directory, "fixed-test"))
    frame = np.zeros((288, 384, 3), np.uint8)
    found = detector.detect(frame, np.zeros((144, 192), np.uint8), 0.5)
    assert [d.label for d in found] == ["person"] * 3
    assert found[0].box == pytest.approx(PEOPLE[0].box(100), abs=1)
    assert "CPUExecutionProvider" in models.providers()


def test_switched_on_only_when_measured_and_good_enough(sqlite_store, directory, tmp_path):
    model = models.card(directory, "fixed-test")
    with pytest.raises(PeelianError, match="has not been measured"):
        models.enable(sqlite_store, model, "admin")
    video = write_scene(tmp_path / "scene.avi", frames=120)
    result = analyse(video, Options(keep_detections=True), models.OnnxDetector(model))
    truth = {f: [Label(p.box(f)) for p in PEOPLE if p.box(f)] for f in (100, 110)}
    one_frame = accuracy({100: truth[100]}, person_boxes(result))
    two_frames = accuracy(truth, person_boxes(result))
    assert one_frame.precision == one_frame.recall == 1.0
    assert two_frames.recall < 0.8  # the people have walked on by frame 110; the model has not
    models.record_measurement(sqlite_store, model, two_frames.as_dict(), "admin")
    with pytest.raises(PeelianError, match="below the bar"):
        models.enable(sqlite_store, model, "admin")
    models.record_measurement(sqlite_store, model, one_frame.as_dict(), "admin")
    models.enable(sqlite_store, model, "admin")
    assert models.enabled(sqlite_store) == "fixed-test"
    assert models.detector_for(sqlite_store, directory).name == "onnx:fixed-test"
    # a changed file is no longer the model measured
    fixed_model(model.path, [[0, 0, 10, 10, 0.9, 0]])
    with pytest.raises(PeelianError, match="changed since it was measured"):
        models.detector_for(sqlite_store, directory)
    models.disable(sqlite_store, "admin")
    assert models.detector_for(sqlite_store, directory).name == "motion"
    assert audit.verify(sqlite_store).ok
