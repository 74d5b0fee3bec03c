"""Natural keys for sources whose own ids repeat or are missing."""

from collections import Counter
from collections.abc import Iterable


class Ordinals:
    """Makes keys unique within one file, in file order: ``K``, ``K#2``, ``K#3``...

    data.police.uk repeats a Crime ID for some crimes (about 1% of London burglary rows), and
    files before 2011-12 have no Crime ID at all. Position in file order is stable on re-ingest of
    the same file, so these keys are idempotent.
    """

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def apply(self, keys: Iterable[str]) -> list[str]:
        out = []
        for key in keys:
            self.seen[key] += 1
            n = self.seen[key]
            out.append(key if n == 1 else f"{key}#{n}")
        return out
