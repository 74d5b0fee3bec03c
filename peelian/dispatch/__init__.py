"""Call grading and dispatch: THRIVE grading, unit recommendations, response-time tracking, fleet replay
and drone site placement. A functional core on frames and arrays; the store and web pages sit on top.

One call: ``grade_call(Call(text, weapon=True))`` and ``recommend(x, y, units, grade, sites=sites)``.
In bulk: ``replay(times, x, y, grades, Fleet(...))``, ``response_summary`` and ``optimise``.
"""

from peelian.dispatch.grades import TARGET_S, Grade
from peelian.dispatch.grading import Call, FactorFinding, Grading, grade_call
from peelian.dispatch.performance import response_summary
from peelian.dispatch.proxy import chicago_grades
from peelian.dispatch.recommend import Recommendation, check_units, recommend
from peelian.dispatch.replay import SERVICE_S, DroneSites, Fleet, Policy, Replay, replay
from peelian.dispatch.roads import RoadNetwork, load_road_network
from peelian.dispatch.sites import Demand, Placement, naive, optimise
from peelian.dispatch.travel import DroneModel, RoadModel

__all__ = [
    "SERVICE_S",
    "TARGET_S",
    "Call",
    "Demand",
    "DroneModel",
    "DroneSites",
    "FactorFinding",
    "Fleet",
    "Grade",
    "Grading",
    "Placement",
    "Policy",
    "Recommendation",
    "Replay",
    "RoadModel",
    "RoadNetwork",
    "check_units",
    "chicago_grades",
    "grade_call",
    "load_road_network",
    "naive",
    "optimise",
    "recommend",
    "replay",
    "response_summary",
]
