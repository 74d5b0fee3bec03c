"""The linkage model: logistic regression on pairwise evidence, trained on solved crimes.

Chosen over gradient boosting after measuring both on Porter's benchmark (benchmarks/linkage.py):
with a few hundred linked pairs to learn from, the linear model generalised better to unseen
offenders, its probabilities are calibrated by construction, and each pair's log-odds is an
exact sum of per-evidence contributions, which is the explanation an analyst reads. The model is
kept as plain JSON (weights, scaling, imputation), never a pickle.
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from peelian.errors import PeelianError
from peelian.linkage.features import describe

VERSION = "linkage-lr-1"
C = 0.3  # L2 strength: a mild pull towards zero, for a few hundred positives


@dataclass
class LinkageModel:
    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    report: dict[str, Any] = field(default_factory=dict)
    version: str = VERSION

    @classmethod
    def fit(
        cls,
        evidence: pd.DataFrame,
        linked: np.ndarray,
        report: dict[str, Any] | None = None,
    ) -> "LinkageModel":
        linked = np.asarray(linked, dtype=bool)
        if linked.sum() < 5 or (~linked).sum() < 5:
            raise PeelianError(
                f"training needs at least 5 linked and 5 unlinked pairs of solved crimes; "
                f"found {int(linked.sum())} linked and {int((~linked).sum())} unlinked"
            )
        values = evidence.to_numpy(dtype=float)
        mean = np.nanmean(values, axis=0)
        mean = np.where(np.isnan(mean), 0.0, mean)
        values = np.where(np.isnan(values), mean, values)
        scale = values.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        standard = (values - mean) / scale
        names = list(evidence.columns)
        # Evidence whose learnt effect contradicts what it means (crimes further apart made *more*
        # alike) is an artefact of which pairs were compared, not a habit of offenders: it is left
        # out, refitting without it, and the report names it.
        expected = np.array([-1.0 if n in ("distance", "days_apart") else 1.0 for n in names])
        used = np.ones(len(names), bool)
        while True:
            fitted = LogisticRegression(C=C, max_iter=5000).fit(standard[:, used], linked)
            weights = np.zeros(len(names))
            weights[used] = fitted.coef_[0]
            wrong = used & (weights * expected < 0)
            if not wrong.any():
                break
            used &= ~wrong
        report = (report or {}) | {"left_out": [n for n, u in zip(names, used, strict=True) if not u]}
        return cls(
            features=names, mean=mean.tolist(), scale=scale.tolist(), weights=weights.tolist(),
            intercept=float(fitted.intercept_[0]), report=report,
        )  # fmt: skip

    def contributions(self, evidence: pd.DataFrame) -> np.ndarray:
        """Per pair and feature, log-odds added relative to an average pair (0 for unknowns)."""
        if list(evidence.columns) != self.features:
            raise PeelianError(
                f"this model was trained on {', '.join(self.features)}; "
                f"the crimes give {', '.join(evidence.columns)}: retrain it"
            )
        values = evidence.to_numpy(dtype=float)
        mean = np.asarray(self.mean)
        values = np.where(np.isnan(values), mean, values)
        return (values - mean) / np.asarray(self.scale) * np.asarray(self.weights)

    def log_odds(self, evidence: pd.DataFrame) -> np.ndarray:
        return self.intercept + self.contributions(evidence).sum(axis=1)

    def probability(self, evidence: pd.DataFrame) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(evidence)))

    def explain(self, evidence: pd.DataFrame, row: int = 0) -> list[dict[str, Any]]:
        """Which evidence pushed one pair's score, strongest first, in log-odds and in words."""
        parts = self.contributions(evidence.iloc[[row]])[0]
        values = evidence.iloc[row]
        found = [
            {"evidence": name, "value": None if np.isnan(values[name]) else float(values[name]),
             "reads": describe(name, float(values[name])), "log_odds": round(float(part), 3)}
            for name, part in zip(self.features, parts, strict=True)
        ]  # fmt: skip
        return sorted(found, key=lambda f: -abs(f["log_odds"]))

    def to_json(self) -> str:
        return json.dumps(asdict(self), allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "LinkageModel":
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise PeelianError(
                f"a stored linkage model is {data.get('version')!r}; retrain it with this version"
            )
        return cls(**data)
