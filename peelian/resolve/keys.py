"""Blocking keys and term frequencies kept in the store, for linking one new record at a time.

Each blocking rule gives every record a key (``surname=SMITH|dob=1985-03-12``); a new record's
candidates are the records sharing any of its keys, found by index. Term frequencies are kept
the same way, so a new record is scored with the frequencies of the whole store, not of the
handful of candidates in front of it.
"""

import hashlib

import pandas as pd

from peelian.resolve.spec import Spec

MAX_KEY = 250


def _short(key: str) -> str:
    if len(key) <= MAX_KEY:
        return key
    return key[: MAX_KEY - 17] + "#" + hashlib.sha256(key.encode()).hexdigest()[:16]


def blocking_keys(spec: Spec, features: pd.DataFrame) -> pd.DataFrame:
    """(record_id, key) for every blocking rule whose columns a record has."""
    parts = []
    for rule in spec.blocking:
        if isinstance(rule, dict):  # a SQL rule: keyed by its columns in either order
            columns = list(rule.get("columns", ()))
            if not set(columns) <= set(features.columns):
                continue
            values = features[columns].dropna()
            key = (
                "any("
                + ",".join(columns)
                + ")="
                + values.apply(lambda r: "|".join(sorted(map(str, r))), axis=1)
            )
        else:
            if not set(rule) <= set(features.columns):
                continue
            values = features[list(rule)].dropna()
            key = pd.Series("", index=values.index)
            for i, column in enumerate(rule):
                key = key + ("|" if i else "") + column + "=" + values[column].astype(str)
        parts.append(
            pd.DataFrame({"record_id": features.loc[values.index, "unique_id"], "key": key.map(_short)})
        )
    if not parts:
        return pd.DataFrame(columns=["record_id", "key"])
    return pd.concat(parts, ignore_index=True).drop_duplicates()


def term_frequencies(spec: Spec, features: pd.DataFrame) -> pd.DataFrame:
    """(column_name, value, tf): the share of records holding each value of each TF column."""
    parts = []
    for column in spec.tf_columns:
        if column in features.columns:
            shares = features[column].dropna().astype(str).value_counts(normalize=True)
            parts.append(
                pd.DataFrame({"column_name": column, "value": shares.index, "tf": shares.to_numpy()})
            )
    if not parts:
        return pd.DataFrame(columns=["column_name", "value", "tf"])
    out = pd.concat(parts, ignore_index=True)
    return out[out["value"].str.len() <= MAX_KEY]
