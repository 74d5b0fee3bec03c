"""The tuning harness for the forecasting benchmarks: Peelian's models scored on periods strictly
before the benchmarks' own, so that features, settings and blends are chosen on periods they are
not then judged on.

    python -m benchmarks.forecast_validate chicago|london [--set name=value ...]

Chicago: each day from 2011-07-01 to 2011-09-30 (the 92 days before the benchmark's), on the
benchmark's history and grid. London: each month of 2020 (the year before the benchmark's). Prints
the benchmark's table for the best baselines (prior counts, grid SEPP), recency-weighted counts and
the boosted model as the catalogue builds it, or with ``--set`` changing its settings, e.g.
``--set zero_share=0.1 --set windows=14,91,365``. Writes no result file: these figures are for
choosing, the benchmarks' for reporting.
"""

import argparse

from benchmarks.common import shared_data
from benchmarks.forecast_chicago import daily_history, days_from
from benchmarks.forecast_common import run
from benchmarks.forecast_london import monthly_history, months_of
from peelian.forecast.catalogue import build

BASELINES = ("prior", "sepp", "recency")


def configure(model, settings: list[str]):
    """The model with each ``name=value`` setting applied; a tuple takes comma-separated values."""
    for setting in settings:
        name, _, text = setting.partition("=")
        current = getattr(model, name)  # an unknown name fails here, by name
        if isinstance(current, tuple):
            setattr(model, name, tuple(type(current[0])(v) for v in text.split(",")))
        else:
            setattr(model, name, type(current)(text))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("city", choices=("chicago", "london"))
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings")
    args = parser.parse_args()
    data = shared_data()
    if args.city == "chicago":
        history, period = daily_history(data), "day"
        targets, title = days_from(history, "2011-07-01", 92), "Chicago validation Jul-Sep 2011, daily"
    else:
        history, period = monthly_history(data), "month"
        targets, title = months_of(history, 2020), "London validation 2020, monthly"
    boosted = configure(build("boosted", period), args.settings)
    run(title, history, [*(build(name, period) for name in BASELINES), boosted], targets)


if __name__ == "__main__":
    main()
