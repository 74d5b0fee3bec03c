"""Intelligence: the force intelligence log, one row per submitted log with its subject.

Free-ish entry from what an officer heard or a source said: the whole name in one field, written
"SURNAME, Forename" or "Forename SURNAME", often the name the street uses (a nickname or a false
name), dates of birth partial (a year, a month and year) or missing, and sometimes with day and
month swapped. A partial date cannot be a date column, so it has its own (``dob_approx``).
"""

import numpy as np
import pandas as pd

from peelian.synth import vocab
from peelian.synth.appearances import event_times
from peelian.synth.noise import corrupt, nickname, swap_day_month, typo
from peelian.synth.people import Population
from peelian.synth.records import (
    Records,
    address_lines,
    dates,
    draw,
    in_time_order,
    no_vehicles,
    person_keys,
    sequence,
    strftime,
    truth,
)

SYSTEM = "synth.intel"
SURNAME_FIRST = 0.6  # names written "SURNAME, Forename"; the rest "Forename SURNAME"
NICKNAME = 0.25  # forenames in a familiar form (ROBERT as Bob), where the name has one
ALIAS_AS_NAME = 0.15  # logs naming the subject by a known false name instead
NAME_TYPO = 0.05  # a keying slip in the forename, and (separately) in the surname
SWAPPED_NAMES = 0.03  # forename and surname exchanged
DOB_MISSING = 0.3
DOB_YEAR_ONLY = 0.15  # only the year of birth known ("1987")
DOB_MONTH_YEAR = 0.1  # only month and year known ("03/1987")
DOB_SWAP = 0.08  # full dates with day and month exchanged (where that is still a real date)
AKA_RECORDED = 0.5  # logs on someone with a false name or a nickname that list them as AKA
PHONE_GIVEN = 0.5  # logs with a phone number; a second phone, where the subject has one, half the time
PNC_RECORDED = 0.3  # subjects with a PNC id who have it on the log
ADDRESS_GIVEN = 0.7
POSTCODE_GIVEN = 0.6  # of logs with an address
RATES = {
    "nickname": NICKNAME, "false name used": ALIAS_AS_NAME, "name typo": NAME_TYPO,
    "forename/surname swapped": SWAPPED_NAMES, "dob missing": DOB_MISSING, "dob year only": DOB_YEAR_ONLY,
    "dob month and year only": DOB_MONTH_YEAR, "dob day/month swapped": DOB_SWAP, "aka listed": AKA_RECORDED,
    "phone given": PHONE_GIVEN, "pnc recorded": PNC_RECORDED, "address given": ADDRESS_GIVEN,
    "postcode given (with an address)": POSTCODE_GIVEN,
}  # fmt: skip
DESCRIPTION = "one row per intelligence log: its subject's full name in one field, partial dates of birth"


def intel(pop: Population, idx: np.ndarray, rng: np.random.Generator) -> Records:
    when, idx = in_time_order(event_times(pop, idx, rng), idx)
    n = len(idx)
    subject = sequence("SUB", n)
    address, town, postcode = pop.address_at(idx, when)
    has_address = rng.random(n) < ADDRESS_GIVEN
    second = (pop.phone2[idx] != "") & (rng.random(n) < 0.5)
    phone = np.where(second, pop.phone2[idx], pop.phone[idx])
    frame = pd.DataFrame(
        {
            "intel_ref": sequence("INT", n),
            "submitted": strftime(when, "%Y-%m-%dT%H:%M:%S"),
            "grading": draw(vocab.INTEL_GRADES, n, rng),
            "topic": draw(vocab.INTEL_TOPICS, n, rng),
            "subject_ref": subject,
            "subject": _names(pop, idx, when, rng),
            **_births(pop.dob[idx].astype(object), rng),
            "aka": _aka(pop, idx, rng),
            "phone": np.where(rng.random(n) < PHONE_GIVEN, phone, ""),
            "pnc": np.where(rng.random(n) < PNC_RECORDED, pop.pnc[idx], ""),
            "address": np.where(has_address, address_lines(address, town), ""),
            "postcode": np.where(has_address & (rng.random(n) < POSTCODE_GIVEN), postcode, ""),
        }
    )  # fmt: skip
    return Records(SYSTEM, frame, truth(person_keys(subject), pop.pid[idx]), no_vehicles())


def _names(pop: Population, idx: np.ndarray, when: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(idx)
    forename = corrupt(pop.forename[idx], NICKNAME, nickname, rng)
    surname = pop.surname_at(idx, when)
    alias = (pop.alias_forename[idx] != "") & (rng.random(n) < ALIAS_AS_NAME)
    forename = corrupt(np.where(alias, pop.alias_forename[idx], forename), NAME_TYPO, typo, rng)
    surname = corrupt(np.where(alias, pop.alias_surname[idx], surname), NAME_TYPO, typo, rng)
    swapped = rng.random(n) < SWAPPED_NAMES
    forename, surname = np.where(swapped, surname, forename), np.where(swapped, forename, surname)
    first = rng.random(n) < SURNAME_FIRST
    names = zip(forename, surname, first, strict=True)
    return np.array([f"{s}, {f.title()}" if k else f"{f.title()} {s}" for f, s, k in names], dtype=object)


def _births(dob: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The full date where known (``dob``), else what is known of it (``dob_approx``)."""
    kind = rng.random(len(dob))
    year_only = (kind >= DOB_MISSING) & (kind < DOB_MISSING + DOB_YEAR_ONLY)
    month_year = (kind >= DOB_MISSING + DOB_YEAR_ONLY) & (kind < DOB_MISSING + DOB_YEAR_ONLY + DOB_MONTH_YEAR)
    full = kind >= DOB_MISSING + DOB_YEAR_ONLY + DOB_MONTH_YEAR
    swapped = corrupt(dob, DOB_SWAP, swap_day_month, rng)
    approx = np.where(
        year_only, dates(dob.tolist(), "%Y"), np.where(month_year, dates(dob.tolist(), "%m/%Y"), "")
    )
    return {"dob": np.where(full, dates(swapped.tolist(), "%d/%m/%Y"), ""), "dob_approx": approx}


def _aka(pop: Population, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Other names the subject goes by: a false name and the familiar form of their forename."""
    out = np.full(len(idx), "", dtype=object)
    listed = rng.random(len(idx)) < AKA_RECORDED
    for i in np.flatnonzero(listed):
        p = idx[i]
        names = [f"{pop.alias_forename[p].title()} {pop.alias_surname[p]}"] if pop.alias_forename[p] else []
        familiar = nickname(pop.forename[p], rng)
        if familiar != pop.forename[p]:
            names.append(familiar.title())
        out[i] = "; ".join(names)
    return out
