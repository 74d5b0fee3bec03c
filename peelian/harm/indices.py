"""Harm indices: how much harm one offence carries, read from published tables shipped with Peelian.

An index is a table of entries, each a Home Office offence code, an offence subgroup or a
data.police.uk category, with a weight (ONS severity points or Cambridge days). Sources and
licences are in ``peelian/data/harm/SOURCES.md``; every row names its source.

Offences arrive as data.police.uk categories, Home Office codes ("28E", "030/01") or offence names
("Burglary - Residential"). Each distinct text is resolved once, case and punctuation ignored: a
category goes through the category map; a code or name goes to its own entry if the index has one,
else to its subgroup's. A text that resolves to nothing, or to entries of different weight (a code
class such as "004" spanning homicide and assault), is *unmapped*: its weight is NaN, never zero,
so scoring can count it instead of hiding it.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from peelian.errors import PeelianError

BUNDLED = {
    "ons_css": ("ons_css.csv", "ONS Crime Severity Score", "points"),
    "cchi": ("cchi.csv", "Cambridge Crime Harm Index", "days"),
}
_CODE = re.compile(r"0*(\d{1,3})([A-Z]?)")
_DECIMAL = re.compile(r"0*(\d{1,3})\.(\d{1,2})")
_CLASS = re.compile(r"0*(\d{1,3})\s*/\s*\d{1,2}")


def normalise(text: object) -> str:
    """Lower case, '&' as 'and', punctuation as spaces, single spaces: how names are compared."""
    text = str(text).casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _table(name: str) -> pd.DataFrame:
    path = resources.files("peelian.data").joinpath(f"harm/{name}")
    with resources.as_file(path) as file:
        return pd.read_csv(file, dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class Vocabulary:
    """What offences can be called: Home Office codes, offence names, subgroups, categories, aliases."""

    subgroup: dict[str, str]  # code -> subgroup
    by_class: dict[str, list[str]]  # "28" -> ["28A", ..., "28H"]
    by_name: dict[str, list[str]]  # normalised offence name -> codes
    names: frozenset[str]  # normalised subgroup and category names, weighted or not
    aliases: dict[str, str]  # normalised alias -> the name it stands for

    @classmethod
    @cache
    def bundled(cls) -> "Vocabulary":
        table = _table("offences.csv")
        by_class: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        for code, offence in zip(table["code"], table["offence"], strict=True):
            by_class.setdefault(re.match(r"\d+", code).group(), []).append(code)
            by_name.setdefault(normalise(offence), []).append(code)
        aliases = _table("aliases.csv")
        categories = _table("category_map.csv")["category"]
        return cls(
            subgroup=dict(zip(table["code"], table["subgroup"], strict=True)),
            by_class=by_class,
            by_name=by_name,
            names=frozenset(normalise(n) for n in [*table["subgroup"], *table["ons_subgroup"], *categories]),
            aliases={normalise(a): t for a, t in zip(aliases["alias"], aliases["target"], strict=True)},
        )

    def codes(self, text: str) -> list[str]:
        """The Home Office codes a text names: one code, a whole class ("030/01", "28"), or none.

        The "/01" of a "030/01" classification does not line up with the letter suffixes (30A-30D),
        so such a code stands for its whole class, which resolves only if the class agrees.
        """
        raw = text.strip().upper()
        if m := _DECIMAL.fullmatch(raw):
            code = f"{int(m[1])}.{int(m[2])}"
            return [code] if code in self.subgroup else []
        if m := _CODE.fullmatch(raw):
            code = f"{int(m[1])}{m[2]}"
            if code in self.subgroup:
                return [code]
            return [] if m[2] else self.by_class.get(str(int(m[1])), [])
        if m := _CLASS.fullmatch(raw):
            return self.by_class.get(str(int(m[1])), [])
        return []


@dataclass(frozen=True)
class HarmIndex:
    """One harm index: its entries and weights, and how data.police.uk categories map onto them.

    ``entries`` has columns code, offence, weight and, for bundled indices, level, basis and source.
    ``categories`` maps a category name to an entry code; an empty code marks a category known to
    have no weight in this index (anti-social behaviour has no CCHI score). A force can plug in its
    own index by building one from its own table.
    """

    name: str
    title: str
    unit: str
    entries: pd.DataFrame
    categories: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        missing = {"code", "offence", "weight"} - set(self.entries.columns)
        if missing:
            raise PeelianError(f"harm index {self.name!r} lacks the columns {', '.join(sorted(missing))}")
        weights = pd.to_numeric(self.entries["weight"], errors="coerce")
        if weights.isna().any() or (weights < 0).any():
            raise PeelianError(f"harm index {self.name!r} has weights that are not numbers of zero or more")
        if self.entries["code"].duplicated().any():
            raise PeelianError(f"harm index {self.name!r} lists an entry code twice")
        object.__setattr__(self, "entries", self.entries.assign(weight=weights.astype(float)))
        object.__setattr__(self, "categories", {normalise(k): v for k, v in self.categories.items()})
        unknown = {c for c in self.categories.values() if c} - set(self.entries["code"])
        if unknown:
            raise PeelianError(f"index {self.name!r} maps categories to missing entries {sorted(unknown)}")

    def resolve(self, values: Iterable[object]) -> pd.DataFrame:
        """For each distinct text: the entry it resolves to, its weight (NaN if none), and why."""
        vocabulary = Vocabulary.bundled()
        weight = dict(zip(self.entries["code"], self.entries["weight"].astype(float), strict=True))
        codes = self.entries["code"]
        by_key = {normalise(name): code for code, name in zip(codes, self.entries["offence"], strict=True)}
        by_key.update({normalise(code): code for code in codes})
        rows = []
        for value in pd.unique(pd.Series(list(values), dtype=object)):
            entries, how = self._candidates(value, vocabulary, weight, by_key)
            weights = {weight[e] for e in entries if e}
            if entries and all(entries) and len(weights) == 1:
                rows.append((value, " | ".join(sorted(set(entries))), weights.pop(), how, ""))
                continue
            if not how:
                why = "not recognised"
            elif not any(entries):
                why = "no weight in this index"
            else:
                why = "ambiguous: covers offences of different or unknown weight"
            rows.append((value, None, np.nan, how, why))
        return pd.DataFrame(rows, columns=["value", "entry", "weight", "matched_by", "unmapped"])

    def _candidates(
        self, value: object, vocabulary: Vocabulary, weight: dict[str, float], by_key: dict[str, str]
    ) -> tuple[list[str | None], str]:
        """The entries one text may mean (None where a meaning has no entry here) and what it matched."""
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            return [], ""
        text = str(value)
        key = normalise(vocabulary.aliases.get(normalise(text), text))
        if key in self.categories:
            return [self.categories[key] or None], "category"
        if key in by_key:
            return [by_key[key]], "entry"
        if codes := vocabulary.codes(text) or vocabulary.by_name.get(key, []):
            subgroup = vocabulary.subgroup
            return [c if c in weight else by_key.get(normalise(subgroup[c])) for c in codes], "code"
        if key in vocabulary.names:
            return [None], "name"
        return [], ""

    def weigh(self, values: pd.Series | pd.Index | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weight (NaN where unmapped) and entry (None) per value, resolving each distinct text once."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        resolved = self.resolve(uniques)
        weights = np.append(resolved["weight"].to_numpy(float), np.nan)  # code -1 (missing) -> NaN
        entries = np.append(resolved["entry"].to_numpy(object), None)
        return weights[codes], entries[codes]


def available_indices() -> list[str]:
    return sorted(BUNDLED)


@cache
def load_index(name: str) -> HarmIndex:
    """A bundled index: 'ons_css' (ONS Crime Severity Score) or 'cchi' (Cambridge Crime Harm Index)."""
    if name not in BUNDLED:
        raise PeelianError(f"unknown harm index {name!r}; choose one of {', '.join(available_indices())}")
    file, title, unit = BUNDLED[name]
    entries = _table(file)
    mapping = _table("category_map.csv")
    mapping = mapping[mapping["index"] == name]
    categories = dict(zip(mapping["category"], mapping["code"], strict=True))
    return HarmIndex(name=name, title=title, unit=unit, entries=entries, categories=categories)


def as_index(index: "HarmIndex | str") -> HarmIndex:
    """Accept an index or the name of a bundled one."""
    return index if isinstance(index, HarmIndex) else load_index(index)
