"""The models by name, with settings that suit each kind of period."""

from peelian.errors import PeelianError
from peelian.forecast.models.boosted import Boosted
from peelian.forecast.models.classic import GridSEPP, PriorCounts, Prospective, Retrospective, SpaceTimeKDE
from peelian.forecast.models.recency import RecencyWeighted

WINDOW = {"month": 12, "week": 52, "day": 365, "shift": 3 * 365}  # a year of periods
HALF_LIVES = {"month": (3, 12, 48), "week": (4, 13, 52), "day": (7, 60, 365), "shift": (21, 180, 1095)}
SEASON = {"month": 12, "week": 52, "day": 7, "shift": 21}  # a shift's place in the week
# The boosted model's count windows: the last few periods, a quarter, one, three, five and ten years.
COUNT_WINDOWS = {
    "month": (1, 3, 12, 36, 60, 120),
    "week": (2, 13, 52, 156, 260, 520),
    "day": (14, 91, 365, 1095, 1825, 3650),
    "shift": (42, 273, 1095, 3285, 5475, 10950),
}
# Periods the boosted model learns from, how often it is refitted, and the share of crime-free
# cell-periods it keeps for training: rows are cells x periods, nearly all empty on short periods
# (a year of days over a 28,000-cell city is 10 million rows, 5% of them 0.5 million).
TRAIN = {"month": (36, 12, 0.25), "week": (156, 13, 0.1), "day": (365, 31, 0.05), "shift": (1095, 63, 0.02)}
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
        train, refit, zero_share = TRAIN[period]
        return Boosted(COUNT_WINDOWS[period], half_lives=HALF_LIVES[period], season_length=SEASON[period],
                       train_periods=train, refit_every=refit, zero_share=zero_share)  # fmt: skip
    raise PeelianError(f"unknown model {name!r}: choose from {', '.join(NAMES)}")
