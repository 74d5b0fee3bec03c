"""Harm-weighted offender scores: who has caused the most harm lately, and exactly why.

Each offence (one row: an offender's part in one event) carries its index weight, times
``0.5 ** (age / half_life)`` when a half-life is given; a score is the sum over the offences inside
the window ``(as_of - window_days, as_of]``. This is the arithmetic behind harm-ranked offender
lists such as the Metropolitan Police's V100. ``breakdown`` lists the offences behind one score and
their contributions, which sum to it, so a ranked name can always be explained.

An offence whose category has no weight in the index adds nothing, but is never dropped silently:
tables count such offences per offender and ``Scores.unmapped`` counts them per category, with the
reason. Categories are resolved once per distinct text, and offenders and events are factorised and
summed with ``bincount``, so a million offenders rank in seconds.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from peelian.errors import PeelianError
from peelian.harm.indices import HarmIndex, as_index

REQUIRED = ("offender", "event_id", "time", "category")
DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class Scores:
    """A ranked table, the offences that could not be weighted, and the settings that produced them."""

    table: pd.DataFrame
    unmapped: pd.DataFrame  # category, offences, reason: offences in the window with no weight
    index: str
    as_of: pd.Timestamp
    window_days: float
    half_life_days: float | None


def check(
    offences: pd.DataFrame, as_of: object, window_days: float, half_life_days: float | None
) -> pd.Timestamp:
    """Raise a plain-language error for unusable input; return ``as_of`` as a UTC timestamp."""
    if not isinstance(offences, pd.DataFrame):
        raise PeelianError("offences must be a table (a pandas DataFrame)")
    missing = [c for c in REQUIRED if c not in offences.columns]
    if missing:
        raise PeelianError(f"the offences table lacks the columns {', '.join(missing)}")
    if offences.empty:
        raise PeelianError("there are no offences to score")
    if not isinstance(offences["time"].dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(offences["time"].dtype):
            raise PeelianError("offence times have no time zone: store them as UTC (tz_localize('UTC'))")
        raise PeelianError("the time column must hold timestamps with a time zone")
    for column in ("offender", "time"):
        if (gaps := int(offences[column].isna().sum())) > 0:
            raise PeelianError(f"{gaps} offences have no {column}")
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is None:
        raise PeelianError("as_of has no time zone: give it in UTC, as pd.Timestamp('2024-06-01', tz='UTC')")
    if not np.isfinite(window_days) or window_days <= 0:
        raise PeelianError(f"the window must be a positive number of days, not {window_days}")
    if half_life_days is not None and (not np.isfinite(half_life_days) or half_life_days <= 0):
        raise PeelianError(f"the half-life must be a positive number of days, not {half_life_days}")
    return as_of.tz_convert("UTC")


def _nanoseconds(times: pd.Series) -> np.ndarray:
    return times.dt.tz_convert("UTC").dt.as_unit("ns").array.asi8


def weigh(
    offences: pd.DataFrame,
    index: HarmIndex | str,
    as_of: object,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> pd.DataFrame:
    """The offences inside the window, each with its index entry, weight, age, decay and contribution.

    ``window_days`` (default 365): how far back offending counts; a year matches the annual review
    cycle of offender-management lists, and an offence exactly ``window_days`` old is out.
    ``half_life_days`` (default None, no decay): when set, an offence's weight halves for every
    half-life of age, so recent harm outranks old harm of the same size. ``contribution`` is
    weight times decay, NaN where the category has no weight.
    """
    index = as_index(index)
    as_of = check(offences, as_of, window_days, half_life_days)
    end = as_of.as_unit("ns").value
    times = _nanoseconds(offences["time"])
    inside = np.flatnonzero((times > end - round(window_days * DAY_NS)) & (times <= end))
    rows = offences.take(inside).reset_index(drop=True)
    age = (end - times[inside]) / DAY_NS
    decay = np.ones(len(inside)) if half_life_days is None else 0.5 ** (age / half_life_days)
    weight, entry = index.weigh(rows["category"])
    return rows.assign(entry=entry, weight=weight, age_days=age, decay=decay, contribution=weight * decay)


def _distinct(groups: np.ndarray, values: pd.Series, n: int) -> np.ndarray:
    """How many distinct values each group has (missing values count as one)."""
    codes = pd.factorize(values, use_na_sentinel=True)[0].astype(np.int64) + 1
    size = int(codes.max(initial=0)) + 1
    pairs = np.sort(groups.astype(np.int64) * size + codes)  # sort + diff: faster than np.unique here
    first = np.concatenate([[True], pairs[1:] != pairs[:-1]]) if len(pairs) else np.zeros(0, bool)
    return np.bincount(pairs[first] // size, minlength=n)


def totals(weighed: pd.DataFrame, key: str) -> pd.DataFrame:
    """Harm and counts per distinct ``key`` value (rows with no key are left out), unsorted.

    harm: summed contributions of the weighted offences; events: distinct event ids; offences:
    rows; unmapped: offences with no weight; first_offence, last_offence: their times; and, for a
    key other than the offender, offenders: distinct offenders.
    """
    weighed = weighed[weighed[key].notna()]
    groups, keys = pd.factorize(weighed[key])
    n = len(keys)
    contribution = weighed["contribution"].to_numpy(float)
    mapped = ~np.isnan(contribution)
    times = _nanoseconds(weighed["time"])
    first, last = np.full(n, np.iinfo(np.int64).max), np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, groups, times)
    np.maximum.at(last, groups, times)
    table = {
        key: keys,
        "harm": np.bincount(groups, np.where(mapped, contribution, 0.0), n),
        "events": _distinct(groups, weighed["event_id"], n),
        "offences": np.bincount(groups, minlength=n),
        "unmapped": np.bincount(groups, ~mapped, n).astype(np.int64),
        "first_offence": pd.to_datetime(first, unit="ns", utc=True),
        "last_offence": pd.to_datetime(last, unit="ns", utc=True),
    }
    if key != "offender":
        table["offenders"] = _distinct(groups, weighed["offender"], n)
    return pd.DataFrame(table)


def ranked(table: pd.DataFrame, key: str, by: str = "harm") -> pd.DataFrame:
    """Highest ``by`` first, ties broken by the latest offence, then the key; rank 1, 2, 3, ... (unique)."""
    names = pd.factorize(table[key], sort=True)[0]
    order = np.lexsort((names, -table["last_offence"].array.asi8, -table[by].to_numpy(float)))
    return table.take(order).reset_index(drop=True).assign(rank=np.arange(1, len(table) + 1))


def unmapped_report(weighed: pd.DataFrame, index: HarmIndex | str) -> pd.DataFrame:
    """Offences in the window with no weight, counted per category text, with the reason."""
    counts = weighed.loc[weighed["weight"].isna(), "category"].value_counts(dropna=False)
    reasons = as_index(index).resolve(counts.index)["unmapped"].to_numpy()
    categories = counts.index.to_numpy(object)
    return pd.DataFrame({"category": categories, "offences": counts.to_numpy(), "reason": reasons})


def _scores(
    table: pd.DataFrame,
    weighed: pd.DataFrame,
    index: HarmIndex,
    as_of: object,
    window: float,
    half_life: float | None,
) -> Scores:
    as_of = pd.Timestamp(as_of).tz_convert("UTC")
    return Scores(table, unmapped_report(weighed, index), index.name, as_of, window, half_life)


def rank_offenders(
    offences: pd.DataFrame,
    index: HarmIndex | str,
    as_of: object,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> Scores:
    """Offenders ranked by harm in the window: offender, harm, events, offences, unmapped, first and
    last offence, rank. Offenders with no offence in the window are not listed.

    ``index`` is a ``HarmIndex`` or a bundled name ('cchi', 'ons_css'); ``as_of`` (tz-aware) ends
    the window; ``window_days`` and ``half_life_days`` are as in ``weigh`` (365 days, no decay).
    """
    index = as_index(index)
    weighed = weigh(offences, index, as_of, window_days, half_life_days)
    table = ranked(totals(weighed, "offender"), "offender")
    return _scores(table, weighed, index, as_of, window_days, half_life_days)


def harm_by(
    offences: pd.DataFrame,
    by: str,
    index: HarmIndex | str,
    as_of: object,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> Scores:
    """Harm per area or per victim (any column named by ``by``), ranked, with distinct offenders;
    other arguments as in ``rank_offenders``. Offences with no value in ``by`` are left out."""
    index = as_index(index)
    weighed = weigh(offences, index, as_of, window_days, half_life_days)
    if by not in weighed.columns:
        raise PeelianError(f"the offences table has no {by!r} column to total harm by")
    table = ranked(totals(weighed, by), by)
    return _scores(table, weighed, index, as_of, window_days, half_life_days)


def breakdown(
    offences: pd.DataFrame,
    offender: str,
    index: HarmIndex | str,
    as_of: object,
    window_days: float = 365.0,
    half_life_days: float | None = None,
) -> pd.DataFrame:
    """One offender's offences in the window, oldest first: event, time, category, entry, weight,
    age, decay and contribution, then any other columns given (a role, an area). The contributions
    (NaN ones left out) sum to the offender's harm in ``rank_offenders``."""
    check(offences, as_of, window_days, half_life_days)
    mine = offences[offences["offender"] == offender]
    if mine.empty:
        raise PeelianError(f"there are no offences by {offender!r}")
    weighed = weigh(mine, index, as_of, window_days, half_life_days)
    first = ["event_id", "time", "category", "entry", "weight", "age_days", "decay", "contribution"]
    rest = [c for c in weighed.columns if c not in first and c != "offender"]
    return weighed[first + rest].sort_values("time", ignore_index=True)
