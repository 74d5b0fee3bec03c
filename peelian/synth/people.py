"""The true population behind the synthetic sources: who each person really is, where they have
lived, what they drive. Source systems see these people only through their own schemas and errors.

Some truths change over time, as they do for real people: a woman's surname on marriage, an address
on moving house. A record made before the change holds the old value, and that is correct, not an
error; a matcher has to bridge it all the same.
"""

from dataclasses import dataclass

import numpy as np

from peelian.synth import vocab

REFERENCE = np.datetime64("2024-06-30")  # "today" in the synthetic world; every event is before it
NEVER = np.datetime64("1900-01-01")  # a change that never happened (so every record sees the present)
ORDINARY, OFFENDER, PROLIFIC = 0, 1, 2
ACTIVITY_SHARE = (0.85, 0.12, 0.03)  # most people are never suspects; a few offend again and again
AGES = ((18, 85), (15, 60), (16, 45))  # age range on REFERENCE, by activity
FEMALE = (0.52, 0.2, 0.12)  # share of women, by activity
DOUBLE_BARREL = 0.03  # surnames of two families joined by a hyphen
MIDDLE_NAME = 0.6
MARRIED_NAME = 0.35  # women over 25 whose surname changed on marriage (the birth surname kept)
MOVED = 0.4  # people who moved house since 2015: records made before the move hold the old address
FLAT = 0.12  # homes that are flats ("Flat 3, 12 Oak Road")
PHONE = 0.9
SECOND_PHONE = (0.05, 0.25, 0.6)  # a second (often pay-as-you-go) number, by activity
EMAIL = 0.45
PNC = (0.03, 1.0, 1.0)  # share with a custody history, and so a PNC id, by activity
ALIAS = (0.0, 0.15, 0.6)  # share who have given a false name, by activity
VEHICLE = (0.35, 0.3, 0.5)  # share who keep a vehicle, by activity
PREFIX_PLATE = 0.1  # older vehicles on pre-2001 prefix plates (A123 BCD)
EMAIL_DOMAINS = ("gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com")
PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"  # PNC check character: (yy and serial as a number) mod 23


@dataclass(frozen=True)
class Vehicles:
    vid: np.ndarray  # true vehicle id, V000001
    vrm: np.ndarray  # true registration as on the plate, "AB12 CDE"
    make: np.ndarray
    model: np.ndarray
    colour: np.ndarray
    owner: np.ndarray  # index of the keeper in the population


@dataclass(frozen=True)
class Population:
    """One entry per true person; strings are upper case, "" where the person has none."""

    pid: np.ndarray  # true person id, P0000001
    activity: np.ndarray  # ORDINARY, OFFENDER or PROLIFIC
    female: np.ndarray
    forename: np.ndarray
    middle: np.ndarray
    surname: np.ndarray  # today's surname
    birth_surname: np.ndarray  # the surname before marriage (= surname when it never changed)
    married_on: np.ndarray  # datetime64[D]; NEVER when the surname never changed
    dob: np.ndarray  # datetime64[D]
    address: np.ndarray  # today's address line, "12 OAK ROAD"
    town: np.ndarray  # index into vocab.TOWNS
    postcode: np.ndarray
    old_address: np.ndarray  # the address before moving ("" when never moved)
    old_town: np.ndarray
    old_postcode: np.ndarray
    moved_on: np.ndarray  # datetime64[D]; NEVER when never moved
    phone: np.ndarray
    phone2: np.ndarray
    email: np.ndarray
    pnc: np.ndarray
    alias_forename: np.ndarray
    alias_surname: np.ndarray
    vehicles: Vehicles

    def __len__(self) -> int:
        return len(self.pid)

    def surname_at(self, idx: np.ndarray, when: np.ndarray) -> np.ndarray:
        """Each person's surname as it was on ``when`` (datetime64)."""
        before = when.astype("datetime64[D]") < self.married_on[idx]
        return np.where(before, self.birth_surname[idx], self.surname[idx])

    def vehicle_of(self, idx: np.ndarray) -> np.ndarray:
        """Index of each person's vehicle, -1 for none."""
        lookup = np.full(len(self), -1)
        lookup[self.vehicles.owner] = np.arange(len(self.vehicles.owner))
        return lookup[idx]

    def address_at(self, idx: np.ndarray, when: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(address line, town index, postcode) of each person's home on ``when``."""
        before = when.astype("datetime64[D]") < self.moved_on[idx]
        return (
            np.where(before, self.old_address[idx], self.address[idx]),
            np.where(before, self.old_town[idx], self.town[idx]),
            np.where(before, self.old_postcode[idx], self.postcode[idx]),
        )


def population(n: int, rng: np.random.Generator) -> Population:
    """``n`` true people, each with what a police system might record about them."""
    activity = rng.choice(3, size=n, p=ACTIVITY_SHARE)
    female = rng.random(n) < np.take(FEMALE, activity)
    forename = _forenames(female, rng)
    middle = _forenames(female, rng)
    middle = np.where((rng.random(n) < MIDDLE_NAME) & (middle != forename), middle, "")
    birth_surname = _surnames(n, rng)
    low, high = np.take([a[0] for a in AGES], activity), np.take([a[1] for a in AGES], activity)
    age_days = ((low + rng.random(n) * (high - low + 1)) * 365.25).astype("timedelta64[D]")
    dob = REFERENCE - age_days
    married = female & (age_days > np.timedelta64(25 * 365, "D")) & (rng.random(n) < MARRIED_NAME)
    surname = np.where(married, _surnames(n, rng), birth_surname)
    married_on = np.where(married, _between(dob + np.timedelta64(20 * 365, "D"), REFERENCE, rng), NEVER)
    streets = _streets(max(60, n // 25), rng)
    address, town, postcode = _homes(n, streets, rng)
    moved = rng.random(n) < MOVED
    old_address, old_town, old_postcode = _homes(n, streets, rng)
    moved_on = np.where(moved, _between(np.full(n, np.datetime64("2015-01-01")), REFERENCE, rng), NEVER)
    pnc = np.where(rng.random(n) < np.take(PNC, activity), _pnc_ids(dob, rng), "")
    alias_forename, alias_surname = _aliases(forename, birth_surname, female, activity, rng)
    return Population(
        pid=np.array([f"P{i:07d}" for i in range(1, n + 1)], dtype=object), activity=activity,
        female=female, forename=forename, middle=middle, surname=surname, birth_surname=birth_surname,
        married_on=married_on, dob=dob, address=address, town=town, postcode=postcode,
        old_address=np.where(moved, old_address, ""), old_town=np.where(moved, old_town, town),
        old_postcode=np.where(moved, old_postcode, ""), moved_on=moved_on, phone=_phones(n, rng, PHONE),
        phone2=_phones(n, rng, np.take(SECOND_PHONE, activity)),
        email=_emails(forename, birth_surname, rng), pnc=pnc, alias_forename=alias_forename,
        alias_surname=alias_surname, vehicles=_vehicles(activity, rng),
    )  # fmt: skip


def _zipf(count: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Indices skewed like real name frequencies: the first few names are common, the rest rare."""
    weights = 1.0 / (np.arange(count) + 2.0)
    return rng.choice(count, size=size, p=weights / weights.sum())


def _forenames(female: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    men = np.array(vocab.MALE_FORENAMES, dtype=object)[_zipf(len(vocab.MALE_FORENAMES), len(female), rng)]
    women = np.array(vocab.FEMALE_FORENAMES, dtype=object)[
        _zipf(len(vocab.FEMALE_FORENAMES), len(female), rng)
    ]
    return np.where(female, women, men)


def _surnames(n: int, rng: np.random.Generator) -> np.ndarray:
    names = np.array(vocab.SURNAMES, dtype=object)
    first, second = names[_zipf(len(names), n, rng)], names[_zipf(len(names), n, rng)]
    joined = np.array([f"{a}-{b}" for a, b in zip(first, second, strict=True)], dtype=object)
    return np.where((rng.random(n) < DOUBLE_BARREL) & (first != second), joined, first)


def _between(start: np.ndarray, end: np.datetime64, rng: np.random.Generator) -> np.ndarray:
    """A day uniformly in [start, end), or ``start`` where that is not before ``end``."""
    span = np.maximum((end - start).astype(int), 1)
    return start + (rng.random(len(start)) * span).astype("timedelta64[D]")


def _streets(count: int, rng: np.random.Generator) -> list[tuple[str, int, tuple[str, ...]]]:
    """(street name, town index, its postcodes): a street's houses share one or two postcodes."""
    shares = np.array([t[6] for t in vocab.TOWNS])
    towns = rng.choice(len(vocab.TOWNS), size=count, p=shares / shares.sum())
    out = []
    for town in towns.tolist():
        name = f"{rng.choice(vocab.STREETS)} {rng.choice(vocab.STREET_TYPES)}"
        _, area, districts, *_ = vocab.TOWNS[town]
        outward = f"{area}{rng.integers(1, districts + 1)}"
        units = tuple(
            f"{outward} {rng.integers(10)}{''.join(rng.choice(list(vocab.INWARD_LETTERS), 2))}"
            for _ in range(int(rng.integers(1, 3)))
        )
        out.append((name, town, units))
    return out


def _homes(n: int, streets: list, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    street = rng.integers(len(streets), size=n)
    house = rng.integers(1, 181, size=n)
    flat = np.where(rng.random(n) < FLAT, rng.integers(1, 13, size=n), 0)
    address, town, postcode = (np.empty(n, dtype=object) for _ in range(3))
    for i, (s, h, f) in enumerate(zip(street.tolist(), house.tolist(), flat.tolist(), strict=True)):
        name, town[i], units = streets[s]
        address[i] = f"FLAT {f}, {h} {name}" if f else f"{h} {name}"
        postcode[i] = units[h % len(units)]
    return address, town.astype(int), postcode


def _phones(n: int, rng: np.random.Generator, share) -> np.ndarray:
    numbers = rng.integers(100_000_000, 1_000_000_000, size=n)
    has = rng.random(n) < share
    return np.array([f"07{x}" if h else "" for x, h in zip(numbers, has, strict=True)], dtype=object)


def _emails(forename: np.ndarray, surname: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(forename)
    has, style = rng.random(n) < EMAIL, rng.integers(3, size=n)
    number, domain = rng.integers(1, 100, size=n), rng.integers(len(EMAIL_DOMAINS), size=n)
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(has):
        first, last = (s.lower().replace("'", "").replace(" ", "") for s in (forename[i], surname[i]))
        local = (f"{first}.{last}", f"{first[0]}{last}{number[i]}", f"{first}{number[i]}")[style[i]]
        out[i] = f"{local}@{EMAIL_DOMAINS[domain[i]]}"
    return out


def _pnc_ids(dob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """PNC ids, ``YYYY/NNNNNNNC``: the year of the first arrest (at 12 or older), a serial and a
    check character."""
    first = np.maximum(dob.astype("datetime64[Y]").astype(int) + 1970 + 12, 2000)
    year = np.minimum(first + rng.integers(0, 12, size=len(dob)), 2023)
    serial = rng.integers(1, 10_000_000, size=len(dob))
    return np.array(
        [
            f"{y}/{s:07d}{PNC_CHECK[int(f'{y % 100:02d}{s:07d}') % 23]}"
            for y, s in zip(year, serial, strict=True)
        ],
        dtype=object,
    )


def _aliases(
    forename: np.ndarray,
    surname: np.ndarray,
    female: np.ndarray,
    activity: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """A false name: another surname (half the time), another forename, or both."""
    n = len(forename)
    has = rng.random(n) < np.take(ALIAS, activity)
    kind = rng.integers(4, size=n)  # 0, 1: surname; 2: forename; 3: both
    fore = np.where(has & (kind >= 2), _forenames(female, rng), forename)
    sur = np.where(has & (kind != 2), _surnames(n, rng), surname)
    for i in np.flatnonzero(has & (fore == forename) & (sur == surname)):  # drawn the real name
        sur[i] = vocab.SURNAMES[(vocab.SURNAMES.index(sur[i].split("-")[0]) + 1) % len(vocab.SURNAMES)]
    return np.where(has, fore, ""), np.where(has, sur, "")


def _vehicles(activity: np.ndarray, rng: np.random.Generator) -> Vehicles:
    owner = np.flatnonzero(rng.random(len(activity)) < np.take(VEHICLE, activity))
    plates: set[str] = set()
    while len(plates) < len(owner):
        plates.update(_plate(rng) for _ in range(len(owner) - len(plates)))
    vrm = np.array(sorted(plates), dtype=object)[rng.permutation(len(owner))]
    kind = rng.integers(len(vocab.VEHICLES), size=len(owner))
    colour = rng.choice(len(vocab.COLOURS), size=len(owner), p=_colour_shares())
    return Vehicles(
        vid=np.array([f"V{i:07d}" for i in range(1, len(owner) + 1)], dtype=object),
        vrm=vrm,
        make=np.array([vocab.VEHICLES[k][0] for k in kind], dtype=object),
        model=np.array([vocab.VEHICLES[k][1] for k in kind], dtype=object),
        colour=np.array(vocab.COLOURS, dtype=object)[colour],
        owner=owner,
    )


def _colour_shares() -> np.ndarray:
    weights = 1.0 / (np.arange(len(vocab.COLOURS)) + 1.5)
    return weights / weights.sum()


def _plate(rng: np.random.Generator) -> str:
    """A current (AB12 CDE: area, age identifier, random letters) or a prefix (A123 BCD) plate."""
    letters = vocab.PLATE_LETTERS
    tail = "".join(rng.choice(list(letters), 3))
    if rng.random() < PREFIX_PLATE:
        return f"{rng.choice(list('ABCDEFGHJKLMNPRSTVWXY'))}{rng.integers(1, 1000)} {tail}"
    age = int(rng.integers(2, 24)) + 50 * int(rng.integers(2))  # March (02) or September (52) issues
    return f"{''.join(rng.choice(list(letters), 2))}{age:02d} {tail}"
