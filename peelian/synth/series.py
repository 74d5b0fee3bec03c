"""Burglaries with planted offender series: ground truth for crime linkage (which crimes are one
offender's) at any size, up to the million-crime scale benchmark.

Why this model. Linkage rests on the two regularities burglars show most reliably: they offend
near home, within a personal range, and they repeat themselves (hour of day, way in, what they
take) more than they resemble anyone else. So each offender has a home, a lognormal activity
radius, a preferred hour and a preferred value per MO column, and each crime is a draw around
those. The noise is deliberate: a random MO value 30% of the time, only some habit phrases in each
narrative, values missing, so that no single feature gives a series away and a linker has to weigh
several. Series sizes are heavy-tailed (P(k) ~ k^-2 for 2..30) because a few prolific offenders
commit much of the volume while most offenders are seen once; those one-off crimes are the
background a linker must not chain together. Homes cluster around a few town centres (plus a
uniform share), so closeness alone is no proof: unrelated crimes are also close in busy areas.

Times are held as an RMS holds them: to the minute where someone saw it, otherwise a window
"between" two times (left for work, came home) that contains the true time. Habits of the clock
are kept in local time, as people live by it. Rows are numbered in time order and offender numbers
are shuffled, so that neither reveals the series.

Everything works on whole arrays, numpy for numbers and Arrow compute for text, with no per-crime
Python loop or Python string objects, so a million crimes take seconds and well under a gigabyte.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from peelian.synth import vocab

SYSTEM = "force.rms.burglary"  # the bundled mapping (peelian/data/mappings/force_rms_burglary.toml)
ZONE = "Europe/London"
EXACT_TIME = 0.4  # crimes seen or heard: time known to the minute
WINDOW_MINUTES = (60, 14 * 60)  # otherwise a window of 1 to 14 hours
MISSING = 0.05  # MO values not recorded, per column
PREFERRED = 0.7  # an offender uses their own MO value this often, per column
RADIUS_MEDIAN_M = 800.0  # activity radius around home: lognormal, this median
RADIUS_SIGMA = 0.6
GAP_MEAN_DAYS = 10.0  # days between one offender's crimes: exponential
HOUR_SD = 2.0  # spread of an offender's hours around their preferred hour
SIZES = (2, 30)  # series sizes: P(k) ~ k^-SIZE_EXPONENT on this range
SIZE_EXPONENT = 2.0
TOWNS = 4  # town centres homes cluster around
TOWN_SD = 0.08  # spread of homes around a centre, as a share of the extent
UNIFORM_HOMES = 0.25  # homes anywhere in the extent
# Preferred hours (local): daytime while houses are empty, evening in the dark, a few at night.
HOURS = ((0.45, 12.5, 2.5), (0.40, 19.5, 2.0), (0.15, 2.0, 1.5))  # (share, mean, sd)
HABITS = 4  # habit phrases per offender
HABITS_USED = (2, 3)  # of which each narrative uses 2 or 3

# MO vocabularies, with rough shares of UK residential burglary.
MO: dict[str, dict[str, float]] = {
    "entry_point": {
        "front door": 0.22, "rear door": 0.25, "rear window": 0.12, "side window": 0.06,
        "front window": 0.07, "patio door": 0.12, "french doors": 0.05, "garage": 0.05,
        "side door": 0.04, "conservatory": 0.02,
    },
    "entry_method": {
        "forced lock": 0.14, "lock snapped": 0.18, "glass broken": 0.14, "unlocked": 0.16,
        "climbed through open window": 0.08, "door kicked in": 0.08, "frame jemmied": 0.12,
        "letterbox fishing": 0.05, "key used": 0.05,
    },
    "search_style": {
        "tidy": 0.20, "untidy": 0.30, "ransacked": 0.15, "targeted rooms": 0.15, "downstairs only": 0.10,
        "bedrooms only": 0.07, "no search": 0.03,
    },
    "premises_type": {
        "terraced house": 0.28, "semi-detached house": 0.25, "detached house": 0.10, "flat": 0.18,
        "maisonette": 0.05, "bungalow": 0.06, "end-terrace house": 0.05, "house in multiple occupation": 0.03,
    },
    "property_taken": {
        "jewellery": 0.20, "cash": 0.14, "electronics": 0.16, "car keys": 0.12, "laptop": 0.10,
        "bicycle": 0.07, "handbag": 0.06, "passports": 0.03, "tools": 0.05, "nothing taken": 0.07,
    },
}  # fmt: skip
# Habitual phrases (3 to 5 words) and filler (2 to 4 words): a narrative of 2-3 habits and one
# filler is 8 to 19 words.
HABIT_PHRASES = (
    "entered via rear garden", "climbed over rear fence", "used screwdriver on door",
    "used screwdriver on patio door", "wore gloves throughout", "face covered with hood",
    "knocked first to check occupancy", "searched bedrooms only", "emptied drawers onto floor",
    "took car from driveway", "left via same route", "cut the phone line", "disabled the alarm box",
    "stood on wheelie bin", "removed window beading", "smashed small pane near handle",
    "used garden tools found", "targeted jewellery boxes only", "ignored large electronics",
    "left rear door open", "moved furniture to block door", "drank from the fridge",
    "took keys from hallway", "checked under mattresses", "used a bag from house",
    "came through side alley", "entered while occupants asleep", "pulled off door handle",
    "drilled the euro cylinder", "used a wheelie bin to carry", "switched lights off inside",
    "left a shoe mark", "took only small items", "searched the kitchen first", "climbed onto flat roof",
    "forced the letterbox flap", "tried other doors first",
)  # fmt: skip
FILLER = (
    "victim at work", "house in darkness", "neighbour heard banging", "no cctv nearby",
    "dog barking reported", "victim away overnight", "occupants asleep upstairs", "found by cleaner",
    "reported next morning", "poor street lighting", "raining at the time", "during the school run",
    "no car on driveway", "alarm not set", "curtains left open", "parcel on doorstep",
)  # fmt: skip


def planted_series(
    n_crimes: int,
    seed: int = 0,
    *,
    solved_share: float = 0.6,
    series_share: float = 0.6,
    extent_m: float = 30_000.0,
    days: int = 730,
    origin: tuple[float, float] = (515_000.0, 165_000.0),
    start: str = "2023-01-01",
) -> pd.DataFrame:
    """``n_crimes`` residential burglaries, ``series_share`` of them by offenders with two or more,
    with the truth (``true_offender``, ``series_size``) beside what the record shows (``offender``,
    filled for ``solved_share`` of crimes). Same seed, same frame."""
    if n_crimes < 0:
        raise ValueError(f"n_crimes must be 0 or more, not {n_crimes}")
    for name, share in (("solved_share", solved_share), ("series_share", series_share)):
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, not {share}")
    if extent_m <= 0 or days < 1:
        raise ValueError("extent_m must be positive and days at least 1")
    rng = np.random.default_rng(seed)
    lo = np.asarray(origin, dtype=float)

    # Offenders: series offenders first, then one per background crime; crimes grouped by offender.
    sizes = _series_sizes(round(n_crimes * series_share), rng)
    sizes = np.concatenate([sizes, np.ones(n_crimes - int(sizes.sum()), dtype=np.int64)])
    owner = np.repeat(np.arange(len(sizes)), sizes)
    first = np.cumsum(sizes) - sizes
    home = _homes(len(sizes), lo, extent_m, rng)
    radius = np.where(sizes > 1, RADIUS_MEDIAN_M * rng.lognormal(0.0, RADIUS_SIGMA, len(sizes)), 0.0)
    hour = _preferred_hours(len(sizes), rng)

    # Place: around home, median distance = the radius (a 2-D normal's median radius is 1.1774 sd).
    sd = (radius / np.sqrt(2 * np.log(2)))[owner]
    xy = _reflect(home[owner] + rng.normal(size=(n_crimes, 2)) * sd[:, None], lo, extent_m)

    # Time: the true local wall time, then what the record shows (a minute or a window).
    day = np.floor(_days(sizes, owner, first, days, rng))
    hours = (hour[owner] + rng.normal(0.0, HOUR_SD, n_crimes)) % 24
    wall = np.datetime64(start, "m") + (day * 1440 + np.floor(hours * 60)).astype("timedelta64[m]")
    true = pd.DatetimeIndex(wall.astype("datetime64[ns]")).tz_localize(
        ZONE, ambiguous=np.ones(n_crimes, dtype=bool), nonexistent="shift_forward"
    )
    floor_min = np.datetime64(start, "m").astype(np.int64)  # nothing recorded before the start
    true_min = true.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[m]").astype(np.int64)
    true_min = np.maximum(true_min, floor_min)
    exact = rng.random(n_crimes) < EXACT_TIME
    length = rng.integers(WINDOW_MINUTES[0], WINDOW_MINUTES[1] + 1, n_crimes)
    t_from = np.where(
        exact, true_min, np.maximum(true_min - np.floor(rng.random(n_crimes) * length), floor_min)
    )
    t_to = np.where(exact, t_from, t_from + length)

    columns = {name: _mo(values, owner, len(sizes), rng) for name, values in MO.items()}
    columns["mo_text"] = _narratives(owner, len(sizes), rng)
    solved = rng.random(n_crimes) < solved_share
    labels = _numbered("OFF-", rng.permutation(len(sizes)) + 1)

    order = np.argsort(t_from, kind="stable")  # references in time order reveal nothing of series
    take = pa.array(order)
    true_offender = labels.take(pa.array(owner[order]))
    frame = {
        "crime_ref": _numbered("SYN/", np.arange(1, n_crimes + 1)),
        "category": _constant("burglary", n_crimes),
        "x": xy[order, 0],
        "y": xy[order, 1],
        "t_from": _utc(t_from[order]),
        "t_to": _utc(t_to[order]),
        **{name: values.take(take) for name, values in columns.items()},
        "offender": pc.if_else(pa.array(solved[order]), true_offender, ""),
        "true_offender": true_offender,
        "series_size": sizes[owner][order].astype(np.int64),
    }
    return pd.DataFrame(
        {k: pd.Series(v, dtype="str") if isinstance(v, pa.Array) else v for k, v in frame.items()}
    )


def to_rms_csv(crimes: pd.DataFrame, path: Path) -> Path:
    """Write ``crimes`` as the force RMS burglary extract that the bundled ``force_rms_burglary``
    mapping reads: local times, integer grid metres, and a named suspect on solved crimes (the same
    name and date of birth wherever an offender id recurs, as one nominal record would give)."""
    path = Path(path)
    n = len(crimes)
    t_from, t_to = crimes["t_from"], crimes["t_to"]
    suspect = _blank_as_null(crimes["offender"])
    forename, surname, dob = _suspects(crimes["offender"])
    named = pc.is_valid(suspect)
    table = {
        "crime_ref": pa.array(crimes["crime_ref"], pa.string()),
        "offence": _constant("Burglary", n),
        "offence_detail": _constant("Burglary - residential", n),
        "committed_from": _local_text(t_from),
        "committed_to": pc.if_else(pa.array((t_to == t_from).to_numpy(dtype=bool)), None, _local_text(t_to)),
        "easting": _metres(crimes["x"]),
        "northing": _metres(crimes["y"]),
        "address": _addresses(crimes["x"].to_numpy(), crimes["y"].to_numpy()),
        "status": _constant("Under investigation", n),
        **{name: _blank_as_null(crimes[name]) for name in MO},
        "mo_text": _blank_as_null(crimes["mo_text"]),
        "suspect_id": suspect,
        "suspect_forename": pc.if_else(named, forename, None),
        "suspect_surname": pc.if_else(named, surname, None),
        "suspect_dob": pc.if_else(named, dob, None),
    }
    pa_csv.write_csv(pa.table(table), path, pa_csv.WriteOptions(include_header=True, quoting_style="needed"))
    return path


# -- offenders --------------------------------------------------------------------------------


def _series_sizes(target: int, rng: np.random.Generator) -> np.ndarray:
    """Sizes (2..30, heavy-tailed) of series offenders whose crimes add up to ``target`` exactly."""
    if target < SIZES[0]:
        return np.zeros(0, dtype=np.int64)
    k = np.arange(SIZES[0], SIZES[1] + 1)
    p = k.astype(float) ** -SIZE_EXPONENT
    p /= p.sum()
    sizes = np.zeros(0, dtype=np.int64)
    while sizes.sum() < target:
        sizes = np.concatenate([sizes, rng.choice(k, size=int(target / (k @ p) * 1.1) + 8, p=p)])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), target) + 1].copy()
    sizes[-1] -= sizes.sum() - target
    if sizes[-1] == 1:  # one crime is no series: it joins an offender with room for it
        room = np.flatnonzero(sizes[:-1] < SIZES[1])
        sizes[room[0] if len(room) else 0] += 1
        sizes = sizes[:-1]
    return sizes


def _homes(n: int, lo: np.ndarray, extent: float, rng: np.random.Generator) -> np.ndarray:
    """Home points: around a few town centres, a share anywhere."""
    centres = lo + extent * (0.15 + 0.7 * rng.random((TOWNS, 2)))
    town = centres[rng.integers(TOWNS, size=n)] + rng.normal(size=(n, 2)) * TOWN_SD * extent
    anywhere = lo + extent * rng.random((n, 2))
    return _reflect(np.where((rng.random(n) < UNIFORM_HOMES)[:, None], anywhere, town), lo, extent)


def _preferred_hours(n: int, rng: np.random.Generator) -> np.ndarray:
    shares, means, sds = (np.array(c) for c in zip(*HOURS, strict=True))
    mode = rng.choice(len(HOURS), size=n, p=shares)
    return (means[mode] + rng.normal(size=n) * sds[mode]) % 24


def _reflect(v: np.ndarray, lo: np.ndarray, extent: float) -> np.ndarray:
    """Fold points back into [lo, lo + extent] (mirror at the edges): clipping would pile them on
    the boundary, dropping them would change the count."""
    v = np.mod(v - lo, 2 * extent)
    return lo + np.where(v > extent, 2 * extent - v, v)


def _days(
    sizes: np.ndarray, owner: np.ndarray, first: np.ndarray, days: int, rng: np.random.Generator
) -> np.ndarray:
    """Day (fractional, in [0, days)) of each crime: a series is a run of exponential gaps that
    starts uniformly where it fits, squeezed to fit when it is longer than the period."""
    if not len(owner):
        return np.zeros(0)
    gaps = rng.exponential(GAP_MEAN_DAYS, len(owner))
    gaps[first] = 0.0
    offset = np.cumsum(gaps)
    offset -= offset[first][owner]  # cumulative within each offender
    span = offset[first + sizes - 1]
    room = days * (1 - 1e-9)
    scale = np.where(span > room, room / np.maximum(span, 1e-12), 1.0)
    begin = rng.random(len(sizes)) * (room - span * scale)
    return begin[owner] + offset * scale[owner]


# -- MO ---------------------------------------------------------------------------------------


def _mo(values: dict[str, float], owner: np.ndarray, n_offenders: int, rng: np.random.Generator) -> pa.Array:
    """One MO column: the offender's own value ``PREFERRED`` of the time, else any; some blank."""
    p = np.fromiter(values.values(), dtype=float)
    p /= p.sum()
    own = rng.choice(len(p), size=n_offenders, p=p)[owner]
    idx = np.where(rng.random(len(owner)) < PREFERRED, own, rng.choice(len(p), size=len(owner), p=p))
    idx[rng.random(len(owner)) < MISSING] = len(p)
    return pa.array([*values, ""]).take(pa.array(idx))


def _narratives(owner: np.ndarray, n_offenders: int, rng: np.random.Generator) -> pa.Array:
    """Free-text MO: 2 or 3 of the offender's habit phrases, in any order, and a filler phrase,
    so that two crimes of one offender share some phrases but seldom all."""
    n = len(owner)
    habits = _distinct(n_offenders, HABITS, len(HABIT_PHRASES), rng)
    pick = np.argsort(rng.random((n, HABITS)), axis=1)[:, : HABITS_USED[1]]
    chosen = np.take_along_axis(habits[owner], pick, axis=1)
    phrases = pa.array(HABIT_PHRASES)
    first, second, third = (phrases.take(pa.array(chosen[:, j])) for j in range(HABITS_USED[1]))
    third = pc.if_else(pa.array(rng.random(n) < 0.5), third, None)  # two habits or three
    habitual = pc.binary_join_element_wise(first, second, third, ", ", null_handling="skip")
    filler = pa.array(FILLER).take(pa.array(rng.integers(len(FILLER), size=n)))
    return pc.if_else(
        pa.array(rng.random(n) < 0.3),
        pc.binary_join_element_wise(filler, habitual, ", "),
        pc.binary_join_element_wise(habitual, filler, ", "),
    )


def _distinct(rows: int, k: int, pool: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct numbers from ``range(pool)`` per row, uniformly: draw among those still
    unused, then step past the ones taken (in ascending order). No (rows, pool) matrix."""
    picks = np.zeros((rows, k), dtype=np.int64)
    for j in range(k):
        r = rng.integers(0, pool - j, size=rows)
        for taken in np.sort(picks[:, :j], axis=1).T:
            r += r >= taken
        picks[:, j] = r
    return picks


# -- the RMS extract --------------------------------------------------------------------------


def _utc(minutes: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(minutes.astype("datetime64[m]").astype("datetime64[ns]")).tz_localize("UTC")


def _numbered(prefix: str, numbers: np.ndarray) -> pa.Array:
    """``prefix`` and zero-padded numbers (at least six digits): SYN/000001, OFF-000123."""
    width = max(6, len(str(int(numbers.max())))) if len(numbers) else 6
    digits = pc.utf8_lpad(pa.array(numbers, pa.int64()).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _constant(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _local_text(times: pd.Series) -> pa.Array:
    """UTC instants as an RMS shows them: local wall time to the minute."""
    local = times.dt.tz_convert(ZONE).dt.tz_localize(None)
    return pc.strftime(pa.array(local, pa.timestamp("ns")), format="%d/%m/%Y %H:%M")


def _metres(values: pd.Series) -> pa.Array:
    return pa.array(np.round(values.to_numpy(dtype=float)).astype(np.int64).astype(str), pa.string())


def _blank_as_null(values: pd.Series) -> pa.Array:
    """Blank text as a null, which the CSV writer leaves as an empty, unquoted field."""
    column = pa.array(values, pa.string())
    return pc.if_else(pc.equal(column, ""), None, column)


def _hash(values: np.ndarray) -> np.ndarray:
    """A stable 64-bit hash (pandas' fixed-key SipHash): the same value, the same number, any run."""
    return pd.util.hash_array(np.asarray(values))


def _suspects(ids: pd.Series) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Forename, surname and date of birth drawn from each offender id's hash: one id, one name."""
    h = _hash(ids.to_numpy(dtype=object))
    male, female, surnames = (
        pa.array([n.title() for n in names])
        for names in (vocab.MALE_FORENAMES, vocab.FEMALE_FORENAMES, vocab.SURNAMES)
    )
    forename = pc.if_else(
        pa.array(h % 100 < 12),  # most burglary suspects are men
        female.take(pa.array((h >> 8) % len(female))),
        male.take(pa.array((h >> 8) % len(male))),
    )
    surname = surnames.take(pa.array((h >> 24) % len(surnames)))
    born = np.datetime64("1958-01-01") + ((h >> 40) % (45 * 365)).astype("timedelta64[D]")
    dob = pc.strftime(pa.array(born.astype("datetime64[s]"), pa.timestamp("s")), format="%d/%m/%Y")
    return forename, surname, dob


def _addresses(x: np.ndarray, y: np.ndarray) -> pa.Array:
    """A house number and street: the street from the 250 m square the crime is in (neighbours
    share streets), the number from the exact metres (one place, one address)."""
    ex, ny = np.round(x).astype(np.int64), np.round(y).astype(np.int64)
    cell = _hash((ex // 250) * 1_000_003 + ny // 250)
    streets = pa.array([s.title() for s in vocab.STREETS]).take(pa.array(cell % len(vocab.STREETS)))
    kinds = pa.array([t.title() for t in vocab.STREET_TYPES])
    kinds = kinds.take(pa.array((cell >> 20) % len(kinds)))
    number = pa.array(_hash(ex * 1_000_003 + ny) % 180 + 1).cast(pa.string())
    return pc.binary_join_element_wise(number, streets, kinds, " ")
