"""Response times against the grade targets: median, 90th percentile and the share within target."""

import numpy as np

from peelian.dispatch.grades import TARGET_S, Grade


def response_summary(grades: np.ndarray, response_s: np.ndarray) -> dict[str, dict]:
    """Per grade label: calls, attended, median and p90 minutes, and the share attended within target.

    ``response_s`` is from the call to the first officer or vehicle on scene (``nan`` when none went).
    The share within target counts every call of the grade, so one never attended counts as missed.
    """
    grades, response_s = np.asarray(grades), np.asarray(response_s, dtype=float)
    out = {}
    for grade in Grade:
        times = response_s[grades == grade]
        if not len(times):
            continue
        attended = times[np.isfinite(times)]
        row: dict = {"calls": len(times), "attended": len(attended)}
        if len(attended):
            row["median_min"] = round(float(np.median(attended)) / 60, 2)
            row["p90_min"] = round(float(np.percentile(attended, 90)) / 60, 2)
        if grade in TARGET_S:
            row["target_min"] = TARGET_S[grade] / 60
            row["within_target"] = round(float(np.sum(attended <= TARGET_S[grade]) / len(times)), 4)
        out[grade.label] = row
    return out
