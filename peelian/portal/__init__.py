"""The public reporting portal: report a crime online, track it, and the staff triage behind it.

``answers`` checks what the public send (and stops emergencies), ``uploads`` checks evidence files
by their bytes, ``service`` keeps a report's life, and ``record`` turns a triaged report into a
crime in the POLE store through the ingest pipeline.
"""

from peelian.portal.answers import CATEGORIES, Answers, Emergency, danger, parse
from peelian.portal.uploads import Evidence, check

__all__ = ["CATEGORIES", "Answers", "Emergency", "Evidence", "check", "danger", "parse"]
