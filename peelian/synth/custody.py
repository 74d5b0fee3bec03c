"""Custody: the detention log of the force's custody suites.

Clean-ish: details are taken from the detainee and checked against the PNC, so names and dates are
mostly right. A detainee known to have given a false name has it recorded as an alias: its own
nominal on the same custody record, carrying the same PNC id.
"""

import numpy as np
import pandas as pd

from peelian.synth import vocab
from peelian.synth.appearances import event_times
from peelian.synth.noise import corrupt, postcode_typo, slip_digit, typo
from peelian.synth.people import Population
from peelian.synth.records import (
    Records,
    address_lines,
    dates,
    draw,
    in_time_order,
    mobile,
    no_vehicles,
    person_keys,
    sequence,
    strftime,
    title,
    town_names,
    truth,
)

SYSTEM = "synth.custody"
NAME_TYPO = 0.01  # a keying slip in the forename, and (separately) in the surname
DOB_SLIP = 0.005  # one digit of the date of birth keyed wrong
POSTCODE_TYPO = 0.01  # one character of the postcode wrong, or its space dropped
PHONE_GIVEN = 0.7  # detainees who give a phone number
ALIAS_RECORDED = 0.4  # detentions of someone with a known false name that record it as an alias
RATES = {
    "name typo": NAME_TYPO, "dob digit slip": DOB_SLIP, "postcode typo": POSTCODE_TYPO,
    "phone given": PHONE_GIVEN, "alias recorded (if the person has one)": ALIAS_RECORDED,
}  # fmt: skip
DESCRIPTION = "one row per detention; an alias is a second nominal on the row with the same PNC id"


def custody(pop: Population, idx: np.ndarray, rng: np.random.Generator) -> Records:
    when, idx = in_time_order(event_times(pop, idx, rng), idx)
    n = len(idx)
    address, town, postcode = pop.address_at(idx, when)
    detainee = sequence("DN", n)
    alias = (pop.alias_forename[idx] != "") & (rng.random(n) < ALIAS_RECORDED)
    suites = np.array([vocab.CUSTODY_SUITES[t] for t in town_names(town)], dtype=object)
    frame = pd.DataFrame(
        {
            "custody_number": sequence("CU", n),
            "detained_at": strftime(when, "%d/%m/%Y %H:%M"),
            "custody_suite": suites,
            "arrest_reason": draw(vocab.ARREST_REASONS, n, rng),
            "detainee_id": detainee,
            "surname": corrupt(pop.surname_at(idx, when), NAME_TYPO, typo, rng),
            "forename": title(corrupt(pop.forename[idx], NAME_TYPO, typo, rng)),
            "middle_names": title(pop.middle[idx]),
            "dob": dates(corrupt(pop.dob[idx].astype(object), DOB_SLIP, slip_digit, rng), "%d/%m/%Y"),
            "sex": np.where(pop.female[idx], "F", "M"),
            "pnc_id": pop.pnc[idx],
            "address": address_lines(address, town),
            "postcode": corrupt(postcode, POSTCODE_TYPO, postcode_typo, rng),
            "phone": np.where(rng.random(n) < PHONE_GIVEN, mobile(pop.phone[idx], "spaced"), ""),
            "alias_id": np.where(alias, detainee + "A", ""),
            "alias_surname": np.where(alias, pop.alias_surname[idx], ""),
            "alias_forename": np.where(alias, title(pop.alias_forename[idx]), ""),
        }
    )
    persons = pd.concat(
        [
            truth(person_keys(detainee), pop.pid[idx]),
            truth(person_keys(frame["alias_id"].to_numpy()), pop.pid[idx], alias),
        ],
        ignore_index=True,
    )
    return Records(SYSTEM, frame, persons, no_vehicles())
