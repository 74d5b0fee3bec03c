"""Harm-weighted offender ranking: harm indices, windowed and decayed scores, RFG, and list churn.

The functional core: functions take a frame of offences (offender, event_id, time, category, and
optionally area and victim) and return plain tables; reading the store is the caller's job.
"""

from peelian.harm.churn import Churn, churn
from peelian.harm.indices import HarmIndex, available_indices, load_index
from peelian.harm.rfg import RFGParams, RFGScores, rfg, rfg_breakdown
from peelian.harm.scores import Scores, breakdown, harm_by, rank_offenders, weigh

__all__ = [
    "Churn",
    "HarmIndex",
    "RFGParams",
    "RFGScores",
    "Scores",
    "available_indices",
    "breakdown",
    "churn",
    "harm_by",
    "load_index",
    "rank_offenders",
    "rfg",
    "rfg_breakdown",
    "weigh",
]
