"""Crime (RMS): the records-management system's crime extract, one row per crime with its named
suspect, its victim and a vehicle used, each person under an RMS nominal id of its own.

Typed from statements and phone calls: names carry typos and the familiar forms people give
("Bob"), suspects' dates of birth are often unknown, phones are written +44.
"""

import numpy as np
import pandas as pd

from peelian.geo.crs import projector
from peelian.synth import vocab
from peelian.synth.appearances import event_times
from peelian.synth.noise import corrupt, nickname, postcode_typo, slip_digit, typo
from peelian.synth.people import Population
from peelian.synth.records import (
    Plates,
    Records,
    address_lines,
    dates,
    draw,
    in_time_order,
    mobile,
    near_town,
    or_blank,
    person_keys,
    sequence,
    strftime,
    title,
    town_names,
    truth,
    typed_vehicles,
    vehicle_truth,
)

SYSTEM = "synth.crime"
NICKNAME = 0.2  # forenames given in a familiar form (ROBERT as Bob), where the name has one
NAME_TYPO = 0.05  # a keying slip in the forename, and (separately) in the surname
DOB_MISSING = {"suspect": 0.25, "victim": 0.1}  # date of birth not known
DOB_SLIP = 0.02  # one digit of the date of birth keyed wrong
PHONE_GIVEN = {"suspect": 0.4, "victim": 0.85}
POSTCODE_MISSING = 0.1
POSTCODE_TYPO = 0.03
PNC_RECORDED = 0.6  # suspects with a PNC id who have it on the crime record
EMAIL_GIVEN = 0.6  # victims with an email address who give it
VICTIM_WITH_SUSPECT = 0.4  # victims whose crime also names a suspect (the rest: no suspect named)
VEHICLE_USED = 0.25  # crimes by a suspect who keeps a vehicle that record it as used
PLATE_TYPO = 0.03  # registrations mistyped (space dropped, O for 0, a slipped key)
WINDOW = 0.3  # crimes known only to have happened between two times (committed_to given)
RATES = {
    "nickname": NICKNAME, "name typo": NAME_TYPO, "suspect dob missing": DOB_MISSING["suspect"],
    "victim dob missing": DOB_MISSING["victim"], "dob digit slip": DOB_SLIP,
    "suspect phone given": PHONE_GIVEN["suspect"], "victim phone given": PHONE_GIVEN["victim"],
    "postcode missing": POSTCODE_MISSING, "postcode typo": POSTCODE_TYPO,
    "suspect pnc recorded": PNC_RECORDED, "victim email given": EMAIL_GIVEN, "plate typo": PLATE_TYPO,
}  # fmt: skip
DESCRIPTION = "one row per crime: suspect and victim nominals (each its own RMS id) and a vehicle"


def crime(
    pop: Population, suspects: np.ndarray, victims: np.ndarray, plates: Plates, rng: np.random.Generator
) -> Records:
    suspect, victim = _pair(suspects, rng.permutation(victims), rng)
    when = np.where(
        suspect >= 0, event_times(pop, suspect.clip(0), rng), event_times(pop, victim.clip(0), rng)
    )
    when, suspect, victim = in_time_order(when, suspect, victim)
    n = len(when)
    frame = {
        "crime_number": sequence("CR", n),
        "offence": draw(vocab.OFFENCES, n, rng),
        "committed_from": strftime(when, "%Y-%m-%d %H:%M"),
        "committed_to": strftime(
            when + rng.integers(30, 12 * 60, size=n).astype("timedelta64[m]"), "%Y-%m-%d %H:%M",
            rng.random(n) < WINDOW,
        ),
        **_place(pop, np.where(victim >= 0, victim, suspect), when, rng),
        "status": draw(vocab.CRIME_STATUSES, n, rng),
    }  # fmt: skip
    ids = _nominal_ids(suspect >= 0, victim >= 0)
    frame |= _nominal(pop, "suspect", suspect, ids[0], when, rng)
    frame |= _nominal(pop, "victim", victim, ids[1], when, rng)
    vehicle = np.where(suspect >= 0, pop.vehicle_of(suspect.clip(0)), -1)
    vehicle = np.where(rng.random(n) < VEHICLE_USED, vehicle, -1)
    typed = typed_vehicles(pop.vehicles, vehicle, plates, PLATE_TYPO, rng)
    frame |= {k if k == "vrm" else f"vehicle_{k}": v for k, v in typed.items()}
    persons = pd.concat(
        [truth(person_keys(ids[0]), pop.pid[suspect.clip(0)], suspect >= 0),
         truth(person_keys(ids[1]), pop.pid[victim.clip(0)], victim >= 0)],
        ignore_index=True,
    )  # fmt: skip
    vid = or_blank(pop.vehicles.vid, vehicle)
    return Records(SYSTEM, pd.DataFrame(frame), persons, vehicle_truth(frame["vrm"], vid))


def _pair(suspects: np.ndarray, victims: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(suspect, victim) per crime, -1 where none is named: every suspect appearance is a crime,
    some victims join one, the other victims' crimes name no suspect."""
    joined = min(int(len(victims) * VICTIM_WITH_SUSPECT), len(suspects))
    slots = rng.choice(len(suspects), size=joined, replace=False)
    victim_of = np.full(len(suspects), -1)
    victim_of[slots] = victims[:joined]
    same = victim_of == suspects  # nobody is the victim of their own crime
    alone = np.concatenate([victims[joined:], victim_of[same]])
    victim_of[same] = -1
    return (
        np.concatenate([suspects, np.full(len(alone), -1)]),
        np.concatenate([victim_of, alone]),
    )


def _nominal_ids(*present: np.ndarray) -> list[np.ndarray]:
    """RMS nominal ids numbered across the file in row order (suspect before victim)."""
    flat = np.column_stack(present).ravel()
    numbers = np.cumsum(flat).reshape(-1, len(present))
    return [
        np.array([f"N{k:07d}" if p else "" for k, p in zip(column, given, strict=True)], dtype=object)
        for column, given in zip(numbers.T, present, strict=True)
    ]


def _place(pop: Population, person: np.ndarray, when: np.ndarray, rng: np.random.Generator) -> dict:
    """Where the crime happened: somewhere in the victim's (else the suspect's) town, in British
    National Grid metres as the RMS holds it."""
    _, town, _ = pop.address_at(person, when)
    lon, lat = near_town(town, rng)
    x, y = projector("EPSG:27700").project(lon, lat)
    streets = [
        f"{s.title()} {t.title()}, {w.title()}"
        for s, t, w in zip(
            rng.choice(vocab.STREETS, len(town)), rng.choice(vocab.STREET_TYPES, len(town)), town_names(town),
            strict=True,
        )
    ]  # fmt: skip
    return {
        "easting": np.round(x).astype(int).astype(str), "northing": np.round(y).astype(int).astype(str),
        "location": np.array(streets, dtype=object),
    }  # fmt: skip


def _nominal(
    pop: Population,
    role: str,
    person: np.ndarray,
    ids: np.ndarray,
    when: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """One role's columns; blank where the crime names nobody in that role."""
    present = person >= 0
    idx = person.clip(0)
    n = len(idx)
    forename = corrupt(corrupt(pop.forename[idx], NICKNAME, nickname, rng), NAME_TYPO, typo, rng)
    dob = corrupt(pop.dob[idx].astype(object), DOB_SLIP, slip_digit, rng)
    dob = np.where(rng.random(n) < DOB_MISSING[role], None, dob)
    address, town, postcode = pop.address_at(idx, when)
    postcode = corrupt(postcode, POSTCODE_TYPO, postcode_typo, rng)
    phone = np.where(rng.random(n) < PHONE_GIVEN[role], mobile(pop.phone[idx], "+44"), "")
    columns = {
        "id": ids,
        "forename": title(forename),
        "surname": title(corrupt(pop.surname_at(idx, when), NAME_TYPO, typo, rng)),
        "dob": dates(dob.tolist(), "%d-%b-%Y"),
        "gender": np.where(pop.female[idx], "Female", "Male"),
        "phone": phone,
        "address": address_lines(address, town),
        "postcode": np.where(rng.random(n) < POSTCODE_MISSING, "", postcode),
    }
    if role == "suspect":
        columns["pnc"] = np.where(rng.random(n) < PNC_RECORDED, pop.pnc[idx], "")
    else:
        columns["email"] = np.where(rng.random(n) < EMAIL_GIVEN, pop.email[idx], "")
    return {f"{role}_{k}": np.where(present, v, "") for k, v in columns.items()}
