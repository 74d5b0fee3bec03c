"""Offenders in planted organised crime groups and the crimes they commit together: ground truth for
co-offending network analysis (who belongs with whom, who bridges groups) and for harm ranking.

Why this model. Network analysis finds groups from who offends with whom, and ranks people by where
they sit and how much harm they do; to test it, the truth has to be known and the records have to
look like the ones it meets. So each group has a turf in London and members in three roles:
leaders offend seldom, and mostly in serious crimes (supply of Class A drugs, robbery), core members
often, peripheral members (the young, the exploited) now and then. A crime is committed by 1 to 4
members of one group; a few brokers, core members of one group, also offend with a second, nearby
group, which is what makes the groups one network rather than islands. Besides co-offending the
records carry the other ties analysts use: members share homes (address and postcode), a group's
"work phone" is given as their number by several members, and vehicles are lent within the group,
so a car ties together people who never offended together.

Every person's name, date of birth, address and phone are fixed, so one nominal id always reads
the same (the store keeps the last row's values). Addresses, phones and registrations are drawn
without repeats, so any value two people share was planted. Crime numbers are in time order and
nominal ids are shuffled, so neither reveals a group.

Everything works on whole arrays (numpy for numbers, Arrow compute for text), with no per-crime
Python loop, so a million crimes take seconds.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from peelian.errors import PeelianError
from peelian.synth import vocab
from peelian.synth.nominals import prepare

SYSTEM = "force.rms.cooffending"  # the bundled mapping (peelian/data/mappings/force_rms_cooffending.toml)
MAPPING = "force_rms_cooffending"
CRIMES_FILE, TRUTH_FILE = "cooffending.csv", "truth_groups.csv"
CRIME_TRUTH_FILE, VEHICLE_TRUTH_FILE = "truth_crimes.csv", "truth_vehicles.csv"
ZONE = "Europe/London"
START, DAYS = np.datetime64("2021-07-01T00:00"), 1096  # three years, to the end of 2024-06-30
CRIMES_PER_GROUP = 100  # when no crime count is given
CENTRE = np.array([530_000.0, 180_500.0])  # central London, British National Grid metres
SPREAD_M = 14_000.0  # turfs lie within this distance of the centre
TURF_MEDIAN_M, TURF_SIGMA = 1_200.0, 0.4  # spread of a group's crimes around its turf: lognormal
SIZE_MEDIAN, SIZE_SIGMA, SIZES = 12.0, 0.45, (5, 60)  # members per group: lognormal, clipped
ACTIVITY_SIGMA = 0.5  # groups offend in proportion to their size, times a lognormal
CORE = 0.3  # share of a group's members in its core (the rest, bar leaders, are peripheral)
SECOND_LEADER = 25  # groups this large have two leaders
ROLES = ("leader", "core", "peripheral")
# Per-head weight of a leader, core and peripheral member being among the offenders of a crime of
# low, middle and high seriousness: leaders keep their hands clean but for serious crimes.
ROLE_WEIGHT = np.array([[0.15, 4.0, 1.0], [0.8, 4.0, 0.7], [4.0, 4.0, 0.4]])
OFFENDERS = (0.42, 0.32, 0.16, 0.10)  # P(1, 2, 3, 4 offenders on a crime)
RETRIES = 10  # redraws of an offender drawn twice for one crime (then left off)
BROKERS = 0.3  # brokers per group
BROKER_CANDIDATES = 32  # a broker's second group: the nearest of this many drawn at random
CROSS = 0.04  # share of crimes a broker commits with their second group
HOUSEHOLD = 2.5  # members per shared address, on average
SHARED_SURNAME = 0.6  # members with their household's family name
FEMALE = 0.1
AGES = ((28, 50), (19, 35), (16, 28))  # age on the last day (2024-06-30), by role
WORK_PHONE = 0.4  # non-leaders who give their group's work phone as their number
MEMBERS_PER_WORK_PHONE = 15  # (at least one per group)
VEHICLE = 0.3  # members who keep a vehicle; every group's first leader keeps one
LENT = 0.3  # crimes with a vehicle that use a group vehicle rather than an offender's own
# Offence: (share, harm weight in days, seriousness 0-2, share using a vehicle, peak local hour,
# hour sd). The harm weights are illustrative days of custody in the manner of the Cambridge Crime
# Harm Index, not its official values.
OFFENCES: dict[str, tuple[float, int, int, float, float, float]] = {
    "Possession with intent to supply a controlled drug (Class A)": (0.14, 1460, 2, 0.45, 17.0, 4.0),
    "Robbery of personal property": (0.10, 365, 2, 0.25, 20.0, 4.0),
    "Burglary - Residential": (0.16, 40, 1, 0.35, 14.0, 5.0),
    "Violence with injury": (0.14, 180, 1, 0.10, 23.0, 3.0),
    "Possession of weapons": (0.08, 180, 1, 0.20, 21.0, 4.0),
    "Theft of a motor vehicle": (0.12, 20, 0, 0.20, 2.0, 3.0),
    "Criminal damage": (0.10, 5, 0, 0.05, 22.0, 4.0),
    "Shoplifting": (0.16, 2, 0, 0.15, 15.0, 3.0),
}
AREAS = ("N", "E", "E", "SE", "SE", "SW", "W", "NW")  # postcode area by compass sector from the centre
CENTRAL_M = 2_500.0  # nearer the centre: WC or EC
# Bijections that scatter running numbers over a space without repeats: x -> (STEP x + b) mod size,
# with STEP coprime to every size used here.
STEP = 1_000_003  # a prime above every factor of those sizes
PHONES = 10**9  # 07 and nine digits
HOUSES = 180 * len(vocab.STREETS) * len(vocab.STREET_TYPES)  # house number, street, street type
PLATE_AGES = np.r_[2:24, 52:74]  # March and September age identifiers, 2002-2023
PLATES = len(vocab.PLATE_LETTERS) ** 5 * len(PLATE_AGES)
PERSON = ("id", "forename", "surname", "dob", "address", "postcode", "phone")
COLUMNS = [
    "crime_number", "offence", "committed_from", "easting", "northing", "location",
    *(f"offender{i}_{name}" for i in range(1, 5) for name in PERSON),
    "vrm", "vehicle_make", "vehicle_model", "vehicle_colour",
]  # fmt: skip


@dataclass(frozen=True)
class Groups:
    """The RMS extract and the truth behind it; the truth frames name people, groups and vehicles
    by the ids the extract uses."""

    seed: int
    crimes: pa.Table  # the extract (COLUMNS), one row per crime, in time order
    crime_groups: pd.DataFrame  # crime_number, group, cross_group (a broker joined another group)
    people: pd.DataFrame  # person_id, group, role, broker, broker_group, name ..., crimes, harm
    vehicles: pd.DataFrame  # vrm, make, model, colour, keeper, group, crimes

    def summary(self) -> dict:
        people = self.people
        return {
            "seed": self.seed, "groups": int(people["group"].nunique()), "people": len(people),
            "leaders": int((people["role"] == "leader").sum()), "brokers": int(people["broker"].sum()),
            "crimes": self.crimes.num_rows, "cross_group_crimes": int(self.crime_groups["cross_group"].sum()),
            "vehicles": len(self.vehicles),
        }  # fmt: skip


def check(groups: int, seed: int, crimes: int | None = None) -> None:
    """Refuse, in plain words, what ``planted_groups`` cannot do."""
    if groups < 1:
        raise PeelianError(f"the number of groups (--groups) must be at least 1, not {groups}")
    if seed < 0:
        raise PeelianError(f"the seed (--seed) must be 0 or more, not {seed}")
    if crimes is not None and crimes < 0:
        raise PeelianError(f"the number of crimes (--crimes) must be 0 or more, not {crimes}")


def planted_groups(
    groups: int, seed: int = 0, *, crimes: int | None = None, brokers: float = BROKERS, cross: float = CROSS
) -> Groups:
    """``crimes`` crimes (default ``CRIMES_PER_GROUP`` per group) by the members of ``groups``
    planted groups, ``brokers`` per group of whom also join another group in a ``cross`` share of
    crimes. Same arguments, same result."""
    check(groups, seed, crimes)
    if brokers < 0 or not 0.0 <= cross <= 1.0:
        raise PeelianError(f"brokers must be 0 or more and cross between 0 and 1, not {brokers}, {cross}")
    n = CRIMES_PER_GROUP * groups if crimes is None else crimes
    rng = np.random.default_rng(seed)
    size = np.clip(np.round(SIZE_MEDIAN * rng.lognormal(0.0, SIZE_SIGMA, groups)), *SIZES).astype(np.int64)
    bearing, reach = rng.random(groups) * 2 * np.pi, SPREAD_M * np.sqrt(rng.random(groups))
    turf = CENTRE + reach[:, None] * np.c_[np.sin(bearing), np.cos(bearing)]
    radius = TURF_MEDIAN_M * rng.lognormal(0.0, TURF_SIGMA, groups)
    team = _members(size)
    broker, second = _brokers(team, turf, brokers, rng)
    people = _people(team, turf, radius, rng)
    fleet = _vehicles(team, rng)

    # Crimes: an offence, a group, its offenders (a broker joins another group now and then).
    weights = np.array(list(OFFENCES.values()))
    offence = rng.choice(len(OFFENCES), size=n, p=weights[:, 0] / weights[:, 0].sum())
    tier = weights[offence, 2].astype(np.int64)
    activity = size * rng.lognormal(0.0, ACTIVITY_SIGMA, groups)
    group = rng.choice(groups, size=n, p=activity / activity.sum())
    joined = (rng.random(n) < cross) if len(broker) else np.zeros(n, dtype=bool)
    which = rng.integers(max(1, len(broker)), size=int(joined.sum()))  # the broker who joins
    group[joined] = second[which]
    who = _offenders(team, group, tier, joined, broker[which], rng)
    who, vehicle = _vehicle_use(who, group, weights[offence, 3], fleet, rng)

    # When and where: local wall time (valid on the clock), around the turf of the group.
    hour = (weights[offence, 4] + rng.normal(size=n) * weights[offence, 5]) % 24
    wall = START + (rng.integers(DAYS, size=n) * 1440 + np.floor(hour * 60)).astype("timedelta64[m]")
    local = (
        pd.DatetimeIndex(wall.astype("datetime64[ns]"))
        .tz_localize(ZONE, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward")
        .tz_localize(None)
        .to_numpy()
    )
    xy = np.round(turf[group] + rng.normal(size=(n, 2)) * radius[group][:, None]).astype(np.int64)
    order = np.argsort(local, kind="stable")
    offence, group, joined, who, vehicle, local, xy = (
        a[order] for a in (offence, group, joined, who, vehicle, local, xy)
    )

    numbers = _numbered("CR/", np.arange(1, n + 1), 7)
    group_ids = _numbered("G", np.arange(1, groups + 1), 4)
    columns = {
        "crime_number": numbers,
        "offence": pa.array(list(OFFENCES)).take(pa.array(offence)),
        "committed_from": pc.strftime(pa.array(local, pa.timestamp("ns")), format="%Y-%m-%d %H:%M"),
        "easting": pa.array(xy[:, 0]).cast(pa.string()),
        "northing": pa.array(xy[:, 1]).cast(pa.string()),
        "location": _street_addresses(xy[:, 0], xy[:, 1]),
    }
    for slot in range(4):
        index = pa.array(who[:, slot], mask=who[:, slot] < 0)
        columns |= {f"offender{slot + 1}_{name}": people[name].take(index) for name in PERSON}
    index = pa.array(vehicle, mask=vehicle < 0)
    columns["vrm"] = fleet.text["vrm"].take(index)
    columns |= {f"vehicle_{name}": fleet.text[name].take(index) for name in ("make", "model", "colour")}

    harm = weights[offence, 1]
    slots = np.nonzero(who >= 0)
    offenders = who[slots]
    truth = pd.DataFrame(
        {
            "person_id": people["id"], "group": group_ids.take(pa.array(team.group)),
            "role": pa.array(ROLES).take(pa.array(team.role)),
            "broker": np.isin(np.arange(len(team.group)), broker),
            "broker_group": _broker_groups(len(team.group), broker, second, group_ids),
            **{name: people[name] for name in PERSON[1:]},
            "crimes": np.bincount(offenders, minlength=len(team.group)),
            "harm": np.bincount(offenders, harm[slots[0]], len(team.group)).astype(np.int64),
        }
    )  # fmt: skip
    vehicles = pd.DataFrame(
        {
            **{name: fleet.text[name] for name in ("vrm", "make", "model", "colour")},
            "keeper": people["id"].take(pa.array(fleet.keeper)),
            "group": group_ids.take(pa.array(team.group[fleet.keeper])),
            "crimes": np.bincount(vehicle[vehicle >= 0], minlength=len(fleet.keeper)),
        }
    )
    return Groups(
        seed=seed,
        crimes=pa.table(columns),
        crime_groups=pd.DataFrame(
            {"crime_number": numbers, "group": group_ids.take(pa.array(group)), "cross_group": joined}
        ),
        people=truth.sort_values("person_id", ignore_index=True),
        vehicles=vehicles.sort_values("vrm", ignore_index=True),
    )


def to_rms_csv(groups: Groups, path: Path) -> Path:
    """Write the extract the bundled ``force_rms_cooffending`` mapping reads; blanks where a crime
    has fewer than four offenders or no vehicle."""
    path = Path(path)
    pa_csv.write_csv(groups.crimes, path, pa_csv.WriteOptions(include_header=True, quoting_style="needed"))
    return path


def write(groups: Groups, folder: Path) -> list[Path]:
    """The extract and the three truth files (people, crimes, vehicles) into ``folder``."""
    prepare(folder)
    paths = [to_rms_csv(groups, folder / CRIMES_FILE)]
    for name, frame in (
        (TRUTH_FILE, groups.people),
        (CRIME_TRUTH_FILE, groups.crime_groups),
        (VEHICLE_TRUTH_FILE, groups.vehicles),
    ):
        pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), folder / name)
        paths.append(folder / name)
    return paths


# -- groups and their members ----------------------------------------------------------------


@dataclass(frozen=True)
class _Members:
    """Everyone, grouped by group and, within a group, by role (leaders first)."""

    group: np.ndarray  # per person: their (home) group
    role: np.ndarray  # per person: 0 leader, 1 core, 2 peripheral
    start: np.ndarray  # (groups, 3): first person of each role in each group
    count: np.ndarray  # (groups, 3): how many


def _members(size: np.ndarray) -> _Members:
    leaders = 1 + (size >= SECOND_LEADER)
    core = np.maximum(1, np.round(CORE * size)).astype(np.int64)
    count = np.stack([leaders, core, size - leaders - core], axis=1)
    flat = count.ravel()
    start = (np.cumsum(flat) - flat).reshape(count.shape)
    role = np.repeat(np.tile(np.arange(3), len(size)), flat)
    return _Members(np.repeat(np.arange(len(size)), size), role, start, count)


def _brokers(team: _Members, turf: np.ndarray, per_group: float, rng: np.random.Generator):
    """Core members who also offend with a second group: the nearest of a few drawn at random, as
    brokers deal with neighbours, not the other side of the city."""
    groups = len(turf)
    core = np.flatnonzero(team.role == 1)
    count = min(len(core), round(per_group * groups)) if groups > 1 else 0
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    broker = np.sort(rng.choice(core, size=count, replace=False))
    home = team.group[broker]
    candidates = rng.integers(groups - 1, size=(count, min(BROKER_CANDIDATES, groups - 1)))
    candidates += candidates >= home[:, None]  # any group but their own
    distance = np.linalg.norm(turf[candidates] - turf[home][:, None], axis=2)
    return broker, candidates[np.arange(count), distance.argmin(axis=1)]


def _broker_groups(people: int, broker: np.ndarray, second: np.ndarray, group_ids: pa.Array) -> pa.Array:
    index = np.full(people, -1)
    index[broker] = second
    return pc.fill_null(group_ids.take(pa.array(index, mask=index < 0)), "")


def _pick(team: _Members, group: np.ndarray, tier: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A member of each ``group`` for a crime of seriousness ``tier``: a role in proportion to its
    members' weight for that seriousness, then anyone in that role."""
    total = np.cumsum(team.count[group] * ROLE_WEIGHT[tier], axis=1)
    u = rng.random(len(group)) * total[:, -1]
    role = (u[:, None] >= total[:, :2]).sum(axis=1)
    return team.start[group, role] + (rng.random(len(group)) * team.count[group, role]).astype(np.int64)


def _offenders(
    team: _Members,
    group: np.ndarray,
    tier: np.ndarray,
    joined: np.ndarray,
    brokers: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """(crimes, 4) person indices, -1 for none, filled from the left: 1 to 4 distinct members of
    the crime's group, with the joining broker second on a cross-group crime."""
    n = len(group)
    size = rng.choice(4, size=n, p=OFFENDERS) + 1
    who = np.full((n, 4), -1, dtype=np.int64)
    size[joined] = np.maximum(size[joined], 2)
    who[joined, 1] = brokers
    for slot in range(4):
        rows = np.flatnonzero((slot < size) & (who[:, slot] < 0))
        who[rows, slot] = _pick(team, group[rows], tier[rows], rng)
    suspect = np.arange(n)  # crimes that may still name someone twice
    for attempt in range(RETRIES + 1):
        repeated = _repeated(who[suspect])
        suspect = suspect[repeated.any(axis=1)]
        rows, slots = np.nonzero(repeated[repeated.any(axis=1)])
        rows = suspect[rows]
        if attempt == RETRIES:  # a small group had no one else to send
            who[rows, slots] = -1
        elif len(rows):
            who[rows, slots] = _pick(team, group[rows], tier[rows], rng)
    return np.take_along_axis(who, np.argsort(who < 0, axis=1, kind="stable"), axis=1)


def _repeated(who: np.ndarray) -> np.ndarray:
    """Slots holding someone already in an earlier slot of the same crime."""
    earlier = np.tril(np.ones((4, 4), dtype=bool), -1)
    return ((who[:, :, None] == who[:, None, :]) & earlier).any(axis=2) & (who >= 0)


# -- people: names, homes, phones ------------------------------------------------------------


def _people(team: _Members, turf: np.ndarray, radius: np.ndarray, rng: np.random.Generator) -> dict:
    """Text per person (PERSON): the shuffled nominal id, a name, a date of birth, and the home
    and phone, both shared within the group."""
    n = len(team.group)
    size = np.bincount(team.group, minlength=len(turf))
    homes = np.maximum(1, np.round(size / HOUSEHOLD)).astype(np.int64)
    home_group = np.repeat(np.arange(len(turf)), homes)
    home = (np.cumsum(homes) - homes)[team.group] + (rng.random(n) * homes[team.group]).astype(np.int64)
    place = turf[home_group] + rng.normal(size=(len(home_group), 2)) * radius[home_group][:, None]

    surnames = _titled(vocab.SURNAMES)
    family = rng.integers(len(surnames), size=len(home_group))[home]
    surname = np.where(rng.random(n) < SHARED_SURNAME, family, rng.integers(len(surnames), size=n))
    female = rng.random(n) < FEMALE
    men, women = _titled(vocab.MALE_FORENAMES), _titled(vocab.FEMALE_FORENAMES)
    forename = pc.if_else(
        pa.array(female),
        women.take(pa.array(rng.integers(len(women), size=n))),
        men.take(pa.array(rng.integers(len(men), size=n))),
    )
    low, high = (np.take([a[i] for a in AGES], team.role) for i in (0, 1))
    age_days = ((low + rng.random(n) * (high - low)) * 365.25).astype("timedelta64[D]")
    dob = pa.array(START.astype("datetime64[D]") + np.timedelta64(DAYS, "D") - age_days).cast(pa.string())

    phones = np.maximum(1, size // MEMBERS_PER_WORK_PHONE)
    work = (
        n + (np.cumsum(phones) - phones)[team.group] + (rng.random(n) * phones[team.group]).astype(np.int64)
    )
    gives_work = (rng.random(n) < WORK_PHONE) & (team.role > 0)
    phone = np.where(gives_work, work, np.arange(n))
    return {
        "id": _numbered("N", rng.permutation(n) + 1, 7),
        "forename": forename,
        "surname": surnames.take(pa.array(surname)),
        "dob": dob,
        "address": _homes(len(home_group), rng).take(pa.array(home)),
        "postcode": _postcodes(place, rng).take(pa.array(home)),
        "phone": pc.binary_join_element_wise(
            "07", pc.utf8_lpad(_scattered(phone, PHONES, rng).cast(pa.string()), 9, "0"), ""
        ),
    }


def _homes(count: int, rng: np.random.Generator) -> pa.Array:
    """Distinct addresses (house number, street, street type) while there are fewer than HOUSES."""
    code = _scattered(np.arange(count), HOUSES, rng).to_numpy()
    number, code = code % 180 + 1, code // 180
    street, kind = code % len(vocab.STREETS), code // len(vocab.STREETS)
    return pc.binary_join_element_wise(
        pa.array(number).cast(pa.string()),
        _titled(vocab.STREETS).take(pa.array(street)),
        _titled(vocab.STREET_TYPES).take(pa.array(kind)),
        " ",
    )


def _postcodes(where: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """London-style postcodes: the area from the bearing off the centre (WC or EC near it), the
    district from the distance, a random inward code."""
    dx, dy = (where - CENTRE).T
    distance = np.hypot(dx, dy)
    sector = (np.floor((np.degrees(np.arctan2(dx, dy)) + 22.5) / 45) % 8).astype(np.int64)
    central = distance < CENTRAL_M
    area = np.where(central, np.where(dx < 0, len(AREAS), len(AREAS) + 1), sector)
    district = np.where(central, 1 + (dy > 0), 1 + np.minimum(distance // 1_500, 19)).astype(np.int64)
    letters = pa.array(list(vocab.INWARD_LETTERS))
    n = len(where)
    return pc.binary_join_element_wise(
        pa.array([*AREAS, "WC", "EC"]).take(pa.array(area)),
        pa.array(district).cast(pa.string()),
        " ",
        pa.array(rng.integers(10, size=n)).cast(pa.string()),
        letters.take(pa.array(rng.integers(len(letters), size=n))),
        letters.take(pa.array(rng.integers(len(letters), size=n))),
        "",
    )


# -- vehicles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fleet:
    keeper: np.ndarray  # per vehicle: the person who keeps it (vehicles are in group order)
    start: np.ndarray  # per group: its first vehicle
    count: np.ndarray  # per group: how many (at least one)
    of: np.ndarray  # per person: their vehicle, -1 for none
    text: dict[str, pa.Array]  # vrm, make, model, colour


def _vehicles(team: _Members, rng: np.random.Generator) -> _Fleet:
    n = len(team.group)
    keeps = rng.random(n) < VEHICLE
    keeps[team.start[:, 0]] = True
    keeper = np.flatnonzero(keeps)
    count = np.bincount(team.group[keeper], minlength=len(team.start))
    of = np.full(n, -1)
    of[keeper] = np.arange(len(keeper))
    kind = pa.array(rng.integers(len(vocab.VEHICLES), size=len(keeper)))
    colour = pa.array(rng.integers(len(vocab.COLOURS), size=len(keeper)))
    return _Fleet(
        keeper=keeper, start=np.cumsum(count) - count, count=count, of=of,
        text={
            "vrm": _plates(len(keeper), rng),
            "make": pa.array([make for make, _ in vocab.VEHICLES]).take(kind),
            "model": pa.array([model for _, model in vocab.VEHICLES]).take(kind),
            "colour": pa.array(vocab.COLOURS).take(colour),
        },
    )  # fmt: skip


def _plates(count: int, rng: np.random.Generator) -> pa.Array:
    """Distinct current-style registrations, AB12 CDE."""
    code = _scattered(np.arange(count), PLATES, rng).to_numpy()
    letters = pa.array(list(vocab.PLATE_LETTERS))
    base = len(vocab.PLATE_LETTERS)
    parts = []
    for _ in range(5):
        parts.append(letters.take(pa.array(code % base)))
        code = code // base
    age = pc.utf8_lpad(pa.array(PLATE_AGES[code % len(PLATE_AGES)]).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(parts[0], parts[1], age, " ", *parts[2:], "")


def _vehicle_use(
    who: np.ndarray, group: np.ndarray, share: np.ndarray, fleet: _Fleet, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The offenders, with the keeper of the vehicle first (offender1) when among them, and per
    crime the vehicle used (-1 for none): an offender's own, or one lent by another member of the
    crime's group."""
    n = len(group)
    own = np.where(who >= 0, fleet.of[who], -1)
    has = own >= 0
    lent = ~has.any(axis=1) | (rng.random(n) < LENT)
    pool = fleet.start[group] + (rng.random(n) * fleet.count[group]).astype(np.int64)
    vehicle = np.where(lent, pool, own[np.arange(n), has.argmax(axis=1)])
    vehicle = np.where(rng.random(n) < share, vehicle, -1)
    present = who == np.where(vehicle >= 0, fleet.keeper[vehicle], -2)[:, None]
    at = np.where(present.any(axis=1), present.argmax(axis=1), 0)
    rows, keeper, who = np.arange(n), who[np.arange(n), at], who.copy()
    who[rows, at] = who[:, 0]
    who[:, 0] = keeper
    return who, vehicle


# -- text ------------------------------------------------------------------------------------


def _scattered(index: np.ndarray, space: int, rng: np.random.Generator) -> pa.Array:
    """Running numbers to distinct-looking codes in ``range(space)``: distinct while index < space."""
    return pa.array((STEP * np.asarray(index, dtype=np.int64) + int(rng.integers(space))) % space)


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` and zero-padded numbers: CR/0000001, N0012345, G0007."""
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _titled(words: tuple[str, ...]) -> pa.Array:
    return pa.array([w.title() for w in words])


def _street_addresses(x: np.ndarray, y: np.ndarray) -> pa.Array:
    """Where a crime happened, as an RMS writes it: a house number and street, the street from the
    200 m square (neighbours share streets), the number from the exact metres."""
    cell = pd.util.hash_array((x // 200) * 1_000_003 + y // 200)
    street = _titled(vocab.STREETS).take(pa.array(cell % len(vocab.STREETS)))
    kind = _titled(vocab.STREET_TYPES).take(pa.array((cell >> 20) % len(vocab.STREET_TYPES)))
    number = pa.array(pd.util.hash_array(x * 1_000_003 + y) % 180 + 1).cast(pa.string())
    return pc.binary_join_element_wise(number, street, kind, " ")
