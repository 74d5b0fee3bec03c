"""Daily weather as forecast covariates: any CSV with a date column and numeric columns.

Each period gets the mean of its days. In a backtest that is the weather that happened, standing
in for the forecast an analyst would use; a period with no weather rows gets NaN, which the
boosted model routes down its trees' default branches: a missing covariate lowers what it can
add, it does not stop a forecast.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from peelian.errors import PeelianError, SourceFormatError


def read_daily(path: Path, date_column: str = "date") -> pd.DataFrame:
    """Numeric columns by day (dates as YYYYMMDD or ISO); other columns are ignored."""
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise PeelianError(f"weather file {path} not found") from None
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SourceFormatError(f"weather file {path} is not a readable CSV: {exc}") from None
    if date_column not in frame.columns:
        raise SourceFormatError(f"weather file {path} has no {date_column!r} column")
    text = frame.pop(date_column).astype(str).str.strip()
    days = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    days = days.fillna(pd.to_datetime(text, errors="coerce", format="ISO8601"))
    numeric = frame.apply(pd.to_numeric, errors="coerce").dropna(axis=1, how="all")
    if numeric.empty:
        raise SourceFormatError(f"weather file {path} has no numeric columns")
    numeric.index = days.to_numpy().astype("datetime64[D]")
    return numeric[numeric.index.notna()].sort_index()


def per_period(daily: pd.DataFrame, edges: np.ndarray, columns: list[str]) -> np.ndarray:
    """(len(edges), columns) means over each period; the last row is the period after the data,
    as long as the one before it. NaN where no day of the period has a value."""
    missing = [c for c in columns if c not in daily.columns]
    if missing:
        raise PeelianError(f"the weather file has no column(s) {', '.join(missing)}")
    starts = edges.astype("datetime64[D]")
    ends = np.append(starts[1:], starts[-1] + (starts[-1] - starts[-2]))
    values = daily[columns].to_numpy(dtype=float)
    days = daily.index.to_numpy().astype("datetime64[D]")
    out = np.full((len(starts), len(columns)), np.nan)
    first, last = np.searchsorted(days, starts), np.searchsorted(days, ends)
    for i, (lo, hi) in enumerate(zip(first, last, strict=True)):
        if hi > lo:
            out[i] = np.nanmean(values[lo:hi], axis=0)
    return out
