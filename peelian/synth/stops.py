"""Stop and search: the record an officer makes on a handheld device after a stop, one row per
person stopped.

Names come from the street, spoken and typed in a hurry: typos, spellings as heard (Mohammed as
Muhammad, Stephen as Steven), swapped names, half a double-barrelled surname, a slipped digit in
the date of birth, postcode typos. A vehicle, when the person was in their own, with its
registration as the officer wrote it.
"""

import numpy as np
import pandas as pd

from peelian.synth import vocab
from peelian.synth.appearances import event_times
from peelian.synth.noise import (
    corrupt,
    half_barrel,
    nickname,
    phonetic,
    postcode_typo,
    slip_digit,
    typo,
)
from peelian.synth.people import Population
from peelian.synth.records import (
    Plates,
    Records,
    address_lines,
    dates,
    draw,
    in_time_order,
    near_town,
    or_blank,
    person_keys,
    sequence,
    title,
    truth,
    typed_vehicles,
    vehicle_truth,
)

SYSTEM = "synth.stops"
PHONETIC = 0.2  # forenames, and (separately) surnames, spelt as heard where another spelling exists
NICKNAME = 0.1  # forenames in a familiar form, where the name has one
NAME_TYPO = 0.12  # a keying slip in the forename, and (separately) in the surname
SWAPPED_NAMES = 0.04  # forename and surname exchanged
HALF_BARREL = 0.5  # double-barrelled surnames given as one half, or with a space for the hyphen
LOWER_CASE = 0.1  # names typed all in lower case
DOB_MISSING = 0.05
DOB_SLIP = 0.08  # one digit of the date of birth wrong
ADDRESS_MISSING = 0.1
POSTCODE_MISSING = 0.15
POSTCODE_TYPO = 0.1
IN_VEHICLE = 0.35  # stops of someone who keeps a vehicle that find them in it
PLATE_TYPO = 0.05  # registrations mistyped (space dropped, O for 0, a slipped key)
HOME_TOWN = 0.7  # stops in the person's own town
RATES = {
    "phonetic spelling": PHONETIC, "nickname": NICKNAME, "name typo": NAME_TYPO,
    "forename/surname swapped": SWAPPED_NAMES, "double barrel halved": HALF_BARREL, "lower case": LOWER_CASE,
    "dob missing": DOB_MISSING, "dob digit slip": DOB_SLIP, "address missing": ADDRESS_MISSING,
    "postcode missing": POSTCODE_MISSING, "postcode typo": POSTCODE_TYPO, "plate typo": PLATE_TYPO,
}  # fmt: skip
DESCRIPTION = "one row per person stopped: names from the street, the vehicle they were in"


def stops(pop: Population, idx: np.ndarray, plates: Plates, rng: np.random.Generator) -> Records:
    when, idx = in_time_order(event_times(pop, idx, rng), idx)
    n = len(idx)
    person = sequence("SP", n)
    address, town, postcode = pop.address_at(idx, when)
    where = np.where(rng.random(n) < HOME_TOWN, town, rng.integers(len(vocab.TOWNS), size=n))
    lon, lat = near_town(where, rng)
    vehicle = np.where(rng.random(n) < IN_VEHICLE, pop.vehicle_of(idx), -1)
    dob = np.where(
        rng.random(n) < DOB_MISSING, None, corrupt(pop.dob[idx].astype(object), DOB_SLIP, slip_digit, rng)
    )
    postcode = corrupt(postcode, POSTCODE_TYPO, postcode_typo, rng)
    frame = pd.DataFrame(
        {
            "search_ref": sequence("SS", n),
            "date_time": _iso_local(when),
            "latitude": lat.astype(str),
            "longitude": lon.astype(str),
            "search_type": np.where(vehicle >= 0, "Person and Vehicle search", "Person search"),
            "object_of_search": draw(vocab.SEARCH_OBJECTS, n, rng),
            "outcome": draw(vocab.SEARCH_OUTCOMES, n, rng),
            "person_ref": person,
            **_names(pop, idx, when, rng),
            "date_of_birth": dates(dob.tolist(), "%d/%m/%Y"),
            "gender": np.where(pop.female[idx], "Female", "Male"),
            "home_address": np.where(rng.random(n) < ADDRESS_MISSING, "", address_lines(address, town)),
            "home_postcode": np.where(rng.random(n) < POSTCODE_MISSING, "", postcode),
            **_vehicle_columns(typed_vehicles(pop.vehicles, vehicle, plates, PLATE_TYPO, rng)),
        }
    )  # fmt: skip
    vid = or_blank(pop.vehicles.vid, vehicle)
    return Records(
        SYSTEM, frame, truth(person_keys(person), pop.pid[idx]), vehicle_truth(frame["vrm"].to_numpy(), vid)
    )


def _names(
    pop: Population, idx: np.ndarray, when: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    n = len(idx)
    forename = corrupt(pop.forename[idx], PHONETIC, phonetic, rng)
    forename = corrupt(corrupt(forename, NICKNAME, nickname, rng), NAME_TYPO, typo, rng)
    surname = corrupt(pop.surname_at(idx, when), HALF_BARREL, half_barrel, rng)
    surname = corrupt(corrupt(surname, PHONETIC, phonetic, rng), NAME_TYPO, typo, rng)
    swapped = rng.random(n) < SWAPPED_NAMES
    forename, surname = np.where(swapped, surname, forename), np.where(swapped, forename, surname)
    lower = rng.random(n) < LOWER_CASE
    return {
        "first_name": np.where(lower, np.char.lower(forename.astype(str)), title(forename)),
        "last_name": np.where(lower, np.char.lower(surname.astype(str)), title(surname)),
    }


def _iso_local(when: np.ndarray) -> np.ndarray:
    """Wall-clock minutes in UK time as ISO 8601 with their offset: 2021-06-01T08:40:00+01:00."""
    local = pd.DatetimeIndex(when.astype("datetime64[s]")).tz_localize(
        "Europe/London", ambiguous=np.ones(len(when), dtype=bool), nonexistent="shift_forward"
    )
    text = local.strftime("%Y-%m-%dT%H:%M:%S%z")
    return np.array([f"{t[:-2]}:{t[-2:]}" for t in text], dtype=object)


def _vehicle_columns(typed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The registration, make and colour (a stop record has no model)."""
    return {"vrm": typed["vrm"], "vehicle_make": typed["make"], "vehicle_colour": typed["colour"]}
