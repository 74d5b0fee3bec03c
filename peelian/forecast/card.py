"""Model cards: what a forecast was made from, how, and what it must not be used for.

Crime types that police mostly find by their own activity (drugs, weapons possession, public
order) carry a feedback-loop warning: forecasting where they were recorded sends patrols where
patrols already were, and the records that follow confirm the forecast.
"""

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FOUND_BY_POLICE = ("drug", "weapon", "possession", "public order")
FEEDBACK_WARNING = (
    "This crime type is mostly recorded when police find it, so its records show where police "
    "looked as much as where it happened. Patrolling the forecast will record more of it there and "
    "confirm the forecast: a feedback loop. Do not use it to direct enforcement without an "
    "independent measure of harm."
)
LIMITATIONS = (
    "A forecast ranks places by expected recorded crime; it says nothing about any person.",
    "It learns from recorded crime, which under-counts crime that is rarely reported.",
    "Each flagged area is a lead for a person to accept or reject with a reason; none is an instruction.",
    "Check it on this force's data with `peelian forecast backtest` before relying on it.",
)


def feedback_loop_risk(category: str | None) -> bool:
    return bool(category) and any(word in category.lower() for word in FOUND_BY_POLICE)


def parameters(model: Any) -> dict[str, Any]:
    """The model's settings, without data it holds (covariate tables, caches)."""
    if not is_dataclass(model):
        return {}
    out = {}
    for f in fields(model):
        value = getattr(model, f.name)
        if f.name.startswith("_") or f.name == "covariates":
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def write(path: Path, model: Any, about: dict[str, Any]) -> dict[str, Any]:
    """The card as Markdown beside the forecast; returns what it says, for the leads' provenance."""
    warnings = [FEEDBACK_WARNING] if feedback_loop_risk(about.get("category")) else []
    card = {"model": model.name, "parameters": parameters(model), "data": about,
            "written": datetime.now(UTC).isoformat(timespec="seconds"), "warnings": warnings,
            "limitations": list(LIMITATIONS)}  # fmt: skip
    lines = [f"# Model card: {model.name}", "", f"Written {card['written']}.", "", "## Data"]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in about.items()]
    lines += ["", "## Parameters"] + [f"- {k.replace('_', ' ')}: {v}" for k, v in card["parameters"].items()]
    if warnings:
        lines += ["", "## Warning", "", *warnings]
    lines += ["", "## Limitations", "", *(f"- {item}" for item in LIMITATIONS), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return card
