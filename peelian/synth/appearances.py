"""Who turns up in which source system, how often, and when.

Counts are skewed as police data is: most people appear once or twice (a victim, a stop, a car
seen by a camera), while the few prolific offenders fill custody, crime, intelligence and stop
records many times over. Everyone appears at least once outside ANPR.
"""

from dataclasses import dataclass

import numpy as np

from peelian.synth.people import OFFENDER, PROLIFIC, REFERENCE, Population

# Mean appearances per person, by activity (ordinary, offender, prolific).
CUSTODY = (0.0, 0.8, 3.0)  # detentions; only people with a PNC id (a custody history) are detained
SUSPECT = (0.0, 1.0, 3.5)  # crimes naming the person as suspect
VICTIM = (0.2, 0.3, 0.6)  # crimes naming the person as victim
INTEL = (0.02, 0.6, 4.0)  # intelligence logs about the person
STOPS = (0.04, 0.5, 2.0)  # stop-and-search encounters
ANPR = (0.8, 1.5, 5.0)  # camera reads of the person's vehicle (keepers only)
VETTING = (0.05, 0.0, 0.0)  # share who apply for police vetting (once)
AT_LEAST_ONE = ("custody", "intel")  # prolific offenders always appear in these
FALLBACK = {"victim": 0.75, "vetting": 0.1, "stops": 0.15}  # where people in no other record appear
EVENTS_FROM = np.datetime64("2019-01-01T00:00")
MIN_AGE = np.timedelta64(12 * 365, "D")  # nobody appears in a record before the age of 12


@dataclass(frozen=True)
class Appearances:
    """Person indices per role, one entry per appearance (``anpr``: vehicle indices)."""

    custody: np.ndarray
    suspect: np.ndarray
    victim: np.ndarray
    intel: np.ndarray
    stops: np.ndarray
    anpr: np.ndarray
    vetting: np.ndarray


def appearances(pop: Population, rng: np.random.Generator) -> Appearances:
    n = len(pop)
    activity = pop.activity
    counts = {
        name: rng.poisson(np.take(means, activity))
        for name, means in (("custody", CUSTODY), ("suspect", SUSPECT), ("victim", VICTIM), ("intel", INTEL),
                            ("stops", STOPS))
    }  # fmt: skip
    for name in AT_LEAST_ONE:
        counts[name] = np.where(activity == PROLIFIC, np.maximum(counts[name], 1), counts[name])
    counts["custody"] = np.where(pop.pnc != "", counts["custody"], 0)
    counts["suspect"] = np.where((activity == OFFENDER) & (counts["custody"] == 0), 1, 0) + counts["suspect"]
    counts["vetting"] = (rng.random(n) < np.take(VETTING, activity)).astype(int)
    vehicles = pop.vehicles
    reads = rng.poisson(np.take(ANPR, activity[vehicles.owner]))
    # ANPR alone does not count: a read the camera gets wrong finds no keeper, so it may hold no
    # record of the person at all.
    nowhere = np.flatnonzero(sum(counts.values()) == 0)
    names = list(FALLBACK)
    chosen = rng.choice(len(names), size=len(nowhere), p=list(FALLBACK.values()))
    for k, name in enumerate(names):
        counts[name][nowhere[chosen == k]] += 1
    people = np.arange(n)
    return Appearances(
        **{name: np.repeat(people, c) for name, c in counts.items()},
        anpr=np.repeat(np.arange(len(vehicles.vid)), reads),
    )


def event_times(
    pop: Population, idx: np.ndarray, rng: np.random.Generator, min_age: np.timedelta64 = MIN_AGE
) -> np.ndarray:
    """A wall-clock minute (datetime64[m]) for each appearance, between 2019 and the reference day,
    once the person is ``min_age`` old."""
    start = np.maximum(EVENTS_FROM, (pop.dob[idx] + min_age).astype("datetime64[m]"))
    span = (REFERENCE.astype("datetime64[m]") - start).astype(np.int64)
    return start + (rng.random(len(idx)) * np.maximum(span, 1)).astype("timedelta64[m]")
