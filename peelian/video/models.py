"""The slot for ONNX detection models: a force may drop in a better detector than the built-in
motion one, but only with a model card saying what it is, and only once its accuracy has been
measured on labelled footage and meets the bar set when it is switched on.

A model lives in the models directory as ``NAME.onnx`` beside its card ``NAME.toml``. The card
declares the input (size, channel order) and the output layout the runtime must read, so no
model-specific code is needed. Measurements are kept in the store against the model file's
SHA-256: replacing the file un-measures it. A GPU is used when onnxruntime offers one.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sqlalchemy import Connection, Engine, delete, insert, select

from peelian.db.schema import store_meta
from peelian.errors import NotFound, PeelianError
from peelian.governance import audit
from peelian.video.detect import Detection

CARD_FIELDS = ("name", "version", "licence", "source", "training_data", "intended_use", "limitations")
OUTPUTS = ("xyxy_score_class",)  # rows of x1, y1, x2, y2, score, class in input pixels
ENABLED_KEY = "video_detector"
MEASURE_PREFIX = "video_model:"


@dataclass(frozen=True)
class Card:
    name: str
    path: Path
    fields: dict[str, Any]
    input_width: int
    input_height: int
    channels: str  # RGB or BGR
    output: str
    classes: dict[int, str]  # class index -> person or vehicle (others ignored)
    threshold: float

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _card(toml_path: Path) -> Card:
    name = toml_path.stem
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PeelianError(f"model card {toml_path.name} is not valid TOML: {exc}") from None
    missing = [f for f in CARD_FIELDS if not str(data.get(f) or "").strip()]
    if missing:
        raise PeelianError(f"model card {toml_path.name} lacks {', '.join(missing)}")
    model = data.get("input") or {}
    out = data.get("output") or {}
    try:
        card = Card(
            name=name,
            path=toml_path.with_suffix(".onnx"),
            fields={f: str(data[f]) for f in CARD_FIELDS},
            input_width=int(model["width"]),
            input_height=int(model["height"]),
            channels=str(model.get("channels", "RGB")).upper(),
            output=str(out["layout"]),
            classes={int(k): str(v) for k, v in (out.get("classes") or {}).items()},
            threshold=float(out.get("threshold", 0.5)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PeelianError(
            f"model card {toml_path.name}: [input] width/height and [output] layout are needed ({exc})"
        ) from None
    if not (16 <= card.input_width <= 4096 and 16 <= card.input_height <= 4096) or card.channels not in (
        "RGB",
        "BGR",
    ):
        raise PeelianError(f"model card {toml_path.name}: input must be 16..4096 pixels, channels RGB or BGR")
    if card.output not in OUTPUTS:
        raise PeelianError(f"model card {toml_path.name}: output layout must be one of {', '.join(OUTPUTS)}")
    if not set(card.classes.values()) & {"person", "vehicle"}:
        raise PeelianError(f"model card {toml_path.name}: map at least one class to person or vehicle")
    if not card.path.is_file():
        raise PeelianError(f"model {name}: {card.path.name} is missing beside its card")
    return card


def cards(directory: Path) -> list[Card]:
    return [_card(p) for p in sorted(directory.glob("*.toml"))] if directory.is_dir() else []


def card(directory: Path, name: str) -> Card:
    path = directory / f"{name}.toml"
    if not name.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        raise NotFound(f"no model card {name!r} in {directory}")
    return _card(path)


def providers() -> list[str]:
    """A GPU first when this onnxruntime build has one, the CPU always."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    preferred = ("CUDAExecutionProvider", "ROCMExecutionProvider", "CPUExecutionProvider")
    return [p for p in preferred if p in available] or ["CPUExecutionProvider"]


class OnnxDetector:
    """Runs a carded ONNX model on each full frame (the motion mask is not needed)."""

    def __init__(self, model: Card) -> None:
        import onnxruntime

        self.card = model
        self.name = f"onnx:{model.name}"
        try:
            self.session = onnxruntime.InferenceSession(str(model.path), providers=providers())
        except Exception as exc:  # onnxruntime raises its own untyped errors for a bad file
            raise PeelianError(f"model {model.name} will not load: {exc}") from None
        self.input = self.session.get_inputs()[0].name

    def detect(self, frame: np.ndarray, mask: np.ndarray, scale: float) -> list[Detection]:
        card = self.card
        height, width = frame.shape[:2]
        image = cv2.resize(frame, (card.input_width, card.input_height), interpolation=cv2.INTER_LINEAR)
        if card.channels == "RGB":
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        tensor = np.ascontiguousarray(image.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0
        rows = np.asarray(self.session.run(None, {self.input: tensor})[0], dtype=np.float32).reshape(-1, 6)
        sx, sy = width / card.input_width, height / card.input_height
        boxes, scores, labels = [], [], []
        for x1, y1, x2, y2, score, cls in rows:
            label = card.classes.get(int(cls))
            if label in ("person", "vehicle") and score >= card.threshold and x2 > x1 and y2 > y1:
                boxes.append([float(x1 * sx), float(y1 * sy), float((x2 - x1) * sx), float((y2 - y1) * sy)])
                scores.append(float(score))
                labels.append(label)
        keep = cv2.dnn.NMSBoxes(boxes, scores, card.threshold, 0.5) if boxes else []
        return [Detection(tuple(boxes[i]), labels[i], scores[i]) for i in np.array(keep).reshape(-1)]


def _put(conn: Connection, key: str, value: str | None) -> None:
    """Set (or with None, clear) one store setting in the caller's transaction."""
    conn.execute(delete(store_meta).where(store_meta.c.key == key))
    if value is not None:
        conn.execute(insert(store_meta).values(key=key, value=value))


def record_measurement(engine: Engine, model: Card, result: dict[str, Any], by: str) -> dict[str, Any]:
    """Keep a model's measured accuracy against the exact file measured."""
    entry = {**result, "sha256": model.sha256, "measured_at": datetime.now(UTC).isoformat(), "by": by}
    key = MEASURE_PREFIX + model.name
    with engine.begin() as conn:
        _put(conn, key, json.dumps(entry))
        audit.append(conn, by, "video.model.measured", details={"model": model.name, **entry})
    return entry


def measurement(engine: Engine, name: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        found = conn.execute(
            select(store_meta.c.value).where(store_meta.c.key == MEASURE_PREFIX + name)
        ).scalar()
    return json.loads(found) if found else None


def enable(
    engine: Engine, model: Card, by: str, min_precision: float = 0.8, min_recall: float = 0.8
) -> dict[str, Any]:
    """Switch a model on for new analyses, only if its current file was measured and met the bar."""
    measured = measurement(engine, model.name)
    if measured is None or measured.get("sha256") != model.sha256:
        raise PeelianError(
            f"model {model.name} has not been measured in its current form: run `peelian video model measure`"
        )
    if measured["precision"] < min_precision or measured["recall"] < min_recall:
        raise PeelianError(
            f"model {model.name} measured precision {measured['precision']:.3f}, "
            f"recall {measured['recall']:.3f}: "
            f"below the bar of {min_precision:.2f} / {min_recall:.2f}"
        )
    with engine.begin() as conn:
        _put(conn, ENABLED_KEY, model.name)
        audit.append(
            conn,
            by,
            "video.model.enabled",
            details={
                "model": model.name,
                "sha256": model.sha256,
                "min_precision": min_precision,
                "min_recall": min_recall,
            },
        )
    return measured


def disable(engine: Engine, by: str) -> None:
    with engine.begin() as conn:
        _put(conn, ENABLED_KEY, None)
        audit.append(conn, by, "video.model.disabled", details={})


def enabled(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(store_meta.c.value).where(store_meta.c.key == ENABLED_KEY)).scalar()


def detector_for(engine: Engine, directory: Path):
    """The detector new analyses use: the enabled model if it is still the file measured, else motion."""
    from peelian.video.detect import MotionDetector

    name = enabled(engine)
    if name is None:
        return MotionDetector()
    model = card(directory, name)
    measured = measurement(engine, name)
    if measured is None or measured.get("sha256") != model.sha256:
        raise PeelianError(f"model {name} changed since it was measured: measure it again or disable it")
    return OnnxDetector(model)
