"""Comparison specs: the shipped TOML per entity type, turned into Splink settings.

A spec is data (``peelian/data/resolve/<entity>.toml``) so a force can tune levels, blocking and
training without code. Comparisons, blocking rules and training blocks that name a column the
records do not have are dropped, so one person spec serves a custody extract with PNC ids and a
benchmark file without them.
"""

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

from peelian.errors import PeelianError

ENTITIES = ("person", "vehicle", "address")
LEVEL_KINDS = ("null", "exact", "jaro_winkler", "levenshtein", "array_intersect", "crossed", "sql", "else")


@dataclass(frozen=True)
class Spec:
    entity: str
    comparisons: tuple[dict[str, Any], ...]
    blocking: tuple[Any, ...]
    deterministic: tuple[tuple[str, ...], ...]
    deterministic_recall: float
    training_blocks: tuple[tuple[str, ...], ...]
    tf_columns: tuple[str, ...]


def load(entity: str, path: Path | None = None) -> Spec:
    """The shipped spec of ``entity``, or the file at ``path``; checked whole when loaded."""
    if path is None:
        if entity not in ENTITIES:
            raise PeelianError(f"unknown entity type {entity!r}: one of {', '.join(ENTITIES)}")
        text = resources.files("peelian.data").joinpath(f"resolve/{entity}.toml").read_text("utf-8")
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise PeelianError(f"cannot read comparison spec {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PeelianError(f"comparison spec for {entity} is not valid TOML: {exc}") from exc
    for comparison in data.get("comparisons", []):
        for level in comparison.get("levels", []):
            if level.get("kind") not in LEVEL_KINDS:
                raise PeelianError(
                    f"comparison {comparison.get('name')!r}: unknown level kind {level.get('kind')!r}"
                )
    return Spec(
        entity=data.get("entity", entity),
        comparisons=tuple(data["comparisons"]),
        blocking=tuple(data["blocking"]),
        deterministic=tuple(tuple(r) for r in data.get("deterministic", [])),
        deterministic_recall=float(data.get("deterministic_recall", 0.7)),
        training_blocks=tuple(tuple(r) for r in data.get("training_blocks", [])),
        tf_columns=tuple(data.get("tf_columns", [])),
    )


def _level_columns(level: dict[str, Any]) -> set[str]:
    named = {level[k] for k in ("column", "other") if k in level}
    if "sql" in level:  # columns an SQL condition reads: name_l / name_r
        named |= set(re.findall(r"\b([a-z_]+)_[lr]\b", level["sql"]))
    return named


def _comparison_columns(comparison: dict[str, Any]) -> set[str]:
    return set().union(*(_level_columns(level) for level in comparison["levels"]))


def _present(columns: set[str], available: set[str]) -> bool:
    return columns <= available


def _level(level: dict[str, Any], tf_columns: tuple[str, ...]) -> Any:
    kind, column = level["kind"], level.get("column")
    if kind == "null" and "sql" in level:
        made = cll.CustomLevel(level["sql"]).configure(is_null_level=True)
    elif kind == "null":
        made = cll.NullLevel(column)
    elif kind == "exact":
        made = cll.ExactMatchLevel(column)
        if level.get("tf") and column in tf_columns:
            made = made.configure(tf_adjustment_column=column)
    elif kind == "jaro_winkler":
        made = cll.JaroWinklerLevel(column, level["threshold"])
    elif kind == "levenshtein":
        made = cll.LevenshteinLevel(column, level["threshold"])
    elif kind == "array_intersect":
        made = cll.ArrayIntersectLevel(column, 1)
    elif kind == "crossed":
        made = cll.CustomLevel(f'"{column}_l" = "{level["other"]}_r"')
    elif kind == "sql":
        made = cll.CustomLevel(level["sql"])
    else:
        made = cll.ElseLevel()
    return made.configure(label_for_charts=level["label"]) if "label" in level else made


def comparisons(spec: Spec, available: set[str], exact: tuple[str, ...] = ()) -> list[Any]:
    """Splink comparisons for the columns present; ``exact`` columns get exact-with-TF ones."""
    out = []
    for comparison in spec.comparisons:
        if not _present(_comparison_columns(comparison), available):
            continue
        levels = [_level(level, spec.tf_columns) for level in comparison["levels"]]
        out.append(cl.CustomComparison(levels, output_column_name=comparison["name"]))
    out.extend(cl.ExactMatch(name).configure(term_frequency_adjustments=True) for name in exact)
    return out


def _rule(rule: Any) -> Any:
    return rule["sql"] if isinstance(rule, dict) else block_on(*rule)


def _rule_columns(rule: Any) -> set[str]:
    if isinstance(rule, dict):
        return set(rule.get("columns", ()))
    return set(rule)


def blocking_rules(spec: Spec, available: set[str]) -> list[Any]:
    return [_rule(r) for r in spec.blocking if _present(_rule_columns(r), available)]


def training_blocks(spec: Spec, available: set[str]) -> list[Any]:
    return [block_on(*r) for r in spec.training_blocks if set(r) <= available]


def deterministic_rules(spec: Spec, available: set[str]) -> list[Any]:
    return [block_on(*r) for r in spec.deterministic if set(r) <= available]


def settings(spec: Spec, available: set[str], link_type: str, exact: tuple[str, ...] = ()) -> SettingsCreator:
    used = comparisons(spec, available, exact)
    if not used:
        raise PeelianError(f"no {spec.entity} comparison applies: the records have none of its columns")
    return SettingsCreator(
        link_type=link_type,
        comparisons=used,
        blocking_rules_to_generate_predictions=blocking_rules(spec, available),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        unique_id_column_name="unique_id",
    )
