"""ANPR: automatic number plate recognition reads, one row per vehicle seen by a camera, enriched
with the registered keeper from the DVLA where the plate read finds one.

The camera's optical character recognition confuses look-alike characters (O/0, I/1, B/8, S/5),
so some reads spell a plate that is not the vehicle's; such a read finds no keeper. Make and colour
come from the camera's own vehicle recognition, which sometimes gives none or a near colour. Keeper
details are clean-ish: typed from the V5C, but a keeper who moved without telling the DVLA still
has the old address.
"""

import numpy as np
import pandas as pd

from peelian.synth import vocab
from peelian.synth.appearances import event_times
from peelian.synth.noise import corrupt, misread_plate
from peelian.synth.people import Population
from peelian.synth.records import (
    Plates,
    Records,
    address_lines,
    in_time_order,
    near_town,
    row_person_keys,
    sequence,
    truth,
    vehicle_truth,
)

SYSTEM = "synth.anpr"
MISREAD = 0.06  # reads with a character taken for a look-alike (O/0, I/1, B/8, S/5, ...)
SECOND_MISREAD = 0.1  # misreads with a second character wrong as well
MAKE_MISSING = 0.1  # reads where the camera recognised no make
COLOUR_CONFUSED = 0.08  # reads with a near colour (silver as grey, black as blue, ...)
KEEPER_OLD_ADDRESS = 0.3  # vehicles whose keeper moved but never told the DVLA
CAMERAS_PER_TOWN = 8
HOME_CAMERAS = 0.75  # reads by a camera in the keeper's own town
RATES = {
    "plate misread": MISREAD, "second character misread (of misreads)": SECOND_MISREAD,
    "make missing": MAKE_MISSING, "colour confused": COLOUR_CONFUSED,
    "keeper address out of date (keepers who moved)": KEEPER_OLD_ADDRESS,
}  # fmt: skip
DESCRIPTION = "one row per camera read: plate as read (no spaces), camera place, DVLA keeper if found"


def anpr(pop: Population, reads: np.ndarray, plates: Plates, rng: np.random.Generator) -> Records:
    v = pop.vehicles
    owner = v.owner[reads]
    when = event_times(pop, owner, rng) + rng.integers(60, size=len(reads)).astype("timedelta64[s]")
    when, reads, owner = in_time_order(when, reads, owner)
    n = len(reads)
    read_id = sequence("RD", n, 9)
    true = np.array([p.replace(" ", "") for p in v.vrm[reads]], dtype=object)
    misread = corrupt(
        corrupt(true, MISREAD, misread_plate, rng), MISREAD * SECOND_MISREAD, misread_plate, rng
    )
    vrm = plates.settle(reads, misread, true)
    found = (vrm == true).astype(bool)  # only the plate as registered finds its keeper
    cameras = _cameras(rng)
    _, town, _ = pop.address_at(owner, when)
    town = np.where(rng.random(n) < HOME_CAMERAS, town, rng.integers(len(vocab.TOWNS), size=n))
    camera = town * CAMERAS_PER_TOWN + rng.integers(CAMERAS_PER_TOWN, size=n)
    colour = v.colour[reads]
    confused = np.array([vocab.COLOUR_CONFUSION[c] for c in colour], dtype=object)
    frame = pd.DataFrame(
        {
            "read_id": read_id,
            "read_at_utc": _utc(when),
            "camera_id": cameras["id"][camera],
            "camera_location": cameras["name"][camera],
            "latitude": cameras["lat"][camera].astype(str),
            "longitude": cameras["lon"][camera].astype(str),
            "vrm": vrm,
            "make": np.where(rng.random(n) < MAKE_MISSING, "", v.make[reads]),
            "colour": np.where(rng.random(n) < COLOUR_CONFUSED, confused, colour),
            **_keepers(pop, reads, owner, when, found, rng),
        }
    )
    persons = truth(row_person_keys(read_id, 1), pop.pid[owner], found)
    return Records(SYSTEM, frame, persons, vehicle_truth(vrm, v.vid[reads]))


def _cameras(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A fixed set of cameras, ``CAMERAS_PER_TOWN`` around each town, numbered town by town."""
    town = np.repeat(np.arange(len(vocab.TOWNS)), CAMERAS_PER_TOWN)
    lon, lat = near_town(town, rng)
    roads = rng.choice(vocab.ROADS, len(town))
    names = [f"{r} {vocab.TOWNS[t][0].title()}" for r, t in zip(roads, town, strict=True)]
    return {
        "id": np.array([f"WY{k:04d}" for k in range(1, len(town) + 1)], dtype=object),
        "name": np.array(names, dtype=object), "lon": lon, "lat": lat,
    }  # fmt: skip


def _utc(when: np.ndarray) -> np.ndarray:
    local = pd.DatetimeIndex(when.astype("datetime64[s]")).tz_localize(
        "Europe/London", ambiguous=np.ones(len(when), dtype=bool), nonexistent="shift_forward"
    )
    return local.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(dtype=object)


def _keepers(
    pop: Population,
    reads: np.ndarray,
    owner: np.ndarray,
    when: np.ndarray,
    found: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """DVLA keeper columns, blank where the plate as read matches no registration."""
    stale = rng.random(len(pop.vehicles.vid)) < KEEPER_OLD_ADDRESS
    address, town, postcode = pop.address_at(owner, when)
    old = stale[reads] & (pop.old_address[owner] != "")
    address = np.where(old, pop.old_address[owner], address)
    town = np.where(old, pop.old_town[owner], town)
    postcode = np.where(old, pop.old_postcode[owner], postcode)
    female, married = pop.female[owner], pop.married_on[owner] < when.astype("datetime64[D]")
    titles = np.where(female, np.where(married, "MRS", rng.choice(["MS", "MISS"], len(owner))), "MR")
    forenames = np.array(
        [f"{f} {m}".strip() for f, m in zip(pop.forename[owner], pop.middle[owner], strict=True)],
        dtype=object,
    )
    columns = {
        "keeper_title": titles,
        "keeper_forenames": forenames,
        "keeper_surname": pop.surname_at(owner, when),
        "keeper_address": np.char.upper(address_lines(address, town).astype(str)),
        "keeper_postcode": postcode,
    }
    return {k: np.where(found, c, "") for k, c in columns.items()}
