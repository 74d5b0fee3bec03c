"""The crimes linkage works on: plain arrays, prepared once, whatever store or file they came from.

Times are seconds since the epoch (UTC) with a window ``[t_from, t_to]`` for crimes known only to
have happened between two times; places are projected metres. Categorical MO fields are integer
codes (-1: not recorded) so a million crimes compare without Python loops; free-text MO becomes a
sparse, normalised bag of words for cosine similarity.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from peelian.errors import PeelianError

_WORDS = HashingVectorizer(
    n_features=2**18, binary=True, norm="l2", alternate_sign=False, stop_words="english"
)


@dataclass(frozen=True)
class Crimes:
    """Crimes of one kind, as arrays; ``offenders`` holds each crime's known offenders (may be empty)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    t_from: np.ndarray
    t_to: np.ndarray
    categorical: dict[str, np.ndarray] = field(default_factory=dict)
    text: sparse.csr_matrix | None = None
    offenders: list[frozenset[str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def solved(self) -> np.ndarray:
        return np.array([bool(o) for o in self.offenders], dtype=bool)

    def take(self, rows: np.ndarray) -> "Crimes":
        """A subset, in the order given."""
        return Crimes(
            ids=self.ids[rows], x=self.x[rows], y=self.y[rows], t_from=self.t_from[rows],
            t_to=self.t_to[rows], categorical={k: v[rows] for k, v in self.categorical.items()},
            text=None if self.text is None else self.text[rows],
            offenders=[self.offenders[i] for i in rows],
        )  # fmt: skip


def _seconds(values: pd.Series) -> np.ndarray:
    """Seconds since the epoch, whatever resolution pandas chose for the column."""
    stamps = pd.to_datetime(values, utc=True)
    return (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)


def _codes(values: pd.Series) -> np.ndarray:
    text = values.astype("string").str.strip().str.lower()
    text = text.mask(text.isin(["", "na", "nan", "none", "unknown"]))
    codes, _ = pd.factorize(text, use_na_sentinel=True)
    return codes.astype(np.int32)


def from_frame(
    frame: pd.DataFrame,
    categorical: Sequence[str] = (),
    text: str | None = None,
    offender: str | None = None,
) -> Crimes:
    """Crimes from a frame with ``id, x, y, t_from, t_to`` plus the named MO columns.

    ``offender`` names a column of offender ids: a string, '' when unsolved, or a collection of ids
    for crimes with several offenders.
    """
    missing = [
        c
        for c in ("id", "x", "y", "t_from", "t_to", *categorical, *([text] if text else []))
        if c not in frame
    ]
    if missing:
        raise PeelianError(f"crimes for linkage lack the column(s): {', '.join(missing)}")
    x, y = frame["x"].to_numpy(dtype=float), frame["y"].to_numpy(dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise PeelianError("every crime for linkage needs a place (x and y in metres)")
    t_from, t_to = _seconds(frame["t_from"]), _seconds(frame["t_to"])
    if np.isnan(t_from).any():
        raise PeelianError("every crime for linkage needs a time")
    t_to = np.where(np.isnan(t_to), t_from, np.maximum(t_to, t_from))
    words = None
    if text:
        words = _WORDS.transform(frame[text].fillna("").astype(str).tolist()).tocsr()
    offenders: list[frozenset[str]] = []
    for value in frame[offender] if offender else [None] * len(frame):
        if isinstance(value, str):
            offenders.append(frozenset([value]) if value.strip() else frozenset())
        elif value is None or (isinstance(value, float) and np.isnan(value)):
            offenders.append(frozenset())
        else:
            offenders.append(frozenset(str(v) for v in value))
    return Crimes(
        ids=frame["id"].astype(str).to_numpy(dtype=object), x=x, y=y, t_from=t_from, t_to=t_to,
        categorical={c: _codes(frame[c]) for c in categorical}, text=words, offenders=offenders,
    )  # fmt: skip
