"""What moved: an adaptive background model (Zivkovic's MOG2) with shadows discarded.

The model runs on a reduced copy of each frame: people and vehicles stay many pixels tall at
half of PAL resolution, and the cost falls with the square of the scale.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

ANALYSIS_WIDTH = 384  # pixels across the reduced frame the background model sees
SHADOW = 127  # MOG2 marks shadow pixels with this value; foreground is 255


def analysis_scale(width: int, target: int = ANALYSIS_WIDTH) -> float:
    return min(1.0, target / max(width, 1))


@dataclass
class Motion:
    """Foreground masks for one camera, frame after frame (the model learns as it goes)."""

    scale: float
    history: int = 500
    var_threshold: float = 16.0
    _model: cv2.BackgroundSubtractorMOG2 = field(init=False, repr=False)
    _open: np.ndarray = field(init=False, repr=False)
    _close: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._model = cv2.createBackgroundSubtractorMOG2(
            history=self.history, varThreshold=self.var_threshold, detectShadows=True
        )
        self._open = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        self._close = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 7))  # joins a body split at the waist

    @classmethod
    def for_stillness(cls, scale: float, still_frames: float) -> "Motion":
        """A model in which a thing must keep still for about ``still_frames`` to become background.
        MOG2 takes a new colour into the background once the old one's weight, decaying by
        1/history a frame, falls below its background ratio (0.9): after about a tenth of the
        history; so the history is ten times the stillness wanted."""
        return cls(scale, history=max(round(10 * still_frames), 50))

    def background(self) -> np.ndarray:
        """The model's current picture of the empty scene (reduced frame)."""
        return self._model.getBackgroundImage()

    def reduce(self, frame: np.ndarray) -> np.ndarray:
        if self.scale == 1.0:
            return frame
        return cv2.resize(frame, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_AREA)

    def apply(self, small: np.ndarray) -> np.ndarray:
        """A 0/1 mask of moving things in the reduced frame."""
        raw = self._model.apply(small)
        mask = (raw > SHADOW).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._open)
        return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, self._close)
