"""The search benchmark's corpus: true people seen in records of six source systems, bulk-loaded
straight into a POLE store, with the truth stored as resolved entities.

Ingest parses, validates and versions every row, which is what makes 5,000,000 records slow to
load, and the search benchmark measures searching, not loading. So this module writes the rows the
ingest writer would write for ``peelian synth nominals`` output (the same ids, natural keys,
provenance columns and word index), and stores who is who as resolve entities and members, so that
a search result can be scored against the truth. It skips ``source_records`` and the anonymous map
points ingest adds to ``locations`` (``events.location_id`` stays empty): search, profiles and
resolution read neither.

    python -m benchmarks.search_corpus sqlite:////tmp/corpus.db --persons 100000 --records 500000

Who people are (names, dates of birth, phones, aliases, vehicles) comes from
``peelian.synth.people``; their homes and every event are in London. Each record is a person row
of its own, as each custody detainee id or crime nominal id is, with the errors its system makes:
typos, nicknames, initials, swapped names, false names, day/month swaps, slipped digits, partial
or missing dates of birth, old addresses after a move, mistyped postcodes, phones and plates
written differently. A system's vehicle records are keyed by the plate as recorded, as ingest keys
them; where two true vehicles give one spelling, the first one seen owns the record.

1,000,000 people and 5,000,000 records take about seven minutes on two cores, on either backend.
"""

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby, repeat
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, text, update

from benchmarks.common import peak_rss_mb
from peelian.db import make_engine, schema, upgrade
from peelian.db.bulk import BulkOps, bulk_ops, wire_datetimes
from peelian.geo.crs import projector
from peelian.pole.ids import content_hashes, entity_ids
from peelian.pole.queries import LONGEST_WINDOW_KEY
from peelian.pole.search import BODY_COLUMNS, index_new_events
from peelian.synth import vocab
from peelian.synth.noise import (
    corrupt,
    misread_plate,
    mistype_plate,
    nickname,
    phonetic,
    postcode_typo,
    slip_digit,
    swap_day_month,
    typo,
)
from peelian.synth.people import NEVER, Population, population
from peelian.synth.records import draw, or_blank, title

CRS = "EPSG:27700"
SYSTEMS = ("synth.custody", "synth.crime", "synth.intel", "synth.stops", "synth.anpr", "synth.vetting")
CUSTODY, CRIME, INTEL, STOPS, ANPR, VETTING = range(len(SYSTEMS))
CHUNK = 200_000  # records made and inserted at a time: a few hundred MB of rows in memory
CHUNKS_PER_COMMIT = 5
LOADED = ("persons", "events", "objects", "links", "resolve_entities", "resolve_members")
REDUNDANT_TRIGGER = "events_search_insert"  # migration 0008's: index_new_events does its work in bulk
SQLITE_CACHE_KIB = 1 << 20  # a page cache that holds most of the growing primary-key indexes
PG_INDEX_MEMORY = "1GB"  # for each index built after the load
BY = "benchmarks.search_corpus"  # who "trained" and "ran" the truth's resolve models and runs
START, END = np.datetime64("2015-01-01T00:00:00", "s"), np.datetime64("2025-01-01T00:00:00", "s")
FIRST_RECORD_AGE = np.timedelta64(14 * 365, "D")

# Which systems see a person, by activity (synth.people: ordinary, offender, prolific): most people
# are only ever a victim, a vehicle keeper or an applicant; offenders are detained, named, stopped.
SHARES = np.array([
    # custody crime intel stops anpr vetting
    [0.02, 0.22, 0.02, 0.06, 0.60, 0.08],
    [0.20, 0.20, 0.12, 0.16, 0.30, 0.02],
    [0.25, 0.20, 0.15, 0.13, 0.27, 0.00],
])  # fmt: skip
RECORD_WEIGHT = (1.0, 4.0, 20.0)  # relative number of records, by activity
RECORD_SPREAD = 0.8  # lognormal sigma around it: most people have 1-3 records, a few hundreds
SUSPECT = (0.1, 0.8, 0.9)  # crime records naming the person as suspect (else victim), by activity
IN_VEHICLE = {STOPS: 0.45, CRIME: 0.4}  # records of a vehicle keeper that name the vehicle too
MOVED = 0.4  # people who moved house since 2015: earlier records hold the old address
FLAT = 0.12
HOME_SPREAD_M, PLACE_SPREAD_M = 1800.0, 2500.0  # homes, and crimes, stops and logs, around a centre
CRIME_WINDOW = 0.3  # crimes known only to lie between two times (precision "range")
DAY = np.timedelta64(86_400, "s")
OTHER_PHONE_STYLE = 0.15  # phones written in another style than the system's own
MISREAD = 0.06  # ANPR reads with a look-alike character (O/0, I/1, B/8)
PLATE_TYPO = 0.04  # registrations typed with no space, O for 0, or a slipped key
RESPACED = 0.04  # registrations typed with the space in the wrong place
ANPR_NO_MAKE = 0.1  # reads where the camera recognised no make
WARNINGS = ("VIOLENT", "WEAPONS", "DRUGS", "SELF-HARM", "MENTAL HEALTH", "ESCAPE RISK", "FIREARMS",
            "SUICIDAL")  # fmt: skip
WARNING_ODDS = np.array([0.5, 0.3, 0.45, 0.15, 0.2, 0.1, 0.05, 0.1])
WARNED = (0.01, 0.4, 0.7)  # people with warning markers, by activity

# London boroughs in ONS code order (E09000001, ...): rough centre in British National Grid
# metres, four postcode districts, and the custody suite that serves it with its borough code.
BOROUGHS = (
    ("City of London", 532500, 181300, ("EC1", "EC2", "EC3", "EC4"), "Bishopsgate", "CL"),
    ("Barking and Dagenham", 547500, 184500, ("IG11", "RM8", "RM9", "RM10"), "Barking", "KG"),
    ("Barnet", 524000, 193000, ("N3", "NW4", "NW7", "EN5"), "Colindale", "SX"),
    ("Bexley", 549000, 175000, ("DA5", "DA6", "DA7", "DA15"), "Bexleyheath", "RY"),
    ("Brent", 520500, 185000, ("NW10", "HA0", "NW2", "HA9"), "Wembley", "QK"),
    ("Bromley", 542000, 167000, ("BR1", "BR2", "BR3", "BR6"), "Bromley", "PY"),
    ("Camden", 528000, 184500, ("NW1", "NW3", "NW5", "WC1"), "Holborn", "EK"),
    ("Croydon", 533000, 165000, ("CR0", "CR2", "CR7", "SE25"), "Croydon", "ZD"),
    ("Ealing", 516000, 181000, ("W5", "W13", "UB1", "W3"), "Acton", "XS"),
    ("Enfield", 533000, 197000, ("EN1", "EN3", "N9", "N13"), "Edmonton", "YE"),
    ("Greenwich", 542000, 177000, ("SE10", "SE18", "SE9", "SE3"), "Plumstead", "RG"),
    ("Hackney", 534500, 185000, ("E8", "E5", "N16", "E9"), "Stoke Newington", "GN"),
    ("Hammersmith and Fulham", 523500, 178500, ("W6", "W12", "SW6", "W14"), "Hammersmith", "FH"),
    ("Haringey", 531500, 189500, ("N15", "N17", "N8", "N22"), "Tottenham", "YR"),
    ("Harrow", 515500, 189000, ("HA1", "HA2", "HA3", "HA5"), "Harrow", "QA"),
    ("Havering", 554000, 188000, ("RM1", "RM3", "RM7", "RM12"), "Romford", "KD"),
    ("Hillingdon", 508000, 183000, ("UB8", "UB10", "HA4", "UB3"), "Heathrow", "XH"),
    ("Hounslow", 512000, 175500, ("TW3", "TW4", "W4", "TW7"), "Hounslow", "TX"),
    ("Islington", 531000, 185000, ("N1", "N7", "N19", "EC1"), "Islington", "NI"),
    ("Kensington and Chelsea", 526500, 179000, ("SW3", "SW5", "W8", "W11"), "Notting Hill", "BS"),
    ("Kingston upon Thames", 519000, 167500, ("KT1", "KT2", "KT3", "KT6"), "Kingston", "VK"),
    ("Lambeth", 530500, 175000, ("SE11", "SW2", "SW9", "SE27"), "Brixton", "LX"),
    ("Lewisham", 537500, 173500, ("SE4", "SE6", "SE13", "SE23"), "Lewisham", "PL"),
    ("Merton", 525500, 169500, ("SW19", "SW20", "CR4", "SM4"), "Wimbledon", "VW"),
    ("Newham", 541000, 183000, ("E6", "E7", "E13", "E15"), "Forest Gate", "KF"),
    ("Redbridge", 543000, 189000, ("IG1", "IG2", "IG4", "IG6"), "Ilford", "JI"),
    ("Richmond upon Thames", 517500, 172500, ("TW9", "TW10", "TW1", "SW14"), "Twickenham", "TW"),
    ("Southwark", 533000, 177000, ("SE1", "SE15", "SE5", "SE16"), "Walworth", "MD"),
    ("Sutton", 526000, 163500, ("SM1", "SM2", "SM3", "SM5"), "Sutton", "ZT"),
    ("Tower Hamlets", 536000, 181500, ("E1", "E2", "E3", "E14"), "Bethnal Green", "HT"),
    ("Waltham Forest", 537500, 189500, ("E17", "E10", "E11", "E4"), "Leyton", "JC"),
    ("Wandsworth", 526000, 174000, ("SW11", "SW18", "SW17", "SW15"), "Wandsworth", "WW"),
    ("Westminster", 529000, 180000, ("W1", "SW1", "NW8", "W2"), "Charing Cross", "CX"),
)
BOROUGH = np.array([b[0] for b in BOROUGHS], dtype=object)
AREA_CODE = np.array([f"E09{i:06d}" for i in range(1, len(BOROUGHS) + 1)], dtype=object)
CENTRE_X, CENTRE_Y = (np.array([b[k] for b in BOROUGHS], dtype=float) for k in (1, 2))
DISTRICTS = np.array([b[3] for b in BOROUGHS], dtype=object)
SUITE = np.array([f"{b[4]} custody suite" for b in BOROUGHS], dtype=object)
SUITE_CODE = np.array([f"{b[5]}/" for b in BOROUGHS], dtype=object)
UNIT = np.array([f"{i:02d}/" for i in range(1, len(BOROUGHS) + 1)], dtype=object)  # crime refs' first part
BOX = ((500_000.0, 560_000.0), (155_000.0, 200_000.0))  # London: eastings, northings
ROADS = np.array(["A1", "A2", "A3", "A4", "A10", "A12", "A13", "A20", "A23", "A24", "A40", "A205", "A406",
                  "M25"], dtype=object)  # fmt: skip
CAMERAS_PER_BOROUGH = 6
CAMERA_IDS = np.array([f"MP{k:04d}" for k in range(len(BOROUGHS) * CAMERAS_PER_BOROUGH)], dtype=object)

CUSTODY_OUTCOMES = ("Charged", "Released under investigation", "Bailed", "No further action", "Cautioned")
VETTING_LEVELS = ("Recruitment vetting", "Non-police personnel vetting", "Management vetting", "CTC")
VETTING_OUTCOMES = ("Cleared", "Cleared with conditions", "Refused", "Withdrawn")
# Modus operandi, "how; then": for crimes against property, and against the person.
PROPERTY_CRIMES = ("Burglary - residential", "Theft of motor vehicle", "Theft from motor vehicle",
                   "Criminal damage")  # fmt: skip
MO_PROPERTY = (
    ("entry via rear window", "entry via front door", "entry via patio door", "entry via kitchen window",
     "entry via side gate", "entry via garage door"),
    ("forced with a screwdriver", "lock snapped", "glass smashed with a brick", "jemmied with a crowbar",
     "found insecure"),
    ("cash and jewellery taken", "car keys taken from hallway", "laptop and phones taken",
     "rooms searched, nothing taken", "made off in a dark hatchback"),
)  # fmt: skip
MO_PERSON = (
    ("suspect approached victim from behind", "suspect approached on a moped",
     "suspects approached in a group", "suspect waited outside victim's address",
     "suspect approached victim at a bus stop"),
    ("punched victim to the face", "threatened victim with a knife", "pushed victim to the ground",
     "made threats to kill", "demanded phone and wallet"),
    ("made off on foot", "made off on a moped", "fled in a grey saloon", "victim's phone taken",
     "CCTV outside"),
)  # fmt: skip
NOTES = (
    ("Subject believed to be", "Source reports subject is", "Intelligence suggests subject is"),
    ("supplying class A drugs", "running a county line", "storing weapons for others",
     "handling stolen goods", "committing burglaries", "collecting drug debts with violence",
     "moving drugs in a hire car"),
    ("in the evenings", "at weekends", "most days", "late at night"),
)  # fmt: skip

# A mobile, 07700900123, as systems write it.
PHONE_STYLES: tuple[Callable[[str], str], ...] = (
    lambda p: p,
    lambda p: f"{p[:5]} {p[5:]}",
    lambda p: f"+44 {p[1:5]} {p[5:]}",
    lambda p: f"{p[:5]} {p[5:8]} {p[8:]}",
    lambda p: f"+44{p[1:]}",
)


@dataclass(frozen=True)
class Profile:
    """How one source system records a person: its keys, formats and error rates."""

    event_type: str
    ref: str  # namespace of its events' natural keys (crime:01/123456/24)
    person_ref: str  # prefix of its own person ids (person:N0000001)
    role: str  # the person's role in its events
    names: str  # how it writes names: custody, title, street, full, keeper, applicant
    phone_style: int = 0
    phone: float = 0.0  # records giving the person's phone
    email: float = 0.0
    pnc: float = 0.0  # records holding the PNC id, of people who have one
    aliases: float = 0.0  # records listing known false names, of people who have them
    warnings: float = 0.0  # records carrying warning markers, of people who have them
    alias_name: float = 0.0  # records made out in the false name
    nickname: float = 0.0
    phonetic: float = 0.0
    typo: float = 0.0  # in the forename, and separately in the surname
    initial: float = 0.0  # forename only as its initial
    swapped: float = 0.0  # forename and surname exchanged
    dob_missing: float = 0.0
    dob_partial: float = 0.0  # month and year, or the year, known
    dob_swap: float = 0.0
    dob_slip: float = 0.0
    address_missing: float = 0.0
    postcode_typo: float = 0.0
    gender: bool = True


PROFILES = (  # in SYSTEMS order; rates follow those of peelian.synth's systems
    Profile("custody", "custody", "DN", "detained", "custody", phone_style=1, phone=0.7, pnc=1.0, aliases=0.4,
            warnings=0.8, alias_name=0.05, typo=0.01, dob_slip=0.005, postcode_typo=0.01),
    Profile("crime", "crime", "N", "suspect", "title", phone_style=2, phone=0.6, email=0.3, pnc=0.6,
            nickname=0.2, typo=0.05, initial=0.03, dob_missing=0.2, dob_slip=0.02, address_missing=0.05,
            postcode_typo=0.03),
    Profile("intelligence", "intel", "SUB", "subject", "full", phone=0.5, pnc=0.3, aliases=0.5, warnings=0.3,
            alias_name=0.15, nickname=0.25, typo=0.05, initial=0.05, swapped=0.03, dob_missing=0.3,
            dob_partial=0.25, dob_swap=0.08, address_missing=0.3, gender=False),
    Profile("stop", "stop", "SP", "stopped", "street", phone_style=3, phone=0.3, nickname=0.1, phonetic=0.2,
            typo=0.12, swapped=0.04, dob_missing=0.05, dob_slip=0.08, address_missing=0.1, postcode_typo=0.1),
    Profile("sighting", "anpr", "KP", "keeper", "keeper", dob_missing=1.0, gender=False),
    Profile("report", "vetting", "APP", "applicant", "applicant", phone_style=4, phone=0.95, email=0.95,
            typo=0.005),
)  # fmt: skip


@dataclass(frozen=True)
class Query:
    """One search a researcher types, and the entity it should find: the person's (``pp_``), or for
    ``plate`` and ``plate_partial`` the vehicle's (``pv_``)."""

    text: str
    kind: str
    expected_entity: str


@dataclass(frozen=True)
class Corpus:
    """What ``build`` wrote, so that the benchmark needs not read the store back: rows per table,
    and the true people who have records, one row each: ``entity_id``, ``forename``, ``surname``,
    ``dob``, ``postcode``, ``phone`` (07...), ``vrm`` and ``vehicle_entity`` (None without a
    vehicle on record), ``record_id`` (the person row of their latest record) and ``records``.
    Surname and postcode are as last recorded: a surname before marriage, a home before a move."""

    url: str
    persons: int
    records: int
    seed: int
    counts: dict[str, int]
    people: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class _Homes:
    borough: np.ndarray
    address: np.ndarray  # "FLAT 3, 12 OAK ROAD"
    postcode: np.ndarray
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class _Truth:
    pop: Population
    home: _Homes
    old: _Homes  # the home before ``moved_on``
    moved_on: np.ndarray
    warnings: np.ndarray  # "VIOLENT; DRUGS", or ""
    entity: np.ndarray  # pp_ id per person
    vehicle_entity: np.ndarray  # pv_ id per vehicle
    vehicle_of: np.ndarray  # vehicle index per person, -1 for none

    def home_at(self, person: np.ndarray, when: np.ndarray) -> _Homes:
        """Each person's home on ``when``: the old one before their move."""
        before = when.astype("datetime64[D]") < self.moved_on[person]
        old, new = vars(self.old), vars(self.home)
        return _Homes(**{k: np.where(before, old[k][person], new[k][person]) for k in new})


@dataclass(frozen=True)
class _Records:
    """Every record, numbers only, ordered by system and time: who, when, and what it names."""

    person: np.ndarray
    system: np.ndarray
    when: np.ndarray  # datetime64[s], UTC
    victim: np.ndarray  # crime records naming the person as victim
    vehicle: np.ndarray  # vehicle named, -1 for none
    starts: np.ndarray  # first record of each system, and the total

    def count(self, system: int) -> int:
        return int(self.starts[system + 1] - self.starts[system])


@dataclass
class _Tally:
    """What the load has made so far."""

    rows: Counter = field(default_factory=Counter)  # by table
    longest_s: int = 0  # the longest event window
    seen_objects: dict[str, int] = field(default_factory=dict)  # vehicle object id -> true vehicle
    stats: dict[str, dict] = field(default_factory=dict)  # per entity type, for its resolve run


# -- the truth -----------------------------------------------------------------------------------


def _truth(persons: int, seed: int) -> _Truth:
    rng = np.random.default_rng([seed, 0])
    pop = population(persons, rng)
    days = int((END - START) // np.timedelta64(1, "D"))
    move_day = START.astype("datetime64[D]") + rng.integers(0, days, persons).astype("timedelta64[D]")
    return _Truth(
        pop=pop,
        home=_homes(persons, rng),
        old=_homes(persons, rng),
        moved_on=np.where(rng.random(persons) < MOVED, move_day, NEVER),
        warnings=_warnings(pop.activity, rng),
        entity=_entity_ids("pp_", len(pop), seed),
        vehicle_entity=_entity_ids("pv_", len(pop.vehicles.vid), seed + 1),
        vehicle_of=pop.vehicle_of(np.arange(persons)),
    )


def _homes(n: int, rng: np.random.Generator) -> _Homes:
    borough = rng.integers(len(BOROUGHS), size=n)
    x = np.clip(CENTRE_X[borough] + rng.normal(0, HOME_SPREAD_M, n), *BOX[0]).round()
    y = np.clip(CENTRE_Y[borough] + rng.normal(0, HOME_SPREAD_M, n), *BOX[1]).round()
    street = draw(vocab.STREETS, n, rng) + " " + draw(vocab.STREET_TYPES, n, rng)
    number = _text(rng.integers(1, 181, n))
    flat = np.where(rng.random(n) < FLAT, "FLAT " + _text(rng.integers(1, 13, n)) + ", ", "")
    letters = _letters(vocab.INWARD_LETTERS, n, rng) + _letters(vocab.INWARD_LETTERS, n, rng)
    postcode = DISTRICTS[borough, rng.integers(4, size=n)] + " " + _text(rng.integers(10, size=n)) + letters
    return _Homes(borough, flat + number + " " + street, postcode, x, y)


def _warnings(activity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Warning markers per person, "; "-separated: none for most, one to a few for offenders."""
    bits = rng.random((len(activity), len(WARNINGS))) < WARNING_ODDS
    bits[:, 0] |= ~bits.any(axis=1)  # someone marked at all is marked with something
    masks = bits.astype(np.int64) @ (1 << np.arange(len(WARNINGS)))
    every = range(1 << len(WARNINGS))
    names = np.array(
        ["; ".join(w for j, w in enumerate(WARNINGS) if m >> j & 1) for m in every], dtype=object
    )
    return np.where(rng.random(len(activity)) < np.take(WARNED, activity), names[masks], "")


def _entity_ids(prefix: str, count: int, salt: int) -> np.ndarray:
    """Twelve hex digits per entity, the entity's number scrambled by steps that each map 48-bit
    numbers one to one (odd multipliers, xor with a right shift): unique by construction and the same
    for a seed, where a hash that short could collide among millions."""
    mask = np.uint64((1 << 48) - 1)
    x = (np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B97F4B) + np.uint64(salt)) & mask
    for shift, odd in ((23, 0xBF58476D1CE5), (21, 0x94D049BB1331)):
        x = ((x ^ (x >> np.uint64(shift))) * np.uint64(odd)) & mask
    return np.array([f"{prefix}{v:012x}" for v in x.tolist()], dtype=object)


# -- records -------------------------------------------------------------------------------------


def _records(truth: _Truth, records: int, seed: int) -> _Records:
    rng = np.random.default_rng([seed, 1])
    activity = truth.pop.activity
    person = np.repeat(np.arange(len(activity), dtype=np.int32), _counts(activity, records, rng))
    system = _systems(activity[person], truth.vehicle_of[person] >= 0, rng)
    when = _times(truth.pop.dob[person], rng)
    order = np.lexsort((when, system))
    person, system, when = person[order], system[order], when[order]
    victim = (system == CRIME) & (rng.random(len(person)) >= np.take(SUSPECT, activity[person]))
    carried = np.select([system == ANPR, system == STOPS, (system == CRIME) & ~victim],
                        [1.0, IN_VEHICLE[STOPS], IN_VEHICLE[CRIME]], 0.0)  # fmt: skip
    vehicle = np.where(rng.random(len(person)) < carried, truth.vehicle_of[person], -1)
    return _Records(
        person, system, when, victim, vehicle, np.searchsorted(system, np.arange(len(SYSTEMS) + 1))
    )


def _counts(activity: np.ndarray, records: int, rng: np.random.Generator) -> np.ndarray:
    """Records per person, summing to ``records``: at least one each where there are enough, the
    rest skewed by activity and a long-tailed spread."""
    base = 1 if records >= len(activity) else 0
    weight = np.take(RECORD_WEIGHT, activity) * rng.lognormal(0.0, RECORD_SPREAD, len(activity))
    return base + rng.multinomial(records - base * len(activity), weight / weight.sum())


def _systems(activity: np.ndarray, keeps_vehicle: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The system of each record; only vehicle keepers turn up in ANPR."""
    out = np.empty(len(activity), dtype=np.int8)
    for level, shares in enumerate(SHARES):
        for keeper in (False, True):
            rows = np.flatnonzero((activity == level) & (keeps_vehicle == keeper))
            p = shares if keeper else np.where(np.arange(len(SYSTEMS)) == ANPR, 0.0, shares)
            out[rows] = rng.choice(len(SYSTEMS), size=len(rows), p=p / p.sum())
    return out


def _times(dob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A moment between 2015 and 2024, once the person is old enough to be on record."""
    earliest = np.maximum(START, (dob + FIRST_RECORD_AGE).astype("datetime64[s]"))
    earliest = np.minimum(earliest, END - np.timedelta64(365, "D"))
    return earliest + (rng.random(len(dob)) * (END - earliest).astype(np.int64)).astype("timedelta64[s]")


# -- one chunk of one system's records as store rows -------------------------------------------


class _Chunk:
    """A slice of one system's records, and the rows they give in every table."""

    def __init__(self, truth: _Truth, recs: _Records, system: int, rows: slice, rng: np.random.Generator):
        self.truth, self.system, self.rng = truth, system, rng
        self.name, self.profile = SYSTEMS[system], PROFILES[system]
        self.person, self.when = recs.person[rows], recs.when[rows]
        self.victim, self.vehicle = recs.victim[rows], recs.vehicle[rows]
        self.seq = np.arange(rows.start, rows.stop) - recs.starts[system]
        self.width = max(6, len(str(recs.count(system))))  # of the serial in the system's references
        self.n = len(self.person)
        self.home = truth.home_at(self.person, self.when)
        self.place = EVENTS[system](self)
        self.keys = self.profile.ref + ":" + self.place["natural_key"]
        self.event_ids = _ids("event", self.name, self.keys)
        self.person_keys = _person_keys(system, self.seq)
        self.person_ids = _ids("person", self.name, self.person_keys)

    def rows(self, tally: _Tally, now: str, dialect: str, runs: dict[str, int]) -> "_Rows":
        """Every row of the chunk in wire form, and the events' frame for the word index."""
        events, frame = self.events(now, dialect)
        objects, vehicle_members, vehicle_links = self.vehicles(tally, now, runs["vehicle"])
        members = {"entity_type": "person", "record_id": self.person_ids, "since": now,
                   "entity_id": self.truth.entity[self.person], "run_id": runs["person"]}  # fmt: skip
        role = np.where(self.victim, "victim", self.profile.role).astype(object)
        person_links = self.links(
            [("person", self.person_ids, role, "event", self.event_ids, slice(None))], now
        )
        tables = [_wire(table, columns) for table, columns in (
            (schema.events, events), (schema.persons, self.persons(now)), (schema.objects, objects),
            (schema.links, person_links), (schema.links, vehicle_links), (schema.resolve_members, members),
            (schema.resolve_members, vehicle_members),
        )]  # fmt: skip
        for table, _, values in tables:
            tally.rows[table.name] += len(values)
        window = (frame["time_to"] - frame["time_from"]).max() // pd.Timedelta(seconds=1)
        tally.longest_s = max(tally.longest_s, int(window))
        return _Rows(frame, tables)

    def draw(self, options: tuple[str, ...]) -> np.ndarray:
        return draw(options, self.n, self.rng)

    def chance(self, rate: float) -> np.ndarray:
        return self.rng.random(self.n) < rate

    # persons

    def persons(self, now: str) -> dict[str, Any]:
        """The chunk's person rows: one per record, keyed by the system's own id for the person."""
        forename, surname = self.names()
        dob, partial = self.births()
        columns = {
            "id": self.person_ids, "source_system": self.name, "natural_key": self.person_keys,
            "source_key": self.keys, "source_version": 1, "dob": dob, "ingested_at": now,
            "attributes": _json_rows(self.contacts() | {"dob_partial": partial}),
        }  # fmt: skip
        if self.profile.gender:
            columns["gender"] = np.where(self.truth.pop.female[self.person], "female", "male").astype(object)
        if self.profile.names == "full":  # one field, "SURNAME, Forename" or "Forename SURNAME"
            columns["full_name"] = np.where(
                self.chance(0.6), surname + ", " + forename, forename + " " + surname
            )
        else:
            columns |= {"forename": forename, "surname": surname, "full_name": forename + " " + surname}
        return columns

    def names(self) -> tuple[np.ndarray, np.ndarray]:
        """Forename and surname as this system writes them, errors included."""
        p, pop, prof, rng = self.person, self.truth.pop, self.profile, self.rng
        false = (pop.alias_forename[p] != "") & self.chance(prof.alias_name)
        forename = np.where(false, pop.alias_forename[p], pop.forename[p])
        surname = np.where(false, pop.alias_surname[p], pop.surname_at(p, self.when))
        forename = corrupt(corrupt(forename, prof.nickname, nickname, rng), prof.phonetic, phonetic, rng)
        surname = corrupt(surname, prof.phonetic, phonetic, rng)
        forename, surname = corrupt(forename, prof.typo, typo, rng), corrupt(surname, prof.typo, typo, rng)
        forename = np.where(self.chance(prof.initial), _slice(forename, 0, 1), forename)
        swapped = self.chance(prof.swapped)
        forename, surname = np.where(swapped, surname, forename), np.where(swapped, forename, surname)
        if prof.names in ("keeper", "applicant"):  # forename and middle names in one field
            forename = _joined(forename, pop.middle[p])
        if prof.names == "keeper":  # the DVLA's capitals
            return forename, surname
        if prof.names in ("custody", "full"):  # SURNAME, Forename
            return title(forename), surname
        forename, surname = title(forename), title(surname)
        if prof.names == "street":  # some officers type everything in lower case
            lower = self.chance(0.1)
            forename, surname = (
                np.where(lower, _lower(forename), forename),
                np.where(lower, _lower(surname), surname),
            )
        return forename, surname

    def births(self) -> tuple[np.ndarray, np.ndarray]:
        """Date of birth as ISO text (None where unknown), and what is known of a partial one."""
        prof, rng = self.profile, self.rng
        dob = _date_errors(self.truth.pop.dob[self.person], prof.dob_swap, swap_day_month, rng)
        dob = _date_errors(dob, prof.dob_slip, slip_digit, rng)
        iso = np.datetime_as_string(dob, unit="D").astype(object)
        kind = rng.random(self.n)
        missing = kind < prof.dob_missing
        partial = (kind >= prof.dob_missing) & (kind < prof.dob_missing + prof.dob_partial)
        year = _slice(iso, 0, 4)
        known = np.where(self.chance(0.6), _slice(iso, 5, 7) + "/" + year, year)  # 03/1987, or 1987
        return np.where(missing | partial, None, iso), np.where(partial, known, None)

    def contacts(self) -> dict[str, np.ndarray]:
        """The attributes a mapped source gives a person ("" for none), with this system's errors."""
        p, pop, prof, home, rng = self.person, self.truth.pop, self.profile, self.home, self.rng
        given = ~self.chance(prof.address_missing)
        phone = pop.phone[p]
        if self.system == INTEL:  # logs often hold the second, pay-as-you-go number
            phone = np.where((pop.phone2[p] != "") & self.chance(0.5), pop.phone2[p], phone)
        alias = np.where(
            pop.alias_forename[p] != "", title(_joined(pop.alias_forename[p], pop.alias_surname[p])), ""
        )
        return {
            "address": np.where(given, home.address if prof.names == "keeper" else title(home.address), ""),
            "postcode": np.where(given, corrupt(home.postcode, prof.postcode_typo, postcode_typo, rng), ""),
            "town": np.where(given, BOROUGH[home.borough], ""),
            "phone": np.where(self.chance(prof.phone), self.phones(phone), ""),
            "email": np.where(self.chance(prof.email), pop.email[p], ""),
            "pnc_id": np.where(self.chance(prof.pnc), pop.pnc[p], ""),
            "aliases": np.where(self.chance(prof.aliases), alias, ""),
            "warnings": np.where(self.chance(prof.warnings), self.truth.warnings[p], ""),
        }  # fmt: skip

    def phones(self, numbers: np.ndarray) -> np.ndarray:
        other = self.rng.integers(len(PHONE_STYLES), size=self.n)
        style = np.where(self.chance(OTHER_PHONE_STYLE), other, self.profile.phone_style).tolist()
        return np.array(
            [PHONE_STYLES[s](p) if p else "" for p, s in zip(numbers, style, strict=True)], dtype=object
        )

    # events

    def events(self, now: str, dialect: str) -> tuple[dict[str, Any], pd.DataFrame]:
        """The event columns in wire form, and the frame ``index_new_events`` indexes them from."""
        place = self.place
        starts, length, precision = self.window()
        x, y = place["x"].round(), place["y"].round()
        lon, lat = projector(CRS).to_wgs84(x, y)
        columns = {
            "id": self.event_ids, "source_system": self.name, "natural_key": self.keys, "version": 1,
            "event_type": self.profile.event_type, "category": place["category"],
            "subcategory": place.get("subcategory"), "time_precision": precision, "lon": lon.round(6),
            "lat": lat.round(6), "x": x, "y": y, "location_text": place["location_text"],
            "area_code": AREA_CODE[place["borough"]], "area_name": BOROUGH[place["borough"]],
            "outcome": place.get("outcome"), "attributes": place.get("attributes"), "ingested_at": now,
        }  # fmt: skip
        frame = pd.DataFrame({"id": self.event_ids, "time_from": starts, "time_to": starts + length}
                             | {k: _broadcast(columns[k], self.n) for k in BODY_COLUMNS})  # fmt: skip
        for end in ("time_from", "time_to"):
            columns[end] = np.array(wire_datetimes(frame[end].to_numpy(), dialect), dtype=object)
        return columns, frame

    def window(self) -> tuple[np.ndarray, np.ndarray, Any]:
        """Start, length and precision of each event's time window."""
        minute, n = np.timedelta64(60, "s"), self.n
        if self.system == ANPR:
            return self.when, np.full(n, np.timedelta64(1, "s")), "second"
        if self.system == VETTING:
            return self.when.astype("datetime64[D]").astype("datetime64[s]"), np.full(n, DAY), "day"
        starts = self.when.astype("datetime64[m]").astype("datetime64[s]")
        if self.system != CRIME:
            return starts, np.full(n, minute), "minute"
        ranged = self.chance(CRIME_WINDOW)
        length = np.where(ranged, self.rng.integers(30, 12 * 60, n) * minute + minute, minute)
        return starts, length, np.where(ranged, "range", "minute").astype(object)

    def ref(self, prefix: np.ndarray | str, year: bool = True) -> np.ndarray:
        """The system's own references: a prefix, a serial unique in the system, the two-digit year."""
        serial = (self.seq * 104_729 + 7_919) % 10**self.width  # a bijection: 104729 is prime to 10
        years = (self.when.astype("datetime64[Y]").astype(int) + 1970) % 100
        parts = zip(_broadcast(prefix, self.n), serial.tolist(), years.tolist(), strict=True)
        return np.array(
            [f"{a}{s:0{self.width}d}" + (f"/{y:02d}" if year else "") for a, s, y in parts], dtype=object
        )

    def streets(self, borough: np.ndarray) -> np.ndarray:
        return title(self.draw(vocab.STREETS) + " " + self.draw(vocab.STREET_TYPES)) + ", " + BOROUGH[borough]

    def elsewhere(self, at_home: float) -> np.ndarray:
        """The home borough at the rate given, else anywhere in London."""
        anywhere = self.rng.integers(len(BOROUGHS), size=self.n)
        return np.where(self.chance(at_home), self.home.borough, anywhere)

    def near(self, borough: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "borough": borough,
            "x": np.clip(CENTRE_X[borough] + self.rng.normal(0, PLACE_SPREAD_M, self.n), *BOX[0]),
            "y": np.clip(CENTRE_Y[borough] + self.rng.normal(0, PLACE_SPREAD_M, self.n), *BOX[1]),
        }

    # vehicles and links

    def vehicles(self, tally: _Tally, now: str, run: int) -> tuple[dict[str, Any], dict[str, Any], dict]:
        """Vehicle objects first seen here and their members, and every record's vehicle links."""
        rows = np.flatnonzero(self.vehicle >= 0)
        true = self.vehicle[rows]
        plates = _typed_plates(self.truth.pop.vehicles.vrm[true], self.system, self.rng)
        ids = _ids("object", self.name, "vehicle:" + plates)
        new = _first_seen(ids, true, tally.seen_objects)
        v, fresh, anpr = self.truth.pop.vehicles, true[new], self.system == ANPR
        unrecognised = self.rng.random(len(new)) < (ANPR_NO_MAKE if anpr else 0.0)  # by the camera
        objects = {
            "id": ids[new], "source_system": self.name, "natural_key": "vehicle:" + plates[new],
            "source_key": self.keys[rows[new]], "source_version": 1, "kind": "vehicle",
            "identifier": plates[new], "make": np.where(unrecognised, None, v.make[fresh]),
            "model": v.model[fresh] if self.system == CRIME else None, "colour": v.colour[fresh],
            "ingested_at": now,
        }  # fmt: skip
        members = {"entity_type": "vehicle", "record_id": ids[new], "since": now, "run_id": run,
                   "entity_id": self.truth.vehicle_entity[fresh]}  # fmt: skip
        role, events, owners = "seen" if anpr else "used_in", self.event_ids[rows], self.person_ids[rows]
        links = self.links([("object", ids, role, "event", events, rows),
                            ("person", owners, "owner", "object", ids, rows)], now)  # fmt: skip
        return objects, members, links

    def links(self, parts: list[tuple], now: str) -> dict[str, Any]:
        """Link rows from parts (subject type, subject ids, role, object type, object ids, the records
        asserting them), with the writer's ids: a hash of system, source key, subject, role, object."""
        names = ("subject_type", "subject_id", "role", "object_type", "object_id")
        keys = [self.keys[part[5]] for part in parts]
        columns = {
            name: np.concatenate([_broadcast(part[i], len(k)) for part, k in zip(parts, keys, strict=True)])
            for i, name in enumerate(names)
        }
        columns["source_key"] = np.concatenate(keys)
        asserted = zip(
            *(columns[c].tolist() for c in ("source_key", "subject_id", "role", "object_id")), strict=True
        )
        hashed = content_hashes(f"{self.name}\x1f{k}\x1f{s}\x1f{r}\x1f{o}" for k, s, r, o in asserted)
        columns["id"] = np.array(["li_" + h[:24] for h in hashed], dtype=object)
        return columns | {"source_system": self.name, "source_version": 1, "ingested_at": now}


def _custody(c: _Chunk) -> dict[str, Any]:
    borough = c.elsewhere(0.85)
    return {
        "borough": borough, "x": CENTRE_X[borough] + 150.0, "y": CENTRE_Y[borough] - 120.0,
        "location_text": SUITE[borough], "category": c.draw(vocab.ARREST_REASONS),
        "outcome": c.draw(CUSTODY_OUTCOMES), "natural_key": c.ref(SUITE_CODE[borough]),
    }  # fmt: skip


def _crime(c: _Chunk) -> dict[str, Any]:
    borough = np.where(c.victim, c.home.borough, c.elsewhere(0.6))
    offence = c.draw(vocab.OFFENCES)
    property_mo = c.draw(MO_PROPERTY[0]) + " " + c.draw(MO_PROPERTY[1]) + "; " + c.draw(MO_PROPERTY[2])
    person_mo = c.draw(MO_PERSON[0]) + ", " + c.draw(MO_PERSON[1]) + "; " + c.draw(MO_PERSON[2])
    mo = np.where(np.isin(offence, PROPERTY_CRIMES), property_mo, person_mo)
    return c.near(borough) | {
        "location_text": c.streets(borough), "category": offence, "outcome": c.draw(vocab.CRIME_STATUSES),
        "attributes": _json_rows({"mo": mo}), "natural_key": c.ref(UNIT[borough]),
    }  # fmt: skip


def _intel(c: _Chunk) -> dict[str, Any]:
    place = c.near(c.home.borough)
    where = c.streets(place["borough"])
    notes = c.draw(NOTES[0]) + " " + c.draw(NOTES[1]) + " near " + where + " " + c.draw(NOTES[2]) + "."
    return place | {
        "location_text": where, "category": c.draw(vocab.INTEL_TOPICS),
        "attributes": _json_rows({"grading": c.draw(vocab.INTEL_GRADES), "notes": notes}),
        "natural_key": c.ref("INT/"),
    }  # fmt: skip


def _stop(c: _Chunk) -> dict[str, Any]:
    place = c.near(c.elsewhere(0.7))
    searched = np.where(c.vehicle >= 0, "Person and Vehicle search", "Person search").astype(object)
    return place | {
        "location_text": c.streets(place["borough"]), "category": searched,
        "subcategory": c.draw(vocab.SEARCH_OBJECTS), "outcome": c.draw(vocab.SEARCH_OUTCOMES),
        "natural_key": c.ref("SS/"),
    }  # fmt: skip


def _anpr(c: _Chunk) -> dict[str, Any]:
    borough = c.elsewhere(0.75)
    camera = borough * CAMERAS_PER_BOROUGH + c.rng.integers(CAMERAS_PER_BOROUGH, size=c.n)
    angle, radius = camera * 2.4, 600.0 + (camera % CAMERAS_PER_BOROUGH) * 350.0  # cameras stand still
    return {
        "borough": borough, "x": CENTRE_X[borough] + radius * np.cos(angle),
        "y": CENTRE_Y[borough] + radius * np.sin(angle), "category": "ANPR read",
        "location_text": ROADS[camera % len(ROADS)] + ", " + BOROUGH[borough],
        "attributes": _json_rows({"camera_id": CAMERA_IDS[camera]}), "natural_key": c.ref("", year=False),
    }  # fmt: skip


def _vetting(c: _Chunk) -> dict[str, Any]:
    return {
        "borough": c.home.borough, "x": c.home.x, "y": c.home.y, "location_text": None,
        "category": "Vetting application", "subcategory": c.draw(VETTING_LEVELS),
        "outcome": c.draw(VETTING_OUTCOMES), "natural_key": c.ref("VET", year=False),
    }  # fmt: skip


EVENTS: tuple[Callable[[_Chunk], dict[str, Any]], ...] = (_custody, _crime, _intel, _stop, _anpr, _vetting)


# -- small array helpers -------------------------------------------------------------------------


def _ids(kind: str, system: str, keys: np.ndarray) -> np.ndarray:
    return np.array(entity_ids(kind, system, keys.tolist()), dtype=object)


def _person_keys(system: int, seq: np.ndarray) -> np.ndarray:
    """The system's own person ids, numbered in time order as synth nominals number them."""
    prefix = PROFILES[system].person_ref
    return np.array([f"person:{prefix}{s + 1:07d}" for s in seq.tolist()], dtype=object)


def _broadcast(value: Any, n: int) -> np.ndarray:
    return value if isinstance(value, np.ndarray) else np.full(n, value, dtype=object)


def _text(numbers: np.ndarray) -> np.ndarray:
    return numbers.astype(str).astype(object)


def _letters(alphabet: str, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.array(list(alphabet), dtype=object)[rng.integers(len(alphabet), size=n)]


def _slice(values: np.ndarray, start: int, stop: int) -> np.ndarray:
    return np.array([v[start:stop] for v in values], dtype=object)


def _lower(values: np.ndarray) -> np.ndarray:
    return np.array([v.lower() for v in values], dtype=object)


def _joined(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Two name parts with a space between, or the one there is."""
    return np.array([f"{a} {b}".strip() for a, b in zip(first, second, strict=True)], dtype=object)


def _first_seen(ids: np.ndarray, owners: np.ndarray, seen: dict[str, int]) -> np.ndarray:
    """Positions of the ids not seen before, each recorded in ``seen`` with its true owner."""
    new = []
    for i, (object_id, owner) in enumerate(zip(ids.tolist(), owners.tolist(), strict=True)):
        if object_id not in seen:
            seen[object_id] = owner
            new.append(i)
    return np.array(new, dtype=np.int64)


def _date_errors(dob: np.ndarray, rate: float, error: Callable, rng: np.random.Generator) -> np.ndarray:
    """A ``synth.noise`` date error applied to a ``rate`` share of datetime64 dates of birth."""
    hit = np.flatnonzero(rng.random(len(dob)) < rate)
    out = dob.copy()
    out[hit] = np.array([error(d, rng) for d in dob[hit].tolist()], dtype="datetime64[D]")
    return out


def _typed_plates(plates: np.ndarray, system: int, rng: np.random.Generator) -> np.ndarray:
    """Registrations as recorded: ANPR reads them without spaces and misreads look-alike characters;
    people type them with slips and stray spaces."""
    if system == ANPR:
        return corrupt(
            np.array([p.replace(" ", "") for p in plates], dtype=object), MISREAD, misread_plate, rng
        )
    return corrupt(corrupt(plates, PLATE_TYPO, mistype_plate, rng), RESPACED, _respace, rng)


def _respace(vrm: str, rng: np.random.Generator) -> str:
    """The space in the wrong place: AB1 2CDE, A B12CDE."""
    bare = vrm.replace(" ", "")
    cut = int(rng.integers(1, len(bare)))
    return f"{bare[:cut]} {bare[cut:]}"


def _json_rows(columns: dict[str, np.ndarray]) -> np.ndarray:
    """Per row, a JSON object of the non-blank values with keys sorted, as the writer stores
    attributes; None for a row with none."""
    names = sorted(columns)
    found = ({k: v for k, v in zip(names, row, strict=True) if v}
             for row in zip(*(columns[k].tolist() for k in names), strict=True))  # fmt: skip
    return np.array([orjson.dumps(d).decode() if d else None for d in found], dtype=object)


# -- writing -------------------------------------------------------------------------------------


def _wire(table: Table, columns: dict[str, Any]) -> tuple[Table, list[str], list[tuple]]:
    """Rows in the table's column order, scalars filling a column, sorted by primary key: each
    chunk's index entries then go in one sweep (a fifth faster at 5,000,000 rows on SQLite)."""
    arrays = {k: v for k, v in columns.items() if isinstance(v, np.ndarray)}
    n = len(next(iter(arrays.values())))
    key = next(c.name for c in table.primary_key.columns if c.name in arrays)
    order = np.argsort(arrays[key].astype("S"), kind="stable")
    names = [c.name for c in table.columns if c.name in columns]
    values = [arrays[k][order].tolist() if k in arrays else repeat(columns[k], n) for k in names]
    return table, names, list(zip(*values, strict=True))


@dataclass(frozen=True)
class _Rows:
    """A chunk ready to write: the events' frame for the word index, and each table's rows."""

    events: pd.DataFrame
    tables: list[tuple[Table, list[str], list[tuple]]]

    def write(self, ops: BulkOps) -> None:
        """The events indexed for word search before they are inserted, as the ingest writer does."""
        index_new_events(ops, self.events)
        for table, names, values in self.tables:
            ops.insert(table, names, values)


def _chunks(truth: _Truth, recs: _Records, seed: int, runs: dict[str, int], tally: _Tally,
            dialect: str) -> Iterator[tuple[str, _Rows]]:  # fmt: skip
    """Each chunk's rows, system by system, with a line saying how far the load has got."""
    now = _wire_now(dialect)
    for system, name in enumerate(SYSTEMS):
        first, last = int(recs.starts[system]), int(recs.starts[system + 1])
        for start in range(first, last, CHUNK):
            rows = slice(start, min(start + CHUNK, last))
            chunk = _Chunk(truth, recs, system, rows, np.random.default_rng([seed, 2, system, start]))
            yield (
                f"{name}: {rows.stop - first:,} of {last - first:,} records",
                chunk.rows(tally, now, dialect, runs),
            )


def _ahead(items: Iterator[Any]) -> Iterator[Any]:
    """``items`` made one ahead in a background thread, so that making the next chunk overlaps
    writing this one while SQLite's B-tree work and PostgreSQL's server run without Python's lock."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = pool.submit(next, items, None)
            yield item


def _load(engine: Engine, chunks: Iterator[tuple[str, _Rows]], say: Callable[[str], None]) -> None:
    """The chunks written, a transaction per ``CHUNKS_PER_COMMIT``: a commit writes out every index
    page its chunks touched, and a chunk of random keys touches most pages of each primary key."""
    for _, batch in groupby(enumerate(_ahead(chunks)), key=lambda item: item[0] // CHUNKS_PER_COMMIT):
        with engine.begin() as conn:
            _tune(conn)
            ops = bulk_ops(conn)
            for _, (done, rows) in batch:
                rows.write(ops)
                say(done)


def _tune(conn: Connection) -> None:
    """Per transaction: a page cache that holds most of the key indexes (SQLite); commits that do
    not wait for the log to reach the disk (PostgreSQL: a crash loses the last chunks, nothing else)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    else:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")


def _lifted(conn: Connection, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(kind, name, definition) of what the load does without, as the store holds it: the tables'
    indexes that enforce nothing, and migration 0008's insert trigger, whose work ``index_new_events``
    has done before each insert, though its check still cost a lookup per row (a third of the
    events' insert time)."""
    params: dict[str, Any] = {"tables": list(tables)}
    if conn.dialect.name == "sqlite":
        query = ("SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN :tables AND ((type = 'index' "
                 "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%') OR name = :trigger) "
                 "ORDER BY name")  # fmt: skip
        params["trigger"] = REDUNDANT_TRIGGER
    else:
        query = ("SELECT 'index', c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                 "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
                 "WHERE t.relnamespace = current_schema()::regnamespace AND t.relname IN :tables "
                 "AND NOT i.indisunique ORDER BY c.relname")  # fmt: skip
    found = conn.execute(text(query).bindparams(bindparam("tables", expanding=True)), params)
    return [(kind, name, ddl) for kind, name, ddl in found]


@contextmanager
def _deferred(engine: Engine, tables: tuple[str, ...]) -> Iterator[None]:
    """Plain indexes and the redundant trigger dropped for the load, then each index built once (one
    sorted build is several times faster than keeping it in step row by row) and the trigger
    restored, from the definitions the store held, later migrations' indexes included. A failed
    load leaves them dropped."""
    with engine.begin() as conn:
        lifted = _lifted(conn, tables)
        for kind, name, _ in lifted:
            conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
    yield
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{PG_INDEX_MEMORY}'")
        for _, _, ddl in lifted:
            conn.exec_driver_sql(ddl)


def _start_runs(engine: Engine) -> dict[str, int]:
    """A model and a full run per entity type, for the truth's members to name."""
    now, runs = datetime.now(UTC), {}
    with engine.begin() as conn:
        for entity in ("person", "vehicle"):
            model = conn.execute(insert(schema.resolve_models).values(
                entity_type=entity, trained_at=now, trained_by=BY, settings={}, threshold=None, report={},
            )).inserted_primary_key[0]  # fmt: skip
            runs[entity] = conn.execute(insert(schema.resolve_runs).values(
                entity_type=entity, model_id=model, kind="full", started_at=now, finished_at=now,
                started_by=BY, stats={},
            )).inserted_primary_key[0]  # fmt: skip
    return runs


def _entities(engine: Engine, truth: _Truth, recs: _Records, tally: _Tally) -> None:
    """One resolved entity per true person and vehicle with records, sized by its records."""
    now = _wire_now(engine.dialect.name)
    sizes = {
        "person": np.bincount(recs.person, minlength=len(truth.entity)),
        "vehicle": _vehicle_records(truth, tally),
    }
    ids = {"person": truth.entity, "vehicle": truth.vehicle_entity}
    with engine.begin() as conn:
        ops = bulk_ops(conn)
        for entity, size in sizes.items():
            held = np.flatnonzero(size)
            tally.stats[entity] = {"records": int(size.sum()), "entities": len(held), "truth": True}
            for start in range(0, len(held), CHUNK):
                part = held[start : start + CHUNK]
                ops.insert(*_wire(schema.resolve_entities, {
                    "id": ids[entity][part], "entity_type": entity, "size": size[part], "created_at": now,
                    "updated_at": now, "weak_links": 0,
                }))  # fmt: skip
                tally.rows["resolve_entities"] += len(part)


def _finish(engine: Engine, runs: dict[str, int], tally: _Tally) -> None:
    """Run statistics, the longest event window (date filters rely on it), and the store at rest:
    PostgreSQL vacuumed and analysed, SQLite's write-ahead log folded into the file."""
    meta, resolve_runs = schema.store_meta, schema.resolve_runs
    with engine.begin() as conn:
        for entity, run in runs.items():
            done = {"finished_at": datetime.now(UTC), "stats": tally.stats[entity]}
            conn.execute(update(resolve_runs).where(resolve_runs.c.id == run).values(**done))
        current = conn.execute(select(meta.c.value).where(meta.c.key == LONGEST_WINDOW_KEY)).scalar()
        longest = str(max(int(current or 0), tally.longest_s))
        conn.execute(update(meta).where(meta.c.key == LONGEST_WINDOW_KEY).values(value=longest))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.dialect.name == "postgresql":
            for table in LOADED:
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _wire_now(dialect: str) -> str:
    now = np.array([np.datetime64(datetime.now(UTC).replace(tzinfo=None), "us")])
    return wire_datetimes(now, dialect)[0]


def _vehicle_records(truth: _Truth, tally: _Tally) -> np.ndarray:
    owners = np.fromiter(tally.seen_objects.values(), dtype=np.int64, count=len(tally.seen_objects))
    return np.bincount(owners, minlength=len(truth.vehicle_entity))


# -- the corpus ----------------------------------------------------------------------------------


def build(url: str, persons: int = 1_000_000, records: int = 5_000_000, seed: int = 11,
          progress: Callable[[str], None] | None = None) -> Corpus:  # fmt: skip
    """Create the store at ``url`` (a SQLite file, or an empty PostgreSQL database), migrate it and
    load ``records`` records of ``persons`` true people, with the truth as resolved entities;
    ``progress`` hears each stage, with the seconds since the start. The same seed gives the same
    store."""
    if persons < 1 or records < 1:
        raise ValueError(f"need at least one person and one record, not {persons} and {records}")
    started = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            progress(f"{time.perf_counter() - started:7.1f}s  {message}")

    engine = make_engine(url)
    try:
        upgrade(engine, CRS)
        truth = _truth(persons, seed)
        recs = _records(truth, records, seed)
        say(f"drew {persons:,} people and {records:,} records")
        tally = _Tally()
        with _deferred(engine, LOADED):
            runs = _start_runs(engine)
            _load(engine, _chunks(truth, recs, seed, runs, tally, engine.dialect.name), say)
            _entities(engine, truth, recs, tally)
            say("building indexes")
        _finish(engine, runs, tally)
        say("store ready")
    finally:
        engine.dispose()
    return Corpus(url, persons, records, seed, dict(tally.rows), _people(truth, recs, tally))


def _people(truth: _Truth, recs: _Records, tally: _Tally) -> pd.DataFrame:
    sizes = np.bincount(recs.person, minlength=len(truth.entity))
    person = np.flatnonzero(sizes)
    by_person = np.lexsort((recs.when, recs.person))  # each person's records, latest last
    last = by_person[np.cumsum(sizes[person]) - 1]
    when = recs.when[last]
    record_id = np.empty(len(person), dtype=object)
    for system, name in enumerate(SYSTEMS):
        rows = np.flatnonzero(recs.system[last] == system)
        record_id[rows] = _ids("person", name, _person_keys(system, last[rows] - recs.starts[system]))
    pop, vehicle = truth.pop, truth.vehicle_of[person]
    seen = np.append(_vehicle_records(truth, tally) > 0, False)[vehicle]  # a vehicle on record
    phone = pop.phone[person]
    vrm, vehicle_entity = or_blank(pop.vehicles.vrm, vehicle), or_blank(truth.vehicle_entity, vehicle)
    return pd.DataFrame({
        "entity_id": pd.Series(truth.entity[person], dtype=object),
        "forename": pd.Series(pop.forename[person], dtype=object),
        "surname": pd.Series(pop.surname_at(person, when), dtype=object),
        "dob": pop.dob[person],
        "postcode": pd.Series(truth.home_at(person, when).postcode, dtype=object),
        "phone": pd.Series(np.where(phone != "", phone, None), dtype=object),
        "vrm": pd.Series(np.where(seen, vrm, None), dtype=object),
        "vehicle_entity": pd.Series(np.where(seen, vehicle_entity, None), dtype=object),
        "record_id": pd.Series(record_id, dtype=object),
        "records": sizes[person],
    })  # fmt: skip


# -- queries -------------------------------------------------------------------------------------

QUERY_MIX = {
    "name_typo": 0.15, "name_dob": 0.20, "name_transposed": 0.08, "nickname": 0.08, "plate_partial": 0.08,
    "plate": 0.08, "postcode": 0.12, "phone": 0.11, "dob": 0.10,
}  # fmt: skip
DOB_FORMATS: tuple[Callable[[date], str], ...] = (
    lambda d: d.strftime("%d/%m/%Y"),
    lambda d: f"{d.day}/{d.month}/{d.year}",
    lambda d: d.isoformat(),
    lambda d: d.strftime("%d %b %Y"),
    lambda d: d.strftime("%d.%m.%Y"),
)
LOOK_ALIKE = str.maketrans("O0I1", "0O1I")


def queries(corpus: Corpus, n: int = 1000, seed: int = 5) -> list[Query]:
    """``n`` searches a researcher might type, in ``QUERY_MIX`` shares and shuffled, each made from
    one true person's values with the slips people make; the same list for the same corpus and
    seed. A kind nobody qualifies for (no vehicle in a tiny corpus) is left out."""
    rng = np.random.default_rng(seed)
    people = corpus.people
    made = []
    for kind, count in _allocate(n).items():
        eligible = np.flatnonzero(_ELIGIBLE[kind](people))
        if not count or not len(eligible):
            continue
        picked = rng.choice(eligible, size=count, replace=count > len(eligible))
        expected = "vehicle_entity" if kind.startswith("plate") else "entity_id"
        made += [Query(_QUERY_TEXT[kind](row, rng), kind, row[expected])
                 for row in people.iloc[picked].to_dict("records")]  # fmt: skip
    return [made[i] for i in rng.permutation(len(made))]


def _allocate(n: int) -> dict[str, int]:
    """Queries per kind: ``n`` split by the shares, the remainder to the largest fractions."""
    exact = {k: n * share for k, share in QUERY_MIX.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def _case(words: str, rng: np.random.Generator) -> str:
    """As typed: Title Case mostly, sometimes all capitals or all lower case."""
    return (words.title(), words.upper(), words.lower())[int(rng.choice(3, p=[0.6, 0.2, 0.2]))]


def _name_typo(row: dict, rng: np.random.Generator) -> str:
    forename, surname = row["forename"], row["surname"]
    if rng.random() < 0.5:
        return _case(f"{forename} {typo(surname, rng)}", rng)
    return _case(f"{typo(forename, rng)} {surname}", rng)


def _name_dob(row: dict, rng: np.random.Generator) -> str:
    """Surname and date of birth: some with day and month swapped, some only "03/1987"."""
    dob, kind = row["dob"].date(), rng.random()
    if kind < 0.2:
        typed = swap_day_month(dob, rng).strftime("%d/%m/%Y")
    elif kind < 0.4:
        typed = dob.strftime("%m/%Y")
    else:
        typed = dob.strftime("%d/%m/%Y")
    return f"{_case(row['surname'], rng)} {typed}"


def _name_transposed(row: dict, rng: np.random.Generator) -> str:
    separator = ", " if rng.random() < 0.3 else " "
    return _case(f"{row['surname']}{separator}{row['forename']}", rng)


def _nickname(row: dict, rng: np.random.Generator) -> str:
    return _case(f"{nickname(row['forename'], rng)} {row['surname']}", rng)


def _plate_partial(row: dict, rng: np.random.Generator) -> str:
    """The front of the plate (AB12) or its middle (B12 CD), sometimes with O for 0 or I for 1."""
    plate = row["vrm"]
    bare = plate.replace(" ", "")
    part = plate.split(" ")[0] if rng.random() < 0.5 else f"{bare[1:4]} {bare[4:6]}"
    return part.translate(LOOK_ALIKE) if rng.random() < 0.3 else part


def _plate(row: dict, rng: np.random.Generator) -> str:
    plate = row["vrm"]
    return (plate.replace(" ", ""), _respace(plate, rng), plate.lower())[int(rng.integers(3))]


def _postcode(row: dict, rng: np.random.Generator) -> str:
    postcode = row["postcode"]
    typed = postcode.replace(" ", "") if rng.random() < 0.4 else postcode
    return typed.lower() if rng.random() < 0.3 else typed


def _phone(row: dict, rng: np.random.Generator) -> str:
    return PHONE_STYLES[int(rng.integers(len(PHONE_STYLES)))](row["phone"])


def _dob(row: dict, rng: np.random.Generator) -> str:
    return DOB_FORMATS[int(rng.integers(len(DOB_FORMATS)))](row["dob"].date())


_QUERY_TEXT: dict[str, Callable[[dict, np.random.Generator], str]] = {
    "name_typo": _name_typo, "name_dob": _name_dob, "name_transposed": _name_transposed,
    "nickname": _nickname, "plate_partial": _plate_partial, "plate": _plate, "postcode": _postcode,
    "phone": _phone, "dob": _dob,
}  # fmt: skip
_ELIGIBLE: dict[str, Callable[[pd.DataFrame], Any]] = {
    "nickname": lambda p: p["forename"].isin(list(vocab.nicknames())),
    "plate_partial": lambda p: p["vrm"].notna(),
    "plate": lambda p: p["vrm"].notna(),
    "phone": lambda p: p["phone"].notna(),
} | dict.fromkeys(
    ("name_typo", "name_dob", "name_transposed", "postcode", "dob"), lambda p: p["entity_id"].notna()
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the search benchmark's corpus, and time it.")
    parser.add_argument("url", help="sqlite:///path.db, or an empty PostgreSQL database")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    corpus = build(
        args.url, args.persons, args.records, args.seed, progress=lambda line: print(line, flush=True)
    )
    print(", ".join(f"{table} {rows:,}" for table, rows in corpus.counts.items()))
    print(f"RESULT seconds={time.perf_counter() - started:.1f} peak_rss_mb={peak_rss_mb():.0f} "
          f"true_people={len(corpus.people)}")  # fmt: skip


if __name__ == "__main__":
    main()
