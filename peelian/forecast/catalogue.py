"""The models by name, with settings that suit each kind of period."""

from peelian.errors import PeelianError
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.models.classic import GridSEPP, PriorCounts, Prospective, Retrospective, SpaceTimeKDE
from peelian.forecast.models.recency import RecencyWeighted

WINDOW = {"month": 12, "week": 52, "day": 365, "shift": 3 * 365}  # a year of periods
HALF_LIVES = {"month": (3, 12, 48), "week": (4, 13, 52), "day": (7, 60, 365), "shift": (21, 180, 1095)}
SEASON = {"month": 12, "week": 52, "day": 7, "shift": 21}  # a shift's place in the week
# Periods the boosted model learns from, and how often it is refitted: rows are cells x periods,
# so short periods get fewer of them (90 days of a 28,000-cell city is 2.5 million rows).
TRAIN = {"month": (36, 12), "week": (104, 13), "day": (90, 31), "shift": (180, 42)}
NAMES = ("prior", "retrospective", "prospective", "kde", "sepp", "recency", "boosted")
REFIT = {"month": 1, "week": 1, "day": 7, "shift": 21}  # the SEPP refits weekly on short periods


def build(name: str, period: str):
    window = WINDOW[period]
    if name == "prior":
        return PriorCounts(window)
    if name == "retrospective":
        return Retrospective(window)
    if name == "prospective":
        return Prospective(window)
    if name == "kde":
        return SpaceTimeKDE(window)
    if name == "sepp":
        return GridSEPP(window, refit_every=REFIT[period])
    if name == "recency":
        return RecencyWeighted(half_life=HALF_LIVES[period][1])
    if name == "boosted":
        train, refit = TRAIN[period]
        half_lives = HALF_LIVES[period]  # "recent" spans the short memory's half-life
        return Boosted(half_lives, recent=half_lives[0], season_length=SEASON[period], train_periods=train,
                       refit_every=refit)  # fmt: skip
    raise PeelianError(f"unknown model {name!r}: choose from {', '.join(NAMES)}")
