"""Crime linkage: which crimes one offender committed, learnt from solved crimes.

Importing the package registers what an analyst's decision on a linkage lead does to the store
(confirmed series and suspects become intelligence links).
"""

from peelian.linkage.store import SERIES, SUSPECT

__all__ = ["SERIES", "SUSPECT"]
