"""Why a pair scored what it did: the prior, then each field's level and the weight it added.

Weights are log2 Bayes factors, so they add: the prior's weight plus each field's gives the pair's
match weight, and a reviewer sees which fields pulled the score up or down and by how much.
"""

import math
from typing import Any

import pandas as pd


def _levels(settings: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """Each comparison's levels as (weight, label); a null level weighs nothing."""
    out = {}
    for comparison in settings["comparisons"]:
        levels = []
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            label = level.get("label_for_charts") or "?"
            if level.get("is_null_level"):
                levels.append((0.0, "missing on one side"))
            elif m and u:
                levels.append((math.log2(m / u), label))
        out[comparison["output_column_name"]] = levels
    return out


def _label(levels: list[tuple[float, str]], weight: float) -> str:
    """The level a pair reached, read from its weight (Splink 5 does not return the level), nearest
    first; a term-frequency adjustment moves an exact level's weight, hence nearest, not equal."""
    if not levels:
        return "?"
    return min(levels, key=lambda wl: abs(wl[0] - weight))[1]


def _number(value: Any) -> float:
    return 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def prior_weight(settings: dict[str, Any]) -> float:
    prior = settings["probability_two_random_records_match"]
    return math.log2(prior / (1 - prior))


def steps(pairs: pd.DataFrame, settings: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """For each row of scored pairs (with mw_* columns), its waterfall steps."""
    labels = _levels(settings)
    prior = round(prior_weight(settings), 3)
    out = []
    for row in pairs.to_dict("records"):
        rows = [{"field": "prior", "level": "chance two records match", "weight": prior}]
        for name, levels in labels.items():
            if f"mw_{name}" not in row:
                continue
            level = _number(row[f"mw_{name}"])
            weight = level + _number(row.get(f"mw_tf_adj_{name}"))
            rows.append({"field": name, "level": _label(levels, level), "weight": round(weight, 3)})
        out.append(rows)
    return out


def sentence(waterfall: list[dict[str, Any]]) -> str:
    """The waterfall in one line for a reviewer: strongest evidence first."""
    fields = sorted(
        (s for s in waterfall if s["field"] != "prior" and s["weight"]), key=lambda s: -abs(s["weight"])
    )
    return "; ".join(f"{s['field']}: {s['level']} ({s['weight']:+.1f})" for s in fields)
