"""Model cards: what a forecast was made from, how, and what it must not be used for.

Crime types that police mostly find by their own activity (drugs, weapons possession, public
order) carry a feedback-loop warning: forecasting where they were recorded sends patrols where
patrols already were, and the records that follow confirm the forecast.

The backtest section shows how the same model did on this data's last periods (each forecast from
the periods before it alone), beside the best baseline and the oracle, so a reader can judge it.
"""

from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from peelian.forecast.metrics import COVERAGES

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


def build(model: Any, about: dict[str, Any], backtest: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the card says, as data: kept in each lead's provenance, so the card outlives its file.
    ``backtest`` is ``backtest.report`` of this model (and baselines) on the periods before the
    forecast, or ``{"skipped": reason}``; without it the card has no backtest section."""
    warnings = [FEEDBACK_WARNING] if feedback_loop_risk(about.get("category")) else []
    return {"model": model.name, "parameters": parameters(model), "data": about,
            "written": datetime.now(UTC).isoformat(timespec="seconds"), "warnings": warnings,
            "limitations": list(LIMITATIONS), "backtest": backtest}  # fmt: skip


def markdown(card: dict[str, Any]) -> str:
    about, backtest = card["data"], card["backtest"]
    lines = [f"# Model card: {card['model']}", "", f"Written {card['written']}.", "", "## Data"]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in about.items()]
    lines += ["", "## Parameters"] + [f"- {k.replace('_', ' ')}: {v}" for k, v in card["parameters"].items()]
    if backtest is not None:
        period = about.get("period") or "period"
        lines += ["", "## Backtest", "", *backtest_lines(card["model"], backtest, period)]
    if card["warnings"]:
        lines += ["", "## Warning", "", *card["warnings"]]
    lines += ["", "## Limitations", "", *(f"- {item}" for item in card["limitations"]), ""]
    return "\n".join(lines)


def write(
    path: Path, model: Any, about: dict[str, Any], backtest: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The card as Markdown beside the forecast; returns what it says (see ``build``)."""
    card = build(model, about, backtest)
    path.write_text(markdown(card), encoding="utf-8")
    return card


def _places(found: dict[str, Any]) -> str:
    units = found.get("units")
    return f"{units['count']:,} {units['scheme']} units" if units else f"{found['cells']:,} cells"


def backtest_lines(name: str, found: dict[str, Any], period: str) -> list[str]:
    """Markdown for how ``name`` did in a backtest: per coverage its hit rate, PAI and PEI beside the
    best other baseline's hit rate and the oracle's; then stability and compactness."""
    if "skipped" in found:
        return [f"Not backtested: {found['skipped']}."]
    mine = next(m for m in found["models"] if m["model"] == name)
    others = [m for m in found["models"] if m["classic"] and m["model"] != name]
    baseline = max(others, key=lambda m: m["hit_rate"][0.05], default=None)
    lines = [f"Each of the {found['targets']} {period}(s) from {found['first_period'][:10]} to "
             f"{found['last_period'][:10]} forecast from the {period}s before it alone and scored against "
             f"what was then recorded, on {_places(found)}.", "",
             "| area flagged | hit rate (95% interval) | PAI | PEI |"
             + (f" {baseline['model']} hit rate |" if baseline else "") + " oracle hit rate |",
             "|---|---|---|---|" + ("---|" if baseline else "") + "---|"]  # fmt: skip
    for c in COVERAGES:
        low, high = mine["hit_rate_interval"][c]
        rate = f"{mine['hit_rate'][c]:.1%} ({low:.1%} to {high:.1%})"
        row = f"| {c:.0%} | {rate} | {mine['pai'][c]:.2f} | {mine['pei'][c]:.2f} |"
        row += f" {baseline['hit_rate'][c]:.1%} |" if baseline else ""
        lines.append(row + f" {found['oracle_hit_rate'][c]:.1%} |")
    lines += ["", f"- stability: {mine['stability']:.2f} (share of the top 5% of cells flagged again by the "
              "next forecast; 1 is the same cells each time)",
              f"- compactness: {mine['compactness']:.1f} cells per patrol area in the top 5% (1 when every "
              "flagged cell stands alone; higher is fewer, larger places to patrol)"]  # fmt: skip
    comparison = found.get("best_vs_baseline_5pct")
    if baseline and comparison and (found["best_model"], found["best_baseline"]) == (name, baseline["model"]):
        ratio, low, high = comparison
        lines.append(f"- at 5%: {ratio:.2f} times the hit rate of {baseline['model']} "
                     f"(95% bootstrap interval over {period}s {low:.2f} to {high:.2f})")  # fmt: skip
    return lines
