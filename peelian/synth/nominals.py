"""Synthetic police nominals: N true people seen through six simulated source systems (custody,
crime, intelligence, stop and search, ANPR, vetting), each with its own schema and error profile,
and the ground truth, for demonstrating and testing entity resolution.

Each system is written as its own CSV, to be loaded through its shipped mapping
(``nominals_<system>``) like any force source, never straight into the store. ``truth.csv`` names
the true person behind every person record exactly as the store keys it (``persons.natural_key``
within ``persons.source_system``); ``vehicle_truth.csv`` does the same for vehicle records.

One seed gives the same files on any machine: each system draws from its own random stream, so
changing one system's errors leaves the others' files as they were.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from peelian.errors import PeelianError
from peelian.ingest.mapping import load_mapping
from peelian.synth import anpr, crime, custody, intel, stops, vetting
from peelian.synth.appearances import appearances
from peelian.synth.people import Population, population
from peelian.synth.records import Plates, Records

SYSTEMS = {m.__name__.rsplit(".", 1)[-1]: m for m in (custody, crime, intel, stops, anpr, vetting)}
TRUTH = "truth.csv"
VEHICLE_TRUTH = "vehicle_truth.csv"
README = "README.txt"


@dataclass(frozen=True)
class Nominals:
    """Everything one run made: each system's records with their truth, and the true population."""

    people: int
    seed: int
    records: dict[str, Records]  # by system name ("custody", ...), in SYSTEMS order
    population: Population  # the truth itself: who each person really is

    def summary(self) -> dict:
        systems = {
            name: {
                "source_system": r.system, "file": f"{name}.csv", "mapping": mapping_name(name),
                "rows": len(r.frame), "person_records": len(r.persons), "vehicle_records": len(r.vehicles),
                "true_people": int(r.persons["true_person"].nunique()),
            }
            for name, r in self.records.items()
        }  # fmt: skip
        seen = pd.concat([r.persons.assign(system=name) for name, r in self.records.items()])
        spread = seen.groupby("true_person")["system"].nunique().value_counts().sort_index()
        return {
            "people": self.people, "seed": self.seed, "systems": systems,
            "people_by_systems_seen_in": {int(k): int(v) for k, v in spread.items()},
        }  # fmt: skip


def mapping_name(system: str) -> str:
    """The shipped mapping that reads a system's CSV (``peelian ingest mapped --mapping ...``)."""
    return f"nominals_{system}"


def check(people: int, seed: int) -> None:
    """Refuse, in plain words, what ``generate`` cannot do."""
    if people < 1:
        raise PeelianError(f"the number of people (--people) must be at least 1, not {people}")
    if seed < 0:
        raise PeelianError(f"the seed (--seed) must be 0 or more, not {seed}")


def generate(people: int, seed: int, progress: Callable[[str], None] | None = None) -> Nominals:
    """``people`` true people and every system's records of them; ``progress`` hears each stage."""
    check(people, seed)
    notify = progress or (lambda _stage: None)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(1 + len(SYSTEMS))]
    pop = population(people, streams[0])
    seen = appearances(pop, streams[0])
    notify("people")
    plates = Plates(pop.vehicles.vrm)
    build = {
        "custody": lambda rng: custody.custody(pop, seen.custody, rng),
        "crime": lambda rng: crime.crime(pop, seen.suspect, seen.victim, plates, rng),
        "intel": lambda rng: intel.intel(pop, seen.intel, rng),
        "stops": lambda rng: stops.stops(pop, seen.stops, plates, rng),
        "anpr": lambda rng: anpr.anpr(pop, seen.anpr, plates, rng),
        "vetting": lambda rng: vetting.vetting(pop, seen.vetting, rng),
    }
    records = {}
    for name, rng in zip(SYSTEMS, streams[1:], strict=True):
        records[name] = build[name](rng)
        notify(name)
    return Nominals(people, seed, records, pop)


def prepare(folder: Path) -> Path:
    """The output folder, created if need be; refused at once (one line) when it cannot be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".peelian-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PeelianError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return folder


def write(nominals: Nominals, folder: Path) -> list[Path]:
    """The six CSVs, the two truth files and a README into ``folder``; the paths written."""
    prepare(folder)
    paths = []
    try:
        for name, records in nominals.records.items():
            paths.append(_csv(records.frame, folder / f"{name}.csv"))
        paths.append(_csv(_truth(nominals, "persons"), folder / TRUTH))
        paths.append(_csv(_truth(nominals, "vehicles"), folder / VEHICLE_TRUTH))
        (folder / README).write_text(readme(nominals), encoding="utf-8")
    except OSError as exc:
        raise PeelianError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    return [*paths, folder / README]


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, na_rep="", lineterminator="\n")
    return path


def _truth(nominals: Nominals, part: str) -> pd.DataFrame:
    frames = [getattr(r, part).assign(source_system=r.system) for r in nominals.records.values()]
    truth = pd.concat(frames, ignore_index=True)
    return truth[["source_system", *(c for c in truth.columns if c != "source_system")]]


def readme(nominals: Nominals) -> str:
    """What each file holds: schema, how to load it, its error profile, and the truth files."""
    lines = [
        f"Synthetic police nominals: {nominals.people:,} true people, seed {nominals.seed}",
        "Written by `peelian synth nominals`. Every person and place here is invented.",
        "",
        "Load each system through its shipped mapping (never straight into tables):",
        "  peelian ingest mapped --mapping nominals_<system> <system>.csv",
        "or all six at once: peelian synth nominals ... --ingest",
        "",
    ]
    for name, module in SYSTEMS.items():
        records = nominals.records[name]
        lines += [
            f"{name}.csv  (source system {records.system}, mapping {mapping_name(name)}, "
            f"{len(records.frame):,} rows)",
            f"  {module.DESCRIPTION}",
            f"  columns: {', '.join(records.frame.columns)}",
            *_formats(mapping_name(name)),
            "  rates: " + ", ".join(f"{k} {v:.1%}" for k, v in module.RATES.items()),
            "",
        ]
    lines += [
        f"{TRUTH}: source_system, person_key, true_person. person_key is the person's natural_key in",
        "  the store's persons table after mapped ingest: person:<nominal id> for systems that give",
        "  each nominal an id, person@<read_id>/1 for ANPR keepers (no id in the source: one per read).",
        f"{VEHICLE_TRUTH}: source_system, object_key, true_vehicle. object_key is vehicle:<registration",
        "  as recorded>, the natural_key of the vehicle in the objects table.",
        "Person attributes (persons.attributes JSON): address, postcode, phone, email, pnc_id, aliases,",
        "  dob_partial (intel: 1987 or 03/1987), previous_names, previous_address, previous_postcode,",
        "  middle_names, title, alias_of, moved_in, received, where the system holds them.",
        "Not every difference is an error: a record made before a person moved holds the old",
        "  address, and one made before a marriage the birth surname, as real records do.",
        "",
    ]
    return "\n".join(lines)


def _formats(mapping: str) -> list[str]:
    """The time and date-of-birth formats, read from the mapping that parses them."""
    spec = load_mapping(mapping)
    times = [f"{spec.event.time_from.column} {spec.event.time_from.format}"] if spec.event else []
    births = {f"{p.dob.column} {p.dob.format}" for p in spec.persons if p.dob is not None}
    return [f"  formats: {', '.join([*times, *sorted(births)])}"]
