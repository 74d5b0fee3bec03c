"""Vetting: applications for police vetting (staff, contractors, volunteers), one row per
application. Persons only: no event.

Clean: the applicant fills the form in and proves it, so names and dates of birth are right, and
it is the one source that lists previous surnames and the address before the current one.
"""

import numpy as np
import pandas as pd

from peelian.synth.appearances import event_times
from peelian.synth.noise import corrupt, typo
from peelian.synth.people import Population
from peelian.synth.records import (
    Records,
    address_lines,
    dates,
    in_time_order,
    mobile,
    no_vehicles,
    person_keys,
    sequence,
    strftime,
    title,
    truth,
)

SYSTEM = "synth.vetting"
NAME_TYPO = 0.005  # a slip in the forename, and (separately) in the surname, that nobody caught
EMAIL_GIVEN = 0.95  # applicants with an email address who give it
PHONE_GIVEN = 0.95
ADULT = np.timedelta64(18 * 365, "D")  # applicants are adults
RATES = {"name typo": NAME_TYPO, "email given": EMAIL_GIVEN, "phone given": PHONE_GIVEN}
DESCRIPTION = "one row per vetting application: previous surnames and the previous address, no event"


def vetting(pop: Population, idx: np.ndarray, rng: np.random.Generator) -> Records:
    when, idx = in_time_order(event_times(pop, idx, rng, ADULT), idx)
    n = len(idx)
    application = sequence("VET", n, 6)
    address, town, postcode = pop.address_at(idx, when)
    day = when.astype("datetime64[D]")
    renamed = pop.married_on[idx] <= day
    moved = (pop.old_address[idx] != "") & (pop.moved_on[idx] <= day)
    given = np.array([f"{f} {m}".strip() for f, m in zip(pop.forename[idx], pop.middle[idx], strict=True)])
    frame = pd.DataFrame(
        {
            "application_no": application,
            "received": strftime(when, "%d/%m/%Y"),
            "title": np.where(pop.female[idx], np.where(renamed, "Mrs", "Ms"), "Mr"),
            "given_names": title(corrupt(given.astype(object), NAME_TYPO, typo, rng)),
            "family_name": title(corrupt(pop.surname_at(idx, when), NAME_TYPO, typo, rng)),
            "previous_family_names": np.where(
                renamed & (pop.birth_surname[idx] != pop.surname[idx]), title(pop.birth_surname[idx]), ""
            ),
            "date_of_birth": dates(pop.dob[idx].astype(object).tolist(), "%Y-%m-%d"),
            "sex": np.where(pop.female[idx], "F", "M"),
            "email": np.where(rng.random(n) < EMAIL_GIVEN, pop.email[idx], ""),
            "telephone": np.where(rng.random(n) < PHONE_GIVEN, mobile(pop.phone[idx], "spaced"), ""),
            "current_address": address_lines(address, town),
            "current_postcode": postcode,
            "previous_address": np.where(moved, address_lines(pop.old_address[idx], pop.old_town[idx]), ""),
            "previous_postcode": np.where(moved, pop.old_postcode[idx], ""),
            "moved_in": np.where(moved, strftime(pop.moved_on[idx], "%m/%Y"), ""),
        }
    )
    return Records(SYSTEM, frame, truth(person_keys(application), pop.pid[idx]), no_vehicles())
